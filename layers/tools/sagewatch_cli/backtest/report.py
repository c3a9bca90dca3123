"""Backtest: the alarms SageWatch would create for an endpoint, replayed over its own history.

Pure. The use case reads the endpoint and its metric history; this module says which series to
read (:func:`history_queries`), turns what came back into each alarm's per-period series
(metric-math alarms: the expression evaluated with ``sagewatch_evaluation.expressions`` over the
component metrics), replays it (``sagewatch_evaluation.replay``) and reports in the units the product
shows people (``AlarmSpec.display``: ModelLatency in ms, CPU per core).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sagewatch.core.alerting.units import format_comparison, format_duration, format_value
from sagewatch.core.monitoring.alarm_spec import AlarmSpec
from sagewatch.core.shared.naming import ENDPOINT_SCOPE
from sagewatch_evaluation.config import AlarmConfig, MetricStat
from sagewatch_evaluation.datapoints import as_utc
from sagewatch_evaluation.expressions import evaluate_expression, parse_expression
from sagewatch_evaluation.replay import Episode, PeriodSeries, Replay, replay, suggest_threshold

__all__ = [
    "AlarmBacktest",
    "AlarmReading",
    "BacktestReport",
    "HistoryQuery",
    "alarm_series",
    "backtest_alarm",
    "history_queries",
    "max_fires",
    "render_table",
    "window",
]

DAYS_PER_WEEK = 7


@dataclass(frozen=True)
class HistoryQuery:
    """One metric to read at one period and statistic: a GetMetricData MetricDataQuery."""

    id: str
    stat: MetricStat

    def as_query(self) -> dict[str, Any]:
        return {
            "Id": self.id,
            "MetricStat": {
                "Metric": {
                    "Namespace": self.stat.namespace,
                    "MetricName": self.stat.metric_name,
                    "Dimensions": [{"Name": name, "Value": value} for name, value in self.stat.dimensions],
                },
                "Period": self.stat.period,
                "Stat": self.stat.stat,
            },
            "ReturnData": True,
        }


@dataclass(frozen=True)
class AlarmReading:
    """An alarm and where its inputs are: the alarm's query ids mapped to history query ids."""

    spec: AlarmSpec
    config: AlarmConfig
    inputs: Mapping[str, str]  # alarm query id ("m" for a single-metric alarm) -> HistoryQuery.id
    # The HistoryQuery.id of the metric's SampleCount, for a percentile alarm that ignores periods
    # with too few samples (EvaluateLowSampleCountPercentile=ignore): read in the same call.
    samples: str | None = None


_SINGLE = "m"


def history_queries(specs: Sequence[AlarmSpec]) -> tuple[tuple[HistoryQuery, ...], tuple[AlarmReading, ...]]:
    """Every series the alarms read, each once (5XX and 4XX rates share Invocations), and how
    each alarm finds its own. Alarms are configured from their PutMetricAlarm arguments, exactly
    what onboarding writes."""
    queries: dict[MetricStat, HistoryQuery] = {}

    def query_for(stat: MetricStat) -> str:
        if stat not in queries:
            queries[stat] = HistoryQuery(f"q{len(queries)}", stat)
        return queries[stat].id

    readings: list[AlarmReading] = []
    for spec in specs:
        kwargs = spec.put_kwargs([])
        config = AlarmConfig.from_describe_alarms(kwargs)
        inputs: dict[str, str] = {}
        samples: str | None = None
        if config.metrics:
            for query in config.metrics:
                if query.metric_stat is not None:
                    inputs[query.id] = query_for(query.metric_stat)
        else:
            assert config.stat is not None  # a single-metric alarm has Statistic or ExtendedStatistic
            stat = MetricStat(
                namespace=str(kwargs["Namespace"]),
                metric_name=str(kwargs["MetricName"]),
                dimensions=tuple(sorted((d["Name"], d["Value"]) for d in kwargs["Dimensions"])),
                period=config.period,
                stat=config.stat,
            )
            inputs[_SINGLE] = query_for(stat)
            if config.extended_statistic is not None and config.evaluate_low_sample_count_percentile == "ignore":
                samples = query_for(dataclasses.replace(stat, stat="SampleCount"))
        readings.append(AlarmReading(spec, config, inputs, samples))
    return tuple(queries.values()), tuple(readings)


def _on_grid(points: Sequence[tuple[datetime, float]], start: datetime, period: int, count: int) -> list[float | None]:
    values: list[float | None] = [None] * count
    for moment, value in points:
        offset = (as_utc(moment) - start).total_seconds()
        index = int(offset // period)
        if 0 <= index < count and offset % period == 0:
            values[index] = value
    return values


def alarm_series(
    reading: AlarmReading, history: Mapping[str, Sequence[tuple[datetime, float]]], start: datetime, end: datetime
) -> PeriodSeries:
    """The alarm's own per-period values over [start, end): the metric, or the returned expression
    evaluated over the whole window (its functions work period by period, so this equals
    evaluating it window by window)."""
    start = as_utc(start)
    period = reading.config.period
    count = int((as_utc(end) - start).total_seconds() // period)
    grid = {
        alarm_id: _on_grid(history.get(query_id, ()), start, period, count)
        for alarm_id, query_id in reading.inputs.items()
    }
    if not reading.config.metrics:
        samples = None
        if reading.samples is not None:
            samples = tuple(_on_grid(history.get(reading.samples, ()), start, period, count))
        return PeriodSeries(start, period, tuple(grid[_SINGLE]), samples)
    expressions = {q.id: q.expression for q in reading.config.metrics if q.expression is not None}
    resolved: dict[str, Sequence[float | None]] = dict(grid)

    def resolve(query_id: str) -> Sequence[float | None]:
        if query_id not in resolved:
            parsed = parse_expression(expressions[query_id])
            resolved[query_id] = evaluate_expression(parsed, {ref: resolve(ref) for ref in parsed.references})
        return resolved[query_id]

    returned = next(q.id for q in reading.config.metrics if q.return_data)
    return PeriodSeries(start, period, tuple(resolve(returned)))


def max_fires(days: float) -> float:
    """At most once a week: the fires a window of ``days`` can afford (below 1 for less than a week)."""
    return days / DAYS_PER_WEEK


@dataclass(frozen=True)
class AlarmBacktest:
    """One alarm's backtest, thresholds in the alarm's human unit (``unit``)."""

    spec: AlarmSpec
    replay: Replay
    suggestion: Replay | None
    periods_with_data: int

    @property
    def unit(self) -> str:
        return self.spec.display.unit

    def human(self, metric_value: float) -> float:
        return metric_value * self.spec.display.scale

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.spec.name,
            "key": self.spec.key,
            "variant": self.spec.variant,
            "comparison": self.spec.comparison,
            "unit": self.unit,
            "threshold": self.human(self.replay.threshold),
            "period_seconds": self.spec.period,
            "periods_with_data": self.periods_with_data,
            "evaluations": self.replay.evaluations,
            "fires": self.replay.fires,
            "seconds_in_alarm": self.replay.seconds_in_alarm,
            "longest_seconds": self.replay.longest_seconds,
            "episodes": [_episode(e) for e in self.replay.episodes],
            "suggested_threshold": None if self.suggestion is None else self.human(self.suggestion.threshold),
            "suggested_fires": None if self.suggestion is None else self.suggestion.fires,
        }


def _episode(episode: Episode) -> dict[str, Any]:
    return {"start": episode.start.isoformat(), "end": episode.end.isoformat(), "ongoing": episode.ongoing}


def backtest_alarm(
    reading: AlarmReading,
    history: Mapping[str, Sequence[tuple[datetime, float]]],
    start: datetime,
    end: datetime,
    days: float,
) -> AlarmBacktest:
    series = alarm_series(reading, history, start, end)
    return AlarmBacktest(
        spec=reading.spec,
        replay=replay(reading.config, series),
        # A flag (0/1) has no threshold to tune: any other than 1 fires always or never.
        suggestion=None if reading.spec.display.is_flag else suggest_threshold(reading.config, series, max_fires(days)),
        periods_with_data=sum(value is not None for value in series.values),
    )


@dataclass(frozen=True)
class BacktestReport:
    endpoint: str
    kind: str
    start: datetime
    end: datetime
    days: float
    get_metric_data_calls: int
    alarms: tuple[AlarmBacktest, ...]
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The stable JSON document of ``sagewatch backtest --json`` (see docs/alarms.md)."""
        return {
            "endpoint": self.endpoint,
            "kind": self.kind,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "days": self.days,
            "max_fires_per_window": max_fires(self.days),
            "get_metric_data_calls": self.get_metric_data_calls,
            "alarms": [alarm.as_dict() for alarm in self.alarms],
            "notes": list(self.notes),
        }


def window(end: datetime, days: float) -> tuple[datetime, datetime]:
    """[start, end) of the history: ``end`` rounded down to the minute (CloudWatch's own rounding
    of recent start times, so the periods of GetMetricData and of the replay coincide)."""
    end = as_utc(end).replace(second=0, microsecond=0)
    return end - timedelta(days=days), end


_HEADERS = ("alarm", "threshold", "fires", "in ALARM", "longest", "once a week")
NOT_TUNABLE = "n/a (flag)"


def row_label(name: str, endpoint: str) -> str:
    """An alarm's row in the table: its name after ``<prefix>/<endpoint>/`` (``AllTraffic/
    invocation-5xx-rate``, ``AllTraffic/model-latency-p99.llama-ic``, ``feature-drift.dq.amount``
    for an endpoint-level alarm), so per-component and per-feature alarms stay apart."""
    _, found, rest = name.partition(f"/{endpoint}/")
    if not found:
        return name
    return rest.removeprefix(f"{ENDPOINT_SCOPE}/")


def render_table(report: BacktestReport) -> str:
    """The human table of ``sagewatch backtest``: one row per alarm, thresholds as alerts show them."""
    rows: list[tuple[str, ...]] = []
    for alarm in report.alarms:
        comparison = alarm.spec.comparison
        key = row_label(alarm.spec.name, alarm.spec.endpoint)
        suggestion = "—"
        if alarm.spec.display.is_flag:
            suggestion = NOT_TUNABLE  # 0 or 1: no other threshold to suggest
        elif alarm.suggestion is not None:
            suggested = format_value(alarm.human(alarm.suggestion.threshold), alarm.unit)
            suggestion = format_comparison(comparison, suggested)
        elif alarm.periods_with_data == 0:
            suggestion = "no data"
        rows.append(
            (
                key,
                format_comparison(comparison, format_value(alarm.human(alarm.replay.threshold), alarm.unit)),
                str(alarm.replay.fires),
                format_duration(alarm.replay.seconds_in_alarm),
                format_duration(alarm.replay.longest_seconds),
                suggestion,
            )
        )
    widths = [max(len(cell) for cell in column) for column in zip(_HEADERS, *rows, strict=False)]
    lines = [
        f"{report.endpoint} ({report.kind}): {len(report.alarms)} alarm(s) replayed over "
        f"{report.start:%Y-%m-%d %H:%M} to {report.end:%Y-%m-%d %H:%M} UTC ({_days(report.days)}); "
        f"{report.get_metric_data_calls} GetMetricData call(s)",
        "",
    ]
    for row in (_HEADERS, *rows):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    lines.append("")
    lines.append(
        f"once a week: the most sensitive threshold that would have fired at most {_fires(max_fires(report.days))} "
        f"time(s) in {_days(report.days)}"
    )
    lines.extend(f"! {note}" for note in report.notes)
    return "\n".join(lines)


def _days(days: float) -> str:
    return f"{days:g} day" + ("" if days == 1 else "s")


def _fires(budget: float) -> str:
    return f"{budget:.2f}".rstrip("0").rstrip(".")
