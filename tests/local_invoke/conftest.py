"""Local-invoke tests start containers: they run only when asked for with ``-m local_invoke``
(``make local-invoke``), never as a side effect of a bare ``pytest`` over tests/."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "local_invoke" in (config.getoption("markexpr") or ""):
        return
    deselected = [item for item in items if item.get_closest_marker("local_invoke")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("local_invoke")]
