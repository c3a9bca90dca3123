"""The tools wing's packages, drawn from their imports: the emulated AWS account and Slack
(``sagewatch_emulator``) never imports the simulation (``sagewatch_simulator``: traffic,
incidents, the week, the demo); CloudWatch's alarm evaluation (``sagewatch_evaluation``) is a
leaf that imports no other SageWatch package, so the emulator, the simulator and the CLI all
evaluate alarms by the same rules and none of them can bend those rules to fit itself; the
runtime package imports no tool; and no package has an import circle.

Every import counts, including those under ``if TYPE_CHECKING:`` and inside functions: a circle
deferred to call time or hidden from the interpreter is still a circle in the design.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[2] / "layers" / "tools"
RUNTIME = TOOLS.parent / "sagewatch" / "sagewatch"
PACKAGES = ("sagewatch_emulator", "sagewatch_simulator", "sagewatch_evaluation", "sagewatch_cli")
TOOL_PACKAGES = frozenset(PACKAGES)
# The CLI is left out of the circle check: its argument checks, errors and connection settings
# import one another at call time (arguments -> errors -> connection -> arguments).
CIRCLE_FREE = ("sagewatch_emulator", "sagewatch_simulator", "sagewatch_evaluation")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(TOOLS).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The modules of ``modules`` that ``path`` imports (``from pkg import sub`` names ``pkg.sub``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found & modules


def _graph(package: str) -> dict[str, set[str]]:
    paths = {_module_name(p): p for p in (TOOLS / package).rglob("*.py")}
    modules = set(paths)
    return {name: _imports(path, modules) - {name} for name, path in paths.items()}


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_the_emulator_never_imports_the_simulator() -> None:
    offenders = [
        f"{path.relative_to(TOOLS)}: {sorted(names)}"
        for path in sorted((TOOLS / "sagewatch_emulator").rglob("*.py"))
        if (names := {n for n in _imports(path, _all_modules()) if n.split(".")[0] == "sagewatch_simulator"})
    ]
    assert not offenders, "the emulated account imports the simulation:\n" + "\n".join(offenders)


def _top_level_imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_the_alarm_evaluation_imports_no_other_sagewatch_package() -> None:
    """CloudWatch's rules as documented, pure: nothing of the runtime, the emulator, the simulator or the CLI."""
    offenders = [
        f"{path.relative_to(TOOLS)}: {sorted(names)}"
        for path in sorted((TOOLS / "sagewatch_evaluation").rglob("*.py"))
        if (names := {n for n in _top_level_imports(path) if n.startswith("sagewatch")} - {"sagewatch_evaluation"})
    ]
    assert not offenders, "sagewatch_evaluation imports another SageWatch package:\n" + "\n".join(offenders)


def test_the_runtime_package_imports_no_tool() -> None:
    """What ships (layers/sagewatch/sagewatch) never reaches into the tools, not even under TYPE_CHECKING."""
    offenders = [
        f"{path.relative_to(RUNTIME.parent)}: {sorted(names)}"
        for path in sorted(RUNTIME.rglob("*.py"))
        if (names := _top_level_imports(path) & TOOL_PACKAGES)
    ]
    assert not offenders, "the runtime package imports a tool package:\n" + "\n".join(offenders)


def _all_modules() -> set[str]:
    return {_module_name(p) for package in PACKAGES for p in (TOOLS / package).rglob("*.py")} | set(PACKAGES)


@pytest.mark.parametrize("package", CIRCLE_FREE)
def test_no_import_circle_inside_the_package(package: str) -> None:
    circles = _circles(_graph(package))
    assert not circles, f"import circles in {package}:\n" + "\n".join(" <-> ".join(c) for c in circles)


def test_the_circle_finder_finds_a_circle() -> None:
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _circles({"a": {"b"}, "b": set()}) == []
