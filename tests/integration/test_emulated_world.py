"""The emulated world: an organization, the hub and spokes on one moto server, with the bus,
queue, topic and trust policies enforced as AWS enforces them (docs/emulated-account.md)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sagewatch_emulator.world import EmulatedWorld, SpokeStack

pytestmark = pytest.mark.integration


def _as(world: EmulatedWorld, environment: dict[str, str], service: str, region: str = "us-east-1") -> Any:
    return world.client_with(environment, service, region=region)


def _alert_bodies(world: EmulatedWorld) -> list[dict[str, Any]]:
    sqs = world.hub.client("sqs")
    url = world.hub.physical_id("AlertQueue")
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def test_the_organization_holds_the_hub_and_the_spokes_in_their_own_accounts(world: EmulatedWorld) -> None:
    team_a = world.create_account("team-a")
    spoke = world.add_spoke(team_a, "eu-west-1")

    organization = world.hub.client("organizations").describe_organization()["Organization"]
    assert organization["Id"] == world.organization_id
    assert organization["MasterAccountId"] == world.hub_account_id
    assert world.hub.stack.parameters["SpokeOrganizationId"] == world.organization_id
    children = world.hub.client("organizations").list_accounts_for_parent(ParentId=world.spokes_ou_id)["Accounts"]
    assert [a["Id"] for a in children] == [team_a]

    # Every resource of spoke.yaml is created (roles and policies too), as the spoke account's,
    # in its region, and nobody else's.
    assert spoke.stack.not_provisioned == {}
    role = spoke.client("iam").get_role(RoleName="SageWatch-spoke-eu-west-1")["Role"]
    assert role["Arn"] == f"arn:aws:iam::{team_a}:role/SageWatch-spoke-eu-west-1"
    with pytest.raises(ClientError):
        world.hub.client("iam").get_role(RoleName="SageWatch-spoke-eu-west-1")
    assert spoke.outputs["AlertTopicArn"] == f"arn:aws:sns:eu-west-1:{team_a}:SageWatch-spoke-alerts"
    rules = spoke.client("events").list_rules()["Rules"]
    assert len(rules) == 4
    targets = spoke.client("events").list_targets_by_rule(Rule=rules[0]["Name"])["Targets"]
    assert targets[0]["Arn"] == world.hub_outputs["HubEventBusArn"]
    assert targets[0]["RoleArn"] == spoke.outputs["ForwardingRoleArn"]
    # The hub subscribed its queue, from its account, in the topic's region: confirmed at once.
    subscriptions = spoke.client("sns").list_subscriptions_by_topic(TopicArn=spoke.outputs["AlertTopicArn"])
    assert [s["Endpoint"] for s in subscriptions["Subscriptions"]] == [world.hub_outputs["AlertQueueArn"]]


def test_a_members_event_reaches_the_hub_bus_keeping_its_account_and_region(world: EmulatedWorld) -> None:
    team_a = world.create_account("team-a")
    spoke = world.add_spoke(team_a, "eu-west-1")

    spoke.endpoint_state_change("fraud-scorer", "IN_SERVICE")
    spoke.endpoint_state_change("fraud-scorer", "CREATING")  # no spoke rule matches: not forwarded

    assert [(e["account"], e["region"], e["detail"]["EndpointName"]) for e in world.enforcement.forwarded] == [
        (team_a, "eu-west-1", "fraud-scorer")
    ]
    assert world.refusals == []
    assert spoke.dead_letters() == []
    # The hub's OnboardFunction rule matches it, as its own events.
    assert [i.function for i in world.deliver_forwarded()] == ["OnboardFunction"]


def test_an_event_the_hub_bus_refuses_goes_to_the_dead_letter_queue_and_alarms(world: EmulatedWorld) -> None:
    outsider = world.create_account("outsider", member=False)  # not in the organization the bus admits
    spoke = world.add_spoke(outsider, "us-east-1")

    spoke.endpoint_state_change("fraud-scorer", "IN_SERVICE")

    assert world.enforcement.forwarded == []
    [refusal] = world.enforcement.of_kind("events-target")
    assert refusal.error_code == "NO_PERMISSIONS" and outsider in refusal.message
    [letter] = spoke.dead_letters()  # not retried: straight to the DLQ, with EventBridge's attributes
    assert letter["ERROR_CODE"] == "NO_PERMISSIONS"
    assert letter["TARGET_ARN"] == world.hub_outputs["HubEventBusArn"]
    assert letter["RULE_ARN"].startswith(f"arn:aws:events:us-east-1:{outsider}:rule/")
    assert letter["event"]["detail"]["EndpointName"] == "fraud-scorer"
    assert spoke.evaluate_dead_letter_alarm() == "ALARM"
    # Its notification is refused by the hub's queue policy too (the outsider is no member):
    # counted, never silently dropped.
    assert _alert_bodies(world) == []
    assert {r.target for r in world.enforcement.of_kind("sns-to-sqs")} == {world.hub_outputs["AlertQueueArn"]}


def test_a_spoke_alarm_reaches_the_hub_queue_exactly_once(world: EmulatedWorld) -> None:
    spoke = world.add_spoke(world.create_account("team-a"), "eu-west-1")
    spoke.client("sqs").send_message(QueueUrl=spoke.physical_id("ForwardingDeadLetterQueue"), MessageBody="{}")

    assert spoke.evaluate_dead_letter_alarm() == "ALARM"

    bodies = _alert_bodies(world)
    assert [json.loads(b["Message"])["NewStateValue"] for b in bodies] == ["ALARM"]
    assert bodies[0]["TopicArn"] == spoke.outputs["AlertTopicArn"]
    assert world.refusals == []
    # The hub's own topic still delivers (its AlertQueuePolicy admits it).
    world.hub.publish_alert(json.dumps({"AlarmName": "x"}))
    assert len(_alert_bodies(world)) == 1


def test_the_hub_queue_admits_only_the_spoke_topic_name(world: EmulatedWorld) -> None:
    team_a = world.create_account("team-a")
    world.add_spoke(team_a, "eu-west-1")
    sns = world.client("sns", account_id=team_a, region="eu-west-1")
    other = sns.create_topic(Name="someone-elses")["TopicArn"]
    sns.set_topic_attributes(
        TopicArn=other,
        AttributeName="Policy",
        AttributeValue=json.dumps(
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": world.hub_account_id},
                        "Action": "sns:Subscribe",
                        "Resource": other,
                    }
                ]
            }
        ),
    )
    world.client("sns", region="eu-west-1").subscribe(
        TopicArn=other, Protocol="sqs", Endpoint=world.hub_outputs["AlertQueueArn"]
    )

    sns.publish(TopicArn=other, Message="not an alarm of ours")

    assert _alert_bodies(world) == []
    assert [r.source for r in world.enforcement.of_kind("sns-to-sqs")] == [other]


def test_a_subscription_made_by_the_topic_owner_waits_for_confirmation(world: EmulatedWorld) -> None:
    team_a = world.create_account("team-a")
    spoke = world.add_spoke(team_a, "eu-west-1", subscribe=False)
    spoke.client("sns").subscribe(
        TopicArn=spoke.outputs["AlertTopicArn"], Protocol="sqs", Endpoint=world.hub_outputs["AlertQueueArn"]
    )

    spoke.set_alarm_state("SageWatch-spoke-forwarding-dead-letters", "ALARM")

    assert _alert_bodies(world) == []
    assert [r.error_code for r in world.enforcement.of_kind("sns-to-sqs")] == ["PendingConfirmation"]


def test_the_topic_policy_lets_the_hub_subscribe_only_its_queue(world: EmulatedWorld) -> None:
    spoke = world.add_spoke(world.create_account("team-a"), "eu-west-1", subscribe=False)
    other_queue = world.hub.client("sqs").create_queue(QueueName="elsewhere")["QueueUrl"]
    other_arn = world.hub.client("sqs").get_queue_attributes(QueueUrl=other_queue, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]

    with pytest.raises(ClientError) as refused:
        world.client("sns", region="eu-west-1").subscribe(
            TopicArn=spoke.outputs["AlertTopicArn"], Protocol="sqs", Endpoint=other_arn
        )
    assert refused.value.response["Error"]["Code"] == "AuthorizationError"


def _spoke_role(spoke: SpokeStack) -> str:
    return str(spoke.outputs["HubAccessRoleArn"])


def test_only_the_hub_functions_with_the_external_id_assume_the_spoke_role(world: EmulatedWorld) -> None:
    spoke = world.add_spoke(world.create_account("team-a"), "eu-west-1")
    onboard = _as(world, world.execution_role_environment("OnboardFunction"), "sts")

    credentials = onboard.assume_role(
        RoleArn=_spoke_role(spoke), RoleSessionName="onboard", ExternalId=world.external_id
    )["Credentials"]
    in_spoke = world.client_with(credentials, "sts", region="eu-west-1")
    assert in_spoke.get_caller_identity()["Account"] == spoke.account_id

    for caller, external_id in (
        (onboard, "not-the-external-id"),
        (onboard, None),
        (world.hub.client("sts"), world.external_id),  # the hub account, but not a function role
    ):
        kwargs = {"ExternalId": external_id} if external_id else {}
        with pytest.raises(ClientError) as refused:
            caller.assume_role(RoleArn=_spoke_role(spoke), RoleSessionName="onboard", **kwargs)
        error = refused.value.response["Error"]
        assert error["Code"] == "AccessDenied"
        assert error["Message"].endswith(
            f"is not authorized to perform: sts:AssumeRole on resource: {_spoke_role(spoke)}"
        )


def test_a_spoke_trusting_other_roles_refuses_the_hub(world: EmulatedWorld) -> None:
    wrong = "arn:aws:iam::999999999999:role/not-the-hub"
    spoke = world.add_spoke(world.create_account("team-a"), "eu-west-1", parameters={"HubFunctionRoleArns": wrong})
    onboard = _as(world, world.execution_role_environment("OnboardFunction"), "sts")

    with pytest.raises(ClientError, match="AccessDenied"):
        onboard.assume_role(RoleArn=_spoke_role(spoke), RoleSessionName="onboard", ExternalId=world.external_id)
    assert [r.kind for r in world.refusals] == ["sts-assume-role"]


def test_a_forwarding_role_that_may_not_put_events_or_is_not_trusted_dead_letters(world: EmulatedWorld) -> None:
    spoke = world.add_spoke(world.create_account("team-a"), "eu-west-1")
    iam = spoke.client("iam")
    role_name = spoke.outputs["ForwardingRoleArn"].rsplit("/", 1)[-1]
    elsewhere = world.hub_outputs["HubEventBusArn"].replace("event-bus/default", "event-bus/other")
    iam.put_role_policy(
        RoleName=role_name,
        PolicyName="put-events-on-hub-bus",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "events:PutEvents", "Resource": elsewhere}],
            }
        ),
    )
    spoke.endpoint_state_change("fraud-scorer", "IN_SERVICE")

    iam.update_assume_role_policy(
        RoleName=role_name,
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )
    spoke.endpoint_state_change("fraud-scorer", "FAILED")

    assert [letter["ERROR_CODE"] for letter in spoke.dead_letters()] == ["NO_PERMISSIONS", "FAILED_TO_ASSUME_ROLE"]
    assert world.enforcement.forwarded == []


def test_a_hub_listing_its_spoke_accounts_admits_exactly_those() -> None:
    listed = "222222222222"  # the world's first member account
    with EmulatedWorld(hub_parameters={"SpokeOrganizationId": "", "SpokeAccountIds": listed}) as world:
        admitted = world.add_spoke(world.create_account("team-a"), "eu-west-1")
        unlisted = world.add_spoke(world.create_account("team-b"), "eu-west-1")
        assert (admitted.account_id, unlisted.account_id) == (listed, "333333333333")

        for spoke in (admitted, unlisted):
            spoke.endpoint_state_change("fraud-scorer", "IN_SERVICE")
            spoke.client("sqs").send_message(QueueUrl=spoke.physical_id("ForwardingDeadLetterQueue"), MessageBody="{}")
            spoke.evaluate_dead_letter_alarm()

        assert [e["account"] for e in world.enforcement.forwarded] == [listed]
        assert "NO_PERMISSIONS" in [letter.get("ERROR_CODE") for letter in unlisted.dead_letters()]
        # The queue policy's aws:SourceAccount list: only the listed spoke's alarm arrives.
        assert {b["TopicArn"].split(":")[4] for b in _alert_bodies(world)} == {listed}
        assert {r.source.split(":")[4] for r in world.enforcement.of_kind("sns-to-sqs")} == {unlisted.account_id}
