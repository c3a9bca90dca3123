"""One hub and three spokes in two regions (issue 20's "done when"), in the emulated world.

The emulator's side runs today: each spoke's SageMaker events reach the hub's bus once, keeping
their account and region, and each spoke's alarm notification reaches the hub's AlertQueue
exactly once. The runtime's side — the hub's functions acting in each spoke through the spoke
role: onboarded there, one alert per spoke naming account and region, removal, a spoke added to
the OU picked up by the next reconcile — runs once the hub template declares ``SpokeExternalId``
(the functions acting in spokes), and is skipped before.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from sagewatch_emulator import VariantSpec, default_template_path
from sagewatch_emulator.sam.template import Template
from sagewatch_emulator.world import EmulatedWorld, SpokeStack

pytestmark = pytest.mark.integration

EVENTS = default_template_path().parent / "events"
SPOKES = (("team-a", "eu-west-1"), ("team-b", "us-east-1"), ("team-c", "eu-west-1"))


SLACK_SECRET = "sagewatch/slack-webhook"


@pytest.fixture
def world() -> Iterator[EmulatedWorld]:
    regions = sorted({region for _name, region in SPOKES})
    with EmulatedWorld(hub_parameters={"SlackWebhookSecretName": SLACK_SECRET}, spoke_regions=regions) as opened:
        opened.hub.client("secretsmanager").create_secret(Name=SLACK_SECRET, SecretString=opened.hub.slack_url)
        for name, region in SPOKES:
            opened.add_spoke(opened.create_account(name), region)
        yield opened


def _spokes(world: EmulatedWorld) -> list[SpokeStack]:
    return list(world.spokes.values())


def _alert_queue(world: EmulatedWorld) -> list[dict[str, Any]]:
    sqs = world.hub.client("sqs")
    url = world.hub.physical_id("AlertQueue")
    found: list[dict[str, Any]] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60).get("Messages"):
        found.extend(json.loads(m["Body"]) for m in batch)
    return found


def test_each_spokes_endpoint_events_reach_the_hub_bus_once(world: EmulatedWorld) -> None:
    for spoke in _spokes(world):
        spoke.endpoint_state_change("fraud-scorer", "IN_SERVICE")

    seen = sorted((e["account"], e["region"]) for e in world.enforcement.forwarded)
    assert seen == sorted((s.account_id, s.region) for s in _spokes(world))
    assert world.refusals == []
    assert all(s.dead_letters() == [] for s in _spokes(world))
    # Each reaches OnboardFunction once (its rule on the hub's bus matches the forwarded event).
    assert [i.function for i in world.deliver_forwarded()] == ["OnboardFunction"] * 3


def test_each_spokes_alarm_notification_reaches_the_hub_queue_exactly_once(world: EmulatedWorld) -> None:
    for spoke in _spokes(world):
        topic = spoke.outputs["AlertTopicArn"]
        # What onboarding will write there: a prefixed alarm whose action is the spoke's own topic.
        spoke.client("cloudwatch").put_metric_alarm(
            AlarmName="SageWatch/fraud-scorer/AllTraffic/ModelLatency-p99",
            Namespace="AWS/SageMaker",
            MetricName="ModelLatency",
            Dimensions=[
                {"Name": "EndpointName", "Value": "fraud-scorer"},
                {"Name": "VariantName", "Value": "AllTraffic"},
            ],
            ExtendedStatistic="p99",
            Period=60,
            EvaluationPeriods=1,
            Threshold=250_000,
            ComparisonOperator="GreaterThanThreshold",
            AlarmActions=[topic],
        )
        spoke.set_alarm_state("SageWatch/fraud-scorer/AllTraffic/ModelLatency-p99", "ALARM")

    received = _alert_queue(world)
    by_topic = sorted(m["TopicArn"] for m in received)
    assert by_topic == sorted(s.outputs["AlertTopicArn"] for s in _spokes(world))
    alarms = [json.loads(m["Message"]) for m in received]
    assert sorted((a["AWSAccountId"], a["AlarmArn"].split(":")[3]) for a in alarms) == sorted(
        (s.account_id, s.region) for s in _spokes(world)
    )
    assert world.refusals == []


# The runtime's side: the hub template declares SpokeExternalId once its functions act in spokes.
RUNTIME_ACTS_IN_SPOKES = "SpokeExternalId" in Template.load(default_template_path()).parameters
needs_runtime = pytest.mark.skipif(
    not RUNTIME_ACTS_IN_SPOKES, reason="needs the hub's functions acting in spokes (sts:AssumeRole of the spoke role)"
)


@needs_runtime
def test_endpoints_in_each_spoke_are_onboarded_there_and_alert_once_naming_account_and_region(
    world: EmulatedWorld,
) -> None:
    for spoke in _spokes(world):
        spoke.create_endpoint("fraud-scorer", variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 1)])
        spoke.endpoint_state_change("fraud-scorer", "IN_SERVICE")
    onboarded = world.deliver_forwarded()
    assert [i.error for i in onboarded] == [None] * 3

    for spoke in _spokes(world):
        alarms = spoke.client("cloudwatch").describe_alarms(AlarmNamePrefix="SageWatch/fraud-scorer/")["MetricAlarms"]
        assert alarms, f"no alarms in {spoke.account_id} {spoke.region}"
        assert all(a["AlarmActions"] == [spoke.outputs["AlertTopicArn"]] for a in alarms)
        dashboards = spoke.client("cloudwatch").list_dashboards(DashboardNamePrefix=f"SageWatch_{spoke.region}_")
        assert dashboards["DashboardEntries"]
        assert world.hub.client("cloudwatch").describe_alarms(AlarmNamePrefix="SageWatch/")["MetricAlarms"] == []

    for spoke in _spokes(world):
        name = spoke.client("cloudwatch").describe_alarms(AlarmNamePrefix="SageWatch/fraud-scorer/")["MetricAlarms"][0]
        spoke.set_alarm_state(name["AlarmName"], "ALARM")
    world.drain_alerts()
    texts = [json.dumps(m) for m in world.hub.slack_messages]
    for spoke in _spokes(world):
        assert sum(spoke.account_id in t and spoke.region in t for t in texts) == 1

    # Deleting a spoke endpoint removes what it had, in that spoke.
    first = _spokes(world)[0]
    first.endpoint_state_change("fraud-scorer", "DELETING")
    world.deliver_forwarded()
    assert first.client("cloudwatch").describe_alarms(AlarmNamePrefix="SageWatch/fraud-scorer/")["MetricAlarms"] == []


@needs_runtime
def test_a_spoke_added_to_the_ou_is_onboarded_by_the_next_reconcile(world: EmulatedWorld) -> None:
    late = world.add_spoke(world.create_account("team-d"), "eu-west-1")
    late.create_endpoint("churn-predictor", variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 1)])

    reconciled = world.invoke("ReconcileFunction", json.loads((EVENTS / "reconcile" / "scheduled.json").read_text()))
    assert reconciled.error is None, reconciled.error
    world.drain("OnboardQueue", "OnboardFunction")

    written = late.client("cloudwatch").describe_alarms(AlarmNamePrefix="SageWatch/churn-predictor/")["MetricAlarms"]
    assert written and all(a["AlarmActions"] == [late.outputs["AlertTopicArn"]] for a in written)
