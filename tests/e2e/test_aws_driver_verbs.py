"""The real-account driver's own boto3 calls, run against the emulated account.

``make e2e`` cannot run here (no AWS account), but most of :class:`tests.e2e.aws.AwsDriver` is
plain boto3: creating the serverless endpoint from its requests, waiting for IN_SERVICE, reading
the alarms and dashboard, SetAlarmState, reading and deleting the receiver queue's messages,
deleting the endpoint and sweeping. This test runs exactly those methods against moto, with a
virtual clock (every bounded wait runs, no time passes). What it cannot run: the fixtures stack
(moto's CloudFormation lacks API Gateway v2 integrations), ``sam build``/``sam deploy``, and AWS's
own hops (SageMaker's events, the HTTP API in front of the receiver queue): the test plays those,
as the comments say.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.config import Config

from sagewatch_emulator import EmulatedAccount
from tests.e2e.aws import AwsDriver
from tests.e2e.emulated import _state_change
from tests.e2e.naming import VARIANT, RunNames
from tests.e2e.settings import AwsSettings
from tests.e2e.sweeper import read_inventory
from tests.e2e.waits import Clock

pytestmark = pytest.mark.skipif(
    os.environ.get("SAGEWATCH_E2E_ACCOUNT") == "aws", reason="exercises the AWS driver in the emulated account"
)

NAMES = RunNames("sw-e2e-12070245-a1b2", "us-east-1")
ALARM = f"{NAMES.endpoint_alarm_prefix}{VARIANT}/invocation-5xx-rate"


class VirtualClock:
    def __init__(self) -> None:
        self.t = 0.0

    def sleep(self, seconds: float) -> None:
        self.t += seconds

    @property
    def clock(self) -> Clock:
        return Clock(now=lambda: self.t, sleep=self.sleep)


class AccountSession:
    """What AwsDriver asks of a boto3 Session, answered with the emulated account's clients."""

    def __init__(self, account: EmulatedAccount) -> None:
        self._account = account

    def client(self, service: str, config: Config | None = None) -> Any:
        return self._account.client(service, config=config) if config else self._account.client(service)


@pytest.fixture
def emulated() -> Iterator[tuple[EmulatedAccount, AwsDriver]]:
    parameters = {"NamePrefix": NAMES.prefix, "SlackWebhookSecretName": NAMES.webhook_secret, "OkSettleSeconds": "0"}
    with EmulatedAccount(parameters=parameters, stack_name=NAMES.stack) as account:
        account.client("secretsmanager").create_secret(Name=NAMES.webhook_secret, SecretString=account.slack_url)
        account.client("s3").create_bucket(Bucket="fixtures-bucket")
        receiver = account.client("sqs").create_queue(QueueName=f"{NAMES.prefix}-receiver")["QueueUrl"]
        settings = AwsSettings(region=NAMES.region, profile=None, sam="sam", image_uri=None)
        driver = AwsDriver(
            settings, NAMES, clock=VirtualClock().clock, say=lambda _: None, session=AccountSession(account)
        )
        # What the fixtures stack's outputs would say.
        driver._outputs = {
            "BucketName": "fixtures-bucket",
            "ModelRoleArn": f"arn:aws:iam::{account.account_id}:role/{NAMES.prefix}-model",
            "ReceiverQueueUrl": receiver,
        }
        yield account, driver


def relay_slack_to_receiver(account: EmulatedAccount, receiver: str, already: int) -> int:
    """The HTTP API's part: each body NotifyFunction posted becomes one message of the receiver queue."""
    account.drain_queue("AlertQueue", "NotifyFunction")
    messages = account.slack_messages
    for message in messages[already:]:
        account.client("sqs").send_message(QueueUrl=receiver, MessageBody=json.dumps(message))
    return len(messages)


def test_the_aws_drivers_calls_from_endpoint_to_sweep(emulated: tuple[EmulatedAccount, AwsDriver]) -> None:
    account, driver = emulated
    driver.create_endpoint()
    described = account.client("sagemaker").describe_endpoint_config(EndpointConfigName=NAMES.endpoint_config)
    assert described["ProductionVariants"][0]["ServerlessConfig"]["MemorySizeInMB"] == 2048

    # SageMaker's part: the IN_SERVICE event through the stack's EventBridge rules.
    account.deliver_event(_state_change(account, NAMES.endpoint, "IN_SERVICE"))
    monitoring = driver.wait_for_monitoring(("invocation-5xx-rate", "model-latency-p99"))
    assert ALARM in monitoring.alarms and monitoring.dashboards == (NAMES.endpoint_dashboard,)

    receiver = driver._outputs["ReceiverQueueUrl"]
    driver.set_alarm_state(ALARM, "ALARM", "driver check")
    relayed = relay_slack_to_receiver(account, receiver, 0)
    fired = driver.wait_for_alert(ALARM, "ALARM")
    assert "driver check" in fired.text
    driver.set_alarm_state(ALARM, "OK", "driver check, OK")
    relay_slack_to_receiver(account, receiver, relayed)
    assert "Resolved" in driver.wait_for_alert(ALARM, "OK").text
    depth = account.client("sqs").get_queue_attributes(QueueUrl=receiver, AttributeNames=["All"])["Attributes"]
    assert depth["ApproximateNumberOfMessages"] == "0"  # read messages are deleted

    driver.delete_endpoint()
    account.deliver_event(_state_change(account, NAMES.endpoint, "DELETING"))
    assert driver.wait_for_monitoring_removed().empty

    before = read_inventory(account.client, NAMES)
    assert before.endpoint_config and before.model and before.alarms  # DeleteEndpoint keeps them, as on AWS
    assert driver.clean_up() == []
    # The sweep removed config, model and every alarm named with the prefix (here the stack's own:
    # there is no CloudFormation stack of the emulated one to delete).
    assert driver.leftovers() == []
