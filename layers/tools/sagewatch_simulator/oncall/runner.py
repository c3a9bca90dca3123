"""Play a :class:`Scenario` in the emulated account, the way production would live through it.

Endpoints are created in SageMaker and onboarded by OnboardFunction from their EventBridge
events (IN_SERVICE at creation, UPDATING/IN_SERVICE for a deploy, DELETING); every simulated
minute the traffic simulator's metrics go into the metric store, the clock moves one minute (the
alarm engine evaluates every alarm and publishes CloudWatch's notifications to AlertTopic →
AlertQueue), and the queue is played into NotifyFunction whenever it holds something, so a
message is delivered in the minute its alarm changed state. Slack is the fake Slack: incoming
webhook (default) or bot mode (chat.postMessage, the OK threaded under its ALARM).

``backtest=("fraud-scorer",)`` then runs ``sagewatch backtest`` for those endpoints over the
played window, in the same account, and compares it with the engine (:mod:`.backtest_check`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sagewatch_emulator.account import EmulatedAccount
from sagewatch_emulator.model_monitor.runs import violation
from sagewatch_emulator.sagemaker import ComponentSpec, VariantSpec
from sagewatch_simulator.oncall.backtest_check import Comparison, backtest_endpoint, explain_differences
from sagewatch_simulator.oncall.maintenance import MutedRecord, open_window
from sagewatch_simulator.oncall.records import (
    AlarmNotice,
    ComponentStepRecord,
    Delivery,
    MonitorRunRecord,
    message_ids_in,
)
from sagewatch_simulator.oncall.scenario import MINUTE, Scenario
from sagewatch_simulator.traffic import (
    EndpointKind,
    LifecycleEvent,
    Status,
    Variant,
    lifecycle_events,
    simulate,
    state_change_event,
)
from sagewatch_simulator.traffic.components import ComponentHosting, ComponentStep
from sagewatch_simulator.traffic.model import Endpoint

SlackMode = Literal["webhook", "bot"]
WEBHOOK_SECRET = "sagewatch/slack-webhook"  # noqa: S105 - a secret's name, not its value
BOT_SECRET = "sagewatch/slack-bot"  # noqa: S105 - a secret's name
BOT_CHANNEL = "C0ONCALL"
# Slack's ~1 message/second/channel, scaled down like the delivery tests do: the fake Slack
# answers 429 beyond it and the function paces itself to it, so pacing is exercised but the
# run is not bound by a real second per message.
SLACK_INTERVAL_SECONDS = 0.02
# Model Monitor starts an hourly run "ON the hour (plus 0 - 20 min buffer)" ("Interpret results");
# its event arrives when the job ends, some minutes later.
RUN_MINUTE = 25
# The stack's hourly look for executions that failed without a processing job (template.yaml).
CHECK_MINUTE = 50
# The stack's daily reconcile (ReconcileSchedule), played at 00:30 of every simulated day after the
# first: it re-fits each latency alarm whose traffic class changed (core.monitoring.latency_fit).
RECONCILE_AT = (0, 30)
# A maintenance window's mute rules are put this long before it opens (`sagewatch mute add`).
MAINTENANCE_LEAD = 15 * MINUTE


@dataclass
class ScenarioRun:
    """Everything the scorer needs, plus what the run cost."""

    scenario: Scenario
    mode: SlackMode
    notices: list[AlarmNotice] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    evaluations: int = 0
    published_items: int = 0
    notify_invocations: int = 0
    notify_errors: list[str] = field(default_factory=list)
    onboard_errors: list[str] = field(default_factory=list)
    final_states: dict[str, str] = field(default_factory=dict)
    wall_seconds: float = 0.0
    monitor_runs: list[MonitorRunRecord] = field(default_factory=list)
    component_steps: list[ComponentStepRecord] = field(default_factory=list)
    backtests: list[Comparison] = field(default_factory=list)  # sagewatch backtest over the played window
    # Each latency alarm at the end: "<endpoint>/<variant or component>" -> its fitted rule and why.
    latency_alarms: dict[str, str] = field(default_factory=dict)
    reconciles: list[str] = field(default_factory=list)  # per daily reconcile: what it re-fitted
    # `sagewatch doctor`'s alarm-samples check on the played account: alarms that cannot fire at
    # the traffic observed (percentiles whose periods lack the samples CloudWatch needs).
    cannot_fire: list[str] = field(default_factory=list)
    # State changes whose actions a mute rule muted (maintenance windows, deployments' holds).
    muted: list[MutedRecord] = field(default_factory=list)


def variant_specs(variants: tuple[Variant, ...], endpoint: Endpoint) -> list[VariantSpec]:
    """The simulator's variants as the emulated SageMaker's CreateEndpointConfig variants."""
    if endpoint.kind is EndpointKind.SERVERLESS:
        settings = endpoint.serverless_settings
        return [
            VariantSpec(
                v.name,
                serverless_memory_mb=settings.memory_mb,
                serverless_max_concurrency=settings.max_concurrency,
                weight=v.weight,
            )
            for v in variants
        ]
    return [VariantSpec(v.name, str(v.instance_type), v.instance_count, weight=v.weight) for v in variants]


@contextmanager
def oncall_account(mode: SlackMode = "webhook") -> Iterator[tuple[EmulatedAccount, dict[str, str]]]:
    """An account whose alerts go to the fake Slack in ``mode``; yields (account, NotifyFunction's
    extra environment)."""
    parameters: dict[str, Any] = {"SlackWebhookSecretName": WEBHOOK_SECRET}
    if mode == "bot":
        parameters |= {"SlackBotTokenSecretName": BOT_SECRET, "SlackChannel": BOT_CHANNEL}
    with EmulatedAccount(parameters=parameters) as account:
        secrets = account.client("secretsmanager")
        secrets.create_secret(Name=WEBHOOK_SECRET, SecretString=account.slack_url)
        environment = {
            "SAGEWATCH_SLACK_MIN_INTERVAL_SECONDS": f"{SLACK_INTERVAL_SECONDS * 1.2:g}",
            "SAGEWATCH_SLACK_TIMEOUT_SECONDS": "2",
        }
        if mode == "bot":
            secrets.create_secret(Name=BOT_SECRET, SecretString=json.dumps({"token": "xoxb-fake-token"}))
            environment["SAGEWATCH_SLACK_API_URL"] = account.slack_api_url
        account.slack.rate_limit_interval = SLACK_INTERVAL_SECONDS
        yield account, environment


class _Player:
    """One run: the account, its notify environment and what has been recorded so far."""

    def __init__(self, account: EmulatedAccount, environment: Mapping[str, str], run: ScenarioRun) -> None:
        self.account = account
        self.environment = dict(environment)
        self.run = run
        self.seen_notifications = 0
        self.seen_released = 0
        self.seen_replies = len(account.slack.replies())
        self.pending = False
        self.monitoring_since: datetime | None = None  # when the scenario's schedule was created

    def onboard(self, event: LifecycleEvent) -> None:
        """What SageMaker does, then the EventBridge event OnboardFunction receives."""
        endpoint, account = event.endpoint, self.account
        specs = variant_specs(event.variants, endpoint)
        asynchronous = endpoint.kind is EndpointKind.ASYNC
        if event.status is Status.IN_SERVICE and event.config_name.endswith("-v1"):
            account.create_endpoint(
                endpoint.name, variants=specs, async_inference=asynchronous, tags=dict(endpoint.tags) or None
            )
        elif event.status is Status.UPDATING:
            account.update_endpoint(endpoint.name, variants=specs, async_inference=asynchronous)
        detail = state_change_event(event, account=account.account_id, region=account.region)
        invocation = account.invoke("OnboardFunction", detail)
        if invocation.error:
            self.run.onboard_errors.append(f"{endpoint.name} {event.status}: {invocation.error}")
        if event.status is Status.DELETING:
            account.delete_endpoint(endpoint.name)

    def start_monitoring(self) -> None:
        """The scenario's schedule is created on its (serving) endpoint now, and SageMaker's
        schedule state-change event reaches OnboardFunction through the stack's rule: the endpoint
        is re-fitted, but no drift metric exists yet (no run has happened), so no drift alarm
        either. The first run, at the next hour boundary, publishes the metrics and its event
        re-fits the drift alarms to them: AWS's order (docs/simulator.md)."""
        plan, account = self.run.scenario.model_monitor, self.account
        assert plan is not None
        arn = account.create_monitoring_schedule(plan.endpoint, plan.schedule, plan.monitoring_type)
        self.monitoring_since = account.now
        event = {
            "version": "0",
            "id": f"schedule-{plan.schedule}",
            "detail-type": "SageMaker Monitoring Schedule State Change",
            "source": "aws.sagemaker",
            "account": account.account_id,
            "time": account.now.isoformat(),
            "region": account.region,
            "resources": [arn],
            "detail": {
                "MonitoringScheduleName": plan.schedule,
                "MonitoringScheduleArn": arn,
                "MonitoringScheduleStatus": "Scheduled",
                "MonitoringType": plan.monitoring_type,
                "EndpointName": plan.endpoint,
            },
        }
        for invocation in account.deliver_event(event):
            if invocation.error:
                self.run.onboard_errors.append(f"schedule {plan.schedule}: {invocation.error}")

    def runs_this_hour(self) -> bool:
        """The schedule exists and this hour is after its creation: runs start on the hour, from
        the first hour boundary after the schedule was created ("Interpret results")."""
        since = self.monitoring_since
        return since is not None and self.account.now.replace(minute=0, second=0, microsecond=0) > since

    def monitoring_run(self) -> None:
        """The scenario's hourly Model Monitor run (ScheduledTime: this hour), as SageMaker would
        emit it: its drift metrics with the run, then its processing-job event; a bad run's event
        is sent twice (SageMaker may send an event more than once)."""
        plan, account = self.run.scenario.model_monitor, self.account
        assert plan is not None
        hour = account.now.replace(minute=0, second=0, microsecond=0)
        planned = plan.run_at(hour, self.run.scenario.incidents)
        violations = [violation(feature, check) for feature, check in planned.violations]
        drift = planned.drift if plan.monitoring_type == "DataQuality" else None
        run = account.run_monitoring_execution(plan.schedule, planned.status, violations=violations, drift=drift)
        self.run.monitor_runs.append(
            MonitorRunRecord(
                f"monitoring-run:{run.processing_job_arn}", plan.schedule, planned.status, hour, plan.endpoint
            )
        )
        for _ in range(2 if planned.status != "Completed" else 1):
            invocation = account.invoke("OnboardFunction", run.event)
            if invocation.error:
                self.run.onboard_errors.append(f"monitoring run {run.processing_job_arn}: {invocation.error}")
        self.pending = True

    def check_executions(self) -> None:
        """The stack's hourly schedule: OnboardFunction looks for executions that failed without
        a processing job (EventBridge's "Scheduled Event", as the rule delivers it)."""
        account = self.account
        event = {
            "version": "0",
            "id": f"executions-check-{account.now:%Y%m%d%H%M}",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": account.account_id,
            "time": account.now.isoformat(),
            "region": account.region,
            "resources": [f"arn:aws:events:{account.region}:{account.account_id}:rule/monitoring-executions-check"],
            "detail": {},
        }
        invocation = account.invoke("OnboardFunction", event)
        if invocation.error:
            self.run.onboard_errors.append(f"executions check: {invocation.error}")
        self.pending = True

    def host_components(self, hosting: ComponentHosting) -> None:
        """Create the inference-component endpoint with its first components and onboard it from
        its IN_SERVICE event, as SageMaker would send it."""
        account = self.account
        account.create_endpoint(
            hosting.endpoint,
            variants=[VariantSpec(hosting.variant, hosting.instance_type, hosting.instance_count)],
            inference_components=[ComponentSpec(name) for name in hosting.components],
        )
        event = {
            "version": "0",
            "id": f"in-service-{hosting.endpoint}",
            "detail-type": "SageMaker Endpoint State Change",
            "source": "aws.sagemaker",
            "account": account.account_id,
            "time": account.now.isoformat(),
            "region": account.region,
            "resources": [],
            "detail": {"EndpointName": hosting.endpoint, "EndpointStatus": "IN_SERVICE"},
        }
        for invocation in account.deliver_event(event):
            if invocation.error:
                self.run.onboard_errors.append(f"{hosting.endpoint} IN_SERVICE: {invocation.error}")

    def component_step(self, hosting: ComponentHosting, step: ComponentStep) -> None:
        """Make the call in SageMaker, hand its CloudTrail event to EventBridge, and record the
        component's alarms before and after."""
        account = self.account
        before = self._component_alarms(step.component)
        if step.action == "create":
            event = account.create_inference_component(hosting.endpoint, ComponentSpec(step.component))
        else:
            event = account.delete_inference_component(step.component)
        outcomes = []
        for invocation in account.deliver_event(event):
            if invocation.error:
                self.run.onboard_errors.append(f"{step.component} {step.action}: {invocation.error}")
            outcomes.append(str(invocation.error or (invocation.response or {}).get("outcome")))
        record = ComponentStepRecord(
            account.now,
            step.action,
            step.component,
            before,
            self._component_alarms(step.component),
            ", ".join(outcomes),
        )
        self.run.component_steps.append(record)

    def reconcile(self) -> None:
        """The daily ReconcileFunction, then OnboardFunction working OnboardQueue (the fleet worker)."""
        account = self.account
        # The emulator has no Lambda service to continue a long run: this fleet fits in one.
        invocation = account.invoke(
            "ReconcileFunction", {"sagewatch": "reconcile"}, environment={"SAGEWATCH_RECONCILE_SELF_INVOKE": "false"}
        )
        if invocation.error:
            self.run.onboard_errors.append(f"reconcile: {invocation.error}")
            return
        drained = account.drain_queue("OnboardQueue", "OnboardFunction")
        for worker in drained:
            if worker.error:
                self.run.onboard_errors.append(f"reconcile worker: {worker.error}")
        response = invocation.response or {}
        self.run.reconciles.append(
            f"{account.now:%a %H:%M}: {response.get('enqueued', 0)} enqueued {response.get('by_kind', {})}"
        )

    def latency_alarms(self) -> dict[str, str]:
        """Every latency alarm's rule and the reason its description gives (the fit's choice)."""
        pages = self.account.client("cloudwatch").get_paginator("describe_alarms")
        out: dict[str, str] = {}
        for page in pages.paginate(AlarmNamePrefix="SageWatch/"):
            for alarm in page["MetricAlarms"]:
                name = str(alarm["AlarmName"])
                if "/model-latency-p99" not in name:
                    continue
                _, endpoint, variant, key = name.split("/", 3)
                target = f"{endpoint}/{key.split('.', 1)[1] if '.' in key else variant}"
                statistic = alarm.get("ExtendedStatistic") or alarm.get("Statistic")
                m, n = alarm.get("DatapointsToAlarm"), alarm["EvaluationPeriods"]
                rule = f"{statistic} over {alarm['Period']} s, {m} of {n}"
                description = str(alarm.get("AlarmDescription") or "")
                why = description.partition("Fitted to traffic: ")[2].partition(". Look")[0]
                out[target] = f"{rule} ({why})" if why else rule
        return dict(sorted(out.items()))

    def alarms_that_cannot_fire(self) -> list[str]:
        """What `sagewatch doctor` says of the played account's percentile alarms and their traffic."""
        from sagewatch_cli import doctor

        checker = doctor.Doctor(self.account.client, doctor.Target(), self.account.region)
        return [f.what for f in checker.check_alarm_samples() if f.status is not doctor.Status.OK]

    def _component_alarms(self, component: str) -> int:
        return sum(1 for name in self.account.alarm_states() if name.endswith(f".{component}"))

    def collect_notices(self) -> None:
        sent = self.account.alarm_engine.notifications
        for notification in sent[self.seen_notifications :]:
            if notification.message_id is not None:
                self.run.notices.append(
                    AlarmNotice.from_message(notification.message_id, notification.message, notification.at)
                )
                self.pending = True
        self.seen_notifications = len(sent)
        released = self.account.alarm_engine.released_messages
        if released != self.seen_released:  # an OK that waited out its settle window is due
            self.pending = True
            self.seen_released = released

    def deliver(self) -> None:
        """Play AlertQueue into NotifyFunction and record what reached Slack, stamped now."""
        if not self.pending:
            return
        account, known = self.account, {n.message_id: n for n in self.run.notices}
        invocations = account.drain_queue("AlertQueue", "NotifyFunction", environment=self.environment)
        self.run.notify_invocations += len(invocations)
        self.pending = False
        for invocation in invocations:
            failures = (invocation.response or {}).get("batchItemFailures") if invocation.response else None
            if invocation.error or failures:
                self.run.notify_errors.append(str(invocation.error or failures))
                self.pending = True  # redelivered later, as the event source mapping would
        replies = account.slack.replies()
        runs = [r.key for r in self.run.monitor_runs]
        for post, reply, accepted in replies[self.seen_replies :]:
            if not accepted or post.api not in ("webhook", "chat.postMessage"):
                continue
            body = reply.body if isinstance(reply.body, dict) else {}
            text = json.dumps(post.body)
            self.run.deliveries.append(
                Delivery(
                    destination="slack",
                    at=account.now,
                    message_ids=message_ids_in(text, known) + tuple(key for key in runs if key in text),
                    ts=str(body["ts"]) if body.get("ts") else None,
                    thread_ts=str(post.body["thread_ts"]) if post.body.get("thread_ts") else None,
                )
            )
        self.seen_replies = len(replies)


def run_scenario(
    scenario: Scenario,
    mode: SlackMode = "webhook",
    *,
    progress: Callable[[str], None] | None = None,
    backtest: tuple[str, ...] = (),
) -> ScenarioRun:
    """Play ``scenario`` minute by minute in a fresh emulated account; see the module docstring."""
    started = time.perf_counter()
    run = ScenarioRun(scenario, mode)
    with oncall_account(mode) as (account, environment):
        account.alarm_engine.clock.pin(scenario.start)  # simulated time, before any endpoint alarm exists
        player = _Player(account, environment, run)
        fleet = scenario.fleet
        for endpoint in fleet.endpoints:  # those serving before the window opens
            created_before = endpoint.created_at is None or endpoint.created_at < scenario.start
            if created_before and endpoint.in_service(scenario.start):
                variants = endpoint.variants_at(scenario.start)
                player.onboard(LifecycleEvent(scenario.start, endpoint, Status.IN_SERVICE, variants, "initial-v1"))
        hosting = scenario.components
        steps = sorted(hosting.steps, key=lambda step: step.at) if hosting is not None else []
        if hosting is not None:
            player.host_components(hosting)
        events = lifecycle_events(fleet, scenario.start, scenario.end)
        windows = sorted(scenario.maintenance, key=lambda w: w.start)
        minutes = simulate(fleet, scenario.incidents, scenario.start, scenario.end)
        for index, published in enumerate(minutes):
            moment = scenario.start + index * MINUTE
            while events and events[0].at <= moment:
                player.onboard(events.pop(0))
            while windows and windows[0].start - MAINTENANCE_LEAD <= moment:  # planned ahead, as people do
                open_window(account.client("cloudwatch"), windows.pop(0))
            monitor = scenario.model_monitor
            if monitor is not None and player.monitoring_since is None and moment >= monitor.starts(scenario.start):
                player.start_monitoring()  # its endpoint serves from the start
            if monitor is not None and moment.minute == RUN_MINUTE and player.runs_this_hour():
                player.monitoring_run()
            if monitor is not None and moment.minute == CHECK_MINUTE and player.monitoring_since is not None:
                player.check_executions()
            if index >= 1440 and (moment.hour, moment.minute) == RECONCILE_AT:
                player.reconcile()
            while hosting is not None and steps and steps[0].at <= moment:
                player.component_step(hosting, steps.pop(0))
            run.published_items += account.publish_metrics(published)
            run.evaluations += account.advance(MINUTE).evaluations
            player.collect_notices()
            player.deliver()
            if progress is not None and index % 1440 == 1439:
                progress(f"{scenario.name}: day {(index + 1) // 1440} done, {len(run.deliveries)} messages")
        run.final_states = account.alarm_states()
        run.muted = [MutedRecord(t.alarm_name, t.new_state, t.at, t.muted_by or "") for t in account.alarm_engine.muted]
        run.latency_alarms = player.latency_alarms()
        run.cannot_fire = player.alarms_that_cannot_fire()
        run.wall_seconds = time.perf_counter() - started  # the play alone, without the backtests
        days = max(1, round(scenario.days))
        known = {endpoint.name: endpoint for endpoint in fleet.endpoints}
        for name in backtest:
            comparison = backtest_endpoint(account, run.notices, name, end=scenario.end, days=days, muted=run.muted)
            explain_differences(comparison, known.get(name), scenario.start, scenario.end)
            run.backtests.append(comparison)
    return run
