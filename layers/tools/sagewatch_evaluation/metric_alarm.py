"""Evaluate a metric alarm at one moment: M of N over the evaluation range, with missing data.

Source for every rule here: CloudWatch User Guide, "Using Amazon CloudWatch alarms" — sections
"Evaluating an alarm", "Configuring how CloudWatch alarms treat missing data", "How alarm state is
evaluated when data is missing", "Avoiding premature transitions to alarm state" and "Percentile-
based CloudWatch alarms and low data samples" (archived as awsdocs/amazon-cloudwatch-user-guide
``doc_source/AlarmThatSendsEmail.md``, last revision b355497 of 2023-05-17; earlier revisions carry
extra table rows that the tests also encode).

The algorithm, for range R (``AlarmConfig.range_length`` periods), N = EvaluationPeriods and
M = DatapointsToAlarm:

1. Real datapoints >= N: evaluate the newest N real ones; TreatMissingData is not used. ALARM when
   at least M breach, else OK ("If some data points in the evaluation range are missing, but the
   number of existing data points retrieved is equal to or more than the alarm's Evaluation
   Periods ... the value you set for how to treat missing data is not needed and is ignored").
2. Fewer than N real datapoints: all real ones are used ("any real data points in the evaluation
   range, no matter when they were reported") and N minus that many missing points are filled in
   ("only as few times as possible"), taking the newest missing periods.

   - ``breaching`` / ``notBreaching``: the filled points breach / do not; ALARM when >= M breach.
   - ``missing`` / ``ignore``: filled points are neither. With no real point at all the alarm goes
     to INSUFFICIENT_DATA (``missing``) or keeps its state (``ignore``). Otherwise ALARM when >= M
     real points breach; OK when some real point does not breach ("If fewer than the value of
     Datapoints to Alarm are breaching, the alarm state is set to OK"). When every real point
     breaches but fewer than M do, the outcome is not settled by data:

     * ``missing``: the *premature alarm* rule — ALARM when the oldest breaching point is at least
       M periods old (counted from the newest period of the range, which is 1) and every newer
       point is breaching or missing (``- - X - -`` with M=3; ``- - - X -`` with M=2); otherwise
       INSUFFICIENT_DATA (``- - - - X``: "the alarm does not go immediately into ALARM state").
     * ``ignore``: keep the current state (the tables' "Retain current state").

   The documented tables are the test oracle (tests/unit/evaluation/test_missing_data_tables.py).
3. Percentile alarms with too few samples (statistics.low_sample_bound) and
   EvaluateLowSampleCountPercentile ``ignore`` keep their state; ``evaluate`` evaluates anyway.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from . import reason
from .comparison import Band, is_breaching
from .config import AlarmConfig, AlarmState, LowSampleCount, TreatMissingData
from .datapoints import Datapoint, align, as_utc, evaluation_window
from .statistics import low_sample_bound, parse_statistic


@dataclass(frozen=True)
class EvaluatedDatapoint:
    """One of the N datapoints an evaluation used.

    ``filled`` points stand for a missing period; their ``breaching`` is what TreatMissingData made
    of them (None for missing/ignore, which fill in nothing)."""

    timestamp: datetime
    value: float | None
    breaching: bool | None
    filled: bool = False
    band: Band | None = None


@dataclass(frozen=True)
class Evaluation:
    """The outcome at one moment. ``state`` None means: keep the current state."""

    state: AlarmState | None
    reason: str
    datapoints: tuple[EvaluatedDatapoint, ...]  # oldest first
    window: tuple[datetime, ...]  # the period starts of the evaluation range, oldest first

    @property
    def keeps_current_state(self) -> bool:
        return self.state is None

    def resolve(self, current: AlarmState) -> AlarmState:
        """The state the alarm is in after this evaluation, given the one it was in."""
        return current if self.state is None else self.state


@dataclass(frozen=True)
class _Real:
    slot: int  # index in the evaluation range, oldest first
    point: Datapoint
    value: float
    band: Band | None
    breaching: bool


def evaluate(
    config: AlarmConfig,
    datapoints: Iterable[Datapoint],
    now: datetime,
    *,
    bands: Mapping[datetime, Band] | None = None,
) -> Evaluation:
    """Evaluate the alarm at ``now`` from per-period datapoints (any order; newest last is fine).

    Datapoints are placed into the evaluation range by timestamp (datapoints.align); periods with
    no datapoint, or a datapoint whose value is None, are missing. For band operators ``bands``
    gives the anomaly band at each datapoint's timestamp; a datapoint without a band is treated as
    missing (a decision: the band expression has no value there, and an expression with no value
    is a missing point).
    """
    window = evaluation_window(config, now)
    slots = align(datapoints, window, config.period)
    band_at = {as_utc(moment): band for moment, band in (bands or {}).items()}
    real: list[_Real] = []
    for index, point in enumerate(slots):
        if point is None or point.value is None:
            continue
        band = band_at.get(point.timestamp) if config.comparison_operator.is_band else None
        if config.comparison_operator.is_band and band is None:
            continue
        breaching = is_breaching(config.comparison_operator, point.value, threshold=config.threshold, band=band)
        real.append(_Real(index, point, point.value, band, breaching))

    n = config.evaluation_periods
    m = config.required_breaching
    used = real[-n:]

    kept = _low_sample_rule(config, used, window)
    if kept is not None:
        return kept

    if len(real) >= n:
        return _decide(config, window, used, fills=[])

    # Fewer than N real points: fill the newest missing periods, as few as needed.
    real_slots = {item.slot for item in real}
    missing_slots = [index for index in range(len(window)) if index not in real_slots]
    fills = sorted(missing_slots[len(missing_slots) - (n - len(real)) :])
    treat = config.treat_missing_data
    if treat in (TreatMissingData.BREACHING, TreatMissingData.NOT_BREACHING):
        return _decide(config, window, real, fills)

    evaluated = _evaluated(window, real, fills, fill_breaching=None)
    if not real:
        if treat is TreatMissingData.IGNORE:
            return Evaluation(None, reason.missing_data_ignored(n, n), evaluated, window)
        return Evaluation(AlarmState.INSUFFICIENT_DATA, reason.insufficient_data(n), evaluated, window)
    breaching_count = sum(item.breaching for item in real)
    if breaching_count >= m or not all(item.breaching for item in real):
        return _decide(config, window, real, fills)
    # Every real point breaches, but fewer than M do.
    oldest_age = len(window) - real[0].slot  # the newest period of the range has age 1
    if treat is TreatMissingData.MISSING and oldest_age >= m:
        # "Avoiding premature transitions to alarm state": the oldest breaching point is at least
        # M periods old and every newer one is breaching or missing -> ALARM even with < M points.
        return Evaluation(AlarmState.ALARM, _threshold_reason(config, AlarmState.ALARM, real, 0), evaluated, window)
    unknown = n - len(real)
    if treat is TreatMissingData.IGNORE:
        return Evaluation(None, reason.missing_data_ignored(unknown, n), evaluated, window)
    return Evaluation(AlarmState.INSUFFICIENT_DATA, reason.insufficient_data(unknown), evaluated, window)


def _low_sample_rule(config: AlarmConfig, used: list[_Real], window: tuple[datetime, ...]) -> Evaluation | None:
    """Keep the state when a percentile alarm has too few samples and says ``ignore``.

    The docs count samples "during the evaluation period"; this evaluator sums the sample counts
    of the real datapoints it is about to evaluate (a decision). Without sample counts the rule
    cannot be checked and the alarm is evaluated."""
    if config.evaluate_low_sample_count_percentile is not LowSampleCount.IGNORE or config.extended_statistic is None:
        return None
    stat = parse_statistic(config.extended_statistic)
    if stat.percentile is None or not used:
        return None
    bound = low_sample_bound(stat.percentile)
    counts = [item.point.sample_count for item in used]
    if bound is None or any(count is None for count in counts):
        return None
    total = float(sum(count for count in counts if count is not None))
    if total >= bound:
        return None
    evaluated = tuple(
        EvaluatedDatapoint(item.point.timestamp, item.value, item.breaching, band=item.band) for item in used
    )
    return Evaluation(None, reason.low_sample_ignored(stat.name, total, float(bound)), evaluated, window)


def _decide(config: AlarmConfig, window: tuple[datetime, ...], real: list[_Real], fills: list[int]) -> Evaluation:
    """M of N over the real points plus the filled ones (which breach only under ``breaching``)."""
    fill_breaching: bool | None = None
    if config.treat_missing_data is TreatMissingData.BREACHING:
        fill_breaching = True
    elif config.treat_missing_data is TreatMissingData.NOT_BREACHING:
        fill_breaching = False
    if not fills:
        fill_breaching = None
    breaching = sum(item.breaching for item in real) + (len(fills) if fill_breaching else 0)
    state = AlarmState.ALARM if breaching >= config.required_breaching else AlarmState.OK
    filled = len(fills) if fill_breaching is not None else 0
    return Evaluation(
        state,
        _threshold_reason(config, state, real, filled),
        _evaluated(window, real, fills, fill_breaching),
        window,
    )


def _evaluated(
    window: tuple[datetime, ...], real: list[_Real], fills: list[int], fill_breaching: bool | None
) -> tuple[EvaluatedDatapoint, ...]:
    points = [
        (item.slot, EvaluatedDatapoint(item.point.timestamp, item.value, item.breaching, band=item.band))
        for item in real
    ]
    points += [(slot, EvaluatedDatapoint(window[slot], None, fill_breaching, filled=True)) for slot in fills]
    return tuple(point for _, point in sorted(points, key=lambda pair: pair[0]))


def _threshold_reason(config: AlarmConfig, state: AlarmState, real: list[_Real], filled: int) -> str:
    wanted = state is AlarmState.ALARM
    crossing = [(item.point.timestamp, item.value, item.band) for item in reversed(real) if item.breaching == wanted]
    return reason.threshold_crossed(
        state=state,
        operator=config.comparison_operator,
        threshold=config.threshold,
        evaluation_periods=config.evaluation_periods,
        required_breaching=config.required_breaching,
        crossing=crossing,
        filled=filled,
        treat_missing_data=config.treat_missing_data,
    )
