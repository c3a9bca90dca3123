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

``EmulatedAccount`` is a facade: it opens and closes the account and hands out clients; each
other verb is a part's, one concern each, made when the account opens: ``functions``
(:mod:`.lambda_functions`), ``endpoints`` (:mod:`.endpoints`), ``model_monitor``
(:mod:`.model_monitor.runs`), ``telemetry`` (:mod:`.telemetry`: metrics, logs, simulated time,
alarm states), ``delivery`` (:mod:`.delivery`: SNS → SQS → Lambda), ``destinations``
(:mod:`.destinations`: Slack, SES, secrets). The everyday verbs stay on the account
(``account.create_endpoint(...)`` is ``account.endpoints.create_endpoint(...)``, see
:mod:`.part_method`), beside the facets ``stack``, ``cloudwatch`` and ``slack``; the parts are
wired in :mod:`.account_parts`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from botocore.config import Config

from sagewatch_emulator.account_parts import AccountParts, open_parts
from sagewatch_emulator.alarm_engine import AlarmEngine, install_alarm_engine
from sagewatch_emulator.aws_environment import ProcessTakeover, emulator_variables, shared_session
from sagewatch_emulator.calls import exclude_from_counting
from sagewatch_emulator.cloudwatch.emulated import EmulatedCloudWatch
from sagewatch_emulator.delivery import Delivery
from sagewatch_emulator.destinations import Destinations
from sagewatch_emulator.endpoints import SageMakerEndpoints
from sagewatch_emulator.errors import EmulatorBusyError, EmulatorError
from sagewatch_emulator.extensions import MotoExtensions
from sagewatch_emulator.fake_pagerduty import FakePagerDuty
from sagewatch_emulator.fake_slack import FakeSlack
from sagewatch_emulator.fake_teams import FakeTeams
from sagewatch_emulator.faults import InjectedFault, inject_fault
from sagewatch_emulator.install import install_extensions
from sagewatch_emulator.lambda_functions import LambdaFunctions
from sagewatch_emulator.model_monitor.runs import ModelMonitorRuns
from sagewatch_emulator.moto_server import MOTO_ACCOUNT_ID, MotoServer
from sagewatch_emulator.part_method import OpenPart, PartMethod, PartProperty
from sagewatch_emulator.provision import DEFAULT_ACCOUNT_CONCURRENCY
from sagewatch_emulator.sam.template import Template, default_template_path
from sagewatch_emulator.stack import Stack
from sagewatch_emulator.telemetry import Telemetry

__all__ = ["EmulatedAccount", "default_template_path"]

_LOG = logging.getLogger(__name__)
_OPEN_LOCK = threading.Lock()


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
        self.region, self.account_id, self.stack_name = region, MOTO_ACCOUNT_ID, stack_name
        self.parameter_overrides = dict(parameters or {})
        self.provision = provision
        # Lambda's concurrent executions for the account (new accounts: 10); provisioning
        # refuses a ReservedConcurrentExecutions that would leave less than Lambda's minimum.
        self.account_concurrency = account_concurrency
        self.startup_ms: float | None = None
        self._holds_lock = False
        self._server: MotoServer | None = None
        self._parts: AccountParts | None = None
        self._extensions = MotoExtensions()
        self._clients: dict[str, Any] = {}
        self._process = ProcessTakeover()
        self.alarm_engine = AlarmEngine(self.account_id, self.region)

    def __enter__(self) -> EmulatedAccount:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def start(self) -> EmulatedAccount:
        """Start moto and the fake Slack, install the extensions, provision the template."""
        if self._holds_lock:
            raise EmulatorError("this EmulatedAccount is already open")
        if not _OPEN_LOCK.acquire(blocking=False):
            raise EmulatorBusyError(
                "another EmulatedAccount is open in this process; moto's state is process-wide, "
                "so close it first (one account at a time)"
            )
        self._holds_lock, started = True, time.perf_counter()
        try:
            template = Template.load(self.template_path)
            self._server = MotoServer()
            self._server.start()
            self._server.reset()
            install_extensions(self._extensions)
            self.alarm_engine = AlarmEngine(self.account_id, self.region)  # this opening's clock and store
            install_alarm_engine(self.alarm_engine, self._extensions)
            self._process.take(self.endpoint_url, self.region)
            self._parts = open_parts(
                self._server,
                template,
                self.alarm_engine,
                self._extensions,
                client=self.client,
                aws_environment=self.aws_environment,
                region=self.region,
                account_id=self.account_id,
                stack_name=self.stack_name,
                parameters=self.parameter_overrides,
                account_concurrency=self.account_concurrency,
                provision=self.provision,
            )
        except BaseException:
            self.close()
            raise
        self.startup_ms = (time.perf_counter() - started) * 1000
        return self

    def close(self) -> None:
        """Stop everything and restore the process (environment, boto3 default session, moto)."""
        if not self._holds_lock:
            return
        server, parts, self._server, self._parts = self._server, self._parts, None, None
        if parts is not None:
            parts.close()
        if server is not None:
            try:
                server.reset()
            except OSError as exc:
                _LOG.warning("closing the emulated account: moto reset: %s", exc)
            server.stop()
        self._extensions.uninstall()
        self._process.restore()
        self._clients.clear()
        self._holds_lock = False
        _OPEN_LOCK.release()

    def _open(self) -> AccountParts:
        if self._parts is None:
            raise EmulatorError("the EmulatedAccount is not open (use it as a context manager)")
        return self._parts

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
        if not kwargs and service_name in self._clients:
            return self._clients[service_name]
        config = Config(retries={"mode": "standard", "max_attempts": 3})
        options = {"endpoint_url": self.endpoint_url, "region_name": self.region, "config": config, **kwargs}
        made = exclude_from_counting(shared_session(self.region).client(service_name, **options))  # type: ignore[call-overload]
        if not kwargs:
            self._clients[service_name] = made
        return made

    def aws_environment(self) -> dict[str, str]:
        """Variables that send boto3 to the emulator: AWS_ENDPOINT_URL, region, dummy keys."""
        return emulator_variables(self.endpoint_url, self.region)

    def inject_fault(
        self, service: str, operation: str, *, code: str = "Throttling", message: str = "Rate exceeded", times: int = 1
    ) -> InjectedFault:
        """Answer the next ``times`` calls of ``service.Operation`` with an AWS error (default:
        Throttling). ``fault.triggered`` counts the calls answered with it. Removed on close."""
        self._open()
        return inject_fault(self._extensions, service, operation, code=code, message=message, times=times)

    @property
    def now(self) -> datetime:
        """Simulated now. The first read starts the simulation (8 days before the wall clock
        unless ``alarm_engine.clock.pin(origin)`` came first); see docs/emulated-account.md."""
        return self.alarm_engine.now

    # The facets and parts of the open account, and the verbs each carries out.
    stack = OpenPart[Stack]()
    cloudwatch = OpenPart[EmulatedCloudWatch]()
    slack = OpenPart[FakeSlack]()
    pagerduty = OpenPart[FakePagerDuty]()
    teams = OpenPart[FakeTeams]()
    functions = OpenPart[LambdaFunctions]()
    endpoints = OpenPart[SageMakerEndpoints]()
    model_monitor = OpenPart[ModelMonitorRuns]()
    telemetry = OpenPart[Telemetry]()
    delivery = OpenPart[Delivery]()
    destinations = OpenPart[Destinations]()

    physical_id = PartMethod("stack", Stack.physical_id)
    attribute = PartMethod("stack", Stack.attribute)
    function = PartMethod("functions", LambdaFunctions.function)
    function_environment = PartMethod("functions", LambdaFunctions.function_environment)
    invoke = PartMethod("functions", LambdaFunctions.invoke)
    deliver_event = PartMethod("functions", LambdaFunctions.deliver_event)
    create_endpoint = PartMethod("endpoints", SageMakerEndpoints.create_endpoint)
    update_endpoint = PartMethod("endpoints", SageMakerEndpoints.update_endpoint)
    delete_endpoint = PartMethod("endpoints", SageMakerEndpoints.delete_endpoint)
    create_inference_component = PartMethod("endpoints", SageMakerEndpoints.create_inference_component)
    update_inference_component = PartMethod("endpoints", SageMakerEndpoints.update_inference_component)
    delete_inference_component = PartMethod("endpoints", SageMakerEndpoints.delete_inference_component)
    create_monitoring_schedule = PartMethod("model_monitor", ModelMonitorRuns.create_monitoring_schedule)
    delete_monitoring_schedule = PartMethod("model_monitor", ModelMonitorRuns.delete_monitoring_schedule)
    record_monitoring_execution = PartMethod("model_monitor", ModelMonitorRuns.record_monitoring_execution)
    run_monitoring_execution = PartMethod("model_monitor", ModelMonitorRuns.run_monitoring_execution)
    put_metric_series = PartMethod("telemetry", Telemetry.put_metric_series)
    put_log_lines = PartMethod("telemetry", Telemetry.put_log_lines)
    advance = PartMethod("telemetry", Telemetry.advance)
    publish_metrics = PartMethod("telemetry", Telemetry.publish_metrics)
    alarm_states = PartMethod("telemetry", Telemetry.alarm_states)
    alarm_notifications = PartProperty("telemetry", Telemetry.alarm_notifications)
    publish_alert = PartMethod("delivery", Delivery.publish_alert)
    queue_depth = PartMethod("delivery", Delivery.queue_depth)
    drain_queue = PartMethod("delivery", Delivery.drain_queue)
    slack_url = PartProperty("destinations", Destinations.slack_url)
    slack_api_url = PartProperty("destinations", Destinations.slack_api_url)
    slack_messages = PartProperty("destinations", Destinations.slack_messages)
    emails = PartProperty("destinations", Destinations.emails)
    verify_email_identity = PartMethod("destinations", Destinations.verify_email_identity)
    set_secret = PartMethod("destinations", Destinations.set_secret)
    pagerduty_secret = PartMethod("destinations", Destinations.pagerduty_secret)
    teams_secret = PartMethod("destinations", Destinations.teams_secret)
