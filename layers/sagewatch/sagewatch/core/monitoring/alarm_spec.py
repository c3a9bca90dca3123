"""The desired state of one CloudWatch alarm, and its canonical form for comparison.

``AlarmSpec.put_kwargs()`` is exactly what goes to ``PutMetricAlarm``; ``canonical()`` reduces
both a desired spec and an alarm returned by ``DescribeAlarms`` to the same comparable shape, so
the diff can tell "unchanged" without writing anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Dimensions = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Metric:
    namespace: str
    name: str
    dimensions: Dimensions
    stat: str  # "Average", "Sum", "Maximum", ... or a percentile such as "p99"

    @property
    def is_percentile(self) -> bool:
        return self.stat.lower().startswith("p") and self.stat[1:].replace(".", "", 1).isdigit()


@dataclass(frozen=True)
class MetricQuery:
    """One entry of a metric-math alarm: either a metric (``metric``) or an expression."""

    id: str
    metric: Metric | None = None
    expression: str | None = None
    label: str | None = None
    return_data: bool = False


FLAG_UNIT = "flag"


@dataclass(frozen=True)
class Display:
    """How to show the alarm's numbers to a person: alarms speak CloudWatch units, people don't."""

    unit: str  # "ms", "%", "s", "count", "flag" ...
    scale: float = 1.0  # human value = metric value * scale (µs → ms: 0.001)

    @property
    def is_flag(self) -> bool:
        """A 0/1 metric (HasBacklogWithoutCapacity): 1 is its only meaningful threshold."""
        return self.unit == FLAG_UNIT


@dataclass(frozen=True)
class AlarmSpec:
    name: str
    key: str  # stable short id, e.g. "model-latency-p99": used by tag overrides and the docs
    endpoint: str
    variant: str | None
    description: str
    threshold: float
    comparison: str
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int
    treat_missing_data: str
    display: Display
    metric: Metric | None = None
    queries: tuple[MetricQuery, ...] = ()
    evaluate_low_sample_count_percentile: str | None = None
    tags: tuple[tuple[str, str], ...] = field(default=())

    def __post_init__(self) -> None:
        if (self.metric is None) == (not self.queries):
            raise ValueError(f"alarm {self.name}: exactly one of metric or queries must be set")

    @property
    def human_threshold(self) -> float:
        return self.threshold * self.display.scale

    def put_kwargs(self, actions: Sequence[str]) -> dict[str, Any]:
        """Arguments of PutMetricAlarm. Tags only take effect when the alarm is created."""
        kwargs: dict[str, Any] = {
            "AlarmName": self.name,
            "AlarmDescription": self.description,
            "ActionsEnabled": True,
            "AlarmActions": list(actions),
            "OKActions": list(actions),
            "InsufficientDataActions": [],
            "EvaluationPeriods": self.evaluation_periods,
            "DatapointsToAlarm": self.datapoints_to_alarm,
            "Threshold": self.threshold,
            "ComparisonOperator": self.comparison,
            "TreatMissingData": self.treat_missing_data,
            "Tags": [{"Key": k, "Value": v} for k, v in self.tags],
        }
        if self.metric is not None:
            kwargs.update(_metric_fields(self.metric))
            kwargs["Period"] = self.period
            if self.evaluate_low_sample_count_percentile and self.metric.is_percentile:
                kwargs["EvaluateLowSampleCountPercentile"] = self.evaluate_low_sample_count_percentile
        else:
            kwargs["Metrics"] = [_query_fields(q, self.period) for q in self.queries]
        return kwargs

    def canonical(self, actions: Sequence[str]) -> dict[str, Any]:
        return canonical_alarm(self.put_kwargs(actions))


def _metric_fields(metric: Metric) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "Namespace": metric.namespace,
        "MetricName": metric.name,
        "Dimensions": [{"Name": k, "Value": v} for k, v in metric.dimensions],
    }
    if metric.is_percentile:
        fields["ExtendedStatistic"] = metric.stat
    else:
        fields["Statistic"] = metric.stat
    return fields


def _query_fields(query: MetricQuery, period: int) -> dict[str, Any]:
    entry: dict[str, Any] = {"Id": query.id, "ReturnData": query.return_data}
    if query.label:
        entry["Label"] = query.label
    if query.metric is not None:
        entry["MetricStat"] = {
            "Metric": {
                "Namespace": query.metric.namespace,
                "MetricName": query.metric.name,
                "Dimensions": [{"Name": k, "Value": v} for k, v in query.metric.dimensions],
            },
            "Period": period,
            "Stat": query.metric.stat,
        }
    else:
        entry["Expression"] = query.expression
    return entry


_COMPARED_FIELDS = (
    "AlarmDescription",
    "ActionsEnabled",
    "AlarmActions",
    "OKActions",
    "InsufficientDataActions",
    "EvaluationPeriods",
    "DatapointsToAlarm",
    "Threshold",
    "ComparisonOperator",
    "TreatMissingData",
    "Namespace",
    "MetricName",
    "Statistic",
    "ExtendedStatistic",
    "Period",
    "EvaluateLowSampleCountPercentile",
)


def canonical_alarm(alarm: Mapping[str, Any]) -> dict[str, Any]:
    """Reduce PutMetricAlarm kwargs or a DescribeAlarms MetricAlarm to a comparable dict.

    DescribeAlarms omits empty fields, returns numbers as floats and may reorder dimensions and
    actions; none of that is a real difference, so it is normalised away here.
    """
    out: dict[str, Any] = {}
    for key in _COMPARED_FIELDS:
        value = alarm.get(key)
        if value in (None, [], ""):
            continue
        if key in ("AlarmActions", "OKActions", "InsufficientDataActions"):
            value = sorted(value)
        elif key == "Threshold":
            value = float(value)
        elif key in ("EvaluationPeriods", "DatapointsToAlarm", "Period"):
            value = int(value)
        out[key] = value
    if out.get("DatapointsToAlarm") == out.get("EvaluationPeriods"):
        # CloudWatch treats an absent DatapointsToAlarm as "all of EvaluationPeriods".
        out.pop("DatapointsToAlarm", None)
    dimensions = alarm.get("Dimensions") or []
    if dimensions:
        out["Dimensions"] = sorted((d["Name"], d["Value"]) for d in dimensions)
    metrics = alarm.get("Metrics") or []
    if metrics:
        out["Metrics"] = sorted((_canonical_query(m) for m in metrics), key=lambda q: str(q["Id"]))
    return out


def _canonical_query(query: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"Id": query["Id"], "ReturnData": bool(query.get("ReturnData", True))}
    if query.get("Label"):
        out["Label"] = query["Label"]
    if query.get("Expression"):
        out["Expression"] = query["Expression"]
    stat = query.get("MetricStat")
    if stat:
        metric = stat["Metric"]
        out["MetricStat"] = {
            "Namespace": metric["Namespace"],
            "MetricName": metric["MetricName"],
            "Dimensions": sorted((d["Name"], d["Value"]) for d in metric.get("Dimensions") or []),
            "Period": int(stat["Period"]),
            "Stat": stat["Stat"],
        }
    return out
