"""The layer ships what the functions run: every module of the runtime package is reached by the
imports of some ``functions/*/app.py``.

Drawn statically from the imports (tests/import_graph.py), starting at the four handlers and
following every import that runs, inside functions too (the wiring imports each use case when
first called), through ``layers/sagewatch/sagewatch``; an import under ``if TYPE_CHECKING:``
runs nothing, so it does not count. A module no handler reaches is code every cold start's layer
carries for nobody: it belongs with the tools (``layers/tools``: the CLI, the alarm evaluation, the
emulated account) or nowhere. CloudWatch's alarm evaluation and ``sagewatch backtest`` moved out
for that reason (docs/architecture.md, "Decisions").
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.import_graph import imported_names, module_names, reached

ROOT = Path(__file__).resolve().parents[2]
LAYER_SOURCE = ROOT / "layers" / "sagewatch"
HANDLERS = sorted((ROOT / "functions").glob("*/app.py"))


def test_there_are_handlers_to_start_from() -> None:
    assert len(HANDLERS) >= 4, HANDLERS


def test_every_runtime_module_is_reached_from_a_function_handler() -> None:
    modules = module_names(LAYER_SOURCE)
    run = reached(HANDLERS, modules, type_checking=False)
    unreached = sorted(set(modules) - run)
    assert not unreached, (
        "modules of the runtime package that no functions/*/app.py reaches through its imports "
        "(move them to layers/tools, or delete them):\n"
        + "\n".join(f"  {name} ({modules[name].relative_to(ROOT)})" for name in unreached)
    )


# Wiring methods that no handler calls, each with its reason.
WIRING_METHODS_FOR_TESTS = {"built": "tests count the clients an invocation built"}


def test_every_wiring_method_is_called_by_what_the_functions_run() -> None:
    """A module-level closure cannot see a builder method that no handler calls (its imports sit
    inside it): the CLI's plan/sync/remove and backtest were such methods, so the composition
    root's public methods are checked by name against the calls of the reached code."""
    modules = module_names(LAYER_SOURCE)
    run = [*HANDLERS, *(modules[name] for name in reached(HANDLERS, modules, type_checking=False))]
    called = {
        node.func.attr
        for path in run
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    wiring = ast.parse(modules["sagewatch.wiring"].read_text())
    methods = {
        item.name
        for node in wiring.body
        if isinstance(node, ast.ClassDef) and node.name == "Wiring"
        for item in node.body
        if isinstance(item, ast.FunctionDef) and not item.name.startswith("_")
    }
    uncalled = sorted(methods - called - set(WIRING_METHODS_FOR_TESTS))
    assert not uncalled, f"Wiring methods no function handler calls (compose them in the tools instead): {uncalled}"


def test_the_closure_follows_imports_inside_functions_and_relative_ones(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("from .leaf import x\n")
    (package / "sub" / "leaf.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import pkg.typed\n"
        "def x():\n    from pkg import lazy\n"
    )
    (package / "typed.py").write_text("")
    (package / "lazy.py").write_text("")
    (package / "dead.py").write_text("")
    entry = tmp_path / "app.py"
    entry.write_text("def handler():\n    import pkg.sub\n")

    modules = module_names(tmp_path)
    del modules["app"]
    assert reached([entry], modules, type_checking=False) == {"pkg", "pkg.sub", "pkg.sub.leaf", "pkg.lazy"}
    assert "pkg.typed" in reached([entry], modules)
    assert "pkg.sub.leaf.x" in imported_names(package / "sub" / "__init__.py", "pkg.sub")
