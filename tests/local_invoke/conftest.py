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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Which architecture each invocation used (harness.RUNS), after a local-invoke run."""
    from tests.local_invoke import harness

    if harness.RUNS:
        terminalreporter.section("local-invoke: architecture and time of each invocation")
        for line in harness.RUNS:
            terminalreporter.write_line(line)
