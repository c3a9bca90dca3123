"""The CLI keeps stdout for its output: the runtime's log lines go to stderr while a command runs,
except inside an emulated Lambda invocation, which captures them as Lambda would."""

from __future__ import annotations

import contextlib
import io

import pytest

from sagewatch.observability import logger
from sagewatch_cli.main import _runtime_logs_to_stderr


def test_a_runtime_warning_during_a_command_goes_to_stderr_not_into_its_output(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with _runtime_logs_to_stderr():
        logger.warning("no feature_baseline_drift metrics found")
        print('{"alarms": []}')
    captured = capsys.readouterr()
    assert captured.out == '{"alarms": []}\n'
    assert "no feature_baseline_drift metrics found" in captured.err


def test_an_invocation_that_swaps_stdout_still_captures_the_functions_logs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    function_logs = io.StringIO()
    with _runtime_logs_to_stderr(), contextlib.redirect_stdout(function_logs):
        logger.info("delivered")
    assert '"message":"delivered"' in function_logs.getvalue()
    assert "delivered" not in capsys.readouterr().err


def test_the_logger_writes_where_it_did_once_the_command_ends(capsys: pytest.CaptureFixture[str]) -> None:
    with _runtime_logs_to_stderr():
        pass
    logger.warning("after the command")
    assert "after the command" in capsys.readouterr().out
