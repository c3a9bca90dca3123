"""Replay an alarm over a stretch of per-period history, and search the threshold it can afford.

The backtest asks: had this alarm existed over the last N days, how often would it have gone to
ALARM, for how long, and which threshold would have fired at most ``k`` times? The alarm starts
as a new alarm does, in INSUFFICIENT_DATA, and is evaluated with :func:`metric_alarm.evaluate`
at the end of every period of the history, so every rule of docs/evaluation.md applies.

Documented approximations (the history comes from GetMetricData, one value per period):

- **One evaluation per period.** CloudWatch evaluates every minute over periods that are not
  aligned to Period; per-period values cannot say what a 5-minute window starting at 03:02 held.
  For 60-second alarms this is the minute-by-minute evaluation; for longer periods it is the
  evaluation at each period boundary.
- **Sample counts when given.** GetMetricData returns the ``SampleCount`` statistic when asked,
  in the same call; with ``PeriodSeries.samples`` the low-sample percentile rule
  (EvaluateLowSampleCountPercentile ``ignore``) applies as in the evaluator (the samples of the
  real datapoints evaluated). Without them such alarms are evaluated anyway.
- **Only threshold alarms.** Anomaly-band alarms need CloudWatch's model: refused.

Speed: an evaluation's state depends only on which periods of its range are missing, breaching or
not, and on whether the low-sample rule holds (a fixed operator), so the evaluator is called once
per distinct pattern and the result reused. The threshold search replays the history for O(log n) thresholds.
"""

from __future__ import annotations

import dataclasses
import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from .config import AlarmConfig, AlarmState, ComparisonOperator, LowSampleCount
from .datapoints import Datapoint, as_utc, evaluation_cadence
from .metric_alarm import evaluate
from .statistics import low_sample_bound, parse_statistic

__all__ = ["Episode", "PeriodSeries", "Replay", "replay", "suggest_threshold"]

_BREACHES: dict[ComparisonOperator, Callable[[float, float], bool]] = {
    ComparisonOperator.GREATER_THAN: operator.gt,
    ComparisonOperator.GREATER_THAN_OR_EQUAL: operator.ge,
    ComparisonOperator.LESS_THAN: operator.lt,
    ComparisonOperator.LESS_THAN_OR_EQUAL: operator.le,
}

# Per period of the evaluation range: None missing, else breaching; and whether the low-sample rule holds.
Pattern = tuple[tuple[bool | None, ...], bool]


@dataclass(frozen=True)
class PeriodSeries:
    """One value per period from ``start`` (None: no datapoint in that period); ``samples``, when
    known, the SampleCount of each period (for the low-sample percentile rule)."""

    start: datetime
    period: int
    values: tuple[float | None, ...]
    samples: tuple[float | None, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", as_utc(self.start))
        if self.samples is not None and len(self.samples) != len(self.values):
            raise ValueError("one sample count per period, or none at all")
        cadence = evaluation_cadence(self.period)
        if int(self.start.timestamp()) % cadence or self.start.microsecond:
            # The evaluator's window ends on the evaluation cadence; an unaligned grid would
            # shift every period by part of a minute.
            raise ValueError(f"the series must start on a {cadence}-second boundary, not {self.start.isoformat()}")

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.period * len(self.values))

    def at(self, index: int) -> datetime:
        return self.start + timedelta(seconds=self.period * index)


@dataclass(frozen=True)
class Episode:
    """One stay in ALARM: from the evaluation that entered it to the one that left it.

    ``ongoing``: still in ALARM when the history ends (``end`` is then the end of the history)."""

    start: datetime
    end: datetime
    ongoing: bool = False

    @property
    def seconds(self) -> int:
        return int((self.end - self.start).total_seconds())


@dataclass(frozen=True)
class Replay:
    threshold: float
    fires: int  # transitions into ALARM
    episodes: tuple[Episode, ...]
    evaluations: int
    final_state: AlarmState

    @property
    def seconds_in_alarm(self) -> int:
        return sum(episode.seconds for episode in self.episodes)

    @property
    def longest_seconds(self) -> int:
        return max((episode.seconds for episode in self.episodes), default=0)


class _Replayer:
    """Replays one alarm configuration over one series, for any threshold."""

    def __init__(self, config: AlarmConfig, series: PeriodSeries) -> None:
        if config.comparison_operator not in _BREACHES:
            raise ValueError(f"{config.comparison_operator} alarms (anomaly bands) cannot be replayed")
        if config.period != series.period:
            raise ValueError(f"the series has {series.period}-second periods; the alarm {config.period}")
        self._config = config
        self._series = series
        self._breaches = _BREACHES[config.comparison_operator]
        length = config.range_length
        padded: tuple[float | None, ...] = (None,) * (length - 1) + series.values
        # The evaluation at the end of period k reads periods k-length+1 .. k (before the
        # history starts: missing, as for a new alarm).
        self._windows = [padded[k : k + length] for k in range(len(series.values))]
        self._sample_windows: list[tuple[float | None, ...]] | None = None
        self._bound: float | None = None
        if series.samples is not None and config.extended_statistic is not None:
            percentile = parse_statistic(config.extended_statistic).percentile
            bound = low_sample_bound(percentile) if percentile is not None else None
            if config.evaluate_low_sample_count_percentile is LowSampleCount.IGNORE and bound is not None:
                self._bound = float(bound)
                counts: tuple[float | None, ...] = (None,) * (length - 1) + series.samples
                self._sample_windows = [counts[k : k + length] for k in range(len(series.values))]
        self._low = [self._low_sample(index) for index in range(len(self._windows))]  # independent of the threshold
        self._states: dict[Pattern, AlarmState | None] = {}

    def _low_sample(self, index: int) -> bool:
        """The evaluator's rule (metric_alarm._low_sample_rule): the samples of the newest N real
        datapoints of the range, below the bound."""
        if self._sample_windows is None or self._bound is None:
            return False
        counts = [c for v, c in zip(self._windows[index], self._sample_windows[index], strict=True) if v is not None]
        used = counts[-self._config.evaluation_periods :]
        if not used or any(count is None for count in used):
            return False
        return sum(count for count in used if count is not None) < self._bound

    def _state(self, index: int, pattern: Pattern, threshold: float) -> AlarmState | None:
        if pattern not in self._states:
            # The outcome depends only on the pattern (fixed operator), so the evaluator runs once
            # per pattern, on the real datapoints of its first occurrence.
            config = dataclasses.replace(self._config, threshold=threshold)
            length = config.range_length
            first = index - length + 1
            samples = self._sample_windows[index] if self._sample_windows is not None else (None,) * length
            points = [
                Datapoint(self._series.at(first + slot), value, samples[slot])
                for slot, value in enumerate(self._windows[index])
                if value is not None
            ]
            self._states[pattern] = evaluate(config, points, self._series.at(index + 1)).state
        return self._states[pattern]

    def run(self, threshold: float) -> Replay:
        breaches = self._breaches
        state = AlarmState.INSUFFICIENT_DATA
        fires = 0
        episodes: list[Episode] = []
        entered: datetime | None = None
        for index, window in enumerate(self._windows):
            breaching = tuple(None if value is None else breaches(value, threshold) for value in window)
            new = self._state(index, (breaching, self._low[index]), threshold) or state
            if new is not state:
                moment = self._series.at(index + 1)  # evaluated at the end of period ``index``
                if new is AlarmState.ALARM:
                    fires += 1
                    entered = moment
                elif state is AlarmState.ALARM and entered is not None:
                    episodes.append(Episode(entered, moment))
                    entered = None
                state = new
        if entered is not None:
            episodes.append(Episode(entered, self._series.end, ongoing=True))
        return Replay(threshold, fires, tuple(episodes), len(self._windows), state)


def replay(config: AlarmConfig, series: PeriodSeries) -> Replay:
    """The alarm as configured, replayed over the series from INSUFFICIENT_DATA."""
    if config.threshold is None:
        raise ValueError("the alarm has no threshold to replay")
    return _Replayer(config, series).run(config.threshold)


def _candidates(config: AlarmConfig, values: Sequence[float]) -> list[float]:
    """Thresholds from the most to the least sensitive. Between two observed values the set of
    breaching periods does not change, so observed values are the only thresholds worth trying;
    a ``>=`` alarm also needs one just above the maximum (``<=``: just below the minimum)."""
    distinct = sorted(set(values))
    op = config.comparison_operator
    if op is ComparisonOperator.GREATER_THAN_OR_EQUAL:
        distinct.append(math.nextafter(distinct[-1], math.inf))
    elif op is ComparisonOperator.LESS_THAN_OR_EQUAL:
        distinct.insert(0, math.nextafter(distinct[0], -math.inf))
    if op in (ComparisonOperator.LESS_THAN, ComparisonOperator.LESS_THAN_OR_EQUAL):
        distinct.reverse()
    return distinct


def suggest_threshold(config: AlarmConfig, series: PeriodSeries, max_fires: float) -> Replay | None:
    """The most sensitive threshold (smallest for ``>``) at which the alarm fires at most
    ``max_fires`` times over the series, with its replay; None when no threshold does (no data,
    or missing data treated as breaching fires whatever the threshold).

    Fewer thresholds fire less, with one exception: raising a threshold can split one long stay in
    ALARM into two. The search bisects over the observed values, so the answer always meets the
    budget and the next more sensitive value does not; in that rare case a more sensitive one
    further down might meet it again. With a budget below one fire it is exact ("ever in ALARM"
    only shrinks as the threshold rises).
    """
    observed = [value for value in series.values if value is not None]
    if not observed:
        return None
    candidates = _candidates(config, observed)
    replayer = _Replayer(config, series)
    results: dict[int, Replay] = {}

    def fits(index: int) -> bool:
        if index not in results:
            results[index] = replayer.run(candidates[index])
        return results[index].fires <= max_fires

    low, high = 0, len(candidates) - 1
    if not fits(high):
        return None
    while low < high:
        middle = (low + high) // 2
        if fits(middle):
            high = middle
        else:
            low = middle + 1
    return results[high]
