"""Read the traffic each latency alarm will see, for core.monitoring.latency_fit.

One GetMetricData (``adapters.cloudwatch.metric_history`` splits it within the API's limits: 500 queries and
100,800 data points a call) reads every target's hourly ``SampleCount`` of ``ModelLatency`` over
the last ``HISTORY_DAYS`` days: 336 points a target, so up to 300 targets a call. Hourly data is
kept for 455 days ("GetMetricData", CloudWatch API Reference: 1-minute data for 15 days, 5-minute
for 63 days, 1-hour for 455 days), so the window never falls out of retention.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from sagewatch.core.monitoring.alarm_spec import Dimensions
from sagewatch.core.monitoring.latency_fit import HISTORY_DAYS, LatencyFit, class_of_alarm, fit_latency, quiet_hour_rate
from sagewatch.core.shared.namespaces import INVOCATION_NAMESPACE

HOUR_SECONDS = 3600


Series = tuple[str, str, Dimensions]  # namespace, metric name, dimensions


class MetricPoints(Protocol):
    """What a history read answers: each query id's (timestamp, value) points, oldest first."""

    @property
    def points(self) -> Mapping[str, Sequence[tuple[datetime, float]]]: ...


class TrafficHistoryPort(Protocol):
    """GetMetricData over days, split within the API's per-call limits by the adapter."""

    def read(self, queries: Sequence[Mapping[str, Any]], start: datetime, end: datetime) -> MetricPoints:
        """Every query's points over [start, end)."""
        ...


def traffic_query(
    query_id: str, dimensions: Dimensions, namespace: str = INVOCATION_NAMESPACE, metric: str = "ModelLatency"
) -> dict[str, Any]:
    return {
        "Id": query_id,
        "MetricStat": {
            "Metric": {
                "Namespace": namespace,
                "MetricName": metric,
                "Dimensions": [{"Name": name, "Value": value} for name, value in dimensions],
            },
            "Period": HOUR_SECONDS,
            "Stat": "SampleCount",
        },
        "ReturnData": True,
    }


def quiet_rates(
    history: TrafficHistoryPort, targets: Sequence[Dimensions], now: datetime
) -> dict[Dimensions, float | None]:
    """Each target's quiet-hour rate of ModelLatency samples (a minute; None: not known yet), in one read."""
    rates = series_quiet_rates(history, [(INVOCATION_NAMESPACE, "ModelLatency", dims) for dims in targets], now)
    return {series[2]: rate for series, rate in rates.items()}


def series_quiet_rates(
    history: TrafficHistoryPort, series: Sequence[Series], now: datetime
) -> dict[Series, float | None]:
    """Each metric's quiet-hour rate of samples a minute (None: fewer than a day of active hours)."""
    unique = list(dict.fromkeys(series))
    if not unique:
        return {}
    end = now.replace(minute=0, second=0, microsecond=0)  # whole hours: the current one is partial
    start = end - timedelta(days=HISTORY_DAYS)
    queries = [
        traffic_query(f"t{index}", dims, namespace, metric) for index, (namespace, metric, dims) in enumerate(unique)
    ]
    read = history.read(queries, start, end)
    return {
        key: quiet_hour_rate([value for _, value in read.points.get(f"t{index}", [])])
        for index, key in enumerate(unique)
    }


def fits_for(
    history: TrafficHistoryPort,
    targets: Iterable[tuple[str, Dimensions]],
    existing: Mapping[str, Mapping[str, Any]],
    now: datetime,
) -> dict[Dimensions, LatencyFit]:
    """(alarm name, metric dimensions) of each latency alarm -> its fit; ``existing`` (alarm name ->
    DescribeAlarms MetricAlarm) gives the class each one has now, for the hysteresis."""
    listed = list(targets)
    rates = quiet_rates(history, [dims for _, dims in listed], now)
    return {dims: fit_latency(rates.get(dims), class_of_alarm(existing.get(name) or {})) for name, dims in listed}
