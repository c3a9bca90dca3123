"""Without --log-json a command shows the runtime's warnings and errors, not its INFO lines."""

from __future__ import annotations

import pytest

from sagewatch_cli.log_lines import for_terminal, shown

INFO = '{"level":"INFO","location":"onboard:80","message":"onboarded fraud-scorer","service":"sagewatch"}'
WARNING = '{"level":"WARNING","location":"desired:153","message":"endpoint churn-v2: no drift metrics"}'
METRICS = '{"_aws":{"Timestamp":1,"CloudWatchMetrics":[]},"service":"sagewatch","AlertsDelivered":[1.0]}'


@pytest.mark.parametrize(
    ("line", "quiet"),
    [
        (INFO, False),
        ("[INFO] sagewatch.usecases.notify.notifier: delivered", False),
        (METRICS, False),
        (WARNING, True),
        ('{"level":"ERROR","message":"DescribeEndpoint failed"}', True),
        ("Traceback (most recent call last):", True),
        ("[WARNING] sagewatch: invalid tag", True),
    ],
)
def test_routine_lines_only_with_log_json(line: str, quiet: bool) -> None:
    assert shown(line, everything=False) is quiet
    assert shown(line, everything=True)


def test_a_warning_reads_as_one_line_on_a_terminal() -> None:
    assert for_terminal(WARNING + "\n") == "warning: endpoint churn-v2: no drift metrics"
    assert for_terminal("plain text\n") == "plain text"
