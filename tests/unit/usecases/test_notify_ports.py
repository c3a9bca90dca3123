"""The alert path owns its ports: no module of usecases/notify imports an adapter (the adapters
implement the ports and raise the errors the core defines), so the dependency points one way."""

from __future__ import annotations

import ast
from pathlib import Path

NOTIFY = Path(__file__).resolve().parents[3] / "layers" / "sagewatch" / "sagewatch" / "usecases" / "notify"


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_no_module_of_the_alert_path_imports_an_adapter() -> None:
    modules = sorted(NOTIFY.glob("*.py"))
    assert modules
    offenders = {
        path.name: sorted(m for m in imported_modules(path) if m.startswith("sagewatch.adapters")) for path in modules
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_finder_sees_an_adapter_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from sagewatch.adapters.slack import SlackDeliveryError\nimport sagewatch.adapters.aws\n")
    assert imported_modules(module) == {"sagewatch.adapters.slack", "sagewatch.adapters.aws"}
