"""The scenario's account driver for a real AWS account (``make e2e``): boto3 and the SAM CLI.

NOT RUN FROM THIS REPOSITORY'S CI: CI has no AWS account. Its pure parts (names, commands,
requests, cleanup plan, bounded waits, the inbox) have unit tests in tests/unit/e2e, and its
cleanup code (:mod:`tests.e2e.sweeper`) runs on every ``make test`` against the emulated account;
the calls below are the documented APIs, each named where its behaviour matters.

What a run creates, in order (all named ``<prefix>…`` and tagged ``sagewatch-e2e=<prefix>``):

1. the fixtures stack ``<prefix>-fixtures`` (tests/e2e/fixtures.yaml): a bucket, the model's
   role, the alert receiver (HTTP API → SQS queue) and the webhook secret pointing at it;
2. ``model.tar.gz`` in that bucket; ``sam build`` + ``sam deploy`` of template.yaml as stack
   ``<prefix>`` with NamePrefix ``<prefix>`` (packages in the same bucket);
3. a model, endpoint config and serverless endpoint (:mod:`tests.e2e.endpoint_spec`).

Then SageMaker's own "SageMaker Endpoint State Change" event onboards the endpoint through
EventBridge; SetAlarmState runs the alarm's actions (AlertTopic → AlertQueue → NotifyFunction);
NotifyFunction posts to the receiver; the scenario reads the receiver's queue.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from tests.e2e import endpoint_spec, sam_cli
from tests.e2e.cleanup import leftovers
from tests.e2e.driver import Alert, Monitoring
from tests.e2e.inbox import Inbox
from tests.e2e.naming import VARIANT, RunNames
from tests.e2e.settings import REPO, AwsSettings
from tests.e2e.sweeper import Sweeper, read_inventory, read_monitoring, stack_status
from tests.e2e.waits import REAL_CLOCK, Clock, WaitTimeoutError, wait_for

FIXTURES_TEMPLATE = Path(__file__).resolve().parent / "fixtures.yaml"

# Bounds (seconds). Each is several times what the step takes when all is well.
FIXTURES_STACK_TIMEOUT = 600.0  # a bucket, two roles, a queue, an HTTP API, a secret: ~1-2 min
SAM_BUILD_TIMEOUT = 900.0
SAM_DEPLOY_TIMEOUT = 1800.0  # sam deploy waits for the stack itself: ~3-5 min
IN_SERVICE_TIMEOUT = 1200.0  # a serverless endpoint: ~2-5 min
FIRST_INVOKE_TIMEOUT = 300.0  # the first request starts the container (cold start)
METRICS_TIMEOUT = 600.0  # SageMaker's invocation metrics reach CloudWatch within ~1-3 min
ONBOARDING_TIMEOUT = 600.0  # EventBridge → OnboardFunction: seconds; alarms are written at ≤3 TPS
ALERT_TIMEOUT = 600.0  # SetAlarmState → SNS → SQS (5 s batching window) → NotifyFunction → receiver
REMOVAL_TIMEOUT = 600.0
LEFTOVERS_TIMEOUT = 600.0  # the tagging index forgets deleted resources after a while
INTERVAL = 15.0
RECEIVE_WAIT_SECONDS = 10  # SQS long polling, within one look


class StackFailedError(AssertionError):
    pass


class AwsDriver:
    kind = "aws"

    def __init__(
        self,
        settings: AwsSettings,
        names: RunNames,
        *,
        clock: Clock = REAL_CLOCK,
        say: Callable[[str], None] = print,
        session: Any = None,
    ) -> None:
        self.settings = settings
        self.names = names
        self._clock = clock
        self._say = say
        # Any: boto3's stubs type client() per service literal; the driver names services by string.
        self._session: Any = session or boto3.Session(profile_name=settings.profile, region_name=settings.region)
        self._config = Config(retries={"mode": "adaptive", "max_attempts": 10}, read_timeout=90)
        self._clients: dict[str, Any] = {}
        self._inbox = Inbox()
        self._outputs: dict[str, str] = {}
        self._build_dir = REPO / "build" / "e2e" / names.prefix

    # -- plumbing -----------------------------------------------------------------------------

    def _client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self._session.client(service, config=self._config)
        return self._clients[service]

    def _wait(
        self, what: str, probe: Callable[[], Any], timeout: float, describe: Callable[[], str] | None = None
    ) -> Any:
        return wait_for(
            what, probe, timeout=timeout, interval=INTERVAL, clock=self._clock, say=self._say, describe=describe
        )

    def _run(self, command: list[str], timeout: float) -> None:
        self._say(f"$ {' '.join(command)}")
        try:
            subprocess.run(command, cwd=REPO, check=True, timeout=timeout)
        except subprocess.TimeoutExpired as expired:
            raise WaitTimeoutError(f"gave up on {command[0]} {command[1]} after {timeout:g} s") from expired

    # -- deploy -------------------------------------------------------------------------------

    def deploy_stack(self) -> None:
        self._create_fixtures()
        bucket = self._outputs["BucketName"]
        self._client("s3").put_object(
            Bucket=bucket, Key=endpoint_spec.model_key(self.names), Body=endpoint_spec.model_archive()
        )
        self._build_dir.mkdir(parents=True, exist_ok=True)
        config = self._build_dir / "samconfig.toml"
        config.write_text(sam_cli.EMPTY_CONFIG)
        sam_build = self._build_dir / "sam"
        self._run(
            sam_cli.build_command(self.settings.sam, template=REPO / "template.yaml", build_dir=sam_build),
            SAM_BUILD_TIMEOUT,
        )
        self._run(
            sam_cli.deploy_command(
                self.settings.sam,
                self.names,
                built_template=sam_build / "template.yaml",
                config_file=config,
                bucket=bucket,
                profile=self.settings.profile,
            ),
            SAM_DEPLOY_TIMEOUT,
        )
        status = stack_status(self._client, self.names.stack)
        if status not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
            raise StackFailedError(f"stack {self.names.stack} is {status} after sam deploy")

    def _create_fixtures(self) -> None:
        names = self.names
        cloudformation = self._client("cloudformation")
        cloudformation.create_stack(
            StackName=names.fixtures_stack,
            TemplateBody=FIXTURES_TEMPLATE.read_text(),
            Parameters=[{"ParameterKey": "WebhookSecretName", "ParameterValue": names.webhook_secret}],
            Capabilities=["CAPABILITY_IAM"],
            Tags=[names.tag],
        )
        last: list[str | None] = [None]

        def created() -> bool:
            status = stack_status(self._client, names.fixtures_stack)
            last[0] = status
            if status is not None and ("FAILED" in status or "ROLLBACK" in status):
                raise StackFailedError(f"fixtures stack {names.fixtures_stack} is {status}")
            return status == "CREATE_COMPLETE"

        self._wait(f"stack {names.fixtures_stack} to be created", created, FIXTURES_STACK_TIMEOUT, lambda: str(last[0]))
        stack = cloudformation.describe_stacks(StackName=names.fixtures_stack)["Stacks"][0]
        self._outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}

    # -- the endpoint -------------------------------------------------------------------------

    def create_endpoint(self) -> None:
        names = self.names
        sagemaker = self._client("sagemaker")
        image = self.settings.image_uri or endpoint_spec.sklearn_image(names.region)
        sagemaker.create_model(
            **endpoint_spec.create_model_request(
                names, image=image, bucket=self._outputs["BucketName"], role_arn=self._outputs["ModelRoleArn"]
            )
        )
        sagemaker.create_endpoint_config(**endpoint_spec.create_endpoint_config_request(names))
        sagemaker.create_endpoint(**endpoint_spec.create_endpoint_request(names))
        last: list[str] = ["?"]

        def in_service() -> bool:
            described = sagemaker.describe_endpoint(EndpointName=names.endpoint)
            last[0] = str(described["EndpointStatus"])
            if last[0] == "Failed":
                raise StackFailedError(f"endpoint {names.endpoint} Failed: {described.get('FailureReason')}")
            return last[0] == "InService"

        self._wait(f"endpoint {names.endpoint} to be InService", in_service, IN_SERVICE_TIMEOUT, lambda: last[0])

    def send_traffic(self, requests: int) -> None:
        runtime = self._client("sagemaker-runtime")
        body = json.dumps({"instances": [[1.0, 2.0, 3.0]]})

        def invoke() -> bool:
            try:
                runtime.invoke_endpoint(EndpointName=self.names.endpoint, ContentType="application/json", Body=body)
            except ClientError as error:  # a cold start may answer ModelError once: try again
                self._say(f"  invoke: {error.response.get('Error', {}).get('Code')}, retrying")
                return False
            except BotoCoreError as error:  # a read timeout while the container starts
                self._say(f"  invoke: {type(error).__name__}, retrying")
                return False
            return True

        self._wait("the first request to be answered (cold start)", invoke, FIRST_INVOKE_TIMEOUT)
        for _ in range(requests - 1):
            runtime.invoke_endpoint(EndpointName=self.names.endpoint, ContentType="application/json", Body=body)
        self._wait(f"CloudWatch to show the {requests} invocations", self._invocations_visible, METRICS_TIMEOUT)

    def _invocations_visible(self) -> bool:
        end = datetime.now(tz=UTC)
        answer = self._client("cloudwatch").get_metric_data(
            MetricDataQueries=[
                {
                    "Id": "invocations",
                    "MetricStat": {
                        "Metric": {
                            "Namespace": "AWS/SageMaker",
                            "MetricName": "Invocations",
                            "Dimensions": [
                                {"Name": "EndpointName", "Value": self.names.endpoint},
                                {"Name": "VariantName", "Value": VARIANT},
                            ],
                        },
                        "Period": 60,
                        "Stat": "Sum",
                    },
                }
            ],
            StartTime=end - timedelta(minutes=30),
            EndTime=end,
        )
        return any(sum(result.get("Values", [])) > 0 for result in answer.get("MetricDataResults", []))

    # -- monitoring ---------------------------------------------------------------------------

    def monitoring(self) -> Monitoring:
        return read_monitoring(self._client, self.names)

    def wait_for_monitoring(self, alarm_keys: tuple[str, ...]) -> Monitoring:
        def complete() -> Monitoring | None:
            now = self.monitoring()
            return now if now.has(self.names, alarm_keys) else None

        found: Monitoring = self._wait(
            f"alarms {sorted(alarm_keys)} and the dashboard of {self.names.endpoint} (EventBridge → OnboardFunction)",
            complete,
            ONBOARDING_TIMEOUT,
            lambda: str(self.monitoring()),
        )
        return found

    def set_alarm_state(self, alarm: str, state: str, reason: str) -> None:
        # "SetAlarmState": the new state's actions run when it differs from the previous one, and
        # the alarm returns to its real state at its next evaluation (within a minute).
        self._client("cloudwatch").set_alarm_state(AlarmName=alarm, StateValue=state, StateReason=reason)

    def wait_for_alert(self, alarm: str, state: str) -> Alert:
        sqs = self._client("sqs")
        queue = self._outputs["ReceiverQueueUrl"]

        def arrived() -> Alert | None:
            answer = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=RECEIVE_WAIT_SECONDS)
            messages = answer.get("Messages", [])
            payloads: list[dict[str, Any]] = []
            for message in messages:
                try:
                    payload = json.loads(message["Body"])
                except json.JSONDecodeError:
                    payload = {"text": f"(not JSON) {message['Body'][:200]}"}
                payloads.append(payload if isinstance(payload, dict) else {"text": str(payload)})
            if messages:
                sqs.delete_message_batch(
                    QueueUrl=queue,
                    Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
                )
            self._inbox.add(payloads)
            return self._inbox.take(alarm, state)

        alert: Alert = self._wait(
            f"the {state} alert of {alarm} at the receiver", arrived, ALERT_TIMEOUT, self._inbox.summary
        )
        return alert

    # -- removal ------------------------------------------------------------------------------

    def _sweeper(self) -> Sweeper:
        return Sweeper(self._client, self.names, clock=self._clock, say=self._say, poll_interval=INTERVAL)

    def delete_endpoint(self) -> None:
        self._sweeper().delete_endpoint(self.names.endpoint)

    def wait_for_monitoring_removed(self) -> Monitoring:
        def removed() -> Monitoring | None:
            now = self.monitoring()
            return now if now.empty else None

        gone: Monitoring = self._wait(
            f"the alarms and dashboard of {self.names.endpoint} to be removed (EventBridge DELETING → OnboardFunction)",
            removed,
            REMOVAL_TIMEOUT,
            lambda: str(self.monitoring()),
        )
        return gone

    def delete_stack(self) -> None:
        self._sweeper().delete_stack(self.names.stack)

    def clean_up(self) -> list[str]:
        sweep = self._sweeper().sweep()
        return [f"{step}: {error}" for step, error in sweep.failed]

    def leftovers(self) -> list[str]:
        last: list[list[str]] = [[]]

        def clean() -> bool:
            last[0] = leftovers(read_inventory(self._client, self.names))
            return not last[0]

        try:
            self._wait(
                f"nothing named or tagged {self.names.prefix} to be left",
                clean,
                LEFTOVERS_TIMEOUT,
                lambda: str(last[0]),
            )
        except WaitTimeoutError:
            return last[0]
        return []
