"""The configuration of one CloudWatch metric alarm, as the evaluator needs it.

``AlarmConfig.from_describe_alarms`` reads the shape shared by a DescribeAlarms ``MetricAlarms``
entry, the keyword arguments of PutMetricAlarm and the ``Trigger`` of an alarm notification
(lower-case ``name``/``value`` dimensions, upper-case statistic), so the emulated account, the
backtest and the notification path build the same object.

Sources: CloudWatch API Reference, "PutMetricAlarm" and "MetricAlarm" (field meanings and
defaults); CloudWatch User Guide, "Using Amazon CloudWatch alarms" (archived as
awsdocs/amazon-cloudwatch-user-guide ``doc_source/AlarmThatSendsEmail.md``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class AlarmState(StrEnum):
    OK = "OK"
    ALARM = "ALARM"
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"


class ComparisonOperator(StrEnum):
    GREATER_THAN_OR_EQUAL = "GreaterThanOrEqualToThreshold"
    GREATER_THAN = "GreaterThanThreshold"
    LESS_THAN = "LessThanThreshold"
    LESS_THAN_OR_EQUAL = "LessThanOrEqualToThreshold"
    # The three band operators are for anomaly-detection alarms: the "threshold" is a band
    # (ThresholdMetricId), not a number (PutMetricAlarm, ComparisonOperator).
    OUTSIDE_BAND = "LessThanLowerOrGreaterThanUpperThreshold"
    BELOW_BAND = "LessThanLowerThreshold"
    ABOVE_BAND = "GreaterThanUpperThreshold"

    @property
    def is_band(self) -> bool:
        return self in (ComparisonOperator.OUTSIDE_BAND, ComparisonOperator.BELOW_BAND, ComparisonOperator.ABOVE_BAND)


class TreatMissingData(StrEnum):
    MISSING = "missing"
    IGNORE = "ignore"
    BREACHING = "breaching"
    NOT_BREACHING = "notBreaching"


class LowSampleCount(StrEnum):
    """EvaluateLowSampleCountPercentile: ``evaluate`` (the default) or ``ignore``."""

    EVALUATE = "evaluate"
    IGNORE = "ignore"


Dimensions = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class MetricStat:
    namespace: str
    metric_name: str
    dimensions: Dimensions
    period: int
    stat: str


@dataclass(frozen=True)
class MetricDataQuery:
    """One entry of ``Metrics``: a metric (``metric_stat``) or an ``expression``.

    ReturnData defaults to true in the API; an alarm must return exactly one series (two for an
    anomaly-detection alarm: the metric and its band)."""

    id: str
    metric_stat: MetricStat | None = None
    expression: str | None = None
    return_data: bool = True
    label: str | None = None

    def __post_init__(self) -> None:
        if (self.metric_stat is None) == (self.expression is None):
            raise ValueError(f"metric query {self.id!r}: exactly one of metric_stat or expression must be set")


@dataclass(frozen=True)
class AlarmConfig:
    """What decides an alarm's state. ``datapoints_to_alarm`` defaults to ``evaluation_periods``.

    ``evaluation_range`` is how many periods CloudWatch reads back when data is missing. AWS
    documents only the example "Evaluation Periods 3 -> 5 data points" and says the exact number
    "depends on the length of the alarm period and whether it is based on a metric with standard
    resolution or high resolution"; the default here is therefore N + 2 (a decision that matches
    the documented example), and callers that know better can set it.
    """

    period: int
    evaluation_periods: int
    comparison_operator: ComparisonOperator
    threshold: float | None = None
    datapoints_to_alarm: int | None = None
    treat_missing_data: TreatMissingData = TreatMissingData.MISSING
    statistic: str | None = None
    extended_statistic: str | None = None
    evaluate_low_sample_count_percentile: LowSampleCount = LowSampleCount.EVALUATE
    metrics: tuple[MetricDataQuery, ...] = ()
    threshold_metric_id: str | None = None
    evaluation_range: int | None = None

    def __post_init__(self) -> None:
        # PutMetricAlarm: Period is 10, 30 or any multiple of 60 ("High-resolution alarms").
        if self.period <= 0 or (self.period not in (10, 30) and self.period % 60):
            raise ValueError(f"period must be 10, 30 or a multiple of 60 seconds, got {self.period}")
        if self.evaluation_periods < 1:
            raise ValueError("evaluation_periods must be at least 1")
        if not 1 <= self.required_breaching <= self.evaluation_periods:
            raise ValueError("datapoints_to_alarm must be between 1 and evaluation_periods")
        if self.evaluation_range is not None and self.evaluation_range < self.evaluation_periods:
            raise ValueError("evaluation_range cannot be shorter than evaluation_periods")
        if self.comparison_operator.is_band:
            if self.threshold_metric_id is None:
                raise ValueError(f"{self.comparison_operator} needs threshold_metric_id (an anomaly band)")
        elif self.threshold is None:
            raise ValueError(f"{self.comparison_operator} needs a threshold")
        if self.statistic is not None and self.extended_statistic is not None:
            raise ValueError("set statistic or extended_statistic, not both")
        if self.metrics and (self.statistic is not None or self.extended_statistic is not None):
            raise ValueError("a metric-math alarm has no alarm-level statistic")

    @property
    def required_breaching(self) -> int:
        """M: breaching datapoints needed for ALARM (DatapointsToAlarm, default EvaluationPeriods)."""
        return self.evaluation_periods if self.datapoints_to_alarm is None else self.datapoints_to_alarm

    @property
    def range_length(self) -> int:
        """The number of periods in the evaluation range (see the class docstring)."""
        return self.evaluation_range if self.evaluation_range is not None else self.evaluation_periods + 2

    @property
    def stat(self) -> str | None:
        """The single-metric alarm's statistic, standard or extended (``p99``)."""
        return self.extended_statistic if self.extended_statistic is not None else self.statistic

    @classmethod
    def from_describe_alarms(cls, alarm: Mapping[str, Any]) -> AlarmConfig:
        """Build from a DescribeAlarms ``MetricAlarms`` entry, PutMetricAlarm kwargs or a Trigger."""
        metrics = tuple(_metric_query(query) for query in alarm.get("Metrics") or ())
        period = alarm.get("Period")
        if not period:
            # Math alarms carry the period in each MetricStat; AWS requires them to be equal
            # ("Alarms on math expressions": each metric must be using the same period).
            periods = {query.metric_stat.period for query in metrics if query.metric_stat is not None}
            if len(periods) != 1:
                raise ValueError(f"cannot tell the alarm period from the metrics (periods {sorted(periods)})")
            period = periods.pop()
        threshold = alarm.get("Threshold")
        statistic = alarm.get("Statistic") or None
        return cls(
            period=int(period),
            evaluation_periods=int(alarm["EvaluationPeriods"]),
            datapoints_to_alarm=int(alarm["DatapointsToAlarm"]) if alarm.get("DatapointsToAlarm") else None,
            threshold=float(threshold) if threshold is not None else None,
            comparison_operator=ComparisonOperator(alarm["ComparisonOperator"]),
            treat_missing_data=_treat_missing_data(alarm.get("TreatMissingData")),
            # Notifications spell the statistic in upper case ("AVERAGE"); the API in title case.
            statistic=_canonical_statistic(statistic) if statistic else None,
            extended_statistic=alarm.get("ExtendedStatistic") or None,
            evaluate_low_sample_count_percentile=LowSampleCount(
                alarm.get("EvaluateLowSampleCountPercentile") or LowSampleCount.EVALUATE
            ),
            metrics=metrics,
            threshold_metric_id=alarm.get("ThresholdMetricId") or None,
        )


_STANDARD = {name.upper(): name for name in ("SampleCount", "Sum", "Average", "Minimum", "Maximum")}


def _canonical_statistic(name: str) -> str:
    try:
        return _STANDARD[name.upper()]
    except KeyError:
        raise ValueError(f"unknown statistic {name!r}") from None


def _treat_missing_data(value: object) -> TreatMissingData:
    if not value:
        return TreatMissingData.MISSING
    text = str(value)
    # Older notification bodies carry "- TreatMissingData:                    missing".
    if text.startswith("- TreatMissingData:"):
        text = text.split(":", 1)[1].strip()
    return TreatMissingData(text)


def _dimensions(raw: Sequence[Mapping[str, Any]]) -> Dimensions:
    # DescribeAlarms uses Name/Value; notification Triggers use name/value.
    pairs = ((str(d.get("Name", d.get("name"))), str(d.get("Value", d.get("value")))) for d in raw)
    return tuple(sorted(pairs))


def _metric_query(query: Mapping[str, Any]) -> MetricDataQuery:
    stat = query.get("MetricStat")
    metric_stat = None
    if stat:
        metric = stat["Metric"]
        metric_stat = MetricStat(
            namespace=metric["Namespace"],
            metric_name=metric["MetricName"],
            dimensions=_dimensions(metric.get("Dimensions") or ()),
            period=int(stat["Period"]),
            stat=str(stat["Stat"]),
        )
    return MetricDataQuery(
        id=str(query["Id"]),
        metric_stat=metric_stat,
        expression=query.get("Expression") or None,
        return_data=bool(query.get("ReturnData", True)),
        label=query.get("Label"),
    )
