"""A hub acting in spoke accounts, against the emulated account's moto server: assumed-role
credentials act in the role's account there (moto maps an assumed role's keys to the account of
the role), so a second account is real. What the emulated multi-account world adds (trust and
resource policies enforced) is tested with it; here: the hub's functions, through the spoke role,
onboard an endpoint in its own account and region, and DELETING removes it there."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import boto3
import boto3.session
import pytest

from sagewatch_emulator import EmulatedAccount
from sagewatch_emulator.sqs_event_source import drain_one_at_a_time

pytestmark = pytest.mark.integration

EXTERNAL_ID = "a-long-random-external-id-value"
SPOKE = "222222222222"
WEST = "eu-west-1"
NO_SELF_INVOKE = {"SAGEWATCH_RECONCILE_SELF_INVOKE": "false"}


@pytest.fixture
def hub() -> Iterator[EmulatedAccount]:
    with EmulatedAccount(parameters={"SpokeAccountIds": SPOKE, "SpokeExternalId": EXTERNAL_ID}) as emulated:
        yield emulated


def spoke_client(hub: EmulatedAccount, service: str, region: str) -> Any:
    """A client acting in the spoke account (through its role, as the hub does)."""
    role = f"arn:aws:iam::{SPOKE}:role/SageWatch-spoke-{region}"
    credentials = hub.client("sts").assume_role(RoleArn=role, RoleSessionName="spoke-test", ExternalId=EXTERNAL_ID)[
        "Credentials"
    ]
    session = boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=region,
    )
    return cast("Any", session).client(service, endpoint_url=hub.endpoint_url)


def create_spoke_endpoint(hub: EmulatedAccount, name: str, region: str) -> None:
    sagemaker = spoke_client(hub, "sagemaker", region)
    sagemaker.create_model(
        ModelName=name, ExecutionRoleArn=f"arn:aws:iam::{SPOKE}:role/model", PrimaryContainer={"Image": "image"}
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[
            {"VariantName": "AllTraffic", "ModelName": name, "InstanceType": "ml.m5.xlarge", "InitialInstanceCount": 1}
        ],
    )
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=name)


def state_change(name: str, status: str, account: str, region: str) -> dict[str, Any]:
    return {
        "source": "aws.sagemaker",
        "detail-type": "SageMaker Endpoint State Change",
        "id": f"event-{name}-{status}",
        "account": account,
        "region": region,
        "detail": {"EndpointName": name, "EndpointStatus": status},
    }


def alarms(client: Any) -> list[dict[str, Any]]:
    return list(client.describe_alarms(AlarmNamePrefix="SageWatch/")["MetricAlarms"])


def test_a_forwarded_endpoint_is_onboarded_and_removed_in_its_own_account_and_region(hub: EmulatedAccount) -> None:
    create_spoke_endpoint(hub, "fraud", WEST)
    onboarded = hub.invoke("OnboardFunction", state_change("fraud", "IN_SERVICE", SPOKE, WEST))
    assert onboarded.error is None, onboarded.error
    assert onboarded.response["outcome"] == "onboarded"
    assert onboarded.aws_calls["sts.AssumeRole"] == 1

    spoke_cloudwatch = spoke_client(hub, "cloudwatch", WEST)
    written = alarms(spoke_cloudwatch)
    assert written and {tuple(a["AlarmActions"]) for a in written} == {
        (f"arn:aws:sns:{WEST}:{SPOKE}:SageWatch-spoke-alerts",)
    }
    boards = [d["DashboardName"] for d in spoke_cloudwatch.list_dashboards()["DashboardEntries"]]
    assert boards == [f"SageWatch_{WEST}_fraud"]
    # Nothing of it in the hub's account.
    assert alarms(hub.client("cloudwatch")) == []
    assert hub.client("cloudwatch").list_dashboards(DashboardNamePrefix="SageWatch_")["DashboardEntries"] == []

    spoke_client(hub, "sagemaker", WEST).delete_endpoint(EndpointName="fraud")
    removed = hub.invoke("OnboardFunction", state_change("fraud", "DELETING", SPOKE, WEST))
    assert removed.error is None, removed.error
    assert removed.response["outcome"] == "removed"
    assert alarms(spoke_cloudwatch) == []
    assert spoke_cloudwatch.list_dashboards(DashboardNamePrefix="SageWatch_")["DashboardEntries"] == []


def test_two_accounts_with_an_endpoint_of_the_same_name_keep_apart(hub: EmulatedAccount) -> None:
    create_spoke_endpoint(hub, "fraud", hub.region)
    hub.create_endpoint("fraud")
    assert hub.invoke("OnboardFunction", state_change("fraud", "IN_SERVICE", SPOKE, hub.region)).error is None
    assert hub.invoke("OnboardFunction", state_change("fraud", "IN_SERVICE", hub.account_id, hub.region)).error is None
    hub_alarms, spoke_alarms = alarms(hub.client("cloudwatch")), alarms(spoke_client(hub, "cloudwatch", hub.region))
    assert {a["AlarmName"] for a in hub_alarms} == {a["AlarmName"] for a in spoke_alarms}
    assert {a["AlarmActions"][0].split(":")[4] for a in hub_alarms} == {hub.account_id}
    assert {a["AlarmActions"][0].split(":")[4] for a in spoke_alarms} == {SPOKE}


def test_the_reconcile_finds_a_spoke_endpoint_and_the_worker_fits_it_there(hub: EmulatedAccount) -> None:
    create_spoke_endpoint(hub, "churn", hub.region)
    topic = spoke_client(hub, "sns", hub.region).create_topic(Name="SageWatch-spoke-alerts")["TopicArn"]
    planned = hub.invoke("ReconcileFunction", {"sagewatch": "reconcile"}, environment=NO_SELF_INVOKE)
    assert planned.error is None, planned.error
    assert planned.response["spokes"]["complete"] == [f"{SPOKE}/{hub.region}"]
    # The hub's AlertQueue is now subscribed to the spoke's topic (by the queue's owner). moto keeps
    # the subscription with the subscribing account, so it is listed with the hub's client here.
    assert planned.response["spokes"]["subscribed"] == [f"{SPOKE}/{hub.region}"]
    subscriptions = hub.client("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    queue_arn = hub.client("sqs").get_queue_attributes(
        QueueUrl=hub.physical_id("AlertQueue"), AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [("sqs", queue_arn)]
    worked = drain_one_at_a_time(hub, environment={"SAGEWATCH_CLOUDWATCH_WRITE_TPS": "0"})
    assert worked.failed == []
    spoke_cloudwatch = spoke_client(hub, "cloudwatch", hub.region)
    assert {a["AlarmName"].split("/")[1] for a in alarms(spoke_cloudwatch)} == {"churn"}
    assert alarms(hub.client("cloudwatch")) == []
    # What was applied is recorded under the spoke's key: the next reconcile has nothing to do there.
    table = hub.physical_id("FleetStateTable")
    keys = {item["endpoint"]["S"] for item in hub.client("dynamodb").scan(TableName=table)["Items"]}
    assert f"{SPOKE}/{hub.region}/churn" in keys
    again = hub.invoke("ReconcileFunction", {"sagewatch": "reconcile"}, environment=NO_SELF_INVOKE)
    assert again.error is None and again.response["spokes"]["enqueued"] == 0
    assert "sns.Subscribe" not in again.aws_calls  # subscribed once, recorded
