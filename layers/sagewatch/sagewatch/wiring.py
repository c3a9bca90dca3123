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

Places. A hub with spokes (docs/hub-and-spokes.md) acts in other account-regions: every use case
builder that reads or writes an endpoint's account takes a ``place`` (``core.shared.places.Place``;
None is the hub's own account and region, with the functions' own clients exactly as before). For a
spoke, the clients of the services that concern the endpoint's account (SageMaker, CloudWatch,
CloudWatch Logs, IAM) come from ``spoke_client_factory(place, service)`` - by default
``adapters.sts.SpokeClients``, built on the first spoke use (so a single-account stack never loads
it, never calls STS) - while what stays in the hub (DynamoDB, SQS, SSM, SNS notices, Secrets
Manager, SES) keeps the hub's clients.
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
    from sagewatch.config import (
        CommonConfig,
        FleetWidgetConfig,
        MonitoringConfig,
        NotifyConfig,
        OnboardConfig,
        ReconcileConfig,
    )
    from sagewatch.core.alerting.routes import RoutingTable
    from sagewatch.core.monitoring.policy import Policy
    from sagewatch.core.shared.places import Place
    from sagewatch.usecases.model_monitor.run_alerts import MonitoringRunAlerts
    from sagewatch.usecases.notify import Notifier
    from sagewatch.usecases.notify.send import Paging
    from sagewatch.usecases.onboarding import Onboarding
    from sagewatch.usecases.reconcile import Reconciler

POLICY_TTL_SECONDS = 60.0

ClientFactory = Callable[[str], Any]
"""``factory("cloudwatch")`` → a boto3 client (or anything with the same methods, in tests)."""

SpokeClientFactory = Callable[["Place", str], Any]
"""``factory(place, "cloudwatch")`` → a client acting in that spoke account-region."""

T = TypeVar("T")
C = TypeVar("C", bound="MonitoringConfig")


def _own_client_in(service: str, region: str) -> Any:
    from sagewatch.adapters.aws import client

    return client(service, region)


def in_place(config: C, place: Place | None) -> C:
    """``config`` as it applies in ``place``: its region, and alarm actions naming the spoke's own topic
    (an alarm's actions must name a topic of its own account and Region: docs/hub-and-spokes.md (b))."""
    if place is None:
        return config
    from sagewatch.core.shared.places import spoke_topic_arn

    return dataclasses.replace(config, region=place.region, alert_topic_arn=spoke_topic_arn(config.name_prefix, place))


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
        spoke_client_factory: SpokeClientFactory | None = None,
        regional_client_factory: Callable[[str, str], Any] | None = None,
    ):
        # The hub's own credentials in another region (subscribing AlertQueue to a spoke's topic).
        self._regional = regional_client_factory
        self._factory = client_factory or clients_of_one_session()
        self._spoke_factory = spoke_client_factory
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

    def in_place(self, config: CommonConfig, place: Place | None) -> Callable[[str], Any]:
        """``service`` → a client acting in ``place``: the hub's own (deferred) clients for None."""
        if place is None:
            return self.deferred
        factory = self._spoke_factory
        if factory is None:
            factory = self._keep("spoke-clients", lambda: self._default_spoke_factory(config))
        return lambda service: factory(place, service)

    def _default_spoke_factory(self, config: CommonConfig) -> SpokeClientFactory:
        from sagewatch.spoke_wiring import spoke_clients

        return spoke_clients(config, wall_clock=self._wall_clock, sleep=self._sleep)

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

    def onboarding(self, config: OnboardConfig, *, fresh: bool = False, place: Place | None = None) -> Onboarding:
        """The event path: unpaced writes, failures published as notices on the alert topic."""
        from sagewatch.adapters.cloudwatch.alarms_and_dashboards import CloudWatchWriter

        cloudwatch = self.in_place(config, place)("cloudwatch")
        return self._onboarding(
            config, CloudWatchWriter(cloudwatch, sleep=self._sleep), fresh=fresh, place=place, cloudwatch=cloudwatch
        )

    def model_monitor_run_alerts(self, config: OnboardConfig, *, place: Place | None = None) -> MonitoringRunAlerts:
        """The event path for finished Model Monitor runs: read the schedule, publish the alert."""
        from sagewatch.adapters.sagemaker import ModelMonitorReader, SageMakerEndpoints
        from sagewatch.adapters.sns import NoticePublisher
        from sagewatch.usecases.model_monitor.run_alerts import MonitoringRunAlerts

        sagemaker = self.in_place(config, place)("sagemaker")
        notices = NoticePublisher(self.deferred("sns"), config.alert_topic_arn) if config.alert_topic_arn else None
        return MonitoringRunAlerts(
            ModelMonitorReader(sagemaker), SageMakerEndpoints(sagemaker, sleep=self._sleep), notices
        )

    def onboard_worker(self, config: OnboardConfig, *, fresh: bool = False, place: Place | None = None) -> Onboarding:
        """The OnboardQueue worker: paced writes, what was applied recorded in the state table.

        Paced per account-region: CloudWatch's write quotas are per account and Region ("CloudWatch
        service quotas"), so each place has its own budget and places never wait for one another."""
        from sagewatch.adapters.cloudwatch.alarms_and_dashboards import CloudWatchWriter
        from sagewatch.adapters.dynamodb.fleet_state import StateStore

        cloudwatch = self.in_place(config, place)("cloudwatch")
        # Kept: the pacing budget spans the invocations of a warm environment.
        key = "paced-cloudwatch" if place is None else f"paced-cloudwatch:{place.account}:{place.region}"
        paced = self._keep(key, lambda: self._paced_cloudwatch(config.cloudwatch_write_tps, cloudwatch))
        state = (
            StateStore(self.deferred("dynamodb"), config.state_table, sleep=self._sleep, place=place)
            if config.state_table
            else None
        )
        writer = CloudWatchWriter(paced, sleep=self._sleep)
        return self._onboarding(config, writer, state=state, fresh=fresh, place=place, cloudwatch=cloudwatch)

    def known_spoke_places(self, config: OnboardConfig | ReconcileConfig) -> frozenset[Place]:
        """The spoke account-regions SageWatch applied something to (from the state table)."""
        from sagewatch.adapters.dynamodb.fleet_state import StateStore

        if not config.state_table:
            return frozenset()
        return StateStore(self.deferred("dynamodb"), config.state_table, sleep=self._sleep).spoke_places()

    def _paced_cloudwatch(self, write_tps: float, client: Any = None) -> Any:
        from sagewatch.adapters.pacing import paced_cloudwatch

        cloudwatch = client if client is not None else self.deferred("cloudwatch")
        return paced_cloudwatch(cloudwatch, write_tps, clock=self._clock, sleep=self._sleep)

    def _onboarding(
        self,
        config: OnboardConfig,
        writer: CloudWatchWriter,
        *,
        state: StateStore | None = None,
        fresh: bool,
        place: Place | None,
        cloudwatch: Any,
    ) -> Onboarding:
        from sagewatch.adapters.cloudwatch.metric_history import MetricHistory
        from sagewatch.adapters.sagemaker import SageMakerEndpoints
        from sagewatch.adapters.sns import NoticePublisher
        from sagewatch.usecases.onboarding import Onboarding

        current = self.with_current_policy(config, fresh=fresh)
        # Notices (a FAILED endpoint) go to the hub's own topic, with the hub's client, from any place.
        notices = NoticePublisher(self.deferred("sns"), current.alert_topic_arn) if current.alert_topic_arn else None
        traffic = MetricHistory(cloudwatch, sleep=self._sleep)  # reads are not paced: GetMetricData is 50 TPS
        endpoints = SageMakerEndpoints(self.in_place(config, place)("sagemaker"), sleep=self._sleep)
        return Onboarding(endpoints, writer, in_place(current, place), notices, state, traffic=traffic)

    # -- ReconcileFunction -----------------------------------------------------------------

    def reconciler(self, config: ReconcileConfig, *, place: Place | None = None, fresh: bool = True) -> Reconciler:
        """The fleet reconcile of one place (None: the hub's own account-region), planning with the
        policy version the worker will apply there (read now unless ``fresh`` is False)."""
        from sagewatch.adapters.cloudwatch.alarms_and_dashboards import CloudWatchWriter
        from sagewatch.adapters.cloudwatch.metric_history import MetricHistory
        from sagewatch.adapters.dynamodb.fleet_state import StateStore
        from sagewatch.adapters.sagemaker import SageMakerEndpoints
        from sagewatch.adapters.sqs import WorkQueue
        from sagewatch.usecases.reconcile import Reconciler

        current = in_place(self.with_current_policy(config, fresh=fresh), place)
        aws = self.in_place(config, place)
        cloudwatch = aws("cloudwatch")
        return Reconciler(
            sagemaker=SageMakerEndpoints(aws("sagemaker"), sleep=self._sleep),
            cloudwatch=CloudWatchWriter(cloudwatch, sleep=self._sleep),
            traffic=MetricHistory(cloudwatch, sleep=self._sleep),  # reads are not paced: GetMetricData is 50 TPS
            state=StateStore(self.deferred("dynamodb"), config.state_table, sleep=self._sleep, place=place),
            queue=WorkQueue(self.deferred("sqs"), config.queue_url, sleep=self._sleep),
            prefix=config.name_prefix,
            region=current.region,
            policy_version=current.policy_version,
            clock=self._clock,
            where={} if place is None else {"account": place.account, "region": place.region},
        )

    def spoke_accounts(self, config: ReconcileConfig) -> list[str]:
        """The spoke accounts: the explicit list, and the organization's (or the OU's) ACTIVE accounts."""
        from sagewatch.spoke_wiring import spoke_accounts

        return spoke_accounts(config, self.deferred("organizations"), sleep=self._sleep)

    def subscribe_alert_queue(self, config: ReconcileConfig, place: Place) -> str | None:
        """Subscribe the hub's AlertQueue to ``place``'s alert topic unless that was done before."""
        from sagewatch.spoke_wiring import subscribe_alert_queue

        regional = self._regional or _own_client_in
        return subscribe_alert_queue(self, config, place, lambda: regional("sns", place.region), sleep=self._sleep)

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
        from sagewatch.spoke_wiring import SpokeReadsOf
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
            spokes=SpokeReadsOf(self, config, sleep=self._sleep) if config.spokes is not None else None,
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
