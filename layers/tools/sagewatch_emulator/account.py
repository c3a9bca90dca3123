"""The emulated AWS account: moto in server mode on 127.0.0.1, provisioned from template.yaml.

::

    with EmulatedAccount() as account:                     # <repo>/template.yaml
        account.create_endpoint("fraud", variants=[VariantSpec(instance_type="ml.g5.12xlarge")])
        result = account.invoke("OnboardFunction", event)
        assert result.error is None
        print(result.aws_calls, result.writes, account.slack_messages)

While open, the account owns the process's AWS configuration: ``AWS_ENDPOINT_URL`` points at
the emulator, the credentials are dummies and ``boto3.DEFAULT_SESSION`` is a fresh one, so
nothing can reach real AWS by accident. Closing restores all of it, stops the servers and
removes the emulator extensions. One account may be open per process at a time.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import json
import logging
import os
import threading
import time
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import getaddresses
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from sagewatch_emulator.alarm_engine import AdvanceReport, AlarmEngine, SentNotification, install_alarm_engine
from sagewatch_emulator.calls import CallRecorder, exclude_from_counting
from sagewatch_emulator.fake_slack import FakeSlack
from sagewatch_emulator.invoke import (
    FunctionRuntime,
    FunctionSpec,
    Invocation,
    LambdaContext,
    OutputCapture,
    capturing_output,
    check_external_layers,
    function_environment,
    resolve_function,
)
from sagewatch_emulator.moto_extensions import InjectedFault, MotoExtensions, inject_fault
from sagewatch_emulator.provision import Provisioner, ResourceRecord, generated_name
from sagewatch_emulator.template import Resolver, Template, TemplateError

__all__ = [
    "EmulatedAccount",
    "EmulatorBusyError",
    "EmulatorError",
    "TemplateError",
    "VariantSpec",
    "default_template_path",
]

_LOG = logging.getLogger(__name__)

ACCOUNT_ID = "123456789012"  # moto's default account
DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
# Host variables that would send calls elsewhere or pick other credentials while open.
_MASKED_PREFIXES = ("AWS_ENDPOINT_URL_",)
_MASKED = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
)

_OPEN_LOCK = threading.Lock()


class EmulatorError(RuntimeError):
    """The emulated account cannot do what was asked; the message says why."""


class EmulatorBusyError(EmulatorError):
    """Another EmulatedAccount is open in this process (moto's state is process-wide)."""


def default_template_path() -> Path:
    """``template.yaml`` of the repository this package lives in, else of the working directory."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "template.yaml"
        if candidate.is_file() and (parent / "layers").is_dir():
            return candidate
    return Path.cwd() / "template.yaml"


@dataclass(frozen=True)
class VariantSpec:
    """One production variant for :meth:`EmulatedAccount.create_endpoint`.

    Serverless when ``serverless_memory_mb`` is set (then instance type and count are unused).
    """

    name: str = "AllTraffic"
    instance_type: str = "ml.m5.xlarge"
    instance_count: int = 1
    serverless_memory_mb: int | None = None
    serverless_max_concurrency: int | None = None
    weight: float = 1.0

    def production_variant(self, model_name: str) -> dict[str, Any]:
        variant: dict[str, Any] = {
            "VariantName": self.name,
            "ModelName": model_name,
            "InitialVariantWeight": self.weight,
        }
        if self.serverless_memory_mb is not None:
            variant["ServerlessConfig"] = {
                "MemorySizeInMB": self.serverless_memory_mb,
                "MaxConcurrency": self.serverless_max_concurrency or 20,
            }
        else:
            variant["InstanceType"] = self.instance_type
            variant["InitialInstanceCount"] = self.instance_count
        return variant


class _QuietMotoServer:
    """moto's ThreadedMotoServer, with request logging turned into debug logging.

    Same pieces as ``moto.server.ThreadedMotoServer`` (DomainDispatcherApplication,
    MotoRequestHandler, werkzeug's threaded server) but bound to 127.0.0.1 on a free port
    (port 0) and without a line on stderr per request.
    """

    def __init__(self) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        def log(type: str, message: str, *args: Any) -> None:
            text = str(message % args if args else message).strip()
            _LOG.debug("moto %s: %s", type, text)
            if type == "error" and text:
                # One line (the exception), not werkzeug's traceback: the client gets a 500.
                _LOG.warning("moto: %s", text.splitlines()[-1])

        class QuietHandler(MotoRequestHandler):
            def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
                return None

            def log(self, type: str, message: str, *args: Any) -> None:
                log(type, message, *args)

        app = DomainDispatcherApplication(create_backend_app)
        self._server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
        self._server.log = log  # type: ignore[method-assign] # werkzeug reports request errors here
        # A short poll interval: shutdown() waits for it, and accounts open and close per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="moto-server", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


_SESSIONS: dict[str, boto3.session.Session] = {}


def _shared_session(region: str) -> boto3.session.Session:
    """One boto3 session per region for every account of the process: its loader caches the
    service models, which makes creating clients several times cheaper for later accounts."""
    if region not in _SESSIONS:
        _SESSIONS[region] = boto3.session.Session(
            aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=DUMMY_CREDENTIALS["AWS_SESSION_TOKEN"],
            region_name=region,
        )
    return _SESSIONS[region]


class EmulatedAccount:
    """An AWS account on this machine for tests and the demo. See docs/emulated-account.md."""

    def __init__(
        self,
        template_path: str | Path | None = None,
        *,
        region: str = "us-east-1",
        parameters: Mapping[str, Any] | None = None,
        stack_name: str = "sagewatch",
        provision: bool = True,
    ) -> None:
        self.template_path = Path(template_path) if template_path is not None else default_template_path()
        self.region = region
        self.account_id = ACCOUNT_ID
        self.stack_name = stack_name
        self.parameter_overrides = dict(parameters or {})
        self.provision = provision
        self.template: Template | None = None
        self.resolver: Resolver | None = None
        self.startup_ms: float | None = None
        self._server: _QuietMotoServer | None = None
        self._slack: FakeSlack | None = None
        self._extensions = MotoExtensions()
        self._provisioner: Provisioner | None = None
        self._runtimes: dict[str, FunctionRuntime] = {}
        self._session: boto3.session.Session | None = None
        self._clients: dict[str, Any] = {}
        self._saved_env: dict[str, str | None] = {}
        self._saved_default_session: boto3.session.Session | None = None
        self._took_over_environment = False
        self._invoke_lock = threading.Lock()
        self._open = False
        self._endpoint_configs = 0
        self.alarm_engine = AlarmEngine(self.account_id, self.region)

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> EmulatedAccount:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def start(self) -> EmulatedAccount:
        """Start moto and the fake Slack, install the extensions, provision the template."""
        if self._open:
            raise EmulatorError("this EmulatedAccount is already open")
        if not _OPEN_LOCK.acquire(blocking=False):
            raise EmulatorBusyError(
                "another EmulatedAccount is open in this process; moto's state is process-wide, "
                "so close it first (one account at a time)"
            )
        started = time.perf_counter()
        try:
            self._open = True
            self.template = Template.load(self.template_path)
            self._server = _QuietMotoServer()
            self._server.start()
            self._reset_moto()
            self._extensions.install()
            # A fresh engine per opening: its clock, metric store and notifications are this account's.
            self.alarm_engine = AlarmEngine(self.account_id, self.region)
            install_alarm_engine(self.alarm_engine, self._extensions)
            self._slack = FakeSlack().start()
            self._take_over_environment()
            self._session = _shared_session(self.region)
            self._provisioner = Provisioner(
                self.template,
                clients=self.client,
                region=self.region,
                account_id=self.account_id,
                stack_name=self.stack_name,
            )
            self.resolver = Resolver(
                self.template,
                region=self.region,
                account_id=self.account_id,
                stack_name=self.stack_name,
                parameters=self.parameter_overrides,
                attributes=self._provisioner,
            )
            if self.provision:
                self._provisioner.provision_all(self.resolver)
        except BaseException:
            self.close()
            raise
        self.startup_ms = (time.perf_counter() - started) * 1000
        return self

    def close(self) -> None:
        """Stop everything and restore the process (environment, boto3 default session, moto)."""
        if not self._open:
            return
        errors: list[str] = []
        for runtime in self._runtimes.values():
            runtime.close()
        self._runtimes.clear()
        if self._server is not None:
            try:
                self._reset_moto()
            except OSError as exc:
                errors.append(f"moto reset: {exc}")
            self._server.stop()
            self._server = None
        if self._slack is not None:
            self._slack.stop()
            self._slack = None
        self._extensions.uninstall()
        self._restore_environment()
        self._session = None
        self._clients.clear()
        self._open = False
        _OPEN_LOCK.release()
        if errors:
            _LOG.warning("closing the emulated account: %s", "; ".join(errors))

    def _reset_moto(self) -> None:
        """Empty every moto backend, so that each account starts from nothing."""
        url = f"{self.endpoint_url}/moto-api/reset"  # always http://127.0.0.1:<port>
        request = urllib.request.Request(url, method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            response.read()

    def _take_over_environment(self) -> None:
        wanted: dict[str, str | None] = {
            **DUMMY_CREDENTIALS,
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
        }
        for name in os.environ:
            if name in _MASKED or name.startswith(_MASKED_PREFIXES):
                wanted[name] = None
        for name, value in wanted.items():
            self._saved_env[name] = os.environ.get(name)
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_default_session = boto3.DEFAULT_SESSION
        boto3.DEFAULT_SESSION = None
        self._took_over_environment = True

    def _restore_environment(self) -> None:
        if not self._took_over_environment:
            return
        self._took_over_environment = False
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()
        boto3.DEFAULT_SESSION = self._saved_default_session
        self._saved_default_session = None

    def _require_open(self) -> None:
        if not self._open or self._server is None:
            raise EmulatorError("the EmulatedAccount is not open (use it as a context manager)")

    # -- addresses and clients ---------------------------------------------------------------

    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise EmulatorError("the EmulatedAccount is not open")
        return f"http://127.0.0.1:{self._server.port}"

    def client(self, service_name: str, **kwargs: Any) -> Any:
        """A boto3 client bound to the emulator (its calls are not counted by ``invoke``).

        Without keyword arguments the account's client for that service is reused (creating a
        boto3 client costs tens of milliseconds); with them a new one is made.
        """
        self._require_open()
        assert self._session is not None
        if not kwargs and service_name in self._clients:
            return self._clients[service_name]
        options: dict[str, Any] = {
            "endpoint_url": self.endpoint_url,
            "region_name": self.region,
            "config": Config(retries={"mode": "standard", "max_attempts": 3}),
            **kwargs,
        }
        made = exclude_from_counting(self._session.client(service_name, **options))  # type: ignore[call-overload]
        if not kwargs:
            self._clients[service_name] = made
        return made

    # -- the stack ----------------------------------------------------------------------------

    def _records(self) -> dict[str, ResourceRecord]:
        self._require_open()
        assert self._provisioner is not None
        return self._provisioner.records

    @property
    def resources(self) -> dict[str, str]:
        """Logical id → physical id of every resource of the stack (created or not)."""
        return {lid: record.physical_id for lid, record in self._records().items()}

    @property
    def provisioned(self) -> dict[str, str]:
        """Logical id → physical id of the resources created in moto."""
        return {lid: r.physical_id for lid, r in self._records().items() if r.provisioned}

    @property
    def not_provisioned(self) -> dict[str, str]:
        """Logical id → type of the resources recorded but not created (functions, IAM …)."""
        return {lid: r.type for lid, r in self._records().items() if not r.provisioned}

    def record(self, logical_id: str) -> ResourceRecord:
        try:
            return self._records()[logical_id]
        except KeyError:
            raise KeyError(f"{logical_id!r} is not a resource of this stack (or its Condition is false)") from None

    def physical_id(self, logical_id: str) -> str:
        """What ``!Ref`` of the resource yields: topic ARN, queue URL, table name …"""
        return self.record(logical_id).physical_id

    def attribute(self, logical_id: str, name: str) -> Any:
        """What ``!GetAtt logical_id.name`` yields, e.g. ``attribute("AlertQueue", "Arn")``."""
        return self.record(logical_id).attribute(name)

    @property
    def outputs(self) -> dict[str, Any]:
        """The template's Outputs, resolved."""
        self._require_open()
        assert self.resolver is not None
        return self.resolver.outputs()

    @property
    def parameters(self) -> dict[str, Any]:
        """The parameter values in effect (defaults, overrides, SSM placeholders)."""
        self._require_open()
        assert self.resolver is not None
        return dict(self.resolver.parameter_values)

    # -- functions ----------------------------------------------------------------------------

    def function(self, logical_id: str) -> FunctionSpec:
        """How ``invoke`` will run the function (code, handler, resolved environment, layers)."""
        self._require_open()
        assert self.template is not None and self.resolver is not None
        return resolve_function(
            self.template,
            self.resolver,
            logical_id,
            function_name=lambda lid: generated_name(self.stack_name, lid),
        )

    def function_environment(self, logical_id: str) -> dict[str, str]:
        """The variables the function runs with: its template Environment (Globals merged,
        intrinsics resolved) plus those the Lambda service sets (AWS_LAMBDA_FUNCTION_NAME …).
        Add :meth:`aws_environment` to point boto3 at the emulator."""
        spec = self.function(logical_id)
        return {**spec.lambda_environment(self.region, self.account_id), **spec.environment}

    def aws_environment(self) -> dict[str, str]:
        """Variables that send boto3 to the emulator: AWS_ENDPOINT_URL, region, dummy keys."""
        self._require_open()
        return {
            **DUMMY_CREDENTIALS,
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
        }

    def invoke(
        self,
        logical_id: str,
        event: Mapping[str, Any],
        *,
        environment: Mapping[str, str] | None = None,
    ) -> Invocation:
        """Run the function's handler with ``event``, like ``sam local invoke`` (see the docs).

        ``environment`` adds or overrides variables of the function's environment for this
        invocation (and, on the first invocation, for the module's import), e.g.
        ``environment=account.function_environment("F") | {"SAGEWATCH_POLICY": "..."}``.
        """
        self._require_open()
        if not self._invoke_lock.acquire(blocking=False):
            raise EmulatorError("an invocation is already running; invoke one function at a time")
        try:
            runtime = self._runtimes.get(logical_id)
            if runtime is None:
                runtime = FunctionRuntime(self.function(logical_id))
                for warning in check_external_layers(runtime.spec):
                    _LOG.warning("%s", warning)
                self._runtimes[logical_id] = runtime
            spec = runtime.spec
            extra = {
                **spec.lambda_environment(self.region, self.account_id),
                **self.aws_environment(),
                # sam local sets it; Powertools reads it to switch X-Ray tracing off.
                "AWS_SAM_LOCAL": "true",
                **(environment or {}),
            }
            environment = function_environment(os.environ, spec, extra)
            request_id = runtime.new_request_id()
            context = LambdaContext(spec, self.region, self.account_id, request_id)
            capture = OutputCapture()
            slack_mark = self.slack.mark()
            email_mark = len(self._sent_messages())
            with capturing_output(capture), CallRecorder() as calls:
                raw = runtime.run(event, context, environment)
            invocation = Invocation(
                function=logical_id,
                request_id=request_id,
                response=raw.response,
                error=raw.error,
                error_traceback=raw.error_traceback,
                aws_calls=calls.counts,
                slack_messages=self.slack.messages_since(slack_mark),
                emails=[_email_view(m) for m in self._sent_messages()[email_mark:]],
                logs=capture.lines,
                duration_ms=raw.duration_ms,
                init_duration_ms=raw.init_duration_ms,
                timed_out=raw.duration_ms > spec.timeout_s * 1000,
            )
            if invocation.timed_out:
                _LOG.warning(
                    "%s ran %.0f ms, beyond its Timeout of %.0f s: Lambda would have stopped it",
                    logical_id,
                    raw.duration_ms,
                    spec.timeout_s,
                )
            return invocation
        finally:
            self._invoke_lock.release()

    # -- queues: SNS -> SQS -> Lambda like the event source mapping ------------------------------

    def publish_alert(self, message: Mapping[str, Any] | str, *, topic_logical_id: str = "AlertTopic") -> str:
        """Publish to a topic of the stack (moto delivers to its SQS subscriptions); returns the MessageId."""
        text = message if isinstance(message, str) else json.dumps(message)
        answer = self.client("sns").publish(TopicArn=self.physical_id(topic_logical_id), Message=text)
        return str(answer["MessageId"])

    def queue_depth(self, queue_logical_id: str) -> dict[str, int]:
        """ApproximateNumberOfMessages (visible), …NotVisible and …Delayed of a queue of the stack."""
        attributes = self.client("sqs").get_queue_attributes(
            QueueUrl=self.physical_id(queue_logical_id), AttributeNames=["All"]
        )["Attributes"]
        return {
            "visible": int(attributes.get("ApproximateNumberOfMessages", 0)),
            "not_visible": int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
            "delayed": int(attributes.get("ApproximateNumberOfMessagesDelayed", 0)),
        }

    def drain_queue(
        self,
        queue_logical_id: str,
        function_logical_id: str,
        *,
        batch_size: int = 10,
        max_rounds: int = 500,
        max_seconds: float = 300.0,
        environment: Mapping[str, str] | None = None,
    ) -> list[Invocation]:
        """Play the SQS event source mapping until the queue is empty (or a bound is reached).

        Each round receives up to ``batch_size`` messages (moto applies the queue's
        RedrivePolicy on receive: a message received ``maxReceiveCount`` times moves to the
        dead-letter queue), invokes the function with a real-shaped SQS event, deletes the
        messages it processed, and makes the ones it reported in ``batchItemFailures`` — or the
        whole batch when the handler raised — visible again at once (ChangeMessageVisibility 0
        stands for the visibility timeout passing). Returns the invocations, in order.
        """
        self._require_open()
        sqs = self.client("sqs")
        url = self.physical_id(queue_logical_id)
        arn = self.attribute(queue_logical_id, "Arn")
        invocations: list[Invocation] = []
        deadline = time.monotonic() + max_seconds
        empty_rounds = 0
        for _ in range(max_rounds):
            if time.monotonic() > deadline:
                _LOG.warning("drain_queue(%s): stopped after %.0f s", queue_logical_id, max_seconds)
                break
            messages = sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=min(10, batch_size),
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not messages:
                depth = self.queue_depth(queue_logical_id)
                if depth["visible"] == 0 and depth["delayed"] == 0:
                    break
                empty_rounds += 1
                if empty_rounds > 20:
                    break
                continue
            empty_rounds = 0
            event = {"Records": [_sqs_record(m, arn, self.region) for m in messages]}
            invocation = self.invoke(function_logical_id, event, environment=environment)
            invocations.append(invocation)
            by_id = {m["MessageId"]: m for m in messages}
            if invocation.error is not None:
                failed = set(by_id)
            else:
                response = invocation.response if isinstance(invocation.response, dict) else {}
                failed = {
                    str(f.get("itemIdentifier")) for f in response.get("batchItemFailures", []) if isinstance(f, dict)
                }
            for message_id, message in by_id.items():
                if message_id in failed:
                    sqs.change_message_visibility(
                        QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                    )
                else:
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return invocations

    def evaluate_queue_alarm(self, alarm_logical_id: str) -> str:
        """Evaluate an ``AWS/SQS`` ``ApproximateNumberOfMessagesVisible`` alarm of the stack now.

        An emulator helper: moto publishes no SQS metrics and never evaluates alarms. This reads
        the queue named by the alarm's QueueName dimension, compares its visible messages with
        the threshold as CloudWatch would (one period, Maximum), and sets the alarm state with
        SetAlarmState. Returns the new state. (As on AWS, SetAlarmState runs the actions of a changed state.)
        """
        cloudwatch = self.client("cloudwatch")
        alarm = cloudwatch.describe_alarms(AlarmNames=[self.physical_id(alarm_logical_id)])["MetricAlarms"][0]
        if alarm.get("Namespace") != "AWS/SQS" or alarm.get("MetricName") != "ApproximateNumberOfMessagesVisible":
            raise EmulatorError(f"{alarm_logical_id} is not an SQS ApproximateNumberOfMessagesVisible alarm")
        queue_name = next(d["Value"] for d in alarm["Dimensions"] if d["Name"] == "QueueName")
        url = self.client("sqs").get_queue_url(QueueName=queue_name)["QueueUrl"]
        visible = int(
            self.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
                "Attributes"
            ]["ApproximateNumberOfMessages"]
        )
        threshold = float(alarm["Threshold"])
        breaching = {
            "GreaterThanOrEqualToThreshold": visible >= threshold,
            "GreaterThanThreshold": visible > threshold,
            "LessThanThreshold": visible < threshold,
            "LessThanOrEqualToThreshold": visible <= threshold,
        }[alarm["ComparisonOperator"]]
        state = "ALARM" if breaching else "OK"
        cloudwatch.set_alarm_state(
            AlarmName=alarm["AlarmName"],
            StateValue=state,
            StateReason=(
                f"emulator: ApproximateNumberOfMessagesVisible of {queue_name} is {visible} (threshold {threshold:g})"
            ),
        )
        return state

    # -- simulated time and alarm evaluation (sagewatch_emulator.alarm_engine) ---------------------

    @property
    def now(self) -> datetime:
        """Simulated now. The first read starts the simulation (8 days before the wall clock
        unless ``alarm_engine.clock.pin(origin)`` came first); see docs/emulated-account.md."""
        return self.alarm_engine.now

    def advance(self, delta: timedelta) -> AdvanceReport:
        """Move simulated time; every alarm is evaluated at each minute boundary crossed."""
        self._require_open()
        return self.alarm_engine.advance(delta)

    def publish_metrics(self, items: Iterable[Any]) -> int:
        """Metric data from the traffic simulator (``traffic.Published``), without an HTTP call each."""
        self._require_open()
        return self.alarm_engine.publish(items)

    def alarm_states(self) -> dict[str, str]:
        """Alarm name → state, as DescribeAlarms would say."""
        self._require_open()
        return self.alarm_engine.states()

    @property
    def alarm_notifications(self) -> list[SentNotification]:
        """Every notification alarm actions sent so far (evaluations and SetAlarmState)."""
        return list(self.alarm_engine.notifications)

    # -- Slack and email ----------------------------------------------------------------------

    @property
    def slack(self) -> FakeSlack:
        if self._slack is None:
            raise EmulatorError("the EmulatedAccount is not open")
        return self._slack

    @property
    def slack_url(self) -> str:
        """An incoming-webhook URL on the fake Slack (channel ``alerts``)."""
        return self.slack.webhook_url()

    @property
    def slack_api_url(self) -> str:
        """The fake Slack Web API base URL, for ``WebClient(base_url=...)``."""
        return self.slack.api_url

    @property
    def slack_messages(self) -> list[dict[str, Any]]:
        """Every message the fake Slack accepted so far."""
        return self.slack.messages

    def _sent_messages(self) -> list[Any]:
        from moto.ses.models import ses_backends

        return list(ses_backends[self.account_id][self.region].sent_messages)

    @property
    def emails(self) -> list[dict[str, Any]]:
        """Every email sent through SES (v1 or v2) so far."""
        self._require_open()
        return [_email_view(m) for m in self._sent_messages()]

    def verify_email_identity(self, address: str) -> None:
        """Verify a sender identity: moto, like SES, rejects mail from unverified senders."""
        self.client("sesv2").create_email_identity(EmailIdentity=address)

    def set_secret(self, logical_id: str, value: str | Mapping[str, Any]) -> None:
        """Put a new value into a secret of the template (``dict`` values are stored as JSON)."""
        text = value if isinstance(value, str) else json.dumps(value)
        self.client("secretsmanager").put_secret_value(SecretId=self.physical_id(logical_id), SecretString=text)

    # -- logs and metrics ---------------------------------------------------------------------

    def put_log_lines(
        self,
        log_group: str,
        lines: Sequence[str],
        *,
        stream: str = "AllTraffic/i-0123456789abcdef0",
        at: datetime | None = None,
    ) -> None:
        """Write ``lines`` to a log stream (group and stream created if missing), in order.

        The lines are one millisecond apart, the last one at ``at`` (default: now), the way a
        container's lines arrive, so that their order is the order of their timestamps. Lines
        CloudWatch Logs rejects (older than 14 days, or more than 2 hours ahead of the clock) are
        dropped as on AWS, with a warning in the log.
        """
        if not lines:
            return
        logs = self.client("logs")
        with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
            logs.create_log_group(logGroupName=log_group)
        with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
            logs.create_log_stream(logGroupName=log_group, logStreamName=stream)
        last = int((at or self.alarm_engine.clock.now).timestamp() * 1000)
        first = last - (len(lines) - 1)
        events = [{"timestamp": first + i, "message": line} for i, line in enumerate(lines)]
        for start in range(0, len(events), 10_000):  # PutLogEvents takes at most 10,000 events
            answer = logs.put_log_events(
                logGroupName=log_group, logStreamName=stream, logEvents=events[start : start + 10_000]
            )
            rejected = answer.get("rejectedLogEventsInfo")
            if rejected:
                # As on AWS, lines older than 14 days or more than 2 hours ahead are dropped. Said
                # loudly: a test with a fixed timestamp would otherwise find no lines, not knowing why.
                _LOG.warning(
                    "PutLogEvents dropped lines of %s at %s (%s): CloudWatch Logs accepts timestamps from "
                    "14 days ago to 2 hours ahead of the clock",
                    log_group,
                    at or "now",
                    rejected,
                )

    def put_metric_series(
        self,
        namespace: str,
        metric_name: str,
        dimensions: Mapping[str, str],
        values: Sequence[float],
        *,
        end: datetime | None = None,
        period: int = 60,
        unit: str | None = None,
    ) -> None:
        """One datapoint per ``period`` seconds, the last at ``end``, through PutMetricData.

        ``end`` defaults to the start of the current period (metrics carry period-aligned
        timestamps, and a window ending "now" then includes the last point). Each value is put
        as a raw sample (``Values=[v]``), so every statistic works on it, percentiles included.
        """
        if period <= 0:
            raise EmulatorError("period must be a positive number of seconds")
        if end is None:
            now = int(self.alarm_engine.clock.now.timestamp())  # the wall clock until a simulation starts
            end = datetime.fromtimestamp(now - now % period, UTC)
        data: list[dict[str, Any]] = []
        for index, value in enumerate(values):
            datum: dict[str, Any] = {
                "MetricName": metric_name,
                "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
                "Timestamp": end - timedelta(seconds=period * (len(values) - 1 - index)),
                "Values": [float(value)],
                "Counts": [1.0],
            }
            if unit:
                datum["Unit"] = unit
            data.append(datum)
        cloudwatch = self.client("cloudwatch")
        for start in range(0, len(data), 500):  # well within PutMetricData's 1,000 datums per call
            cloudwatch.put_metric_data(Namespace=namespace, MetricData=data[start : start + 500])

    # -- SageMaker endpoints ------------------------------------------------------------------

    def _endpoint_config(self, name: str, variants: Sequence[VariantSpec], async_inference: bool) -> str:
        sagemaker = self.client("sagemaker")
        model = f"{name}-model"
        try:
            sagemaker.describe_model(ModelName=model)
        except sagemaker.exceptions.ClientError:
            sagemaker.create_model(
                ModelName=model,
                ExecutionRoleArn=f"arn:aws:iam::{self.account_id}:role/SageMakerExecutionRole",
                PrimaryContainer={"Image": f"{self.account_id}.dkr.ecr.{self.region}.amazonaws.com/{name}:latest"},
            )
        self._endpoint_configs += 1
        config = f"{name}-config-{self._endpoint_configs}"
        kwargs: dict[str, Any] = {
            "EndpointConfigName": config,
            "ProductionVariants": [v.production_variant(model) for v in variants],
        }
        if async_inference:
            kwargs["AsyncInferenceConfig"] = {
                "OutputConfig": {"S3OutputPath": f"s3://sagemaker-{self.region}-{self.account_id}/async/{name}/"}
            }
        sagemaker.create_endpoint_config(**kwargs)
        return config

    def _describe_endpoint(self, name: str) -> dict[str, Any]:
        response = dict(self.client("sagemaker").describe_endpoint(EndpointName=name))
        response.pop("ResponseMetadata", None)
        return response

    def enable_quotas(self, rates: Mapping[str, float] | None = None, *, speedup: float = 1.0) -> Any:
        """Apply CloudWatch's default API quotas as token buckets (Throttling beyond them).

        ``speedup`` scales every rate (50 = a minute of quota in 1.2 s). Also makes DescribeAlarms
        page by 100 as AWS does. Returns the ``Quotas`` (``calls``, ``throttled``,
        ``projected_seconds()``); removed on close. See ``sagewatch_emulator.fleet``.
        """
        from sagewatch_emulator.fleet import install_quotas

        self._require_open()
        self.enable_alarm_paging()
        quotas = install_quotas(self._extensions, rates, speedup)
        self.quotas = quotas
        return quotas

    def enable_alarm_paging(self) -> None:
        """DescribeAlarms honours MaxRecords/NextToken (100 per page), as AWS does; moto does not."""
        from sagewatch_emulator.fleet import paginate_describe_alarms

        self._require_open()
        if not getattr(self, "_alarm_paging", False):
            paginate_describe_alarms(self._extensions)
            self._alarm_paging = True

    def inject_fault(
        self,
        service: str,
        operation: str,
        *,
        code: str = "Throttling",
        message: str = "Rate exceeded",
        times: int = 1,
    ) -> InjectedFault:
        """Answer the next ``times`` calls of ``service.Operation`` with an AWS error (default: Throttling).

        ``fault.triggered`` counts the calls that were answered with the error. Removed on close.
        """
        self._require_open()
        return inject_fault(self._extensions, service, operation, code=code, message=message, times=times)

    def create_endpoint(
        self,
        name: str,
        *,
        variants: Sequence[VariantSpec] | None = None,
        async_inference: bool = False,
        tags: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """CreateModel + CreateEndpointConfig + CreateEndpoint; returns DescribeEndpoint."""
        config = self._endpoint_config(name, variants or [VariantSpec()], async_inference)
        self.client("sagemaker").create_endpoint(
            EndpointName=name,
            EndpointConfigName=config,
            Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()],
        )
        return self._describe_endpoint(name)

    def update_endpoint(
        self,
        name: str,
        *,
        variants: Sequence[VariantSpec] | None = None,
        async_inference: bool = False,
    ) -> dict[str, Any]:
        """A new endpoint config + UpdateEndpoint (an emulator extension); returns DescribeEndpoint."""
        config = self._endpoint_config(name, variants or [VariantSpec()], async_inference)
        self.client("sagemaker").update_endpoint(EndpointName=name, EndpointConfigName=config)
        return self._describe_endpoint(name)

    def delete_endpoint(self, name: str) -> None:
        """DeleteEndpoint (its endpoint configs and model stay, as they do on AWS)."""
        self.client("sagemaker").delete_endpoint(EndpointName=name)


# --- SQS events, as the event source mapping builds them ------------------------------------


def _sqs_record(message: Mapping[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    attributes = dict(message.get("Attributes") or {})
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {
            "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
            "SentTimestamp": attributes.get("SentTimestamp", ""),
            "SenderId": attributes.get("SenderId", ""),
            "ApproximateFirstReceiveTimestamp": attributes.get("ApproximateFirstReceiveTimestamp", ""),
        },
        "messageAttributes": message.get("MessageAttributes") or {},
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


# --- emails, as a test wants to read them ----------------------------------------------------


def _looks_like_html(body: str) -> bool:
    return body.lstrip().lower().startswith(("<!doctype", "<html", "<"))


def _email_view(message: Any) -> dict[str, Any]:
    """One sent email as {subject, from, to, cc, bcc, text, html, attachments}.

    moto keeps SES v2 "Simple" messages as one body (the HTML part when there is one) and
    "Raw" messages as MIME text, which is parsed here.
    """
    raw = getattr(message, "raw_data", None)
    if isinstance(raw, str):
        return _raw_email_view(message, raw)
    destinations = getattr(message, "destinations", {}) or {}
    body = str(getattr(message, "body", "") or "")
    html = _looks_like_html(body)
    return {
        "message_id": getattr(message, "id", None),
        "subject": getattr(message, "subject", None),
        "from": getattr(message, "source", None),
        "to": list(destinations.get("ToAddresses", [])) if isinstance(destinations, dict) else [],
        "cc": list(destinations.get("CcAddresses", [])) if isinstance(destinations, dict) else [],
        "bcc": list(destinations.get("BccAddresses", [])) if isinstance(destinations, dict) else [],
        "text": None if html else body,
        "html": body if html else None,
        "attachments": [],
    }


def _raw_email_view(message: Any, raw: str) -> dict[str, Any]:
    parsed = email.message_from_string(raw, policy=email.policy.default)
    text: str | None = None
    html: str | None = None
    attachments: list[dict[str, Any]] = []
    for part in parsed.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        disposition = part.get_content_disposition()
        if disposition is None and content_type == "text/plain" and text is None:
            text = str(part.get_content())
        elif disposition is None and content_type == "text/html" and html is None:
            html = str(part.get_content())
        else:
            payload = part.get_payload(decode=True)
            attachments.append(
                {
                    "filename": part.get_filename(),
                    "content_type": content_type,
                    "content_id": (part.get("Content-ID") or "").strip("<>") or None,
                    "size": len(payload) if isinstance(payload, bytes) else 0,
                }
            )

    def addresses(header: str) -> list[str]:
        return [address for _, address in getaddresses(parsed.get_all(header, []))]

    to = addresses("To") or list(getattr(message, "destinations", []) or [])
    return {
        "message_id": getattr(message, "id", None),
        "subject": parsed.get("Subject"),
        "from": parsed.get("From") or getattr(message, "source", None),
        "to": to,
        "cc": addresses("Cc"),
        "bcc": addresses("Bcc"),
        "text": text,
        "html": html,
        "attachments": attachments,
    }
