"""One Logger, Tracer and Metrics: business metrics only inside a handler, module logs in its format."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from sagewatch import observability
from sagewatch.observability import count, lambda_entry_point, metrics, tracer


class Context:
    function_name = "sagewatch-test"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:sagewatch-test"
    memory_limit_in_mb = 128
    aws_request_id = "req-1"
    log_group_name = log_stream_name = "x"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_count_outside_a_handler_records_and_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    for _ in range(250):  # beyond Powertools' auto-flush at 100 values
        count("AlarmsWritten", 3)
    assert metrics.metric_set == {}
    assert capsys.readouterr().out == ""


def test_handler_flushes_its_business_metrics_once_as_emf(capsys: pytest.CaptureFixture[str]) -> None:
    @lambda_entry_point
    def handler(event: Any, context: Any) -> dict[str, Any]:
        count(observability.ALERTS_DELIVERED, 2)
        count(observability.ALERTS_FAILED)
        count(observability.ALERTS_RETRIED, 0)  # zero: not even a data point
        return {"ok": True}

    assert handler({}, Context()) == {"ok": True}
    emf = [line for line in json_lines(capsys.readouterr().out) if "_aws" in line]
    assert len(emf) == 1
    (directive,) = emf[0]["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "SageWatch"
    assert directive["Dimensions"] == [["service"]]  # low cardinality: no endpoint, no alarm name
    assert emf[0]["service"] == observability.SERVICE
    assert {m["Name"] for m in directive["Metrics"]} == {"AlertsDelivered", "AlertsFailed"}
    assert (emf[0]["AlertsDelivered"], emf[0]["AlertsFailed"]) == ([2.0], [1.0])
    count("AlertsDelivered")  # after the handler returned: silent again
    assert metrics.metric_set == {}


def test_a_handler_without_metrics_prints_no_warning(recwarn: pytest.WarningsRecorder) -> None:
    lambda_entry_point(lambda event, context: None)({}, Context())
    assert [str(w.message) for w in recwarn] == []


def test_module_loggers_come_out_in_the_handlers_json_format(capsys: pytest.CaptureFixture[str]) -> None:
    @lambda_entry_point
    def handler(event: Any, context: Any) -> None:
        observability.logger.append_keys(endpoint="fraud-scorer")
        logging.getLogger("sagewatch.usecases.example").warning("endpoint %s: a note", "fraud-scorer")

    handler({}, Context())
    (line,) = [entry for entry in json_lines(capsys.readouterr().out) if entry.get("message")]
    assert line["message"] == "endpoint fraud-scorer: a note"
    assert line["level"] == "WARNING"
    assert line["function_request_id"] == "req-1"
    assert line["endpoint"] == "fraud-scorer"
    assert line["service"] == "sagewatch"


def test_keys_appended_in_one_invocation_do_not_leak_into_the_next(capsys: pytest.CaptureFixture[str]) -> None:
    @lambda_entry_point
    def handler(event: Any, context: Any) -> None:
        if event.get("append"):
            observability.logger.append_keys(endpoint="first")
        observability.logger.info("hello")

    handler({"append": True}, Context())
    handler({}, Context())
    first, second = [entry for entry in json_lines(capsys.readouterr().out) if entry.get("message") == "hello"]
    assert first["endpoint"] == "first" and "endpoint" not in second


def test_tracing_is_off_outside_lambda() -> None:
    assert tracer().disabled  # no LAMBDA_TASK_ROOT here: nothing is sent to an X-Ray daemon
