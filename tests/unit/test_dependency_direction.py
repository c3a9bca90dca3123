"""The runtime package's dependencies point inward: the core and the use cases never import an
adapter. Use cases declare what they need as Protocols (ports) they own, and the composition root
(``sagewatch.wiring``) hands them the adapters; tests hand them fakes.

Every import counts, including those under ``if TYPE_CHECKING:`` and inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "layers" / "sagewatch" / "sagewatch"
ADAPTERS = "sagewatch.adapters"


def _adapter_imports(path: Path) -> list[str]:
    """Every ``sagewatch.adapters`` module (or name) that ``path`` imports, wherever in the file."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend(a.name for a in node.names if a.name == ADAPTERS or a.name.startswith(f"{ADAPTERS}."))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == ADAPTERS or node.module.startswith(f"{ADAPTERS}."):
                found.append(node.module)
            elif node.module == "sagewatch":
                found.extend(f"sagewatch.{a.name}" for a in node.names if a.name == "adapters")
    return found


def _inner_modules() -> list[Path]:
    paths = sorted([*(PACKAGE / "core").rglob("*.py"), *(PACKAGE / "usecases").rglob("*.py")])
    return list(paths)


@pytest.mark.parametrize("path", _inner_modules(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_core_and_use_cases_import_no_adapter(path: Path) -> None:
    assert _adapter_imports(path) == [], "depend on a port the use case or the core owns; wiring passes the adapter"


def test_the_check_sees_imports_inside_functions_and_type_checking_blocks(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from sagewatch.adapters.sqs import WorkQueue\n"
        "def f():\n"
        "    import sagewatch.adapters.aws\n"
        "    from sagewatch import adapters\n"
        "from sagewatch.core import fleet\n"
    )
    assert _adapter_imports(module) == ["sagewatch.adapters.sqs", "sagewatch.adapters.aws", "sagewatch.adapters"]
    assert _adapter_imports(PACKAGE / "wiring.py"), "the composition root imports adapters: the scan must see them"
