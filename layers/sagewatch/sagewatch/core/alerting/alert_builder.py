"""From a parsed notification and whatever enrichment succeeded to the AlertView people read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sagewatch.core.alerting.alert import AlertView, Link, Series
from sagewatch.core.alerting.alert_target import AlertTarget
from sagewatch.core.alerting.enrichment import MetricPlan
from sagewatch.core.alerting.notification import AlarmKind, AlarmNotification, EndpointFailureNotice
from sagewatch.core.alerting.reason_text import humanize_reason
from sagewatch.core.alerting.units import describe_metric, format_comparison, format_duration, format_value
from sagewatch.core.monitoring.alarm_catalog import BY_KEY, AlarmDefinition
from sagewatch.core.shared.links import (
    ENDPOINT_AND_AI_INSIGHTS,
    ai_insights_url,
    alarm_url,
    dashboard_url,
    endpoint_url,
    inference_component_url,
    logs_url,
)
from sagewatch.core.shared.naming import dashboard_name


@dataclass(frozen=True)
class Enrichment:
    """What the reads returned; None where a read failed or was not made."""

    series: Mapping[str, tuple[float | None, ...]] | None = None  # query id → per-minute raw values
    log_lines: tuple[str, ...] | None = None
    chart_png: bytes | None = None
    alarm_started: datetime | None = None  # when the alarm last went into ALARM (for OK messages)
    component_model: str | None = None  # the model an inference component serves (its alarms only)
    missing: tuple[str, ...] = field(default=())


def _links(candidates: list[tuple[str, str | None]]) -> tuple[Link, ...]:
    # A partition without a documented console (the isolated ones) gets no link rather than a wrong one.
    return tuple(Link(label, url) for label, url in candidates if url)


def _where(target: AlertTarget) -> str:
    where = target.endpoint or ""
    if target.variant:
        where += f" / {target.variant}"
    if target.component:
        where += f" / {target.component}"
    if target.schedule:
        where += f" / schedule {target.schedule}"
    return where


def _title(definition: AlarmDefinition, notification: AlarmNotification) -> str:
    """The signal's name; a fitted alarm's statistic is part of it (core.monitoring.latency_fit):
    a p99 and an average over the same minutes tell different stories."""
    if not definition.fitted or notification.metric is None:
        return definition.title
    stat = notification.metric.stat
    return f"{definition.title} {stat}" if stat[:1] in ("p", "P") else f"{definition.title} ({stat.lower()})"


def _signal(notification: AlarmNotification, target: AlertTarget) -> tuple[str, str, float]:
    """(label, human unit, scale) of the alarm's own signal."""
    context = target.context
    if target.feature:
        # Model Monitor: the feature is the news ("data drift on feature amount").
        unit = context.unit if context and context.unit else "distance"
        return f"Data drift on feature {target.feature}", unit, 1.0
    if target.alarm_key and target.alarm_key in BY_KEY:
        definition = BY_KEY[target.alarm_key]
        title = _title(definition, notification)
        if context and context.scale is not None:
            return title, context.unit or definition.unit, context.scale
        if notification.metric is not None:
            # The trailer is gone (a description edited by hand): the units come from the metric,
            # as for alarms SageWatch did not create (ModelLatency is in µs, shown in ms).
            _label, unit, scale = describe_metric(
                notification.metric.namespace, notification.metric.name, notification.metric.stat
            )
            if unit:
                return title, unit, scale
        # Metric math (error rates in %) computes the human unit itself.
        return title, (context.unit if context and context.unit else definition.unit), 1.0
    if notification.metric is not None:
        label, unit, scale = describe_metric(
            notification.metric.namespace, notification.metric.name, notification.metric.stat
        )
        if context and context.scale is not None:
            return label, context.unit or unit, context.scale
        return label, unit, scale
    if notification.kind is AlarmKind.COMPOSITE:
        return "Composite alarm", "", 1.0
    math_label = next((q.label for q in notification.queries if q.return_data and q.label), None)
    return (
        math_label or "Metric math expression",
        (context.unit if context and context.unit else ""),
        (context.scale if context and context.scale is not None else 1.0),
    )


def build_alarm_view(
    notification: AlarmNotification,
    target: AlertTarget,
    plan: MetricPlan | None,
    enrichment: Enrichment,
    *,
    prefix: str,
    dashboards: bool,
) -> AlertView:
    label, unit, scale = _signal(notification, target)
    value = notification.breaching_value
    value_text = format_value(value * scale, unit) if value is not None else None
    threshold_text = None
    if notification.threshold is not None:
        threshold_text = format_comparison(notification.comparison, format_value(notification.threshold * scale, unit))
    elif notification.kind is AlarmKind.ANOMALY:
        threshold_text = format_comparison(notification.comparison, "the expected band")
    where = _where(target)
    state = notification.new_state
    if state == "OK":
        title = f"{label} back to normal" + (f" on {where}" if where else f": {notification.alarm_name}")
    elif state == "ALARM":
        title = f"{label} {threshold_text or 'in alarm'}" + (
            f" on {where}" if where else f": {notification.alarm_name}"
        )
    else:
        title = f"{label}: not enough data" + (f" on {where}" if where else f": {notification.alarm_name}")

    duration = None
    if state == "OK" and enrichment.alarm_started is not None:
        seconds = (notification.state_change_time - enrichment.alarm_started).total_seconds()
        if seconds >= 0:
            duration = f"lasted {format_duration(seconds)}"

    series: list[Series] = []
    if plan is not None and enrichment.series is not None:
        for spec in plan.series:
            raw = enrichment.series.get(spec.id)
            if raw is None:
                continue
            values = tuple(v * spec.scale if v is not None else None for v in raw)
            series.append(Series(spec.label, spec.unit, values, spec.highlight))

    region = notification.region
    candidates = [("Alarm", alarm_url(region, notification.alarm_name))]
    if target.endpoint:
        if dashboards:
            candidates.append(("Dashboard", dashboard_url(region, dashboard_name(prefix, region, target.endpoint))))
        endpoint_label = "Endpoint"
        # Known from the alarm's context trailer that onboarding wrote: no API call per alert. The
        # endpoint page holds "View in SageMaker AI Insights": one link that says so, not two.
        if target.context is not None and target.context.insights and ai_insights_url(region, target.endpoint):
            endpoint_label = ENDPOINT_AND_AI_INSIGHTS
        candidates.append((endpoint_label, endpoint_url(region, target.endpoint)))
        if target.component:
            candidates.append(
                (f"Inference component {target.component}", inference_component_url(region, target.endpoint))
            )
        candidates.append(("Logs", logs_url(region, target.endpoint)))
    links = _links(candidates)

    details: list[tuple[str, str]] = []
    if target.component:
        # Named in full: the title's "endpoint / variant / component" is easy to misread.
        details.append(("Inference component", f"{target.component} on endpoint {target.endpoint or '?'}"))
        details.append(("Model", enrichment.component_model or "(unknown: see the note below)"))
    if notification.kind is AlarmKind.COMPOSITE:
        details.append(("Rule", notification.alarm_rule or ""))
        children = [arn.split(":alarm:", 1)[-1] for arn in notification.triggering_children]
        details.append(("Triggered by", ", ".join(children) if children else "(not reported)"))
    elif notification.kind in (AlarmKind.MATH, AlarmKind.ANOMALY):
        expressions = [q.expression for q in notification.queries if q.expression and q.return_data]
        if expressions:
            details.append(("Expression", expressions[0]))
    elif notification.metric is not None and not target.endpoint:
        metric = notification.metric
        dims = ", ".join(f"{k}={v}" for k, v in metric.dimensions)
        details.append(("Metric", f"{metric.namespace} {metric.name} ({metric.stat}){' ' + dims if dims else ''}"))

    return AlertView(
        state=state,
        title=title,
        alarm_name=notification.alarm_name,
        region=notification.region,
        account_id=notification.account_id,
        since=notification.state_change_time,
        previous_state=notification.old_state,
        endpoint=target.endpoint,
        variant=target.variant,
        signal=label,
        value_text=value_text,
        threshold_text=threshold_text,
        duration_text=duration,
        reason=humanize_reason(notification.reason, unit, scale),  # CloudWatch's sentence, in the alert's units
        description=target.description,
        series=tuple(series),
        log_lines=enrichment.log_lines or (),
        links=links,
        missing_context=enrichment.missing,
        details=tuple(details),
        chart_png=enrichment.chart_png,
        generic=not target.is_endpoint,
        message_id=notification.message_id,
    )


def build_failure_view(
    notice: EndpointFailureNotice, *, log_lines: tuple[str, ...] = (), missing: tuple[str, ...] = ()
) -> AlertView:
    region = notice.region
    return AlertView(
        state="FAILED",
        title=f"Endpoint {notice.endpoint_name} failed",
        alarm_name=f"endpoint {notice.endpoint_name}",
        region=region,
        account_id=notice.account_id,
        since=notice.time,
        endpoint=notice.endpoint_name,
        signal="Endpoint status",
        value_text="Failed",
        reason=notice.reason,
        log_lines=log_lines,
        links=_links(
            [("Endpoint", endpoint_url(region, notice.endpoint_name)), ("Logs", logs_url(region, notice.endpoint_name))]
        ),
        missing_context=missing,
        message_id=notice.message_id,
    )
