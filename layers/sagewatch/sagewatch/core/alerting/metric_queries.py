"""GetMetricData queries and their results as plain data (pure: no I/O).

``metric_query`` / ``expression_query`` build ``MetricDataQueries`` entries of the real shape;
``MetricSeries`` is one result, oldest datapoint first; ``series_to_minutes`` lays a series on
a regular grid (one slot per period, ``None`` where CloudWatch had no datapoint) — what a
sparkline or a chart needs, since CloudWatch omits empty periods instead of returning zeros.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sagewatch.core.alerting.notification import TriggerMetric

MAX_QUERIES_PER_REQUEST = 500  # GetMetricData accepts at most 500 MetricDataQueries per call

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class MetricSeries:
    """One ``MetricDataResults`` entry: datapoints oldest first, values aligned with timestamps.

    ``status`` is CloudWatch's StatusCode: ``Complete``, ``PartialData``, ``InternalError`` or
    ``Forbidden``; ``messages`` are the result's ``Messages`` (``"Code: Value"``), usually none.
    """

    id: str
    label: str
    timestamps: tuple[datetime, ...]
    values: tuple[float, ...]
    status: str
    messages: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if len(self.timestamps) != len(self.values):
            raise ValueError(f"series {self.id!r}: {len(self.timestamps)} timestamps but {len(self.values)} values")

    @property
    def latest(self) -> float | None:
        """The newest value, or None when the series is empty."""
        return self.values[-1] if self.values else None

    def points(self) -> Iterable[tuple[datetime, float]]:
        return zip(self.timestamps, self.values, strict=True)


def metric_query(
    query_id: str,
    namespace: str,
    metric_name: str,
    dimensions: Iterable[tuple[str, str]],
    stat: str,
    period: int = 60,
    *,
    label: str | None = None,
    unit: str | None = None,
    return_data: bool = True,
) -> dict[str, Any]:
    """A MetricStat query. ``stat`` is a statistic (``Sum``) or an extended one (``p99``)."""
    metric_stat: dict[str, Any] = {
        "Metric": {
            "Namespace": namespace,
            "MetricName": metric_name,
            "Dimensions": [{"Name": name, "Value": value} for name, value in dimensions],
        },
        "Period": int(period),
        "Stat": stat,
    }
    if unit:
        metric_stat["Unit"] = unit
    query: dict[str, Any] = {"Id": query_id, "MetricStat": metric_stat, "ReturnData": return_data}
    if label:
        query["Label"] = label
    return query


def expression_query(
    query_id: str, expression: str, *, label: str | None = None, return_data: bool = True
) -> dict[str, Any]:
    """A metric-math query over the ids of other queries, e.g. ``IF(inv > 0, 100 * err / inv)``."""
    query: dict[str, Any] = {"Id": query_id, "Expression": expression, "ReturnData": return_data}
    if label:
        query["Label"] = label
    return query


def trigger_metric_query(query_id: str, metric: TriggerMetric, *, label: str | None = None) -> dict[str, Any]:
    """The query that reads what an alarm's trigger metric reads (same stat, period and unit)."""
    return metric_query(
        query_id,
        metric.namespace,
        metric.name,
        metric.dimensions,
        metric.stat,
        metric.period,
        label=label,
        unit=metric.unit,
    )


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime (naive ones are taken to be UTC, as botocore's are not)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def align_down(moment: datetime, period: int = 60) -> datetime:
    """``moment`` rounded down to a multiple of ``period`` seconds since the epoch (UTC)."""
    if period <= 0:
        raise ValueError("period must be a positive number of seconds")
    seconds = (as_utc(moment) - _EPOCH) // timedelta(seconds=1)
    return _EPOCH + timedelta(seconds=seconds - seconds % period)


def series_to_minutes(
    series: MetricSeries, start: datetime, end: datetime, period: int = 60
) -> tuple[float | None, ...]:
    """The series on a regular grid: one slot per ``period`` from ``start`` (rounded down to the
    period, as CloudWatch rounds StartTime) up to ``end`` (exclusive), ``None`` where CloudWatch
    returned no datapoint. Points outside the window are ignored; of two points in one slot
    (a series queried at a shorter period) the newer wins.
    """
    if period <= 0:
        raise ValueError("period must be a positive number of seconds")
    grid_start = align_down(start, period)
    span = (as_utc(end) - grid_start).total_seconds()
    slots = max(0, math.ceil(span / period))
    grid: list[float | None] = [None] * slots
    for moment, value in sorted(series.points(), key=lambda point: as_utc(point[0])):
        offset = (as_utc(moment) - grid_start).total_seconds()
        index = math.floor(offset / period)
        if 0 <= index < slots and math.isfinite(value):
            grid[index] = value
    return tuple(grid)
