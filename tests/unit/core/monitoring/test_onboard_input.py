"""OnboardFunction's inputs, each parsed once into the one typed value that says what to do."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sagewatch.core.model_monitor.runs import MonitoringJobFinished
from sagewatch.core.model_monitor.schedule_events import ScheduleStateChange
from sagewatch.core.monitoring.component_events import ComponentChange
from sagewatch.core.monitoring.onboard_input import (
    ComponentCallFailed,
    EndpointDeleting,
    EndpointDeploying,
    EndpointFailed,
    EndpointInService,
    EndpointStatusIgnored,
    ExecutionsCheck,
    InvalidInput,
    NotAMonitoringRun,
    QueueBatch,
    QueuedEndpoint,
    Unrecognized,
    parse_onboard_input,
)

EVENTS = Path(__file__).resolve().parents[4] / "events" / "onboard"

KIND_OF_SAMPLE: dict[str, type] = {
    "deleting.json": EndpointDeleting,
    "failed.json": EndpointFailed,
    "ic-create-failed.json": ComponentCallFailed,
    "ic-create.json": ComponentChange,
    "ic-delete-denied.json": ComponentCallFailed,
    "ic-delete.json": ComponentChange,
    "ic-update.json": ComponentChange,
    "in-service-async.json": EndpointInService,
    "in-service-cpu.json": EndpointInService,
    "in-service-multi-variant-gpu.json": EndpointInService,
    "in-service-serverless.json": EndpointInService,
    "monitoring-run-completed.json": MonitoringJobFinished,
    "monitoring-run-failed.json": MonitoringJobFinished,
    "monitoring-run-violations.json": MonitoringJobFinished,
    "monitoring-schedule-deleted.json": ScheduleStateChange,
    "monitoring-schedule-scheduled.json": ScheduleStateChange,
    # AWS's own example carries neither the container's environment nor the schedule's ARN: an
    # unmarked run, which DescribeProcessingJob decides (core.model_monitor.runs).
    "processing-job-aws-example.json": MonitoringJobFinished,
    "processing-job-not-monitoring.json": NotAMonitoringRun,
    "updating.json": EndpointDeploying,
    "creating.json": EndpointStatusIgnored,
}


def load(name: str) -> Any:
    return json.loads((EVENTS / name).read_text())


def sqs_record(body: str, message_id: str = "m-1") -> dict[str, Any]:
    return {"messageId": message_id, "body": body, "eventSource": "aws:sqs", "attributes": {}}


def test_every_onboard_sample_has_its_kind_here() -> None:
    assert sorted(p.name for p in EVENTS.glob("*.json")) == sorted(KIND_OF_SAMPLE)


@pytest.mark.parametrize(("name", "kind"), sorted(KIND_OF_SAMPLE.items()))
def test_each_sample_event_is_one_typed_value(name: str, kind: type) -> None:
    assert type(parse_onboard_input(load(name))) is kind


def test_the_endpoint_kinds_carry_the_parsed_state_change() -> None:
    value = parse_onboard_input(load("failed.json"))
    assert isinstance(value, EndpointFailed)
    assert value.change.status == "FAILED" and value.change.failure_reason


def test_the_hourly_schedule_is_the_executions_check_of_its_account_and_region() -> None:
    event = {
        "id": "e",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "region": "eu-west-1",
        "detail": {},
    }
    assert parse_onboard_input(event) == ExecutionsCheck(region="eu-west-1", account="123456789012")


def test_a_queue_batch_is_parsed_record_by_record() -> None:
    batch = {"Records": [sqs_record(json.dumps({"endpoint": "fraud"})), sqs_record("{}", "m-2")]}
    assert isinstance(parse_onboard_input(batch), QueueBatch)
    first, second = (parse_onboard_input(r) for r in batch["Records"])
    assert first == QueuedEndpoint(message_id="m-1", endpoint="fraud", policy=None, why="")
    assert isinstance(second, InvalidInput) and second.what == "queue message m-2" and second.event_id == "m-2"


def test_a_queue_message_keeps_the_plans_policy_and_reasons() -> None:
    body = {"endpoint": "fraud", "policy": "v7", "kind": "changed", "reasons": ["config changed", "tags"]}
    value = parse_onboard_input(sqs_record(json.dumps(body)))
    assert value == QueuedEndpoint(message_id="m-1", endpoint="fraud", policy="v7", why="config changed; tags")
    no_reasons = parse_onboard_input(sqs_record(json.dumps({"endpoint": "fraud", "kind": "drift"})))
    assert isinstance(no_reasons, QueuedEndpoint) and no_reasons.why == "drift"


@pytest.mark.parametrize("body", ["not json", json.dumps(["a"]), json.dumps({"endpoint": "no/slashes"}), "null"])
def test_a_malformed_queue_message_is_invalid_input_not_an_error(body: str) -> None:
    value = parse_onboard_input(sqs_record(body))
    assert isinstance(value, InvalidInput) and value.error


def test_a_malformed_event_of_a_known_kind_is_invalid_input_naming_what_is_wrong() -> None:
    event = load("in-service-cpu.json")
    event["detail"]["EndpointName"] = "bad name!"
    value = parse_onboard_input(event)
    assert isinstance(value, InvalidInput) and "EndpointName" in value.error and value.what == "event"
    job = load("monitoring-run-completed.json")
    job["detail"]["ProcessingJobStatus"] = "InProgress"
    assert isinstance(parse_onboard_input(job), InvalidInput)


@pytest.mark.parametrize(
    "event", [{"source": "aws.ec2", "detail-type": "EC2 Instance State-change"}, ["x"], "text", None]
)
def test_anything_else_is_unrecognized(event: Any) -> None:
    assert isinstance(parse_onboard_input(event), Unrecognized)
