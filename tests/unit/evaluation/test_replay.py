"""Replaying an alarm over per-period history, and the once-a-week threshold search."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta

import pytest

from sagewatch_evaluation.config import (
    AlarmConfig,
    AlarmState,
    ComparisonOperator,
    LowSampleCount,
    TreatMissingData,
)
from sagewatch_evaluation.datapoints import Datapoint
from sagewatch_evaluation.metric_alarm import evaluate
from sagewatch_evaluation.replay import PeriodSeries, replay, suggest_threshold

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def config(
    threshold: float = 10.0,
    *,
    n: int = 3,
    m: int | None = None,
    treat: TreatMissingData = TreatMissingData.NOT_BREACHING,
    op: ComparisonOperator = ComparisonOperator.GREATER_THAN,
    period: int = 60,
) -> AlarmConfig:
    return AlarmConfig(
        period=period,
        evaluation_periods=n,
        datapoints_to_alarm=m,
        comparison_operator=op,
        threshold=threshold,
        treat_missing_data=treat,
        statistic="Average",
    )


def series(*values: float | None, period: int = 60) -> PeriodSeries:
    return PeriodSeries(T0, period, tuple(values))


def minute(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


def test_a_new_alarm_starts_insufficient_and_counts_each_entry_into_alarm() -> None:
    history = series(1, 20, 20, 20, 20, 1, 1, 1, 1, 20, 20, 20, 1, 1, 1)
    result = replay(config(n=3), history)
    assert result.fires == 2
    # ALARM after the third breaching minute (evaluated at the end of minute 3), OK again once a
    # non-breaching minute is among the newest three (end of minute 5).
    assert [(e.start, e.end) for e in result.episodes] == [(minute(4), minute(6)), (minute(12), minute(13))]
    assert result.seconds_in_alarm == 180 and result.longest_seconds == 120
    assert result.evaluations == 15 and result.final_state is AlarmState.OK


def test_m_of_n_need_not_be_consecutive_and_an_alarm_open_at_the_end_is_ongoing() -> None:
    result = replay(config(n=5, m=3), series(1, 1, 20, 1, 20, 1, 20))
    assert result.fires == 1
    (episode,) = result.episodes
    assert episode.start == minute(7) and episode.ongoing and episode.end == minute(7)


def test_missing_data_follows_the_alarm_setting() -> None:
    gaps = series(None, None, None, None, None)
    assert replay(config(treat=TreatMissingData.MISSING), gaps).final_state is AlarmState.INSUFFICIENT_DATA
    assert replay(config(treat=TreatMissingData.NOT_BREACHING), gaps).final_state is AlarmState.OK
    breaching = replay(config(treat=TreatMissingData.BREACHING), gaps)
    assert breaching.fires == 1 and breaching.episodes[0].start == minute(1)
    assert replay(config(treat=TreatMissingData.IGNORE), gaps).final_state is AlarmState.INSUFFICIENT_DATA


def test_five_minute_alarms_are_evaluated_at_each_period_end() -> None:
    result = replay(config(n=2, period=300), series(1, 50, 50, 1, period=300))
    assert result.evaluations == 4
    assert [(e.start, e.end) for e in result.episodes] == [(minute(15), minute(20))]


@pytest.mark.parametrize("treat", list(TreatMissingData))
@pytest.mark.parametrize(("n", "m"), [(3, 3), (5, 3), (2, 1)])
def test_replay_matches_the_evaluator_called_at_every_period(treat: TreatMissingData, n: int, m: int) -> None:
    """The pattern cache is an optimisation only: same states as evaluating every period."""
    rng = random.Random(f"{treat}-{n}-{m}")
    values = tuple(None if rng.random() < 0.3 else rng.uniform(0, 20) for _ in range(240))
    alarm = config(10.0, n=n, m=m, treat=treat)
    history = series(*values)
    state = AlarmState.INSUFFICIENT_DATA
    fires = 0
    for index in range(len(values)):
        points = [Datapoint(minute(i), v) for i, v in enumerate(values[: index + 1]) if v is not None]
        new = evaluate(alarm, points[-(n + 2) :], minute(index + 1)).resolve(state)
        fires += new is AlarmState.ALARM and state is not AlarmState.ALARM
        state = new
    result = replay(alarm, history)
    assert (result.fires, result.final_state) == (fires, state)


def test_the_suggested_threshold_is_the_smallest_that_never_fires_within_a_budget_below_one() -> None:
    history = series(1, 2, 30, 31, 32, 2, 1, 12, 13, 14, 1)
    suggestion = suggest_threshold(config(n=3), history, max_fires=0.3)
    assert suggestion is not None
    # Below 30 the three-minute spike 30-31-32 breaches 3 of 3; at 30 only 31 and 32 do. No
    # observed value lies between 14 and 30, so 30 is the smallest threshold that never fires.
    assert suggestion.threshold == 30 and suggestion.fires == 0
    assert replay(dataclasses.replace(config(n=3), threshold=14), history).fires == 1


def test_a_budget_of_one_fire_allows_the_biggest_incident() -> None:
    history = series(1, 2, 30, 31, 32, 2, 1, 12, 13, 14, 1)
    suggestion = suggest_threshold(config(n=3), history, max_fires=1)
    assert suggestion is not None and suggestion.threshold == 12 and suggestion.fires == 1


def test_greater_or_equal_needs_a_threshold_above_the_maximum() -> None:
    suggestion = suggest_threshold(
        config(n=1, op=ComparisonOperator.GREATER_THAN_OR_EQUAL), series(0, 1, 0, 1), max_fires=0
    )
    assert suggestion is not None and 1 < suggestion.threshold < 1.0001 and suggestion.fires == 0


def test_less_than_alarms_search_downwards() -> None:
    suggestion = suggest_threshold(config(n=1, op=ComparisonOperator.LESS_THAN), series(5, 3, 9, 4), max_fires=0)
    assert suggestion is not None and suggestion.threshold == 3


def test_no_suggestion_without_data_or_when_missing_data_breaches_anyway() -> None:
    assert suggest_threshold(config(), series(None, None), max_fires=0) is None
    gappy = series(1, None, None, None, None, None, 1)  # a whole range missing: both fills breach
    assert suggest_threshold(config(n=2, treat=TreatMissingData.BREACHING), gappy, max_fires=0) is None


def test_series_must_sit_on_the_evaluation_cadence_and_match_the_period() -> None:
    with pytest.raises(ValueError, match="boundary"):
        PeriodSeries(T0 + timedelta(seconds=30), 60, (1.0,))
    with pytest.raises(ValueError, match="periods"):
        replay(config(period=300), series(1.0))
    band = dataclasses.replace(config(), comparison_operator=ComparisonOperator.OUTSIDE_BAND, threshold_metric_id="ad")
    with pytest.raises(ValueError, match="anomaly"):
        replay(band, series(1.0))


def _p99_ignoring_low_samples(n: int = 5, m: int = 3) -> AlarmConfig:
    return AlarmConfig(
        period=60,
        evaluation_periods=n,
        datapoints_to_alarm=m,
        comparison_operator=ComparisonOperator.GREATER_THAN,
        threshold=10.0,
        treat_missing_data=TreatMissingData.NOT_BREACHING,
        extended_statistic="p99",
        evaluate_low_sample_count_percentile=LowSampleCount.IGNORE,
    )


def test_with_sample_counts_a_quiet_p99_keeps_its_state_as_cloudwatch_does() -> None:
    # "Percentile-based alarms and low data samples" (CloudWatch user guide): p99 needs 1,000
    # samples; with 3 requests a minute the breaching minutes leave the alarm where it was.
    values = (20.0,) * 30
    quiet = PeriodSeries(T0, 60, values, (3.0,) * 30)
    assert replay(_p99_ignoring_low_samples(), quiet).fires == 0
    busy = PeriodSeries(T0, 60, values, (1500.0,) * 30)
    assert replay(_p99_ignoring_low_samples(), busy).fires == 1
    assert replay(_p99_ignoring_low_samples(), PeriodSeries(T0, 60, values)).fires == 1  # no counts: evaluated


@pytest.mark.parametrize(("n", "m"), [(5, 3), (3, 2)])
def test_replay_with_sample_counts_matches_the_evaluator_called_at_every_period(n: int, m: int) -> None:
    rng = random.Random(f"samples-{n}-{m}")
    values = tuple(None if rng.random() < 0.3 else rng.uniform(0, 20) for _ in range(240))
    counts = tuple(None if v is None else float(rng.choice((50, 150, 400))) for v in values)
    alarm = _p99_ignoring_low_samples(n, m)
    state = AlarmState.INSUFFICIENT_DATA
    fires = 0
    for index in range(len(values)):
        points = [Datapoint(minute(i), v, counts[i]) for i, v in enumerate(values[: index + 1]) if v is not None]
        new = evaluate(alarm, points[-(n + 2) :], minute(index + 1)).resolve(state)
        fires += new is AlarmState.ALARM and state is not AlarmState.ALARM
        state = new
    result = replay(alarm, PeriodSeries(T0, 60, values, counts))
    assert (result.fires, result.final_state) == (fires, state)
