"""What the hub's functions do when a spoke is not as it should be, in the emulated world (the
organization, the hub and spoke stacks, trust and resource policies enforced as AWS does):

- a spoke whose role does not trust this hub's external ID is reported by the reconcile (an error
  naming account and region, the SpokesUnreachable metric) while the other spokes go on;
- a spoke whose topic the hub's queue is not subscribed to yet gets the subscription from the
  reconcile, after which its alarms reach the hub's Slack.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from sagewatch_emulator import VariantSpec, default_template_path
from sagewatch_emulator.world import EmulatedWorld

pytestmark = pytest.mark.integration

EVENTS = default_template_path().parent / "events"
SLACK_SECRET = "sagewatch/slack-webhook"
REGION = "eu-west-1"
NO_SELF_INVOKE = {"SAGEWATCH_RECONCILE_SELF_INVOKE": "false"}


@pytest.fixture
def world() -> Iterator[EmulatedWorld]:
    with EmulatedWorld(hub_parameters={"SlackWebhookSecretName": SLACK_SECRET}, spoke_regions=[REGION]) as opened:
        opened.hub.client("secretsmanager").create_secret(Name=SLACK_SECRET, SecretString=opened.hub.slack_url)
        yield opened


def reconcile(world: EmulatedWorld) -> dict[str, object]:
    run = world.invoke(
        "ReconcileFunction",
        json.loads((EVENTS / "reconcile" / "scheduled.json").read_text()),
        environment=NO_SELF_INVOKE,
    )
    assert run.error is None, run.error
    assert isinstance(run.response, dict)
    return run.response


def test_a_spoke_whose_role_refuses_the_hub_is_reported_and_the_others_go_on(world: EmulatedWorld) -> None:
    good = world.add_spoke(world.create_account("team-good"), REGION)
    bad = world.add_spoke(
        world.create_account("team-bad"), REGION, parameters={"ExternalId": "not-this-hubs-external-id"}
    )
    for spoke in (good, bad):
        spoke.create_endpoint("fraud-scorer", variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 1)])
    answer = reconcile(world)
    spokes = answer["spokes"]
    assert isinstance(spokes, dict)
    assert spokes["unreachable"] == [f"{bad.account_id}/{REGION}"]  # the hub account is no spoke here
    assert f"{good.account_id}/{REGION}" in spokes["complete"]
    world.drain("OnboardQueue", "OnboardFunction")
    written = good.client("cloudwatch").describe_alarms(AlarmNamePrefix="SageWatch/fraud-scorer/")["MetricAlarms"]
    assert written
    assert bad.client("cloudwatch").describe_alarms(AlarmNamePrefix="SageWatch/")["MetricAlarms"] == []


def test_the_reconcile_subscribes_a_new_spoke_topic_and_its_alarms_reach_slack(world: EmulatedWorld) -> None:
    spoke = world.add_spoke(world.create_account("team-new"), REGION, subscribe=False)
    spoke.create_endpoint("fraud-scorer", variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 1)])
    answer = reconcile(world)
    spokes = answer["spokes"]
    assert isinstance(spokes, dict)
    assert spokes["subscribed"] == [f"{spoke.account_id}/{REGION}"]
    world.drain("OnboardQueue", "OnboardFunction")
    [alarm, *_] = spoke.client("cloudwatch").describe_alarms(AlarmNamePrefix="SageWatch/fraud-scorer/")["MetricAlarms"]
    spoke.set_alarm_state(alarm["AlarmName"], "ALARM")
    world.drain_alerts()
    texts = [json.dumps(message) for message in world.hub.slack_messages]
    assert sum(spoke.account_id in text and REGION in text for text in texts) == 1
    assert world.refusals == []
    # A second reconcile makes no second subscription.
    again = reconcile(world)
    assert isinstance(again["spokes"], dict) and "subscribed" not in again["spokes"]
