"""docs/architecture.md places every module: its "Code layout" block names each module of the
runtime package (``layers/sagewatch/sagewatch``), the tools (``layers/tools/*``) and the
handlers (``functions/``).

The convention the block follows, and this test reads:

- An *entry* is a line of the block that starts before column 25 (the description column): a
  path (``core/``, ``config.py``, ``functions/<name>/app.py``), then its description, continued
  on the following lines that start at column 25 or later. An entry's path is relative to the
  nearest entry above it that is less indented and ends in ``/``; ``<name>`` stands for any one
  folder.
- A module is *placed* when the block has an entry for the module's own path, or when the
  description of the nearest folder entry that holds it names it: each sub-folder between the
  two as ``name/`` and the module as ``name`` (its file name without ``.py``), each *listed*:
  followed by a separator (``,`` ``;`` ``:`` ``.`` ``)``), a parenthesis, an arrow or ``+``,
  ``and``/``or``, or the end; a word of the prose does not place a module.
  A package's ``__init__.py`` is placed by its folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAP = ROOT / "docs" / "architecture.md"
DESCRIPTION_COLUMN = 25
ROOTS = (
    ROOT / "layers" / "sagewatch" / "sagewatch",
    # Every tool package, namespace packages (no __init__.py) included.
    *sorted(p for p in (ROOT / "layers" / "tools").iterdir() if p.is_dir() and any(p.rglob("*.py"))),
    ROOT / "functions",
)


@dataclass
class Entry:
    path: str  # "layers/sagewatch/sagewatch/core/" (folders end in "/")
    description: str


def _layout_block(text: str) -> list[str]:
    section = text.split("## Code layout", 1)[1]
    block = re.search(r"```\n(.*?)```", section, flags=re.S)
    assert block, "docs/architecture.md: no code block under '## Code layout'"
    return block.group(1).splitlines()


def entries(lines: list[str]) -> list[Entry]:
    found: list[Entry] = []
    folders: list[tuple[int, str]] = []  # (indent, path) of the enclosing folder entries
    for line in lines:
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        if indent >= DESCRIPTION_COLUMN and found:
            found[-1].description += " " + line.strip()
            continue
        token, _, description = line.strip().partition(" ")
        while folders and folders[-1][0] >= indent:
            folders.pop()
        path = (folders[-1][1] if folders else "") + token.rstrip(",")
        found.append(Entry(path, description.strip()))
        if token.endswith("/"):
            folders.append((indent, path))
    return found


def _matches(entry_path: str, path: str) -> bool:
    pattern = re.escape(entry_path).replace(re.escape("<name>"), "[^/]+")
    return re.fullmatch(pattern, path) is not None


# A name counts as listed when a list separator, a parenthesis or the end follows it
# ("notification (SNS body parser)", "alert_builder → alert", "errors, naming"), not when it is
# a word of the prose ("incident records").
_LISTED = r"(?=$|[,;:.)]|\s[(→+]|\s(?:and|or)\s)"


def placement(module: str, layout: list[Entry]) -> str | None:
    """None when ``module`` (a path from the repository's root) is placed, else what is missing."""
    if any(_matches(e.path, module) for e in layout):
        return None
    folders = [e for e in layout if e.path.endswith("/") and _matches(e.path, module[: len(e.path)])]
    if not folders:
        return "no folder entry holds it"
    nearest = max(folders, key=lambda e: len(e.path))
    inner = PurePosixPath(module[len(nearest.path) :])
    wanted = [f"{part}/" for part in inner.parts[:-1]]
    if inner.name != "__init__.py":
        wanted.append(inner.stem)
    elif not wanted:
        return None  # the package itself, placed by its folder's entry
    missing = [w for w in wanted if not re.search(rf"(?<![\w/.-]){re.escape(w)}{_LISTED}", nearest.description)]
    if not missing:
        return None
    return f"name {', '.join(f'`{m}`' for m in missing)} in the description of `{nearest.path}`"


def _modules() -> list[str]:
    return sorted(
        p.relative_to(ROOT).as_posix() for root in ROOTS for p in root.rglob("*.py") if "__pycache__" not in p.parts
    )


LAYOUT = entries(_layout_block(MAP.read_text()))


@pytest.mark.parametrize("module", _modules())
def test_the_architecture_map_places_the_module(module: str) -> None:
    missing = placement(module, LAYOUT)
    assert missing is None, (
        f"docs/architecture.md, Code layout, does not place {module}: {missing} (or give it an entry of its own)"
    )


def test_the_convention_is_read_as_written() -> None:
    layout = entries(
        [
            "pkg/                     the package",
            "  core/                  pure: alarms, dash (a board), incident records,",
            "                         sub/ (leaf)",
            "  config.py              settings",
            "functions/<name>/app.py  handlers",
        ]
    )
    assert [e.path for e in layout] == ["pkg/", "pkg/core/", "pkg/config.py", "functions/<name>/app.py"]
    assert placement("pkg/core/alarms.py", layout) is None
    assert placement("pkg/core/sub/leaf.py", layout) is None
    assert placement("pkg/config.py", layout) is None
    assert placement("functions/notify/app.py", layout) is None
    assert placement("pkg/core/__init__.py", layout) is None
    assert placement("pkg/core/dashboard.py", layout) == "name `dashboard` in the description of `pkg/core/`"
    assert placement("pkg/core/other/leaf.py", layout) == "name `other/` in the description of `pkg/core/`"
    assert placement("elsewhere/x.py", layout) == "no folder entry holds it"
    assert placement("pkg/core/incident.py", layout) == "name `incident` in the description of `pkg/core/`"
