"""The kinds of alert, each carrying what it does on its way to people.

A notification (``core.alerting.notification``) becomes one of these at intake: a CloudWatch
alarm's, an endpoint's failure, a Model Monitor run's, or one that could not be read. Each kind
answers the same questions the alert path asks, so the path never switches on a type:

- ``headline``: alarm, state and endpoint, for the delivery report and the logs;
- ``context``: its own routing (an endpoint's Slack secret or recipients), None for the defaults;
- ``transition``: the incident it belongs to (core.alerting.incident), None when there is
  nothing to remember (every transition is told as it comes);
- ``severity``: how far past its threshold it is (a digest lists the worst first);
- ``urgency``: page or notify (core.alerting.severity: only a page goes to PagerDuty);
- ``reads``: the reads that make it actionable, as a value (``Reads``; usecases.notify.enrich
  makes them), and ``view``: its one ``AlertView`` from what those reads found (``Found``).

A new kind is one class here and its parser in ``notification``; ``alert_kind`` maps one to
the other.

Pure: no I/O.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sagewatch.core.alerting.alert import AlertView
from sagewatch.core.alerting.alert_builder import Enrichment, build_alarm_view, build_failure_view
from sagewatch.core.alerting.alert_target import AlertTarget, resolve_target
from sagewatch.core.alerting.deployment import deployment_note
from sagewatch.core.alerting.enrichment import MetricPlan, plan_metrics, widget_for
from sagewatch.core.alerting.incident import incident_key
from sagewatch.core.alerting.notification import (
    AlarmNotification,
    EndpointFailureNotice,
    MonitoringRunNotice,
    Notification,
    summarize_unreadable,
)
from sagewatch.core.alerting.quiet_window import quiet_note, released_late
from sagewatch.core.alerting.severity import ENDPOINT_FAILED, OTHER, Severity, alarm_severity
from sagewatch.core.model_monitor.run_view import build_monitoring_run_view
from sagewatch.core.shared.alarm_context import AlarmContext

LOG_LINES = 10  # log lines an alert shows
LOG_WINDOW = timedelta(minutes=30)  # how far back its log lines are looked for


@dataclass(frozen=True)
class Headline:
    """What the delivery report and the logs name an alert by."""

    alarm: str
    state: str
    endpoint: str | None


@dataclass(frozen=True)
class Transition:
    """An alarm's state change as the incident rules see it (core.alerting.incident.decide)."""

    key: str  # incident_key(): the endpoint's incident, or the alarm's own
    alarm: str
    state: str
    at: datetime


@dataclass(frozen=True)
class LogRead:
    endpoint: str
    since: datetime
    until: datetime
    limit: int


@dataclass(frozen=True)
class Reads:
    """The reads an alert wants (None: not made): usecases.notify.enrich makes them concurrently."""

    metrics: MetricPlan | None = None  # one GetMetricData for every series
    logs: LogRead | None = None
    chart: dict[str, Any] | None = None  # a GetMetricWidgetImage widget
    component: str | None = None  # DescribeInferenceComponent
    history: tuple[str, datetime] | None = None  # (alarm, before): when it last went into ALARM
    report: MonitoringRunNotice | None = None  # the run's violation report
    mute_rules: str | None = None  # ListAlarmMuteRules for this alarm: an ALARM sent late (quiet_window)
    endpoint: str | None = None  # DescribeEndpoint: is it being deployed (core.alerting.deployment)


@dataclass(frozen=True)
class Found:
    """What the reads returned, by name (a read that failed or timed out is absent, and said in
    ``missing``); ``metrics`` as per-minute series by query id, ``report`` as the run's view."""

    results: Mapping[str, Any] = field(default_factory=dict)
    missing: tuple[str, ...] = ()


class AlertKind(Protocol):
    message_id: str

    @property
    def headline(self) -> Headline: ...
    @property
    def context(self) -> AlarmContext | None: ...
    @property
    def transition(self) -> Transition | None: ...
    @property
    def severity(self) -> float | None: ...
    @property
    def urgency(self) -> Severity: ...
    def reads(self, *, want_chart: bool) -> Reads: ...
    def view(self, found: Found) -> AlertView: ...


class AlarmAlert:
    """A CloudWatch alarm's state change: the only kind that belongs to an incident."""

    def __init__(self, notification: AlarmNotification, *, prefix: str, dashboards: bool) -> None:
        self.notification = notification
        self.message_id = notification.message_id
        self.target: AlertTarget = resolve_target(notification, prefix)
        self.plan: MetricPlan = plan_metrics(notification, self.target)
        self._prefix = prefix
        self._dashboards = dashboards

    @property
    def headline(self) -> Headline:
        return Headline(self.notification.alarm_name, self.notification.new_state, self.target.endpoint)

    @property
    def context(self) -> AlarmContext | None:
        return self.target.context

    @property
    def transition(self) -> Transition:
        """Its endpoint's incident when SageWatch created the alarm (its name parses as
        SageWatch's, or its description carries SageWatch's trailer), else its own."""
        n, target = self.notification, self.target
        owned = target.alarm_key is not None or target.context is not None
        key = incident_key(n.alarm_arn, incident_scope(target), owned=owned)
        return Transition(key, n.alarm_name, n.new_state, n.state_change_time)

    @property
    def urgency(self) -> Severity:
        """Its key's default or the endpoint's override; an alarm SageWatch did not create notifies."""
        if self.target.alarm_key is None:
            return OTHER
        override = self.target.context.severity if self.target.context is not None else None
        return alarm_severity(self.target.alarm_key, override)

    @property
    def severity(self) -> float | None:
        n = self.notification
        value, threshold = n.breaching_value, n.threshold
        if value is None or threshold is None or threshold == 0:
            return None
        if n.comparison and "Less" in n.comparison:
            return threshold / value if value else None
        return value / threshold

    def reads(self, *, want_chart: bool) -> Reads:
        n, target, plan = self.notification, self.target, self.plan
        resolved = n.new_state == "OK"
        return Reads(
            metrics=plan if plan.queries else None,
            logs=LogRead(target.endpoint, plan.end - LOG_WINDOW, plan.end, LOG_LINES)
            if target.endpoint and not resolved
            else None,
            chart=widget_for(n, target) if want_chart and not resolved else None,
            component=target.component,
            history=(n.alarm_name, n.state_change_time) if resolved else None,
            mute_rules=n.alarm_name if released_late(n.new_state, n.state_change_time, n.published_at) else None,
            endpoint=target.endpoint if n.new_state == "ALARM" else None,
        )

    def view(self, found: Found) -> AlertView:
        results, missing = found.results, list(found.missing)
        series = results.get("metrics")
        if series is not None and not any(any(v is not None for v in values) for values in series.values()):
            missing.append("no metric data in the last hour")
        component = results.get("component")
        if "component" in results and component is None:
            missing.append(f"inference component {self.target.component} not found (deleted?)")
        enrichment = Enrichment(
            component_model=component_model(component),
            series=series,
            log_lines=tuple(results["logs"]) if "logs" in results else None,
            chart_png=results.get("chart"),
            alarm_started=results.get("history"),
            missing=tuple(missing),
        )
        view = build_alarm_view(
            self.notification, self.target, self.plan, enrichment, prefix=self._prefix, dashboards=self._dashboards
        )
        n = self.notification
        quiet = quiet_note(self._prefix, results.get("mute_rules") or [], n.state_change_time, n.published_at)
        deploying = deployment_note(results.get("endpoint"))
        if quiet is None and deploying is None:
            return view
        return dataclasses.replace(view, quiet_window=quiet, deployment=deploying)


class FailureAlert:
    """An endpoint that went FAILED (published by OnboardFunction), with its recent log lines."""

    def __init__(self, notice: EndpointFailureNotice) -> None:
        self.notice = notice
        self.message_id = notice.message_id

    @property
    def headline(self) -> Headline:
        return Headline(f"endpoint {self.notice.endpoint_name}", "FAILED", self.notice.endpoint_name)

    @property
    def context(self) -> AlarmContext:
        return AlarmContext(slack=self.notice.slack_secret, email=self.notice.email, team=self.notice.team)

    transition = None
    severity = None
    urgency = ENDPOINT_FAILED

    def reads(self, *, want_chart: bool) -> Reads:
        at = self.notice.time
        return Reads(logs=LogRead(self.notice.endpoint_name, at - LOG_WINDOW, at + timedelta(minutes=1), 20))

    def view(self, found: Found) -> AlertView:
        lines = tuple(found.results.get("logs") or ())
        return build_failure_view(self.notice, log_lines=lines[-LOG_LINES:], missing=found.missing)


class MonitoringRunAlert:
    """A Model Monitor run that failed or found violations, with its violation report."""

    def __init__(self, notice: MonitoringRunNotice) -> None:
        self.notice = notice
        self.message_id = notice.message_id

    @property
    def headline(self) -> Headline:
        return Headline(f"monitoring schedule {self.notice.schedule_name}", "ALARM", self.notice.endpoint_name)

    @property
    def context(self) -> AlarmContext:
        # Routed like the endpoint's alarms: its own Slack/email tags, else the defaults.
        return AlarmContext(slack=self.notice.slack_secret, email=self.notice.email, team=self.notice.team)

    transition = None
    severity = None
    urgency = OTHER

    def reads(self, *, want_chart: bool) -> Reads:
        return Reads(report=self.notice)

    def view(self, found: Found) -> AlertView:
        report_view: AlertView | None = found.results.get("report")  # read, or not: its note is missing
        return report_view or build_monitoring_run_view(self.notice, missing=found.missing)


class UnreadableAlert:
    """A record that could not be read: told to the default destinations, summarised field by
    field (never the raw JSON), so that nothing is lost silently."""

    def __init__(self, message_id: str, raw: str, why: str, received: datetime | None) -> None:
        self.message_id = message_id
        self._raw = raw
        self._why = why
        self._received = received or datetime.now(tz=UTC)
        self._summary = summarize_unreadable(raw)  # what could be read, never the raw JSON

    @property
    def headline(self) -> Headline:
        return Headline("unreadable notification", self._summary.state or "INSUFFICIENT_DATA", None)

    context = None
    transition = None
    severity = None
    urgency = OTHER

    def reads(self, *, want_chart: bool) -> Reads:
        return Reads()

    def view(self, found: Found) -> AlertView:
        return AlertView(
            state=self.headline.state,
            title="SageWatch received a notification it cannot read",
            alarm_name="unreadable notification",
            region="",
            account_id="",
            since=self._received,
            signal="Notification",
            reason=self._why or "unreadable",
            description=self._summary.text,
            generic=True,
            message_id=self.message_id,
        )


# Each notification type → its kind (a new kind: its class above, and one line here).
_KINDS: dict[type, Callable[..., AlertKind]] = {
    AlarmNotification: AlarmAlert,
    EndpointFailureNotice: lambda n, **_: FailureAlert(n),
    MonitoringRunNotice: lambda n, **_: MonitoringRunAlert(n),
}


def alert_kind(notification: Notification, *, prefix: str, dashboards: bool) -> AlertKind:
    """The kind of ``notification`` (``prefix``, ``dashboards``: how SageWatch names and links)."""
    return _KINDS[type(notification)](notification, prefix=prefix, dashboards=dashboards)


def incident_scope(target: AlertTarget | None) -> str | None:
    """What one incident covers: the endpoint's serving (its variants and async queue), each
    inference component on its own (another model, another team's page), and each Model Monitor
    schedule on its own (a drift alarm stays in ALARM between hourly runs and is about the data,
    not the serving: a 5XX burst during it is a different incident)."""
    if target is None or target.endpoint is None:
        return None
    if target.schedule:
        return f"{target.endpoint}/model-monitor/{target.schedule}"
    if target.component:
        return f"{target.endpoint}/component/{target.component}"
    return target.endpoint


def component_model(described: Any) -> str | None:
    """The model(s) of a DescribeInferenceComponent answer (None without one).

    ``Specification.ModelName``; or, for a component created with several specifications, its
    ``Specifications`` (one per instance type; the singular is then not returned, API reference
    DescribeInferenceComponent): their one model, or each model with its instance type."""
    if not isinstance(described, dict):
        return None
    model = (described.get("Specification") or {}).get("ModelName")
    if model:
        return str(model)
    specs = [s for s in described.get("Specifications") or [] if isinstance(s, dict) and s.get("ModelName")]
    models = list(dict.fromkeys(str(s["ModelName"]) for s in specs))
    if len(models) <= 1:
        return models[0] if models else None
    return ", ".join(f"{s['ModelName']} on {s.get('InstanceType') or 'an instance type'}" for s in specs)
