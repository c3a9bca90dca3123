"""Python modules drawn from their imports, statically (``ast``): what a file imports, and what a
set of entry files reaches through a package.

Every import statement counts wherever it stands (inside functions, in a ``try``): the runtime
imports many modules when first called. Imports under ``if TYPE_CHECKING:`` count unless asked
not to (``type_checking=False``: what runs, rather than what the design depends on). Relative
imports are resolved against the importing module's package.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path


def module_names(root: Path) -> dict[str, Path]:
    """Every module under ``root`` (a folder holding top-level packages) by its dotted name."""
    names: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        parts = list(path.relative_to(root).with_suffix("").parts)
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def imported_names(path: Path, module: str | None = None, *, type_checking: bool = True) -> set[str]:
    """The dotted names ``path`` imports: ``import a.b`` names ``a`` and ``a.b``; ``from a import b``
    names ``a`` and ``a.b`` (``b`` may be a module or an attribute: the caller keeps what exists).

    ``module`` is the file's own dotted name, to resolve relative imports (``from .x import y``);
    ``type_checking=False`` leaves out what is imported under ``if TYPE_CHECKING:`` only."""
    package = ""
    if module is not None:
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    tree = ast.parse(path.read_text(), filename=str(path))
    skipped: set[int] = set()
    if not type_checking:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and _is_type_checking(node.test):
                skipped.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.update(_prefixes(alias.name))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)] if package else []
                base = ".".join([*anchor, *([base] if base else [])])
            if not base:
                continue
            found.update(_prefixes(base))
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _prefixes(dotted: str) -> list[str]:
    # Importing a.b.c runs a/__init__ and a/b/__init__ first.
    parts = dotted.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def reached(entries: Iterable[Path], modules: Mapping[str, Path], *, type_checking: bool = True) -> set[str]:
    """The modules of ``modules`` that ``entries`` (files outside them) reach through imports."""
    seen: set[str] = set()
    todo = sorted(
        {name for entry in entries for name in imported_names(entry, type_checking=type_checking)} & modules.keys()
    )
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        imports = imported_names(modules[name], name, type_checking=type_checking)
        todo.extend(sorted((imports & modules.keys()) - seen))
    return seen
