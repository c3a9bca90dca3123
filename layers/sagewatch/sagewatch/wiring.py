"""The composition root: every use case a handler runs, built from a client factory.

Handlers build one :class:`Wiring` at module level with the default factory (botocore clients of
the function's own account and region, with SageWatch's retry configuration); the ``sagewatch``
CLI passes a factory for ``--region``/``--profile``/``--endpoint-url``/``--emulated`` and composes
what only it runs (``sagewatch_cli.operator``, ``sagewatch_cli.backtest``) from this wiring's
clients and policy, outside the layer; tests pass fakes. Clients are built on first use and kept
while the execution environment is warm.

"First use" means a call, not the wiring of an adapter: the use cases get stand-ins
(:meth:`Wiring.deferred`) that build their client the first time a method of it is looked up.
Building a client costs 10-90 ms of CPU (botocore loads and parses the service's model: SageMaker's
is the largest), and many adapters serve some paths only: an onboarding that publishes no notice
needs no SNS client, an alert already delivered needs no CloudWatch or Logs client, a notification
that is not held needs no SQS client. Every client comes from the one factory, so with the
default factory they share one botocore session and its loaded data (endpoints, partitions,
retry rules) - the Secrets Manager reads too (Powertools would otherwise build its own session).

Each builder imports its use case's modules when first called, not at module import: the
four handlers share this module, and an INIT that loaded the alert pipeline (slack_sdk,
renderers) for the onboarding function would only be slower.

The fleet policy lives in an SSM parameter (``policy_parameter``) that operators may change
without a deploy; ``SAGEWATCH_POLICY`` stays the validated fallback and initial value. The
parameter is re-read at most every ``POLICY_TTL_SECONDS`` while an execution environment is
warm, so a change reaches the event path within a minute and the next reconcile re-fits the
fleet (the policy version is part of every endpoint's applied state).

Time comes from here too. Every wait of the runtime - a throttled AWS call's backoff
(``adapters.aws.call``), the paced CloudWatch writes, Slack's per-channel pace and its
``Retry-After``, the channel lease shared by environments - sleeps with the wiring's ``sleep`` and
reads the wiring's clocks: ``clock`` (monotonic: intervals within this process) and ``wall_clock``
(epoch seconds: what environments on other hosts compare, in the channel lease). Functions run
with the real ones; tests and simulations pass a simulated clock whose ``sleep`` moves it, so a
backoff or a second of Slack's pace takes no real time.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sagewatch.adapters.aws import clients_of_one_session

if TYPE_CHECKING:
    from sagewatch.adapters.cloudwatch.alarms_and_dashboards import CloudWatchWriter
    from sagewatch.adapters.dynamodb.fleet_state import StateStore
    from sagewatch.config import FleetWidgetConfig, MonitoringConfig, NotifyConfig, OnboardConfig, ReconcileConfig
    from sagewatch.core.alerting.routes import RoutingTable
    from sagewatch.core.monitoring.policy import Policy
    from sagewatch.usecases.model_monitor.run_alerts import MonitoringRunAlerts
    from sagewatch.usecases.notify import Notifier
    from sagewatch.usecases.notify.send import Paging
    from sagewatch.usecases.onboarding import Onboarding
    from sagewatch.usecases.reconcile import Reconciler

POLICY_TTL_SECONDS = 60.0

ClientFactory = Callable[[str], Any]
"""``factory("cloudwatch")`` → a boto3 client (or anything with the same methods, in tests)."""

T = TypeVar("T")
C = TypeVar("C", bound="MonitoringConfig")


class _Deferred:
    """Stands in for the client of ``service``: builds it through the wiring when an attribute is first read."""

    __slots__ = ("_service", "_wiring")

    def __init__(self, wiring: Wiring, service: str) -> None:
        self._wiring = wiring
        self._service = service

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wiring.client(self._service), name)

    def __repr__(self) -> str:
        return f"<{self._service} client, built on first use>"


class Wiring:
    """Builds the use cases; keeps clients, the policy read from SSM and long-lived services while warm."""

    def __init__(
        self,
        client_factory: ClientFactory | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._factory = client_factory or clients_of_one_session()
        self._clock = clock
        self._wall_clock = wall_clock
        self._sleep = sleep
        self._clients: dict[str, Any] = {}
        self._building = threading.Lock()  # the notify enrichment reads run on a thread pool
        self._kept: dict[str, Any] = {}
        self._policy: Policy | None = None
        self._policy_read_at = 0.0

    def client(self, service: str) -> Any:
        """The client of ``service``, built on first use (once, even when threads ask at the same time)."""
        client = self._clients.get(service)
        if client is None:
            with self._building:
                client = self._clients.get(service)
                if client is None:
                    client = self._clients[service] = self._factory(service)
        return client

    def deferred(self, service: str) -> Any:
        """A stand-in for the client of ``service`` that builds it (through :meth:`client`) on first use."""
        return _Deferred(self, service)

    def built(self) -> frozenset[str]:
        """The services whose clients have been built so far."""
        return frozenset(self._clients)

    def _keep(self, key: str, build: Callable[[], T]) -> T:
        """Build once, then reuse (state that must outlive an invocation: pacing, thread pools)."""
        if key not in self._kept:
            self._kept[key] = build()
        return cast("T", self._kept[key])

    # -- the fleet policy ------------------------------------------------------------------

    def _current_policy(self, parameter: str, *, fresh: bool = False) -> Policy:
        """The policy of the SSM parameter ``parameter``, read at most every POLICY_TTL_SECONDS."""
        now = self._clock()
        if self._policy is None or fresh or now - self._policy_read_at > POLICY_TTL_SECONDS:
            from sagewatch.adapters.ssm import load_policy

            self._policy = load_policy(self.client("ssm"), parameter, sleep=self._sleep)
            self._policy_read_at = now
        return self._policy

    def _routes(self, parameter: str | None) -> Callable[[], RoutingTable] | None:
        """The routing table of the policy parameter as it stands (None: no parameter)."""
        if not parameter:
            return None
        return lambda: self._current_policy(parameter).routes

    def with_current_policy(self, config: C, *, fresh: bool = False) -> C:
        """``config`` with the policy of its SSM parameter, when it names one.

        Read at most every POLICY_TTL_SECONDS; ``fresh`` reads it now (the reconcile does at every
        run; the worker does when a message was planned under another policy version than the
        one it holds). An invalid parameter raises InvalidPolicyError naming what is wrong.
        """
        if not config.policy_parameter:
            return config
        return dataclasses.replace(config, policy=self._current_policy(config.policy_parameter, fresh=fresh))

    # -- onboarding: OnboardFunction and the CLI --------------------------------------------

    def onboarding(self, config: OnboardConfig, *, fresh: bool = False) -> Onboarding:
        """The event path: unpaced writes, failures published as notices on the alert topic."""
        from sagewatch.adapters.cloudwatch.alarms_and_dashboards import CloudWatchWriter

        return self._onboarding(config, CloudWatchWriter(self.deferred("cloudwatch"), sleep=self._sleep), fresh=fresh)

    def model_monitor_run_alerts(self, config: OnboardConfig) -> MonitoringRunAlerts:
        """The event path for finished Model Monitor runs: read the schedule, publish the alert."""
        from sagewatch.adapters.sagemaker import ModelMonitorReader, SageMakerEndpoints
        from sagewatch.adapters.sns import NoticePublisher
        from sagewatch.usecases.model_monitor.run_alerts import MonitoringRunAlerts

        sagemaker = self.deferred("sagemaker")
        notices = NoticePublisher(self.deferred("sns"), config.alert_topic_arn) if config.alert_topic_arn else None
        return MonitoringRunAlerts(
            ModelMonitorReader(sagemaker), SageMakerEndpoints(sagemaker, sleep=self._sleep), notices
        )

    def onboard_worker(self, config: OnboardConfig, *, fresh: bool = False) -> Onboarding:
        """The OnboardQueue worker: paced writes, what was applied recorded in the state table."""
        from sagewatch.adapters.cloudwatch.alarms_and_dashboards import CloudWatchWriter
        from sagewatch.adapters.dynamodb.fleet_state import StateStore

        # Kept: the pacing budget spans the invocations of a warm environment.
        paced = self._keep("paced-cloudwatch", lambda: self._paced_cloudwatch(config.cloudwatch_write_tps))
        state = (
            StateStore(self.deferred("dynamodb"), config.state_table, sleep=self._sleep) if config.state_table else None
        )
        return self._onboarding(config, CloudWatchWriter(paced, sleep=self._sleep), state=state, fresh=fresh)

    def _paced_cloudwatch(self, write_tps: float, client: Any = None) -> Any:
        from sagewatch.adapters.pacing import paced_cloudwatch

        cloudwatch = client if client is not None else self.deferred("cloudwatch")
        return paced_cloudwatch(cloudwatch, write_tps, clock=self._clock, sleep=self._sleep)

    def _onboarding(
        self, config: OnboardConfig, writer: CloudWatchWriter, *, state: StateStore | None = None, fresh: bool
    ) -> Onboarding:
        from sagewatch.adapters.cloudwatch.metric_history import MetricHistory
        from sagewatch.adapters.sagemaker import SageMakerEndpoints
        from sagewatch.adapters.sns import NoticePublisher
        from sagewatch.usecases.onboarding import Onboarding

        current = self.with_current_policy(config, fresh=fresh)
        notices = NoticePublisher(self.deferred("sns"), current.alert_topic_arn) if current.alert_topic_arn else None
        traffic = MetricHistory(
            self.deferred("cloudwatch"), sleep=self._sleep
        )  # reads are not paced: GetMetricData is 50 TPS
        endpoints = SageMakerEndpoints(self.deferred("sagemaker"), sleep=self._sleep)
        return Onboarding(endpoints, writer, current, notices, state, traffic=traffic)

    # -- ReconcileFunction -----------------------------------------------------------------

    def reconciler(self, config: ReconcileConfig) -> Reconciler:
        """The fleet reconcile, planning with the policy version the worker will apply (read now)."""
        from sagewatch.adapters.cloudwatch.alarms_and_dashboards import CloudWatchWriter
        from sagewatch.adapters.cloudwatch.metric_history import MetricHistory
        from sagewatch.adapters.dynamodb.fleet_state import StateStore
        from sagewatch.adapters.sagemaker import SageMakerEndpoints
        from sagewatch.adapters.sqs import WorkQueue
        from sagewatch.usecases.reconcile import Reconciler

        current = self.with_current_policy(config, fresh=True)
        cloudwatch = self.deferred("cloudwatch")
        return Reconciler(
            sagemaker=SageMakerEndpoints(self.deferred("sagemaker"), sleep=self._sleep),
            cloudwatch=CloudWatchWriter(cloudwatch, sleep=self._sleep),
            traffic=MetricHistory(cloudwatch, sleep=self._sleep),  # reads are not paced: GetMetricData is 50 TPS
            state=StateStore(self.deferred("dynamodb"), config.state_table, sleep=self._sleep),
            queue=WorkQueue(self.deferred("sqs"), config.queue_url, sleep=self._sleep),
            prefix=config.name_prefix,
            region=config.region,
            policy_version=current.policy_version,
            clock=self._clock,
        )

    def continue_asynchronously(self, function_name: str, payload: bytes) -> None:
        """Invoke ``function_name`` with ``payload`` without waiting (a reconcile's continuation)."""
        self.client("lambda").invoke(FunctionName=function_name, InvocationType="Event", Payload=payload)

    # -- NotifyFunction --------------------------------------------------------------------

    def notifier(self, config: NotifyConfig) -> Notifier:
        """The alert pipeline, built once: its channel pacing and thread pool outlive an invocation."""
        return self._keep("notifier", lambda: self._build_notifier(config))

    def _build_notifier(self, config: NotifyConfig) -> Notifier:
        from sagewatch.adapters.cloudwatch.alarm_history import AlarmHistory
        from sagewatch.adapters.cloudwatch.alert_metrics import MetricsReader
        from sagewatch.adapters.cloudwatch.mute_rules import MuteRuleReader
        from sagewatch.adapters.cloudwatch_logs import LogsReader
        from sagewatch.adapters.dynamodb.channel_lease import ChannelLease
        from sagewatch.adapters.dynamodb.deliveries import DeliveryRecords
        from sagewatch.adapters.rate_limit import RateLimiter
        from sagewatch.adapters.s3 import ReportReader
        from sagewatch.adapters.sagemaker import ComponentReader
        from sagewatch.adapters.secrets_manager import (
            secrets_provider,
            slack_bot_token,
            slack_webhook_url,
        )
        from sagewatch.adapters.ses import EmailSender
        from sagewatch.adapters.slack import SlackBotSender, SlackWebhookSender
        from sagewatch.adapters.sqs import AlertQueue
        from sagewatch.core.alerting.metric_queries import series_to_minutes
        from sagewatch.usecases.notify import Notifier
        from sagewatch.usecases.notify.channel_pacing import ChannelPacer

        cloudwatch, dynamodb = self.deferred("cloudwatch"), self.deferred("dynamodb")
        # Built with the first secret read (Powertools registers on the client as it is handed over).
        secrets = functools.cache(lambda: secrets_provider(self.client("secretsmanager")))
        # Several environments may post at once (no reserved concurrency): Slack's per-channel
        # pace is leased in the delivery table. The lease covers one request at most.
        shared = (
            ChannelLease(
                config.delivery_table,
                dynamodb,
                lease_seconds=config.slack_min_interval + config.slack_timeout,
                clock=self._wall_clock,
                sleep=self._sleep,
            )
            if config.delivery_table
            else None
        )
        # The pipeline retries Slack itself (paced, Retry-After, bounded by the time left),
        # so the SDK's own retry handlers are off.
        return Notifier(
            metrics=MetricsReader(cloudwatch, sleep=self._sleep),
            logs=LogsReader(self.deferred("logs")),
            history=AlarmHistory(cloudwatch),
            slack=SlackWebhookSender(timeout=config.slack_timeout, retry_handlers=[]),
            email=EmailSender(self.deferred("sesv2"), sleep=self._sleep) if config.email_sender else None,
            webhook_url=lambda secret_id: slack_webhook_url(secret_id, provider=secrets()),
            settings=config,
            series_to_minutes=series_to_minutes,
            records=DeliveryRecords(config.delivery_table, dynamodb) if config.delivery_table else None,
            bot=(
                SlackBotSender(base_url=config.slack_api_url, timeout=config.slack_timeout, retry_handlers=[])
                if config.bot_mode
                else None
            ),
            bot_token=lambda secret_id: slack_bot_token(secret_id, provider=secrets()),
            alert_queue=AlertQueue(self.deferred("sqs"), config.alert_queue_url) if config.alert_queue_url else None,
            pacer=ChannelPacer(
                RateLimiter(config.slack_min_interval, clock=self._clock, sleep=self._sleep),
                shared,
                clock=self._wall_clock,
            ),
            reports=ReportReader(self.deferred("s3")) if config.monitoring_reports else None,
            components=ComponentReader(lambda: self.client("sagemaker")),
            mute_rules=MuteRuleReader(cloudwatch),
            # PagerDuty and Teams over urllib, built with the first such destination.
            paging=lambda: self._paging(config, secrets),
            # The routing table: read (SSM) only when an alert names a team, then kept a minute.
            routes=self._routes(config.policy_parameter),
        )

    def _paging(self, config: NotifyConfig, secrets: Callable[[], Any]) -> Paging:
        """PagerDuty and Teams senders (no client to build); their secrets read when sent."""
        from sagewatch.adapters.pagerduty import EVENTS_URL, PagerDutySender
        from sagewatch.adapters.secrets_manager import pagerduty_routing_key, teams_webhook_url
        from sagewatch.adapters.teams import TeamsSender
        from sagewatch.usecases.notify.send import Paging

        return Paging(
            pagerduty=PagerDutySender(
                sleep=self._sleep, events_url=config.pagerduty_events_url or EVENTS_URL, timeout=config.slack_timeout
            ),
            routing_key=lambda secret_id: pagerduty_routing_key(secret_id, provider=secrets()),
            teams=TeamsSender(sleep=self._sleep, timeout=config.slack_timeout),
            teams_url=lambda secret_id: teams_webhook_url(secret_id, provider=secrets()),
        )

    # -- FleetWidgetFunction ---------------------------------------------------------------

    def fleet_overview(self, config: FleetWidgetConfig) -> Callable[[], str]:
        """Renders the fleet dashboard's live widget (HTML) as of now."""
        from sagewatch.adapters.cloudwatch.alarms_and_dashboards import CloudWatchWriter
        from sagewatch.adapters.cloudwatch.metrics_insights import MetricsInsights
        from sagewatch.usecases.fleet_overview import fleet_overview

        cloudwatch = self.deferred("cloudwatch")
        alarms, sums = CloudWatchWriter(cloudwatch), MetricsInsights(cloudwatch)
        return lambda: fleet_overview(
            alarms, sums, prefix=config.name_prefix, region=config.region, now=lambda: datetime.now(tz=UTC)
        )
