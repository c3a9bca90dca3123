"""One alarm's evaluation at one minute, from the metric store: metric, math, anomaly, composite.

The rules are those of the pure evaluator (``sagewatch_evaluation``, docs/evaluation.md);
this module only feeds it the datapoints CloudWatch would read at that minute and words the
outcome the way CloudWatch writes it into the alarm (StateReason, StateReasonData).

- Metric alarms: the alarm's statistic over each period of the evaluation range
  (``evaluation_window``), from the store.
- Metric-math alarms: every MetricStat query over the same periods; the expression is evaluated
  by ``evaluate_alarm``. Anomaly-detection alarms also get the band metric's history before the
  range (the band is built from the preceding periods, see ``sagewatch_evaluation/anomaly.py``).
- Composite alarms: ``evaluate_composite`` over the children's current states. Their reason
  follows captured notifications: ``<child ARN> transitioned to ALARM at Saturday 28 November,
  2026 03:12:00 UTC`` for the child that triggers, ``All child alarms are OK`` when none does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sagewatch_emulator.alarm_engine.store import MetricStore, SeriesKey, series_key
from sagewatch_evaluation import (
    AlarmConfig,
    AlarmState,
    CompositeRule,
    Datapoint,
    Evaluation,
    evaluate,
    evaluate_alarm,
    evaluate_composite,
    evaluation_window,
)
from sagewatch_evaluation.anomaly import DEFAULT_WINDOW


@dataclass(frozen=True)
class Outcome:
    """What an evaluation decided: ``state`` None keeps the current state.

    ``reason_data`` builds StateReasonData on demand: it is written only on a state change, and
    formatting it for each of a week's million evaluations would cost more than evaluating."""

    state: AlarmState | None
    reason: str
    reason_data: Callable[[], dict[str, Any]] = field(default=dict)
    triggering_children: tuple[str, ...] = ()


def iso_millis(moment: datetime) -> str:
    """CloudWatch's timestamp form in notifications and reason data: 2022-11-06T21:53:40.699+0000."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _reason_data(config: AlarmConfig, evaluation: Evaluation, now: datetime, stat: str | None) -> dict[str, Any]:
    """StateReasonData in CloudWatch's JSON form (version 1.0): what the evaluation read."""
    real = [point for point in evaluation.datapoints if not point.filled and point.value is not None]
    data: dict[str, Any] = {
        "version": "1.0",
        "queryDate": iso_millis(now),
        "startDate": iso_millis(evaluation.window[0]) if evaluation.window else iso_millis(now),
        "period": config.period,
        "recentDatapoints": [point.value for point in real],
        "evaluatedDatapoints": [
            {"timestamp": iso_millis(point.timestamp), "value": point.value}
            for point in reversed(evaluation.datapoints)
            if point.value is not None
        ],
    }
    if stat is not None:
        data["statistic"] = stat
    if config.threshold is not None:
        data["threshold"] = config.threshold
    return data


def evaluate_metric_alarm(config: AlarmConfig, key: SeriesKey, store: MetricStore, now: datetime) -> Outcome:
    """A single-metric alarm (Namespace/MetricName/Dimensions and a statistic) on series ``key``."""
    assert config.stat is not None
    starts = evaluation_window(config, now)
    points = store.series(key, config.stat, config.period, starts)
    evaluation = evaluate(config, points, now)
    stat = config.stat
    return Outcome(evaluation.state, evaluation.reason, lambda: _reason_data(config, evaluation, now, stat))


def evaluate_math_alarm(config: AlarmConfig, store: MetricStore, now: datetime) -> Outcome:
    """A metric-math or anomaly-detection alarm (``Metrics``)."""
    starts = list(evaluation_window(config, now))
    if config.threshold_metric_id is not None:
        # The band is computed from up to DEFAULT_WINDOW earlier periods of its metric.
        step = timedelta(seconds=config.period)
        history = [starts[0] - step * back for back in range(DEFAULT_WINDOW, 0, -1)]
        starts = history + starts
    series: dict[str, list[Datapoint]] = {}
    for query in config.metrics:
        stat = query.metric_stat
        if stat is None:
            continue
        key = series_key(stat.namespace, stat.metric_name, stat.dimensions)
        series[query.id] = store.series(key, stat.stat, stat.period, starts)
    evaluation = evaluate_alarm(config, series, now)
    return Outcome(evaluation.state, evaluation.reason, lambda: _reason_data(config, evaluation, now, None))


def composite_time(moment: datetime) -> str:
    """``Saturday 28 November, 2026 03:12:00 UTC`` (composite reasons, from captured notifications)."""
    return f"{moment:%A} {moment.day} {moment:%B}, {moment:%Y %H:%M:%S} UTC"


@dataclass(frozen=True)
class ChildState:
    arn: str
    state: str
    since: datetime


def evaluate_composite_alarm(rule: CompositeRule, children: Mapping[str, ChildState]) -> Outcome:
    """``children`` maps every alarm name of the account to its ARN, state and state time."""
    states = {name: child.state for name, child in children.items()}
    result = evaluate_composite(rule, states)
    triggering = tuple(_child(children, reference).arn for reference in result.triggering_children)
    if result.state is AlarmState.ALARM and triggering:
        first = _child(children, result.triggering_children[0])
        reason = f"{first.arn} transitioned to {first.state} at {composite_time(first.since)}"
    else:
        named = [_child(children, reference) for reference in rule.children]
        if all(child.state == AlarmState.OK for child in named):
            reason = "All child alarms are OK"
        else:
            latest = max(named, key=lambda child: child.since)
            reason = f"{latest.arn} transitioned to {latest.state} at {composite_time(latest.since)}"
    data = {"version": "1.0", "triggeringAlarms": [{"arn": arn} for arn in triggering]}
    return Outcome(result.state, reason, lambda: data, triggering)


def _child(children: Mapping[str, ChildState], reference: str) -> ChildState:
    name = reference.split(":alarm:", 1)[1] if reference.startswith("arn:") and ":alarm:" in reference else reference
    return children[name]
