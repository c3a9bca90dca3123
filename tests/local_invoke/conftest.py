"""Local-invoke tests start containers: they run only when asked for with ``-m local_invoke``
(``make local-invoke``), never as a side effect of a bare ``pytest`` over tests/.

``make local-invoke`` runs them on two pytest-xdist workers; each worker hands its invocations'
lines and times (harness.RUNS, harness.TIMES) to the controller, which prints them and writes
build/local-invoke/timings.json."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

_RUNS: list[str] = []
_TIMES: dict[str, float] = {}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "local_invoke" in (config.getoption("markexpr") or ""):
        return
    deselected = [item for item in items if item.get_closest_marker("local_invoke")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("local_invoke")]


def pytest_sessionfinish(session: pytest.Session) -> None:
    harness = sys.modules.get("tests.local_invoke.harness")  # imported where local-invoke ran
    workeroutput: dict[str, Any] | None = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller reports
        if harness is not None:
            workeroutput["local_invoke_runs"] = harness.RUNS
            workeroutput["local_invoke_times"] = harness.TIMES
        return
    if harness is not None:
        _RUNS.extend(harness.RUNS)
        _TIMES.update(harness.TIMES)
    if _TIMES:
        from tests.local_invoke.harness import STATE

        out = STATE / "timings.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(_TIMES, indent=1))


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """An xdist worker finished: keep what it ran (see pytest_sessionfinish)."""
    output: dict[str, Any] = getattr(node, "workeroutput", {})
    _RUNS.extend(output.get("local_invoke_runs", []))
    _TIMES.update(output.get("local_invoke_times", {}))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Which architecture each invocation used, and its time, after a local-invoke run."""
    if _RUNS:
        terminalreporter.section("local-invoke: architecture and time of each invocation")
        for line in _RUNS:
            terminalreporter.write_line(line)
