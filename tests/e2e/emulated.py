"""The scenario's account driver for the emulated account (part of ``make test``).

Everything runs through the template's real handlers, in the order AWS runs them:

- ``deploy_stack`` opens an :class:`EmulatedAccount` provisioned from template.yaml under the
  run's stack name and NamePrefix, with the webhook secret pointing at the account's fake Slack
  (the real run's fixtures stack puts a receiver URL there instead).
- ``create_endpoint`` creates the serverless endpoint, then plays what SageMaker does when it is
  IN_SERVICE: the "SageMaker Endpoint State Change" event goes through the template's EventBridge
  rules (``deliver_event``) to OnboardFunction. ``delete_endpoint`` does the same with DELETING.
- ``set_alarm_state`` is CloudWatch's SetAlarmState. moto alone would only store the state; the
  account's alarm engine runs the new state's actions as CloudWatch does (API reference
  "SetAlarmState"), so the notification goes through the stack's AlertTopic to its AlertQueue
  subscription. ``wait_for_alert`` plays the SQS event source mapping (``drain_queue``) into
  NotifyFunction and reads what the fake Slack accepted.
- ``delete_stack`` plays CloudFormation's stack deletion: every resource the account provisioned
  is deleted with its own service's call (moto has no CloudFormation stack of it to delete).

Gaps against a real account, said here and in docs/e2e.md: the emulated endpoint is IN_SERVICE at
once and runs no container (``send_traffic`` publishes the invocation metrics SageMaker would);
the EventBridge → Lambda and SQS → Lambda hops are played in-process, not by AWS's pollers; the
stack tags ``sam deploy --tags`` would propagate are put on by the driver (queues, topics, the KMS
key, tables, the parameter, the stack's alarms), so the "nothing tagged" check sees them — and
the KMS key pending deletion — as it would on AWS.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sagewatch_emulator import EmulatedAccount, VariantSpec
from tests.e2e.cleanup import leftovers
from tests.e2e.driver import Alert, Monitoring
from tests.e2e.endpoint_spec import MAX_CONCURRENCY, MEMORY_MB
from tests.e2e.inbox import Inbox
from tests.e2e.naming import TAG_KEY, VARIANT, RunNames
from tests.e2e.sweeper import Sweeper, read_inventory, read_monitoring
from tests.e2e.waits import Clock, wait_for

# The emulated account answers at once: a short bound keeps a broken step from hanging the suite.
TIMEOUT = 10.0
INTERVAL = 0.05


def _state_change(account: EmulatedAccount, endpoint: str, status: str) -> dict[str, Any]:
    """The EventBridge event SageMaker sends (the shape of events/onboard/in-service-*.json)."""
    arn = f"arn:aws:sagemaker:{account.region}:{account.account_id}:endpoint/{endpoint.lower()}"
    return {
        "version": "0",
        "id": f"e2e-{endpoint}-{status.lower()}",
        "detail-type": "SageMaker Endpoint State Change",
        "source": "aws.sagemaker",
        "account": account.account_id,
        "time": datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": account.region,
        "resources": [arn],
        "detail": {"EndpointName": endpoint, "EndpointArn": arn, "EndpointStatus": status, "Tags": {}},
    }


class EmulatedDriver:
    kind = "emulated"

    def __init__(self, names: RunNames, *, say: Callable[[str], None] = print) -> None:
        self.names = names
        self._say = say
        self._account: EmulatedAccount | None = None
        self._inbox = Inbox()
        self._stack_deleted = False
        self._clock = Clock()

    # -- the account --------------------------------------------------------------------------

    @property
    def account(self) -> EmulatedAccount:
        if self._account is None:
            raise RuntimeError("deploy_stack() first")
        return self._account

    def _client(self, service: str) -> Any:
        return self.account.client(service)

    def close(self) -> None:
        if self._account is not None:
            self._account.close()
            self._account = None

    def _wait(self, what: str, probe: Callable[[], Any], describe: Callable[[], str] | None = None) -> Any:
        return wait_for(
            what, probe, timeout=TIMEOUT, interval=INTERVAL, clock=self._clock, say=self._say, describe=describe
        )

    # -- the verbs ----------------------------------------------------------------------------

    def deploy_stack(self) -> None:
        names = self.names
        # OkSettleSeconds 0: a webhook cannot thread, so an OK would otherwise wait up to 15 minutes.
        parameters = {
            "NamePrefix": names.prefix,
            "SlackWebhookSecretName": names.webhook_secret,
            "OkSettleSeconds": "0",
        }
        self._account = EmulatedAccount(region=names.region, parameters=parameters, stack_name=names.stack).start()
        self._client("secretsmanager").create_secret(
            Name=names.webhook_secret, SecretString=self.account.slack_url, Tags=[names.tag]
        )
        tagged = self._tag_stack_resources()
        count = len(self.account.stack.provisioned)
        self._say(f"deployed stack {names.stack} in the emulated account ({count} resources, {tagged} tagged)")

    def _tag_stack_resources(self) -> int:
        """``sam deploy --tags``, played: CloudFormation propagates stack tags to the resources that take tags."""
        stack = self.account.stack
        count = 0
        for logical_id, physical_id in stack.provisioned.items():
            kind = stack.record(logical_id).type
            arn = stack.record(logical_id).attributes.get("Arn")
            count += _tag_resource(self._client, kind, physical_id, arn, self.names.tag)
        return count

    def create_endpoint(self) -> None:
        names = self.names
        variant = VariantSpec(VARIANT, serverless_memory_mb=MEMORY_MB, serverless_max_concurrency=MAX_CONCURRENCY)
        self.account.create_endpoint(names.endpoint, variants=[variant], tags={TAG_KEY: names.prefix})
        sagemaker = self._client("sagemaker")
        self._wait(
            f"endpoint {names.endpoint} to be InService",
            lambda: sagemaker.describe_endpoint(EndpointName=names.endpoint)["EndpointStatus"] == "InService",
        )
        for invocation in self.account.deliver_event(_state_change(self.account, names.endpoint, "IN_SERVICE")):
            assert invocation.error is None, invocation.error

    def send_traffic(self, requests: int) -> None:
        # No container runs here: publish what SageMaker publishes for `requests` successful calls
        # spread over the last few minutes (AWS/SageMaker by EndpointName and VariantName).
        dims = {"EndpointName": self.names.endpoint, "VariantName": VARIANT}
        per_minute = [float(requests // 5)] * 4 + [float(requests - 4 * (requests // 5))]
        self.account.put_metric_series("AWS/SageMaker", "Invocations", dims, per_minute)
        self.account.put_metric_series("AWS/SageMaker", "Invocation5XXErrors", dims, [0.0] * 5)
        self.account.put_metric_series("AWS/SageMaker", "ModelLatency", dims, [3_500.0] * 5)  # µs

    def monitoring(self) -> Monitoring:
        return read_monitoring(self._client, self.names)

    def wait_for_monitoring(self, alarm_keys: tuple[str, ...]) -> Monitoring:
        def complete() -> Monitoring | None:
            now = self.monitoring()
            return now if now.has(self.names, alarm_keys) else None

        result: Monitoring = self._wait(
            f"alarms {sorted(alarm_keys)} and the dashboard of {self.names.endpoint}",
            complete,
            lambda: str(self.monitoring()),
        )
        return result

    def set_alarm_state(self, alarm: str, state: str, reason: str) -> None:
        self._client("cloudwatch").set_alarm_state(AlarmName=alarm, StateValue=state, StateReason=reason)

    def wait_for_alert(self, alarm: str, state: str) -> Alert:
        seen = len(self.account.slack_messages)

        def arrived() -> Alert | None:
            for invocation in self.account.drain_queue("AlertQueue", "NotifyFunction"):
                assert invocation.error is None, invocation.error
            nonlocal seen
            messages = self.account.slack_messages
            self._inbox.add(messages[seen:])
            seen = len(messages)
            return self._inbox.take(alarm, state)

        alert: Alert = self._wait(f"the {state} alert of {alarm} in Slack", arrived, self._inbox.summary)
        return alert

    def delete_endpoint(self) -> None:
        name = self.names.endpoint
        self.account.delete_endpoint(name)
        for invocation in self.account.deliver_event(_state_change(self.account, name, "DELETING")):
            assert invocation.error is None, invocation.error

    def wait_for_monitoring_removed(self) -> Monitoring:
        def removed() -> Monitoring | None:
            now = self.monitoring()
            return now if now.empty else None

        result: Monitoring = self._wait(
            f"the alarms and dashboard of {self.names.endpoint} to be removed", removed, lambda: str(self.monitoring())
        )
        return result

    def delete_stack(self) -> None:
        """CloudFormation's DeleteStack, played: each provisioned resource deleted by its own service."""
        stack = self.account.stack
        for logical_id, physical_id in reversed(list(stack.provisioned.items())):
            _delete_resource(self._client, stack.record(logical_id).type, physical_id)
        self._stack_deleted = True
        self._say(f"deleted stack {self.names.stack} ({len(stack.provisioned)} resources)")

    def clean_up(self) -> list[str]:
        if self._account is None:
            return []
        sweep = Sweeper(self._client, self.names, clock=self._clock, say=self._say, poll_interval=INTERVAL).sweep()
        failed = [f"{step}: {error}" for step, error in sweep.failed]
        if not self._stack_deleted:
            self.delete_stack()
        if self._secret_exists():
            self._client("secretsmanager").delete_secret(
                SecretId=self.names.webhook_secret, ForceDeleteWithoutRecovery=True
            )
        return failed

    def _secret_exists(self) -> bool:
        listed = self._client("secretsmanager").list_secrets(
            Filters=[{"Key": "name", "Values": [self.names.webhook_secret]}]
        )
        return any(s["Name"] == self.names.webhook_secret for s in listed.get("SecretList", []))

    def leftovers(self) -> list[str]:
        lines = leftovers(read_inventory(self._client, self.names))
        if self._secret_exists():
            lines.append(f"secret {self.names.webhook_secret}")
        return lines


def _tag_resource(client: Callable[[str], Any], kind: str, physical_id: str, arn: Any, tag: dict[str, str]) -> int:
    """Tag one provisioned resource with its service's call; 1 if tagged, 0 for types without tags."""
    if kind == "AWS::SQS::Queue":
        client("sqs").tag_queue(QueueUrl=physical_id, Tags={tag["Key"]: tag["Value"]})
    elif kind == "AWS::SNS::Topic":
        client("sns").tag_resource(ResourceArn=physical_id, Tags=[tag])
    elif kind == "AWS::KMS::Key":
        client("kms").tag_resource(KeyId=physical_id, Tags=[{"TagKey": tag["Key"], "TagValue": tag["Value"]}])
    elif kind == "AWS::DynamoDB::Table":
        client("dynamodb").tag_resource(ResourceArn=str(arn), Tags=[tag])
    elif kind == "AWS::SSM::Parameter":
        client("ssm").add_tags_to_resource(ResourceType="Parameter", ResourceId=physical_id, Tags=[tag])
    elif kind == "AWS::CloudWatch::Alarm":
        client("cloudwatch").tag_resource(ResourceARN=str(arn), Tags=[tag])
    else:  # subscriptions, rules, identities …: not listed by the tagging check here
        return 0
    return 1


# What CloudFormation calls to delete each resource type the emulated account provisions.
def _delete_resource(client: Callable[[str], Any], kind: str, physical_id: str) -> None:
    if kind == "AWS::SQS::Queue":
        client("sqs").delete_queue(QueueUrl=physical_id)
    elif kind == "AWS::SNS::Topic":
        client("sns").delete_topic(TopicArn=physical_id)
    elif kind == "AWS::SNS::Subscription":
        client("sns").unsubscribe(SubscriptionArn=physical_id)
    elif kind == "AWS::KMS::Key":
        client("kms").schedule_key_deletion(KeyId=physical_id, PendingWindowInDays=7)
    elif kind == "AWS::SSM::Parameter":
        client("ssm").delete_parameter(Name=physical_id)
    elif kind == "AWS::DynamoDB::Table":
        client("dynamodb").delete_table(TableName=physical_id)
    elif kind == "AWS::CloudWatch::Alarm":
        client("cloudwatch").delete_alarms(AlarmNames=[physical_id])
    elif kind == "AWS::SecretsManager::Secret":
        client("secretsmanager").delete_secret(SecretId=physical_id, ForceDeleteWithoutRecovery=True)
    elif kind == "AWS::Events::Rule":
        events = client("events")
        targets = events.list_targets_by_rule(Rule=physical_id).get("Targets", [])
        if targets:
            events.remove_targets(Rule=physical_id, Ids=[t["Id"] for t in targets])
        events.delete_rule(Name=physical_id)
    elif kind == "AWS::Events::EventBus":
        client("events").delete_event_bus(Name=physical_id)
    elif kind == "AWS::SES::EmailIdentity":
        client("sesv2").delete_email_identity(EmailIdentity=physical_id)
    else:  # a type the template gained: say so rather than leave it behind silently
        raise NotImplementedError(f"deleting {kind} is not played by the emulated driver: add it here")
