"""The one GetMetricData request behind an alert: the alarm's own metric or expression plus the
endpoint's key metrics for the last hour, and how to show each series to a person."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sagewatch.core.alerting.alert_target import AlertTarget
from sagewatch.core.alerting.metric_queries import metric_query
from sagewatch.core.alerting.notification import AlarmNotification, TriggerMetric
from sagewatch.core.shared.instance_types import lookup
from sagewatch.core.shared.namespaces import INSTANCE_NAMESPACE, INVOCATION_NAMESPACE
from sagewatch.core.shared.partitions import partition

WINDOW = timedelta(minutes=60)
PERIOD = 60
ALARM_SERIES_ID = "alarm"


@dataclass(frozen=True)
class SeriesSpec:
    id: str
    label: str
    unit: str
    scale: float = 1.0
    highlight: bool = False


@dataclass(frozen=True)
class MetricPlan:
    queries: tuple[dict[str, Any], ...]
    series: tuple[SeriesSpec, ...]  # what to show, in order, with human units
    start: datetime
    end: datetime
    notes: tuple[str, ...] = field(default=())


def window(notification: AlarmNotification) -> tuple[datetime, datetime]:
    end = notification.state_change_time.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return end - WINDOW, end


def _stat_query(
    qid: str, namespace: str, name: str, dims: tuple[tuple[str, str], ...], stat: str, *, show: bool
) -> dict[str, Any]:
    # No Unit: a unit filter would drop datapoints published without one.
    return metric_query(qid, namespace, name, dims, stat, PERIOD, return_data=show)


def _trigger_query(qid: str, metric: TriggerMetric, *, show: bool) -> dict[str, Any]:
    return _stat_query(qid, metric.namespace, metric.name, metric.dimensions, metric.stat, show=show)


def plan_metrics(notification: AlarmNotification, target: AlertTarget) -> MetricPlan:
    start, end = window(notification)
    queries: list[dict[str, Any]] = []
    series: list[SeriesSpec] = []
    notes: list[str] = []
    context = target.context
    alarm_scale = context.scale if context and context.scale is not None else None
    alarm_unit = context.unit if context and context.unit else ""

    # 1. The alarm's own signal.
    if notification.metric is not None:
        queries.append(_trigger_query(ALARM_SERIES_ID, notification.metric, show=True))
        label, unit, scale = _describe(notification.metric)
        series.append(
            SeriesSpec(
                ALARM_SERIES_ID, label, alarm_unit or unit, alarm_scale if alarm_scale is not None else scale, True
            )
        )
    elif notification.queries:
        returned = [q for q in notification.queries if q.return_data] or list(notification.queries[-1:])
        for query in notification.queries:
            if query.metric is not None:
                queries.append(_trigger_query(query.id, query.metric, show=query in returned))
            elif query.expression:
                queries.append(
                    {"Id": query.id, "Expression": query.expression, "ReturnData": query in returned}
                    | ({"Label": query.label} if query.label else {})
                )
        for query in returned:
            series.append(SeriesSpec(query.id, query.label or query.id, alarm_unit, alarm_scale or 1.0, True))

    # 2. The endpoint's key metrics (skipped when the alarm already shows the same one). Not for
    # Model Monitor alarms: hourly drift says nothing about the last hour of requests.
    if target.endpoint and target.schedule is None:
        used = {q["Id"] for q in queries}
        shown = {_key(q) for q in queries if "MetricStat" in q and q.get("ReturnData")}
        for spec, key_query in _key_metrics(target):
            if spec.id in used or (_key(key_query) in shown and "MetricStat" in key_query):
                continue
            queries.append(key_query)
            if key_query.get("ReturnData"):
                series.append(spec)
    return MetricPlan(tuple(queries), tuple(series), start, end, tuple(notes))


def _key(query: dict[str, Any]) -> tuple[Any, ...]:
    stat = query.get("MetricStat")
    if not stat:
        return (query.get("Expression"),)
    metric = stat["Metric"]
    dims = tuple(sorted((d["Name"], d["Value"]) for d in metric["Dimensions"]))
    return (metric["Namespace"], metric["MetricName"], dims, stat["Stat"])


def _key_metrics(target: AlertTarget) -> list[tuple[SeriesSpec, dict[str, Any]]]:
    endpoint = target.endpoint or ""
    kind = target.context.kind if target.context else None
    out: list[tuple[SeriesSpec, dict[str, Any]]] = []
    if target.variant is None:
        dims: tuple[tuple[str, str], ...] = (("EndpointName", endpoint),)
        out.append(
            (
                SeriesSpec("swbacklog", "Backlog", "requests"),
                _stat_query("swbacklog", INVOCATION_NAMESPACE, "ApproximateBacklogSize", dims, "Average", show=True),
            )
        )
        return out
    dims = (("EndpointName", endpoint), ("VariantName", target.variant))
    if kind != "async":
        out.append(
            (
                SeriesSpec("swinv", "Invocations", "requests"),
                _stat_query("swinv", INVOCATION_NAMESPACE, "Invocations", dims, "Sum", show=True),
            )
        )
        out.append(
            (
                SeriesSpec("swerr", "5XX errors", "errors"),
                _stat_query("swerr", INVOCATION_NAMESPACE, "Invocation5XXErrors", dims, "Sum", show=False),
            )
        )
        out.append(
            (
                SeriesSpec("swrate", "5XX error rate", "%"),
                {"Id": "swrate", "Expression": "IF(swinv > 0, 100 * swerr / swinv)", "ReturnData": True},
            )
        )
    out.append(
        (
            SeriesSpec("swlat", "Model latency p99", "ms", 0.001),
            _stat_query("swlat", INVOCATION_NAMESPACE, "ModelLatency", dims, "p99", show=True),
        )
    )
    if kind == "serverless":
        out.append(
            (
                SeriesSpec("swmem", "Memory", "%"),
                # Serverless memory is published with the instance metrics (docs/alarms.md, evidence).
                _stat_query("swmem", INSTANCE_NAMESPACE, "MemoryUtilization", dims, "Average", show=True),
            )
        )
        return out
    instance = lookup(target.context.instance) if target.context and target.context.instance else None
    cores = instance.vcpus if instance else 0
    out.append(
        (
            SeriesSpec(
                "swcpu",
                "CPU (per core)" if cores else "CPU (sum over cores)",
                "%",
                1.0 / cores if cores else 1.0,
            ),
            _stat_query("swcpu", INSTANCE_NAMESPACE, "CPUUtilization", dims, "Average", show=True),
        )
    )
    if instance and instance.gpus:
        out.append(
            (
                SeriesSpec("swgpu", "GPU (per GPU)", "%", 1.0 / instance.gpus),
                _stat_query("swgpu", INSTANCE_NAMESPACE, "GPUUtilization", dims, "Average", show=True),
            )
        )
    if kind == "async":
        endpoint_dims = (("EndpointName", endpoint),)
        out.append(
            (
                SeriesSpec("swbacklog", "Backlog", "requests"),
                _stat_query(
                    "swbacklog", INVOCATION_NAMESPACE, "ApproximateBacklogSize", endpoint_dims, "Average", show=True
                ),
            )
        )
    return out


def _describe(metric: TriggerMetric) -> tuple[str, str, float]:
    from sagewatch.core.alerting.units import describe_metric

    return describe_metric(metric.namespace, metric.name, metric.stat)


# GetMetricWidgetImage API reference: "GetMetricWidgetImage is not available in the AWS GovCloud
# (US) Regions. In those Regions, calls to this operation fail." (also the GovCloud (US) user
# guide, "Amazon CloudWatch in AWS GovCloud (US)": "The GetMetricWidgetImage API is not available").
_PARTITIONS_WITHOUT_WIDGET_IMAGES = frozenset({"aws-us-gov"})


def charts_available(region: str) -> bool:
    """Whether GetMetricWidgetImage exists in ``region``: where it does not, an alert has no chart
    by design — not a failed read, so no "missing context" line."""
    return partition(region) not in _PARTITIONS_WITHOUT_WIDGET_IMAGES


def widget_for(notification: AlarmNotification, target: AlertTarget) -> dict[str, Any] | None:
    """A GetMetricWidgetImage request for the alarm's metric around the state change; ``None``
    when there is nothing to chart or the region has no GetMetricWidgetImage."""
    if not charts_available(notification.region):
        return None
    start, end = window(notification)
    if notification.metric is not None:
        metric = notification.metric
        line: list[Any] = [metric.namespace, metric.name]
        for key, value in metric.dimensions:
            line += [key, value]
        line.append({"stat": metric.stat, "period": PERIOD})
        metrics: list[Any] = [line]
    elif notification.queries:
        metrics = []
        for query in notification.queries:
            if query.expression:
                metrics.append([{"expression": query.expression, "id": query.id, "visible": query.return_data}])
            elif query.metric is not None:
                m = query.metric
                entry: list[Any] = [m.namespace, m.name]
                for key, value in m.dimensions:
                    entry += [key, value]
                entry.append({"id": query.id, "stat": m.stat, "period": PERIOD, "visible": query.return_data})
                metrics.append(entry)
    else:
        return None
    widget: dict[str, Any] = {
        "metrics": metrics,
        "view": "timeSeries",
        "stacked": False,
        "region": notification.region,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "title": notification.alarm_name[:200],
        "width": 600,
        "height": 300,
    }
    if notification.threshold is not None:
        widget["annotations"] = {"horizontal": [{"label": "threshold", "value": notification.threshold}]}
    return widget
