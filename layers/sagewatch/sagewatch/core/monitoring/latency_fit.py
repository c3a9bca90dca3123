"""The latency alarm fitted to the traffic it will see: a statistic, period and datapoint rule
that CloudWatch will actually evaluate.

Why: a percentile alarm with ``EvaluateLowSampleCountPercentile=ignore`` keeps its state while a
period holds fewer than 10/(1-p) samples for 0.5 <= p < 1 ("Percentile-based alarms and low data
samples", CloudWatch user guide): a 60-second p99 needs 1,000 requests in the minute, so on a
quieter variant the alarm can never change state. Each latency alarm therefore gets the most
tail-sensitive class whose sample bound is met, *per period*, at the target's quiet-hour traffic
(the stricter reading of the rule: the emulated account's engine sums the samples of the periods
it evaluates, docs/evaluation.md, and a per-period bound meets that too).

Traffic is the hourly ``SampleCount`` of ``ModelLatency`` (exactly the samples the percentile is
computed over; async endpoints publish no ``Invocations``) over the last 14 days, read with one
GetMetricData for all of an endpoint's targets. The *quiet-hour rate* is the 10th percentile of
the hours that had any request, per minute: nine active hours in ten are at least that busy.
Idle hours do not count: with no request there is no latency to alarm on.

Hysteresis: a target moves to a busier class only at 1.5 x that class's floor, and leaves its
current class only below its floor, so a rate near a boundary does not re-fit it every day.

Pure: no AWS call here (usecases.onboarding reads the traffic, adapters.cloudwatch.metric_history the data).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BY_NAME",
    "CLASSES",
    "HISTORY_DAYS",
    "HYSTERESIS",
    "MIN_ACTIVE_HOURS",
    "PROVISIONAL",
    "LatencyClass",
    "LatencyFit",
    "LatencyTarget",
    "class_of_alarm",
    "fit_latency",
    "latency_targets",
    "markdown_table",
    "quiet_hour_rate",
    "refit_reasons",
    "samples_needed",
]

HISTORY_DAYS = 14  # hourly data: GetMetricData keeps 1-hour points for 455 days, 14 days is 336 per target
MIN_ACTIVE_HOURS = 24  # fewer hours with requests than a day's worth: the traffic is not known yet
QUIET_PERCENTILE = 10  # the quiet hour: nine active hours in ten are at least this busy
HYSTERESIS = 1.5  # a busier class needs 1.5 x its floor; the current one is kept down to its floor
# How a provisional alarm's description says so: once the traffic is known it is re-fitted even when
# the class stays the same, so that its description tells the real reason.
NOT_KNOWN_YET = "traffic not known yet"


def samples_needed(percentile: float) -> float | None:
    """Samples a period needs before CloudWatch evaluates a percentile alarm that says ``ignore``:
    10/(1-p) for 0.5 <= p < 1, 10/p for 0 < p < 0.5 ("Percentile-based alarms and low data
    samples"); None for statistics the rule does not apply to."""
    p = percentile / 100
    if 0.5 <= p < 1:
        return round(10 / (1 - p), 6)  # 1,000 for p99, not 1,000.0000000000009
    if 0 < p < 0.5:
        return round(10 / p, 6)
    return None


@dataclass(frozen=True)
class LatencyClass:
    name: str
    statistic: str  # "p99", "p90", "p50" or "Average"
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int
    why: str

    @property
    def percentile(self) -> float | None:
        return float(self.statistic[1:]) if self.statistic.startswith("p") else None

    @property
    def samples_per_period(self) -> float | None:
        """What the low-sample rule asks of each period (None: Average, no rule)."""
        return None if self.percentile is None else samples_needed(self.percentile)

    @property
    def floor_per_minute(self) -> float:
        """The quiet-hour rate (requests per minute) at which every period meets the rule."""
        needed = self.samples_per_period
        return 0.0 if needed is None else needed / (self.period / 60)

    @property
    def alert_minutes(self) -> int:
        """At most this long from a sustained regression to ALARM: M periods, evaluated every minute."""
        return self.datapoints_to_alarm * self.period // 60

    def describe(self) -> str:
        """The rule in words, e.g. "p90 over 60 s, 3 of 5"."""
        return f"{self.statistic} over {self.period} s, {self.datapoints_to_alarm} of {self.evaluation_periods}"


# Busiest first: the first class whose floor the quiet-hour rate meets is the most sensitive one
# CloudWatch will evaluate at that traffic.
CLASSES: tuple[LatencyClass, ...] = (
    LatencyClass(
        "busy",
        "p99",
        60,
        5,
        3,
        "p99 needs 10/(1-0.99) = 1,000 samples a period: a 60 s period at 1,000 requests a minute or more",
    ),
    LatencyClass(
        "steady",
        "p90",
        60,
        5,
        3,
        "p90 needs 10/(1-0.9) = 100 samples a period: a 60 s period at 100 requests a minute or more",
    ),
    LatencyClass(
        "light",
        "p90",
        300,
        3,
        2,
        "p90 needs 100 samples a period: a 300 s period holds them at 20 requests a minute or more",
    ),
    LatencyClass(
        "quiet",
        "p50",
        300,
        3,
        2,
        "p50 needs 10/(1-0.5) = 20 samples a period: a 300 s period holds them at 4 requests a minute or more",
    ),
    LatencyClass(
        "sparse",
        "Average",
        60,
        5,
        3,
        "below 4 requests a minute no percentile has its samples; an Average has no sample rule, and "
        "3 slow minutes of 5 are needed, so one slow request does not page",
    ),
)
BY_NAME: dict[str, LatencyClass] = {c.name: c for c in CLASSES}
# Until an endpoint's traffic is known (fewer than MIN_ACTIVE_HOURS active hours): the class that
# fires at any traffic. Alerted within 3-5 minutes like the busiest class; an Average moves with
# a regression of the whole distribution but not with one slow request (3 of 5 minutes).
PROVISIONAL = BY_NAME["sparse"]


@dataclass(frozen=True)
class LatencyFit:
    """The class chosen for one latency alarm and why, in words for the plan and the description."""

    chosen: LatencyClass
    quiet_per_minute: float | None  # None: traffic not known yet (provisional)
    previous: str | None = None  # the class of the existing alarm, when there is one

    @property
    def provisional(self) -> bool:
        return self.quiet_per_minute is None

    @property
    def changed(self) -> bool:
        return self.previous is not None and self.previous != self.chosen.name

    def reason(self) -> str:
        if self.quiet_per_minute is None and self.chosen is not PROVISIONAL:
            return (
                f"under {MIN_ACTIVE_HOURS} hours with requests in the last {HISTORY_DAYS} days: "
                f"{self.chosen.name}, {self.chosen.describe()}, kept from its last fit"
            )
        if self.quiet_per_minute is None:
            return (
                f"{NOT_KNOWN_YET} (under {MIN_ACTIVE_HOURS} hours with requests in {HISTORY_DAYS} days): "
                f"provisional {self.chosen.describe()}, which fires at any traffic; re-fitted once it is known"
            )
        rate = _fmt_rate(self.quiet_per_minute)
        chosen = self.chosen
        text = f"quiet-hour traffic {rate} requests/min: {chosen.name}, {chosen.describe()} ({chosen.why})"
        if self.changed:
            text += f"; was {self.previous}"
        return text


def _fmt_rate(rate: float) -> str:
    return f"{rate:,.0f}" if rate >= 10 else f"{rate:.2g}"


def quiet_hour_rate(hourly_samples: Sequence[float]) -> float | None:
    """Requests per minute in the quiet hour of ``hourly_samples`` (one SampleCount per hour; hours
    without requests absent or 0); None when fewer than MIN_ACTIVE_HOURS hours had requests."""
    active = sorted(value for value in hourly_samples if value > 0)
    if len(active) < MIN_ACTIVE_HOURS:
        return None
    rank = max(1, math.ceil(QUIET_PERCENTILE / 100 * len(active)))  # nearest rank
    return active[rank - 1] / 60


def _natural(rate: float, factor: float) -> LatencyClass:
    return next(c for c in CLASSES if rate >= c.floor_per_minute * factor)


def fit_latency(quiet_per_minute: float | None, current: str | None = None) -> LatencyFit:
    """The class for a target with this quiet-hour rate, given the class of its existing alarm."""
    if quiet_per_minute is None:
        # Not known yet: provisional, unless an earlier fit knew better (the history may have
        # aged out of the 14 days while the endpoint idled; its alarm is kept as it is).
        kept = BY_NAME.get(current or "")
        return LatencyFit(kept or PROVISIONAL, None, current)
    at_floor = _natural(quiet_per_minute, 1.0)
    now = BY_NAME.get(current or "")
    if now is None:
        return LatencyFit(at_floor, quiet_per_minute, current)
    rank = CLASSES.index
    upward = _natural(quiet_per_minute, HYSTERESIS)
    if rank(upward) < rank(now):
        chosen = upward  # clearly busier than the current class
    elif quiet_per_minute >= now.floor_per_minute:
        chosen = now  # still meets the current class: keep it
    else:
        chosen = at_floor  # below the current class's floor: it can no longer fire there
    return LatencyFit(chosen, quiet_per_minute, current)


def class_of_alarm(alarm: Mapping[str, Any]) -> str | None:
    """The class a latency alarm (PutMetricAlarm kwargs or DescribeAlarms) was fitted with, or None."""
    statistic = alarm.get("ExtendedStatistic") or alarm.get("Statistic")
    period = alarm.get("Period")
    for klass in CLASSES:
        if klass.statistic == statistic and period is not None and int(period) == klass.period:
            return klass.name
    return None


@dataclass(frozen=True)
class LatencyTarget:
    """An existing latency alarm, as DescribeAlarms lists it: what it watches and its class now."""

    endpoint: str
    alarm: str
    dimensions: tuple[tuple[str, str], ...]
    current: str | None
    provisional: bool = False  # fitted before its traffic was known (its description says so)


def latency_targets(alarms: Mapping[str, Mapping[str, Mapping[str, Any]]], key: str) -> list[LatencyTarget]:
    """The latency alarms among ``alarms`` (endpoint -> alarm name -> DescribeAlarms MetricAlarm),
    their alarm key ``key`` (``.<component>`` appended for a component's)."""
    out: list[LatencyTarget] = []
    for endpoint, named in sorted(alarms.items()):
        for name, alarm in sorted(named.items()):
            last = name.rsplit("/", 1)[-1]
            if last != key and not last.startswith(f"{key}."):
                continue
            dims = tuple(sorted((str(d["Name"]), str(d["Value"])) for d in alarm.get("Dimensions") or ()))
            if dims:
                provisional = NOT_KNOWN_YET in str(alarm.get("AlarmDescription") or "")
                out.append(LatencyTarget(endpoint, name, dims, class_of_alarm(alarm), provisional))
    return out


def refit_reasons(
    targets: Sequence[LatencyTarget], rates: Mapping[tuple[tuple[str, str], ...], float | None]
) -> dict[str, list[str]]:
    """Endpoint -> why its latency alarms need re-fitting: the traffic class changed (with the
    hysteresis of :func:`fit_latency`), or the alarm is provisional and the traffic is now known."""
    out: dict[str, list[str]] = {}
    for target in targets:
        fit = fit_latency(rates.get(target.dimensions), target.current)
        if fit.chosen.name != target.current or (target.provisional and not fit.provisional):
            was = target.current or "not a fitted class"
            if target.provisional:
                was = f"provisional {was}"
            out.setdefault(target.endpoint, []).append(f"alarm {target.alarm}: {was} -> {fit.reason()}")
    return out


def markdown_table() -> str:
    """The classes as a Markdown table (docs/alarms.md embeds exactly this)."""
    rows = [
        "| class | quiet-hour traffic | statistic | period | datapoints | samples a period needs "
        "| ALARM after (M x period) |",
        "|---|---|---|---|---|---|---|",
    ]
    for klass in CLASSES:
        needed = klass.samples_per_period
        floor = f">= {klass.floor_per_minute:,.0f} requests/min" if needed is not None else "any"
        rows.append(
            f"| {klass.name} | {floor} | {klass.statistic} | {klass.period} s | "
            f"{klass.datapoints_to_alarm} of {klass.evaluation_periods} | "
            f"{f'{needed:,.0f}' if needed is not None else 'no rule'} | {klass.alert_minutes} min |"
        )
    return "\n".join(rows)
