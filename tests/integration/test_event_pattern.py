"""The EventBridge rule's pattern, matched for real by the emulator's EventBridge (a rule with an
SQS target: moto's TestEventPattern is a stub, but rules with SQS targets do match on PutEvents)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sagewatch_emulator import EmulatedAccount
from sagewatch_emulator.sam.template import load_template

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted((ROOT / "events" / "onboard").glob("*.json"))
COMPONENT_SAMPLES = sorted((ROOT / "events" / "onboard").glob("ic-*.json"))
ACTED_ON = {
    "in-service-cpu.json",
    "in-service-multi-variant-gpu.json",
    "in-service-serverless.json",
    "in-service-async.json",
    "deleting.json",
    "failed.json",
    "updating.json",
}


def rule_pattern(rule: str = "EndpointStateChange") -> dict[str, Any]:
    template = load_template(ROOT / "template.yaml")
    event = template["Resources"]["OnboardFunction"]["Properties"]["Events"][rule]
    return dict(event["Properties"]["Pattern"])


def near_misses() -> list[tuple[str, dict[str, Any]]]:
    base = json.loads((ROOT / "events" / "onboard" / "in-service-cpu.json").read_text())
    out = []
    mutations: tuple[tuple[str, Callable[[dict[str, Any]], object]], ...] = (
        ("training job state change", lambda e: e.__setitem__("detail-type", "SageMaker Training Job State Change")),
        (
            "endpoint config state change",
            lambda e: e.__setitem__("detail-type", "SageMaker Endpoint Config State Change"),
        ),
        ("other source", lambda e: e.__setitem__("source", "aws.ec2")),
        ("custom source pretending", lambda e: e.__setitem__("source", "custom.sagemaker")),
        ("status CREATING", lambda e: e["detail"].__setitem__("EndpointStatus", "CREATING")),
        ("status ROLLING_BACK", lambda e: e["detail"].__setitem__("EndpointStatus", "ROLLING_BACK")),
        ("status lower case", lambda e: e["detail"].__setitem__("EndpointStatus", "in_service")),
        ("status missing", lambda e: e["detail"].pop("EndpointStatus")),
    )
    for label, mutate in mutations:
        event = copy.deepcopy(base)
        mutate(event)
        out.append((label, event))
    return out


def matched(account: EmulatedAccount, events: list[dict[str, Any]], rule: str = "EndpointStateChange") -> list[str]:
    sqs = account.client("sqs")
    queue = sqs.create_queue(QueueName="pattern-tap")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    eventbridge = account.client("events")
    eventbridge.put_rule(Name="pattern-under-test", EventPattern=json.dumps(rule_pattern(rule)))
    eventbridge.put_targets(Rule="pattern-under-test", Targets=[{"Id": "tap", "Arn": arn}])
    for event in events:
        eventbridge.put_events(
            Entries=[
                {
                    "Source": event["source"],
                    "DetailType": event["detail-type"],
                    "Detail": json.dumps(event["detail"]),
                    "Resources": event.get("resources", []),
                }
            ]
        )
    ids: list[str] = []
    while True:
        batch = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return ids
        for message in batch:
            detail = json.loads(message["Body"])["detail"]
            ids.append(detail.get("EndpointStatus") or detail["eventName"])
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])


def test_pattern_matches_every_sample_the_function_acts_on(account: EmulatedAccount) -> None:
    events = [json.loads(p.read_text()) for p in SAMPLES if p.name in ACTED_ON]
    statuses = matched(account, events)
    assert sorted(statuses) == sorted(e["detail"]["EndpointStatus"] for e in events)


def test_pattern_matches_no_near_miss(account: EmulatedAccount) -> None:
    misses = near_misses()
    assert matched(account, [e for _, e in misses]) == []


def test_component_rule_matches_every_component_sample_and_the_endpoint_rule_none(account: EmulatedAccount) -> None:
    # The failed calls match too: the handler, not the pattern, ignores calls with an errorCode.
    events = [json.loads(p.read_text()) for p in COMPONENT_SAMPLES]
    assert len(events) == 5
    assert sorted(matched(account, events, "InferenceComponentCall")) == sorted(
        e["detail"]["eventName"] for e in events
    )
    assert matched(account, events) == []


def test_component_rule_matches_no_other_call(account: EmulatedAccount) -> None:
    base = json.loads((ROOT / "events" / "onboard" / "ic-create.json").read_text())
    misses = []
    mutations: tuple[Callable[[dict[str, Any]], object], ...] = (
        lambda e: e["detail"].__setitem__("eventName", "CreateEndpoint"),
        lambda e: e["detail"].__setitem__("eventName", "DescribeInferenceComponent"),
        lambda e: e["detail"].__setitem__("eventSource", "ec2.amazonaws.com"),
        lambda e: e.__setitem__("detail-type", "AWS Service Event via CloudTrail"),
    )
    for mutate in mutations:
        event = copy.deepcopy(base)
        mutate(event)
        misses.append(event)
    samples = [json.loads(p.read_text()) for p in SAMPLES if p not in COMPONENT_SAMPLES]
    assert matched(account, misses + samples, "InferenceComponentCall") == []
