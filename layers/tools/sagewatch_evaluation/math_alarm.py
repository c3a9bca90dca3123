"""Alarms on several metrics: metric-math alarms and anomaly-detection alarms.

Source: CloudWatch User Guide, "Alarms on math expressions" (``doc_source/AlarmThatSendsEmail.md``:
up to 10 metrics, all with the same period) and "Create a CloudWatch alarm based on anomaly
detection" (``doc_source/Create_Anomaly_Detection_Alarm.md``); API Reference "PutMetricAlarm":
``Metrics`` with exactly one ``ReturnData`` series, or, for an anomaly alarm, the metric and the
band named by ``ThresholdMetricId``.

The caller supplies each metric's per-period datapoints (``series_by_id``, from the emulator's
samples via ``datapoints.aggregate`` or from GetMetricData). Expressions are evaluated over the
alarm's evaluation range; a period where the returned expression has no value is a missing
datapoint, handled by TreatMissingData like any other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from .anomaly import DEFAULT_MIN_HISTORY, DEFAULT_WINDOW, anomaly_bands, parse_anomaly_band
from .comparison import Band
from .config import AlarmConfig, MetricDataQuery
from .datapoints import Datapoint, align, evaluation_window
from .expressions import ExpressionError, evaluate_expression, parse_expression
from .metric_alarm import Evaluation, evaluate

MAX_METRICS = 10


@dataclass(frozen=True)
class AlarmSeries:
    """What ``metric_alarm.evaluate`` needs: the alarm's datapoints, and bands for band alarms."""

    datapoints: tuple[Datapoint, ...]
    bands: Mapping[datetime, Band] = field(default_factory=dict)


def _returned(config: AlarmConfig) -> MetricDataQuery:
    returned = [q for q in config.metrics if q.return_data and q.id != config.threshold_metric_id]
    if len(returned) != 1:
        raise ValueError(f"an alarm returns exactly one series; ReturnData is set on {[q.id for q in returned]}")
    return returned[0]


def _query(config: AlarmConfig, query_id: str) -> MetricDataQuery:
    for query in config.metrics:
        if query.id == query_id:
            return query
    raise ValueError(f"no metric query with id {query_id!r}")


def alarm_series(
    config: AlarmConfig,
    series_by_id: Mapping[str, Sequence[Datapoint]],
    now: datetime,
    *,
    anomaly_window: int = DEFAULT_WINDOW,
    anomaly_min_history: int = DEFAULT_MIN_HISTORY,
) -> AlarmSeries:
    """The alarm's datapoints over its evaluation range at ``now`` (and its bands, if any).

    ``series_by_id`` maps each MetricStat query id to its datapoints. For an anomaly alarm, give
    the metric's history before the range too: the band is built from it (see anomaly.py)."""
    if not config.metrics:
        raise ValueError("not a metric-math or anomaly alarm: evaluate its datapoints directly")
    if sum(q.metric_stat is not None for q in config.metrics) > MAX_METRICS:
        raise ValueError(f"a math alarm can include as many as {MAX_METRICS} metrics")
    window = evaluation_window(config, now)
    returned = _returned(config)
    values: dict[str, tuple[float | None, ...]] = {}
    resolving: list[str] = []

    def resolve(query_id: str) -> tuple[float | None, ...]:
        if query_id in values:
            return values[query_id]
        if query_id in resolving:
            raise ExpressionError(f"expressions refer to each other in a cycle: {' -> '.join([*resolving, query_id])}")
        query = _query(config, query_id)
        resolving.append(query_id)
        if query.metric_stat is not None:
            slots = align(series_by_id.get(query_id, ()), window, config.period)
            result = tuple(None if slot is None else slot.value for slot in slots)
        else:
            assert query.expression is not None
            parsed = parse_expression(query.expression)
            inputs = {ref: resolve(ref) for ref in parsed.references}
            result = evaluate_expression(parsed, inputs)
        resolving.pop()
        values[query_id] = result
        return result

    if returned.metric_stat is not None:
        # A plain metric returned as is: keep its datapoints (and their sample counts).
        slots = align(series_by_id.get(returned.id, ()), window, config.period)
        datapoints = tuple(slot for slot in slots if slot is not None)
    else:
        series = resolve(returned.id)
        datapoints = tuple(Datapoint(start, value) for start, value in zip(window, series, strict=True))

    bands: dict[datetime, Band] = {}
    if config.threshold_metric_id is not None:
        band_query = _query(config, config.threshold_metric_id)
        parsed_band = parse_anomaly_band(band_query.expression or "")
        if parsed_band is None:
            raise ValueError(f"ThresholdMetricId {band_query.id!r} is not an ANOMALY_DETECTION_BAND expression")
        metric_id, stddevs = parsed_band
        source = series_by_id.get(metric_id)
        if source is None:
            raise ValueError(f"the band reads {metric_id!r}, which has no datapoints")
        bands = anomaly_bands(source, stddevs=stddevs, window=anomaly_window, min_history=anomaly_min_history)
    return AlarmSeries(datapoints, bands)


def evaluate_alarm(
    config: AlarmConfig,
    series_by_id: Mapping[str, Sequence[Datapoint]],
    now: datetime,
    *,
    anomaly_window: int = DEFAULT_WINDOW,
    anomaly_min_history: int = DEFAULT_MIN_HISTORY,
) -> Evaluation:
    """Evaluate a metric-math or anomaly-detection alarm at ``now``."""
    series = alarm_series(
        config, series_by_id, now, anomaly_window=anomaly_window, anomaly_min_history=anomaly_min_history
    )
    return evaluate(config, series.datapoints, now, bands=series.bands)
