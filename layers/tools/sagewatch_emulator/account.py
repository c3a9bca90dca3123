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

The account keeps the everyday verbs (``client``, ``invoke``, ``create_endpoint``,
``put_metric_series``, ``drain_queue`` …); the rest sits behind three facets:
``account.stack`` (the template's resources, outputs and parameters), ``account.cloudwatch``
(what the emulator does in CloudWatch's place: quotas, paging, alarm evaluation) and
``account.slack`` (the fake Slack). The parts live in their own modules: :mod:`.moto_server`,
:mod:`.aws_environment`, :mod:`.provision`, :mod:`.sam`, :mod:`.sagemaker`,
:mod:`.sqs_event_source`, :mod:`.emails`, :mod:`.faults`, :mod:`.cloudwatch`.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from botocore.config import Config

from sagewatch.core.monitoring.model_monitor import DriftLocation
from sagewatch.core.shared.partitions import partition
from sagewatch_emulator.alarm_engine import AdvanceReport, AlarmEngine, SentNotification, install_alarm_engine
from sagewatch_emulator.aws_environment import ProcessTakeover, emulator_variables, shared_session
from sagewatch_emulator.calls import CallRecorder, exclude_from_counting
from sagewatch_emulator.cloudwatch.emulated import EmulatedCloudWatch
from sagewatch_emulator.cloudwatch.sample_data import put_log_lines, put_metric_series
from sagewatch_emulator.emails import email_view, sent_messages
from sagewatch_emulator.errors import EmulatorBusyError, EmulatorError
from sagewatch_emulator.eventbridge import matching_functions
from sagewatch_emulator.extensions import MotoExtensions
from sagewatch_emulator.fake_slack import FakeSlack
from sagewatch_emulator.faults import InjectedFault, inject_fault
from sagewatch_emulator.model_monitor_runs import MonitoringRun
from sagewatch_emulator.moto_server import MOTO_ACCOUNT_ID, MotoServer
from sagewatch_emulator.provision import DEFAULT_ACCOUNT_CONCURRENCY, Provisioner, generated_name
from sagewatch_emulator.sagemaker import ComponentSpec, EndpointMaker, VariantSpec, component_call_event
from sagewatch_emulator.sam.invoke import (
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
from sagewatch_emulator.sam.template import Resolver, Template
from sagewatch_emulator.sqs_event_source import (
    DEFAULT_POLLERS,
    Drained,
    drain_concurrently,
    drain_in_batches,
    queue_depth,
)
from sagewatch_emulator.stack import Stack

__all__ = ["EmulatedAccount", "default_template_path"]

_LOG = logging.getLogger(__name__)

_OPEN_LOCK = threading.Lock()


def default_template_path() -> Path:
    """``template.yaml`` of the repository this package lives in, else of the working directory."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "template.yaml"
        if candidate.is_file() and (parent / "layers").is_dir():
            return candidate
    return Path.cwd() / "template.yaml"


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
        account_concurrency: int = DEFAULT_ACCOUNT_CONCURRENCY,
    ) -> None:
        self.template_path = Path(template_path) if template_path is not None else default_template_path()
        self.region = region
        self.account_id = MOTO_ACCOUNT_ID
        self.stack_name = stack_name
        self.parameter_overrides = dict(parameters or {})
        self.provision = provision
        # Lambda's concurrent executions for the account (new accounts: 10); provisioning
        # refuses a ReservedConcurrentExecutions that would leave less than Lambda's minimum.
        self.account_concurrency = account_concurrency
        self.startup_ms: float | None = None
        self._template: Template | None = None
        self._resolver: Resolver | None = None
        self._server: MotoServer | None = None
        self._slack: FakeSlack | None = None
        self._extensions = MotoExtensions()
        self._stack: Stack | None = None
        self._cloudwatch: EmulatedCloudWatch | None = None
        self._endpoints: EndpointMaker | None = None
        self._runtimes: dict[str, FunctionRuntime] = {}
        self._clients: dict[str, Any] = {}
        self._process = ProcessTakeover()
        self._invoke_lock = threading.Lock()
        self._open = False
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
            self._template = Template.load(self.template_path)
            self._server = MotoServer()
            self._server.start()
            self._server.reset()
            self._extensions.install()
            # A fresh engine per opening: its clock, metric store and notifications are this account's.
            self.alarm_engine = AlarmEngine(self.account_id, self.region)
            self.alarm_engine.metric_gate = self._model_monitor_gate
            install_alarm_engine(self.alarm_engine, self._extensions)
            self._slack = FakeSlack().start()
            self._process.take(self.endpoint_url, self.region)
            provisioner = Provisioner(
                self._template,
                clients=self.client,
                region=self.region,
                account_id=self.account_id,
                stack_name=self.stack_name,
                account_concurrency=self.account_concurrency,
            )
            self._resolver = Resolver(
                self._template,
                region=self.region,
                account_id=self.account_id,
                stack_name=self.stack_name,
                parameters=self.parameter_overrides,
                attributes=provisioner,
            )
            self._stack = Stack(self.stack_name, provisioner, self._resolver)
            self._cloudwatch = EmulatedCloudWatch(self.client, self.physical_id, self._extensions)
            if self.provision:
                provisioner.provision_all(self._resolver)
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
                self._server.reset()
            except OSError as exc:
                errors.append(f"moto reset: {exc}")
            self._server.stop()
            self._server = None
        if self._slack is not None:
            self._slack.stop()
            self._slack = None
        self._extensions.uninstall()
        self._process.restore()
        self._stack = self._cloudwatch = self._endpoints = None
        self._clients.clear()
        self._open = False
        _OPEN_LOCK.release()
        if errors:
            _LOG.warning("closing the emulated account: %s", "; ".join(errors))

    def _require_open(self) -> None:
        if not self._open or self._server is None:
            raise EmulatorError("the EmulatedAccount is not open (use it as a context manager)")

    # -- addresses and clients ---------------------------------------------------------------

    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise EmulatorError("the EmulatedAccount is not open")
        return self._server.url

    def client(self, service_name: str, **kwargs: Any) -> Any:
        """A boto3 client bound to the emulator (its calls are not counted by ``invoke``).

        Without keyword arguments the account's client for that service is reused (creating a
        boto3 client costs tens of milliseconds); with them a new one is made.
        """
        self._require_open()
        if not kwargs and service_name in self._clients:
            return self._clients[service_name]
        options: dict[str, Any] = {
            "endpoint_url": self.endpoint_url,
            "region_name": self.region,
            "config": Config(retries={"mode": "standard", "max_attempts": 3}),
            **kwargs,
        }
        session = shared_session(self.region)
        made = exclude_from_counting(session.client(service_name, **options))  # type: ignore[call-overload]
        if not kwargs:
            self._clients[service_name] = made
        return made

    # -- facets -------------------------------------------------------------------------------

    @property
    def stack(self) -> Stack:
        """The template's resources (created or recorded), outputs and parameters in effect."""
        self._require_open()
        assert self._stack is not None
        return self._stack

    @property
    def cloudwatch(self) -> EmulatedCloudWatch:
        """What the emulator does in CloudWatch's place: quotas, DescribeAlarms paging, alarm evaluation."""
        self._require_open()
        assert self._cloudwatch is not None
        return self._cloudwatch

    @property
    def slack(self) -> FakeSlack:
        """The fake Slack: webhook and Web API, rate limits, Block Kit checks, fault injection."""
        if self._slack is None:
            raise EmulatorError("the EmulatedAccount is not open")
        return self._slack

    # -- the stack's resources (what every test needs from account.stack) ---------------------

    def physical_id(self, logical_id: str) -> str:
        """What ``!Ref`` of the resource yields: topic ARN, queue URL, table name …"""
        return self.stack.physical_id(logical_id)

    def attribute(self, logical_id: str, name: str) -> Any:
        """What ``!GetAtt logical_id.name`` yields, e.g. ``attribute("AlertQueue", "Arn")``."""
        return self.stack.attribute(logical_id, name)

    # -- functions ----------------------------------------------------------------------------

    def function(self, logical_id: str) -> FunctionSpec:
        """How ``invoke`` will run the function (code, handler, resolved environment, layers)."""
        self._require_open()
        assert self._template is not None and self._resolver is not None
        return resolve_function(
            self._template,
            self._resolver,
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
        return emulator_variables(self.endpoint_url, self.region)

    def invoke(
        self,
        logical_id: str,
        event: Mapping[str, Any],
        *,
        environment: Mapping[str, str] | None = None,
        sandbox: str | None = None,
    ) -> Invocation:
        """Run the function's handler with ``event``, like ``sam local invoke`` (see the docs).

        ``environment`` adds or overrides variables of the function's environment for this
        invocation (and, on the first invocation, for the module's import), e.g.
        ``environment=account.function_environment("F") | {"SAGEWATCH_POLICY": "..."}``.
        ``sandbox`` names a warm execution environment of the function (None: the default one):
        each keeps its own imported module and state, as concurrent Lambda environments do.
        """
        self._require_open()
        if not self._invoke_lock.acquire(blocking=False):
            raise EmulatorError("an invocation is already running; invoke one function at a time")
        try:
            key = f"{logical_id}@{sandbox}" if sandbox else logical_id
            runtime = self._runtimes.get(key)
            if runtime is None:
                runtime = FunctionRuntime(self.function(logical_id), sandbox=sandbox)
                for warning in check_external_layers(runtime.spec):
                    _LOG.warning("%s", warning)
                self._runtimes[key] = runtime
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
                emails=[email_view(m) for m in self._sent_messages()[email_mark:]],
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

    # -- SageMaker endpoints ------------------------------------------------------------------

    def _endpoint_maker(self) -> EndpointMaker:
        self._require_open()
        if self._endpoints is None:  # made on first use: most accounts create no endpoint
            self._endpoints = EndpointMaker(self.client("sagemaker"), region=self.region, account_id=self.account_id)
        return self._endpoints

    def create_endpoint(
        self,
        name: str,
        *,
        variants: Sequence[VariantSpec] | None = None,
        async_inference: bool = False,
        tags: Mapping[str, str] | None = None,
        inference_components: Sequence[ComponentSpec] = (),
        detailed_observability: bool | None = None,
        component_host: bool = False,
    ) -> dict[str, Any]:
        """CreateModel + CreateEndpointConfig + CreateEndpoint; returns DescribeEndpoint.

        ``detailed_observability`` sends ``MetricsConfig.EnableDetailedObservability``; None sends
        no MetricsConfig, and the emulator then describes SageMaker's default for a new config (on).

        With ``inference_components`` (or ``component_host``) the endpoint is built for them, as
        on AWS: its variants have no ModelName but ManagedInstanceScaling and RoutingConfig. Once
        it is InService each component gets its own model and a CreateInferenceComponent (on its
        ``variant``, default the first one). ``component_host`` alone leaves the endpoint InService
        with no component, as AWS's order has it until the first one is added.
        """
        if (inference_components or component_host) and async_inference:
            raise EmulatorError("an endpoint with inference components cannot be asynchronous")
        return self._endpoint_maker().create(
            name,
            variants or [VariantSpec()],
            async_inference,
            tags or {},
            inference_components,
            detailed_observability,
            component_host=component_host,
        )

    def create_inference_component(self, endpoint: str, component: ComponentSpec) -> dict[str, Any]:
        """CreateModel (when missing) + CreateInferenceComponent on an existing endpoint; returns
        the call's CloudTrail event as EventBridge carries it (see :meth:`deliver_event`)."""
        call = self._endpoint_maker().create_component(endpoint, component)
        return self._component_event("CreateInferenceComponent", component.name, call)

    def update_inference_component(self, name: str, *, copies: int) -> dict[str, Any]:
        """UpdateInferenceComponent (its copy count); returns the call's CloudTrail event."""
        return self._component_event(
            "UpdateInferenceComponent", name, self._endpoint_maker().update_component(name, copies)
        )

    def delete_inference_component(self, name: str) -> dict[str, Any]:
        """DeleteInferenceComponent (gone at once here); returns the call's CloudTrail event."""
        return self._component_event("DeleteInferenceComponent", name, self._endpoint_maker().delete_component(name))

    def _component_event(self, operation: str, name: str, call: Mapping[str, Any]) -> dict[str, Any]:
        return component_call_event(
            operation,
            name,
            region=self.region,
            account_id=self.account_id,
            at=self.now,
            request=call["request"],
            response=call["response"],
        )

    def deliver_event(self, event: Mapping[str, Any]) -> list[Invocation]:
        """EventBridge: invoke every stack function whose rule's pattern matches ``event``
        (sagewatch_emulator.eventbridge); an event no rule matches reaches nobody ([])."""
        self._require_open()
        assert self._template is not None
        return [self.invoke(function, event) for function in matching_functions(self._template, event)]

    # -- Model Monitor (sagewatch_emulator.model_monitor) --------------------------------------

    def _sagemaker_backend(self) -> Any:
        from moto.sagemaker.models import sagemaker_backends

        return sagemaker_backends[self.account_id][self.region]

    def _model_monitor_gate(self, namespace: str, name: str, dimensions: Mapping[str, str], at: datetime) -> str | None:
        """The account's metric gate: no Model Monitor metric before a run published it."""
        from sagewatch_emulator.model_monitor import drift_metric_refusal

        return drift_metric_refusal(self._sagemaker_backend(), namespace, name, dimensions, at)

    def create_monitoring_schedule(
        self,
        endpoint: str,
        name: str,
        monitoring_type: str = "DataQuality",
        *,
        schedule_expression: str = "cron(0 * ? * * *)",
        output_s3_uri: str | None = None,
        created_at: datetime | None = None,
    ) -> str:
        """CreateMonitoringSchedule for ``endpoint`` (hourly by default, an inline job definition
        writing its reports under ``output_s3_uri``), created at the simulated time (or at
        ``created_at``: a schedule that has existed for a while); returns the schedule's ARN.
        Its first run is at the next hour boundary (sagewatch_emulator.model_monitor)."""
        self._require_open()
        output = output_s3_uri or f"s3://sagemaker-{self.region}-{self.account_id}/monitoring/{endpoint}/{name}"
        response = self.client("sagemaker").create_monitoring_schedule(
            MonitoringScheduleName=name,
            MonitoringScheduleConfig={
                "ScheduleConfig": {"ScheduleExpression": schedule_expression},
                "MonitoringType": monitoring_type,
                "MonitoringJobDefinition": {
                    "MonitoringInputs": [
                        {"EndpointInput": {"EndpointName": endpoint, "LocalPath": "/opt/ml/processing/input"}}
                    ],
                    "MonitoringOutputConfig": {
                        "MonitoringOutputs": [{"S3Output": {"S3Uri": output, "LocalPath": "/opt/ml/processing/output"}}]
                    },
                    "MonitoringResources": {
                        "ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge", "VolumeSizeInGB": 20}
                    },
                    "MonitoringAppSpecification": {
                        "ImageUri": f"156813124566.dkr.ecr.{self.region}.amazonaws.com/sagemaker-model-monitor-analyzer"
                    },
                    "RoleArn": f"arn:{partition(self.region)}:iam::{self.account_id}:role/model-monitor",
                },
            },
        )
        from sagewatch_emulator.model_monitor import monitoring_store

        created = created_at or self.now
        monitoring_store(self._sagemaker_backend()).schedules[name].update(
            CreationTime=created, LastModifiedTime=created
        )
        return str(response["MonitoringScheduleArn"])

    def delete_monitoring_schedule(self, name: str) -> None:
        self._require_open()
        self.client("sagemaker").delete_monitoring_schedule(MonitoringScheduleName=name)

    def record_monitoring_execution(
        self,
        schedule: str,
        status: str,
        *,
        scheduled_time: datetime | None = None,
        failure_reason: str | None = None,
        processing_job_arn: str | None = None,
        at: datetime | None = None,
    ) -> dict[str, Any]:
        """Record one run of ``schedule`` as SageMaker's scheduler would (see
        :func:`sagewatch_emulator.model_monitor.record_execution`), at the simulated time (or
        ``at``, without starting the simulation)."""
        from sagewatch_emulator.model_monitor import record_execution

        self._require_open()
        now = at or self.now
        return record_execution(
            self._sagemaker_backend(),
            schedule,
            status,
            scheduled_time=scheduled_time or now.replace(minute=0, second=0, microsecond=0),
            failure_reason=failure_reason,
            processing_job_arn=processing_job_arn,
            now=now,
        )

    def run_monitoring_execution(
        self,
        schedule: str,
        status: str,
        *,
        violations: Sequence[Mapping[str, str]] = (),
        failure_reason: str | None = None,
        drift: Mapping[str, float] | None = None,
        location: DriftLocation | None = None,
        job_name: str | None = None,
        at: datetime | None = None,
    ) -> MonitoringRun:
        """One Model Monitor run of this hour (ScheduledTime: the hour, at the simulated time):
        recorded, its drift metrics published (``drift``: feature → distance, data quality only),
        its reports written to S3, and the processing-job event SageMaker would send built (not
        delivered): see :mod:`sagewatch_emulator.model_monitor_runs`."""
        from sagewatch_emulator.model_monitor_runs import run_monitoring_execution

        self._require_open()
        return run_monitoring_execution(
            self,
            schedule,
            status,
            violations=[dict(v) for v in violations],
            failure_reason=failure_reason,
            drift=dict(drift or {}),
            location=location,
            job_name=job_name,
            at=at,
        )

    def update_endpoint(
        self,
        name: str,
        *,
        variants: Sequence[VariantSpec] | None = None,
        async_inference: bool = False,
        detailed_observability: bool | None = None,
    ) -> dict[str, Any]:
        """A new endpoint config + UpdateEndpoint (an emulator extension); returns DescribeEndpoint."""
        return self._endpoint_maker().update(name, variants or [VariantSpec()], async_inference, detailed_observability)

    def delete_endpoint(self, name: str) -> None:
        """DeleteEndpoint (its endpoint configs and model stay, as they do on AWS)."""
        self._endpoint_maker().delete(name)

    # -- metrics and logs in ------------------------------------------------------------------

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
        put_metric_series(
            self.client("cloudwatch"),
            namespace,
            metric_name,
            dimensions,
            values,
            end=end,
            period=period,
            unit=unit,
            now=self.alarm_engine.clock.now,  # the wall clock until a simulation starts
        )

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
        put_log_lines(self.client("logs"), log_group, lines, stream=stream, at=at or self.alarm_engine.clock.now)

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

    # -- queues: SNS -> SQS -> Lambda like the event source mapping ------------------------------

    def publish_alert(self, message: Mapping[str, Any] | str, *, topic_logical_id: str = "AlertTopic") -> str:
        """Publish to a topic of the stack (moto delivers to its SQS subscriptions); returns the MessageId."""
        text = message if isinstance(message, str) else json.dumps(message)
        answer = self.client("sns").publish(TopicArn=self.physical_id(topic_logical_id), Message=text)
        return str(answer["MessageId"])

    def queue_depth(self, queue_logical_id: str) -> dict[str, int]:
        """ApproximateNumberOfMessages (visible), …NotVisible and …Delayed of a queue of the stack."""
        return queue_depth(self.client("sqs"), self.physical_id(queue_logical_id))

    def drain_queue(
        self,
        queue_logical_id: str,
        function_logical_id: str,
        *,
        batch_size: int = 10,
        max_rounds: int = 500,
        max_seconds: float = 300.0,
        environment: Mapping[str, str] | None = None,
        concurrent: bool = False,
        pollers: int | None = None,
        reserved_concurrency: int | None = None,
    ) -> Drained:
        """Play the SQS event source mapping until the queue is empty (or a bound is reached).

        Each round receives up to ``batch_size`` messages (moto applies the queue's
        RedrivePolicy on receive: a message received ``maxReceiveCount`` times moves to the
        dead-letter queue), invokes the function with a real-shaped SQS event, deletes the
        messages it processed, and makes the ones it reported in ``batchItemFailures`` — or the
        whole batch when the handler raised — visible again at once (ChangeMessageVisibility 0
        stands for the visibility timeout passing). Returns the invocations, in order.

        ``concurrent=True`` (or ``pollers``) plays Lambda's poller with its concurrency
        (``sqs_event_source.drain_concurrently``): ``pollers`` batches in flight per round — by
        default the event source's ``ScalingConfig.MaximumConcurrency``, else 5 — each in an
        execution environment of its own; batches beyond the function's reserved concurrency
        (the template's ``ReservedConcurrentExecutions`` unless ``reserved_concurrency`` is
        given) are throttled: back to the queue untried, their receive counted.
        """
        self._require_open()
        sqs = self.client("sqs")
        queue_url = self.physical_id(queue_logical_id)
        queue_arn = self.attribute(queue_logical_id, "Arn")
        if not concurrent and pollers is None:
            drained = Drained()
            drained.extend(
                drain_in_batches(
                    sqs,
                    queue_url=queue_url,
                    queue_arn=queue_arn,
                    region=self.region,
                    invoke=lambda event: self.invoke(function_logical_id, event, environment=environment),
                    batch_size=batch_size,
                    max_rounds=max_rounds,
                    max_seconds=max_seconds,
                    name=queue_logical_id,
                )
            )
            return drained
        scaling, reserved = self._event_source_concurrency(function_logical_id, queue_arn)
        return drain_concurrently(
            sqs,
            queue_url=queue_url,
            queue_arn=queue_arn,
            region=self.region,
            invoke_in=lambda poller, event: self.invoke(
                function_logical_id, event, environment=environment, sandbox=f"poller{poller}"
            ),
            batch_size=batch_size,
            pollers=pollers or scaling or DEFAULT_POLLERS,
            reserved_concurrency=reserved_concurrency if reserved_concurrency is not None else reserved,
            max_rounds=max_rounds,
            max_seconds=max_seconds,
            name=queue_logical_id,
        )

    def _event_source_concurrency(self, function_logical_id: str, queue_arn: str) -> tuple[int | None, int | None]:
        """(the SQS event's ScalingConfig.MaximumConcurrency, the function's ReservedConcurrentExecutions)."""
        assert self._template is not None and self._resolver is not None
        properties = self._resolver.resolve(
            self._template.properties(function_logical_id), f"{function_logical_id}.Properties"
        )
        reserved = properties.get("ReservedConcurrentExecutions")
        maximum: int | None = None
        for event in (properties.get("Events") or {}).values():
            details = event.get("Properties") or {}
            if event.get("Type") == "SQS" and details.get("Queue") == queue_arn:
                value = (details.get("ScalingConfig") or {}).get("MaximumConcurrency")
                maximum = int(value) if value is not None else None
        return maximum, (int(reserved) if reserved is not None else None)

    # -- Slack, email and secrets -------------------------------------------------------------

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
        return sent_messages(self.account_id, self.region)

    @property
    def emails(self) -> list[dict[str, Any]]:
        """Every email sent through SES (v1 or v2) so far."""
        self._require_open()
        return [email_view(m) for m in self._sent_messages()]

    def verify_email_identity(self, address: str) -> None:
        """Verify a sender identity: moto, like SES, rejects mail from unverified senders."""
        self.client("sesv2").create_email_identity(EmailIdentity=address)

    def set_secret(self, logical_id: str, value: str | Mapping[str, Any]) -> None:
        """Put a new value into a secret of the template (``dict`` values are stored as JSON)."""
        text = value if isinstance(value, str) else json.dumps(value)
        self.client("secretsmanager").put_secret_value(SecretId=self.physical_id(logical_id), SecretString=text)

    # -- faults -------------------------------------------------------------------------------

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
