"""OnboardFunction's queue worker: Powertools' batch utility, each record logged under its own keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import pytest

from sagewatch.config import OnboardConfig
from sagewatch.handlers.onboard import LambdaHandler, entry_point
from sagewatch.usecases.onboarding import OnboardResult
from sagewatch.wiring import Wiring


def handler_with(wiring: object) -> LambdaHandler:
    """The function's handler over a stand-in for the composition root."""
    return entry_point(OnboardConfig.from_env({}), cast("Wiring", wiring))


class Context:
    function_name = "sagewatch-onboard"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:sagewatch-onboard"
    memory_limit_in_mb = 256
    aws_request_id = "req-1"
    log_group_name = log_stream_name = "x"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


class FakeOnboarding:
    policy_version = "v1"

    def onboard(self, endpoint: str) -> OnboardResult:
        if endpoint == "denied":
            raise RuntimeError("AccessDenied")
        if endpoint == "fresh":
            return OnboardResult(endpoint, "onboarded", created=["a", "b"], dashboard="create")
        return OnboardResult(endpoint, "onboarded", updated=["a"], unchanged=5, dashboard="unchanged")


class FakeWiring:
    def onboard_worker(self, config: Any, *, fresh: bool = False) -> FakeOnboarding:
        return FakeOnboarding()


def record(message_id: str, body: str) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "receiptHandle": "r",
        "body": body,
        "attributes": {},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:onboard",
        "awsRegion": "us-east-1",
    }


def test_each_record_is_logged_with_its_own_message_id_and_failures_are_reported(
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = handler_with(FakeWiring())
    event = {
        "Records": [
            record("m-fresh", json.dumps({"endpoint": "fresh", "kind": "new"})),
            record("m-bad", json.dumps({"endpoint": "no/slashes"})),
            record("m-drifted", json.dumps({"endpoint": "drifted", "kind": "drift"})),
            record("m-denied", json.dumps({"endpoint": "denied"})),
        ]
    }
    response = app(event, Context())
    assert response == {"batchItemFailures": [{"itemIdentifier": "m-denied"}]}
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    logs = [line for line in lines if "message" in line and "_aws" not in line]
    invalid = next(line for line in logs if "invalid queue message" in line["message"])
    assert invalid["message_id"] == "m-bad"
    assert "endpoint" not in invalid  # not the previous record's endpoint
    worked = {line["message_id"]: line.get("endpoint") for line in logs if line["message"].startswith("worker:")}
    assert worked == {"m-fresh": "fresh", "m-drifted": "drifted"}
    failed = next(line for line in logs if "failed; the message is retried" in line["message"])
    assert (failed["message_id"], failed["endpoint"]) == ("m-denied", "denied")
    (emf,) = [line for line in lines if "_aws" in line]
    assert emf["EndpointsOnboarded"] == [1.0] and emf["EndpointsRepaired"] == [1.0]
    assert emf["AlarmsWritten"] == [2.0, 1.0]


def test_every_record_failing_is_reported_not_raised() -> None:
    app = handler_with(FakeWiring())
    event = {
        "Records": [record("a", json.dumps({"endpoint": "denied"})), record("b", json.dumps({"endpoint": "denied"}))]
    }
    assert app(event, Context()) == {"batchItemFailures": [{"itemIdentifier": "a"}, {"itemIdentifier": "b"}]}


class ComponentOnboarding:
    def __init__(self) -> None:
        self.changes: list[Any] = []

    def component_changed(self, change: Any) -> OnboardResult:
        self.changes.append(change)
        return OnboardResult(change.endpoint or "llm-hub", "onboarded", created=["x"], dashboard="update")


class ComponentWiring:
    def __init__(self) -> None:
        self.service = ComponentOnboarding()

    def onboarding(self, config: Any, *, fresh: bool = False) -> ComponentOnboarding:
        return self.service


EVENTS = Path(__file__).resolve().parents[3] / "events" / "onboard"


@pytest.mark.parametrize("sample", ["ic-create.json", "ic-update.json", "ic-delete.json"])
def test_component_calls_are_routed_to_the_component_use_case(sample: str) -> None:
    wiring = ComponentWiring()
    app = handler_with(wiring)
    response = app(json.loads((EVENTS / sample).read_text()), Context())
    assert response["outcome"] == "onboarded"
    assert [c.component for c in wiring.service.changes] == ["llama-ic"]


@pytest.mark.parametrize("sample", ["ic-create-failed.json", "ic-delete-denied.json"])
def test_a_failed_component_call_is_answered_without_any_read_at_info(
    capsys: pytest.CaptureFixture[str], sample: str
) -> None:
    # ic-delete-denied: refused by IAM, recorded with requestParameters null — a failed call
    # like any other, not an invalid event.
    wiring = ComponentWiring()
    app = handler_with(wiring)
    response = app(json.loads((EVENTS / sample).read_text()), Context())
    assert response["outcome"] == "skipped" and wiring.service.changes == []
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    logs = [line for line in lines if "message" in line and "_aws" not in line]
    assert [line["level"] for line in logs if "failed with" in line["message"]] == ["INFO"]
    assert not [line for line in logs if line["level"] in ("ERROR", "WARNING")]


class RunWiring:
    """Model Monitor's use cases: a run whose status is given, and the worker that re-fits."""

    def __init__(self, status: str, monitoring_type: str = "DataQuality") -> None:
        from sagewatch.usecases.model_monitor.run_alerts import CheckResult, RunResult

        self.result = RunResult("dq", "clean", status, "churn-v2", monitoring_type=monitoring_type)
        self.check = CheckResult(found=1, alerted=["monitoring-run:dq@2026-11-28T07:00Z"])
        self.refitted: list[str] = []
        self.checked: list[tuple[str, str]] = []

    def model_monitor_run_alerts(self, config: Any) -> Any:
        wiring = self

        class Runs:
            def handle(self, job: Any) -> Any:
                return wiring.result

            def check_failed_executions(self, now: Any, *, region: str, account: str) -> Any:
                wiring.checked.append((region, account))
                return wiring.check

        return Runs()

    def onboard_worker(self, config: Any, *, fresh: bool = False) -> Any:
        wiring = self

        class Worker:
            def onboard(self, endpoint: str) -> OnboardResult:
                wiring.refitted.append(endpoint)
                return OnboardResult(endpoint, "onboarded", created=["SageWatch/churn-v2/_endpoint/feature-drift.dq.f"])

        return Worker()


@pytest.mark.parametrize(
    ("status", "monitoring_type", "refits"),
    [
        ("Completed", "DataQuality", True),
        ("CompletedWithViolations", "DataQuality", True),
        ("Failed", "DataQuality", False),
        ("Completed", "ModelQuality", False),
    ],
)
def test_a_completed_data_quality_run_refits_the_endpoints_drift_alarms(
    status: str, monitoring_type: str, refits: bool
) -> None:
    """No drift metric exists before a schedule's first run ("Interpret results"): the run's event
    is when the drift alarms can follow what it published."""
    wiring = RunWiring(status, monitoring_type)
    app = handler_with(wiring)
    response = app(json.loads((EVENTS / "monitoring-run-completed.json").read_text()), Context())
    assert wiring.refitted == (["churn-v2"] if refits else [])
    assert ("refit" in response) is refits


def test_the_hourly_scheduled_event_looks_for_executions_failed_without_a_job() -> None:
    wiring = RunWiring("Completed")
    app = handler_with(wiring)
    event = {
        "version": "0",
        "id": "e",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-11-28T08:00:00Z",
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/sagewatch-check"],
        "detail": {},
    }
    response = app(event, Context())
    assert response["found"] == 1 and wiring.checked == [("us-east-1", "123456789012")]


class NoWiring:
    """Any use case asked for fails the test: the event alone decides."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"wiring.{name} used")


def test_a_malformed_event_is_answered_invalid_with_an_error_line_and_no_use_case(
    capsys: pytest.CaptureFixture[str],
) -> None:
    event = json.loads((EVENTS / "in-service-cpu.json").read_text())
    event["detail"]["EndpointStatus"] = "EXPLODING"
    response = handler_with(NoWiring())(event, Context())
    assert response["outcome"] == "invalid" and "EXPLODING" in response["error"]
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert [line["level"] for line in lines if "invalid event" in line.get("message", "")] == ["ERROR"]


@pytest.mark.parametrize("sample", ["creating", "processing-job-not-monitoring.json"])
def test_what_the_event_alone_decides_needs_no_use_case(sample: str) -> None:
    if sample == "creating":  # CREATING needs nothing (UPDATING holds alarms: a use case)
        event = json.loads((EVENTS / "updating.json").read_text())
        event["detail"]["EndpointStatus"] = "CREATING"
    else:
        event = json.loads((EVENTS / sample).read_text())
    response = handler_with(NoWiring())(event, Context())
    assert response["outcome"] in ("skipped", "ignored")
