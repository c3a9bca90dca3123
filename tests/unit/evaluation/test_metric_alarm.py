"""Metric-alarm evaluation: operators, M of N, windows, reasons, percentiles with few samples.

Rules from the CloudWatch User Guide, "Using Amazon CloudWatch alarms" (archived as
awsdocs/amazon-cloudwatch-user-guide ``doc_source/AlarmThatSendsEmail.md``); reason wording from
captured alarm notifications (see sagewatch_evaluation.reason).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sagewatch_evaluation import (
    AlarmConfig,
    AlarmState,
    Band,
    ComparisonOperator,
    Datapoint,
    LowSampleCount,
    Sample,
    TreatMissingData,
    aggregate,
    align,
    datapoints_for_alarm,
    evaluate,
    evaluation_window,
    window_end,
)

from .helpers import NOW, WINDOW_END, config, from_pattern, period_start

OPERATOR_CASES = [
    (ComparisonOperator.GREATER_THAN_OR_EQUAL, 5.0, True),
    (ComparisonOperator.GREATER_THAN_OR_EQUAL, 4.9, False),
    (ComparisonOperator.GREATER_THAN, 5.0, False),
    (ComparisonOperator.GREATER_THAN, 5.1, True),
    (ComparisonOperator.LESS_THAN, 5.0, False),
    (ComparisonOperator.LESS_THAN, 4.9, True),
    (ComparisonOperator.LESS_THAN_OR_EQUAL, 5.0, True),
    (ComparisonOperator.LESS_THAN_OR_EQUAL, 5.1, False),
]


@pytest.mark.parametrize(("operator", "value", "alarms"), OPERATOR_CASES)
def test_each_threshold_operator_at_and_beside_the_threshold(
    operator: ComparisonOperator, value: float, alarms: bool
) -> None:
    alarm = config(n=1, period=60, threshold=5.0, operator=operator)
    outcome = evaluate(alarm, [Datapoint(period_start(1, 60), value)], NOW)
    assert outcome.state is (AlarmState.ALARM if alarms else AlarmState.OK)


BAND = Band(10.0, 20.0)
BAND_CASES = [
    (ComparisonOperator.OUTSIDE_BAND, 9.0, True),
    (ComparisonOperator.OUTSIDE_BAND, 21.0, True),
    (ComparisonOperator.OUTSIDE_BAND, 10.0, False),
    (ComparisonOperator.OUTSIDE_BAND, 20.0, False),
    (ComparisonOperator.BELOW_BAND, 9.0, True),
    (ComparisonOperator.BELOW_BAND, 21.0, False),
    (ComparisonOperator.ABOVE_BAND, 21.0, True),
    (ComparisonOperator.ABOVE_BAND, 9.0, False),
]


@pytest.mark.parametrize(("operator", "value", "alarms"), BAND_CASES)
def test_each_band_operator(operator: ComparisonOperator, value: float, alarms: bool) -> None:
    alarm = AlarmConfig(period=60, evaluation_periods=1, comparison_operator=operator, threshold_metric_id="ad1")
    moment = period_start(1, 60)
    outcome = evaluate(alarm, [Datapoint(moment, value)], NOW, bands={moment: BAND})
    assert outcome.state is (AlarmState.ALARM if alarms else AlarmState.OK)
    assert outcome.datapoints[0].band == BAND


def test_a_band_alarm_point_without_a_band_is_missing() -> None:
    alarm = AlarmConfig(
        period=60, evaluation_periods=1, comparison_operator=ComparisonOperator.OUTSIDE_BAND, threshold_metric_id="ad1"
    )
    outcome = evaluate(alarm, [Datapoint(period_start(1, 60), 1000.0)], NOW, bands={})
    assert outcome.state is AlarmState.INSUFFICIENT_DATA


def test_m_of_n_breaching_points_need_not_be_consecutive() -> None:
    """ "The breaching data points do not have to be consecutive" (Evaluating an alarm)."""
    alarm = config(n=5, m=3, period=60, evaluation_range=5)
    assert evaluate(alarm, from_pattern("X 0 X 0 X", period=60), NOW).state is AlarmState.ALARM
    assert evaluate(alarm, from_pattern("X 0 X 0 0", period=60), NOW).state is AlarmState.OK


def test_only_the_newest_n_real_points_count_when_there_are_more() -> None:
    alarm = config(n=3, m=3, evaluation_range=5)
    outcome = evaluate(alarm, from_pattern("0 0 X X X"), NOW)
    assert outcome.state is AlarmState.ALARM
    assert [p.timestamp for p in outcome.datapoints] == [period_start(3), period_start(2), period_start(1)]


def test_a_datapoint_with_no_value_is_missing() -> None:
    points = [Datapoint(period_start(age), None) for age in range(1, 6)]
    assert evaluate(config(), points, NOW).state is AlarmState.INSUFFICIENT_DATA


def test_late_data_inside_the_range_counts_and_data_outside_does_not() -> None:
    """ "Any real data points in the evaluation range, no matter when they were reported, are
    included"; a point older than the range is not."""
    alarm = config(n=3, m=3, treat=TreatMissingData.NOT_BREACHING)
    too_old = Datapoint(period_start(6), 0.0)
    points = [too_old, *from_pattern("X X X - -")]
    outcome = evaluate(alarm, points, NOW)
    assert outcome.state is AlarmState.ALARM
    assert too_old.timestamp not in [p.timestamp for p in outcome.datapoints]


# ----- windows and alignment -------------------------------------------------------------------


def test_standard_alarms_slide_every_minute_and_periods_end_at_the_minute_boundary() -> None:
    alarm = config(n=3, period=300)
    starts = evaluation_window(alarm, NOW)
    assert starts[-1] == datetime(2026, 11, 28, 3, 7, tzinfo=UTC)
    assert starts[0] == datetime(2026, 11, 28, 2, 47, tzinfo=UTC)
    assert evaluation_window(alarm, NOW + timedelta(seconds=30))[-1] == datetime(2026, 11, 28, 3, 8, tzinfo=UTC)


def test_high_resolution_alarms_slide_every_ten_seconds() -> None:
    moment = datetime(2026, 11, 28, 3, 12, 47, tzinfo=UTC)
    assert window_end(10, moment) == datetime(2026, 11, 28, 3, 12, 40, tzinfo=UTC)
    assert window_end(30, moment) == datetime(2026, 11, 28, 3, 12, 40, tzinfo=UTC)
    assert window_end(60, moment) == datetime(2026, 11, 28, 3, 12, tzinfo=UTC)


def test_naive_times_are_taken_as_utc() -> None:
    naive = NOW.replace(tzinfo=None)
    assert evaluation_window(config(), naive) == evaluation_window(config(), NOW)


def test_align_places_points_by_the_period_that_contains_them() -> None:
    starts = evaluation_window(config(n=1, evaluation_range=2), NOW)
    shifted = Datapoint(starts[1] + timedelta(minutes=3), 7.0)
    assert align([shifted], starts, 300) == (None, shifted)


def test_align_rejects_two_points_in_one_period() -> None:
    starts = evaluation_window(config(n=1, evaluation_range=1), NOW)
    points = [Datapoint(starts[0], 1.0), Datapoint(starts[0] + timedelta(seconds=60), 2.0)]
    with pytest.raises(ValueError, match="two datapoints"):
        align(points, starts, 300)


def test_aggregate_buckets_raw_samples_per_period_including_late_ones() -> None:
    alarm = config(n=2, period=60, evaluation_range=3)
    starts = evaluation_window(alarm, NOW)  # 03:09, 03:10, 03:11
    samples = [
        Sample(datetime(2026, 11, 28, 3, 9, 5, tzinfo=UTC), 4.0),
        Sample(datetime(2026, 11, 28, 3, 9, 59, tzinfo=UTC), 6.0, count=3),
        Sample(datetime(2026, 11, 28, 3, 11, 0, tzinfo=UTC), 1.0),
        Sample(datetime(2026, 11, 28, 3, 12, 0, tzinfo=UTC), 99.0),  # the current minute: not yet
    ]
    points = aggregate(samples, statistic="Sum", period=60, starts=starts)
    assert [(p.timestamp, p.value, p.sample_count) for p in points] == [
        (starts[0], 22.0, 4.0),
        (starts[1], None, None),
        (starts[2], 1.0, 1.0),
    ]
    assert datapoints_for_alarm(alarm, samples, NOW)[0].value == pytest.approx(5.5)  # Average


def test_datapoints_for_alarm_needs_a_statistic() -> None:
    alarm = AlarmConfig(
        period=60, evaluation_periods=1, comparison_operator=ComparisonOperator.GREATER_THAN, threshold=1.0
    )
    with pytest.raises(ValueError, match="no statistic"):
        datapoints_for_alarm(alarm, [], NOW)


# ----- reasons ---------------------------------------------------------------------------------


def test_alarm_reason_mirrors_cloudwatch() -> None:
    alarm = config(n=5, m=3, period=60, threshold=250000.0, evaluation_range=5)
    values = [1840000.0, 10.0, 900000.0, 300000.0, 20.0]  # oldest first
    points = [Datapoint(period_start(5 - i, 60), v) for i, v in enumerate(values)]
    outcome = evaluate(alarm, points, NOW)
    assert outcome.state is AlarmState.ALARM
    assert outcome.reason == (
        "Threshold Crossed: 3 out of the last 5 datapoints [300000.0 (28/11/26 03:10:00), "
        "900000.0 (28/11/26 03:09:00), 1840000.0 (28/11/26 03:07:00)] were greater than the threshold "
        "(250000.0) (minimum 3 datapoints for OK -> ALARM transition)."
    )


def test_ok_reason_lists_the_non_breaching_points_and_the_alarm_to_ok_minimum() -> None:
    alarm = config(n=5, m=3, period=60, threshold=0.0, evaluation_range=5)
    values = [1.0, 0.0, 1.0, 0.0, 0.0]
    points = [Datapoint(period_start(5 - i, 60), v) for i, v in enumerate(values)]
    outcome = evaluate(alarm, points, NOW)
    assert outcome.state is AlarmState.OK
    assert outcome.reason == (
        "Threshold Crossed: 3 out of the last 5 datapoints [0.0 (28/11/26 03:11:00), 0.0 (28/11/26 03:10:00), "
        "0.0 (28/11/26 03:08:00)] were not greater than the threshold (0.0) "
        "(minimum 3 datapoints for ALARM -> OK transition)."
    )


def test_singular_wording_for_one_datapoint() -> None:
    alarm = config(n=1, period=60, threshold=90.0, operator=ComparisonOperator.GREATER_THAN_OR_EQUAL)
    outcome = evaluate(alarm, [Datapoint(period_start(1, 60), 1.0166666666666666)], NOW)
    assert outcome.reason == (
        "Threshold Crossed: 1 out of the last 1 datapoints [1.0166666666666666 (28/11/26 03:11:00)] was not "
        "greater than or equal to the threshold (90.0) (minimum 1 datapoint for ALARM -> OK transition)."
    )


def test_reason_names_the_filled_points() -> None:
    alarm = config(n=20, m=1, period=60, operator=ComparisonOperator.GREATER_THAN_OR_EQUAL, evaluation_range=22)
    alarm = AlarmConfig(**{**alarm.__dict__, "treat_missing_data": TreatMissingData.NOT_BREACHING})
    outcome = evaluate(alarm, [Datapoint(period_start(2, 60), 613.0)], NOW)
    assert outcome.state is AlarmState.ALARM
    assert outcome.reason == (
        "Threshold Crossed: 1 out of the last 20 datapoints [613.0 (28/11/26 03:10:00)] was greater than or "
        "equal to the threshold (1.0) and 19 missing datapoints were treated as [NonBreaching] "
        "(minimum 1 datapoint for OK -> ALARM transition)."
    )


@pytest.mark.parametrize(
    ("treat", "state", "label"),
    [
        (TreatMissingData.BREACHING, AlarmState.ALARM, "Breaching"),
        (TreatMissingData.NOT_BREACHING, AlarmState.OK, "NonBreaching"),
    ],
)
def test_reason_when_no_datapoint_was_received(treat: TreatMissingData, state: AlarmState, label: str) -> None:
    outcome = evaluate(config(n=1, period=60, treat=treat), [], NOW)
    assert outcome.state is state
    assert outcome.reason == (
        f"Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [{label}]."
    )


def test_reason_when_only_filled_points_breach() -> None:
    outcome = evaluate(config(m=2, treat=TreatMissingData.BREACHING), from_pattern("- - - - 0"), NOW)
    assert outcome.state is AlarmState.ALARM
    assert outcome.reason == (
        "Threshold Crossed: 2 missing datapoints were treated as [Breaching] "
        "(minimum 2 datapoints for OK -> ALARM transition)."
    )


def test_insufficient_data_reason() -> None:
    assert evaluate(config(n=1, period=60), [], NOW).reason == "Insufficient Data: 1 datapoint was unknown."
    assert evaluate(config(n=3), [], NOW).reason == "Insufficient Data: 3 datapoints were unknown."
    assert evaluate(config(n=3), from_pattern("- - - - X"), NOW).reason == (
        "Insufficient Data: 2 datapoints were unknown."
    )


def test_premature_alarm_reason_counts_the_real_points_against_n() -> None:
    outcome = evaluate(config(), from_pattern("- - X - -"), NOW)
    assert outcome.reason == (
        "Threshold Crossed: 1 out of the last 3 datapoints [2.0 (28/11/26 02:57:00)] was greater than the "
        "threshold (1.0) (minimum 3 datapoints for OK -> ALARM transition)."
    )


def test_band_reason_lists_each_points_thresholds() -> None:
    alarm = AlarmConfig(
        period=300,
        evaluation_periods=2,
        comparison_operator=ComparisonOperator.OUTSIDE_BAND,
        threshold_metric_id="ad1",
        evaluation_range=2,
    )
    points = [Datapoint(period_start(2), 27.5), Datapoint(period_start(1), 28.25)]
    bands = {period_start(2): Band(31.75, 33.0), period_start(1): Band(31.5, 32.5)}
    outcome = evaluate(alarm, points, NOW, bands=bands)
    assert outcome.reason == (
        "Thresholds Crossed: 2 out of the last 2 datapoints [28.25 (28/11/26 03:07:00), 27.5 (28/11/26 03:02:00)] "
        "were less than the lower thresholds [31.5, 31.75] or greater than the upper thresholds [32.5, 33.0] "
        "(minimum 2 datapoints for OK -> ALARM transition)."
    )


@pytest.mark.parametrize(
    ("operator", "value", "words"),
    [
        (ComparisonOperator.ABOVE_BAND, 50.0, "were greater than the upper thresholds [20.0]"),
        (ComparisonOperator.BELOW_BAND, 5.0, "were less than the lower thresholds [10.0]"),
        (ComparisonOperator.ABOVE_BAND, 15.0, "was not greater than the upper thresholds [20.0]"),
    ],
)
def test_one_sided_band_reasons(operator: ComparisonOperator, value: float, words: str) -> None:
    alarm = AlarmConfig(period=300, evaluation_periods=1, comparison_operator=operator, threshold_metric_id="ad1")
    outcome = evaluate(alarm, [Datapoint(period_start(1), value)], NOW, bands={period_start(1): BAND})
    assert words.split(" ", 1)[1] in outcome.reason


# ----- percentiles with few samples ------------------------------------------------------------


def _p99(policy: LowSampleCount) -> AlarmConfig:
    return AlarmConfig(
        period=60,
        evaluation_periods=1,
        comparison_operator=ComparisonOperator.GREATER_THAN,
        threshold=250.0,
        extended_statistic="p99",
        evaluate_low_sample_count_percentile=policy,
    )


def test_low_sample_percentile_with_ignore_keeps_the_current_state() -> None:
    outcome = evaluate(_p99(LowSampleCount.IGNORE), [Datapoint(period_start(1, 60), 900.0, 999)], NOW)
    assert outcome.keeps_current_state
    assert outcome.resolve(AlarmState.OK) is AlarmState.OK
    assert "999.0 samples are fewer than the 1000.0 that p99 needs" in outcome.reason


def test_low_sample_percentile_with_evaluate_evaluates_anyway() -> None:
    outcome = evaluate(_p99(LowSampleCount.EVALUATE), [Datapoint(period_start(1, 60), 900.0, 5)], NOW)
    assert outcome.state is AlarmState.ALARM


def test_enough_samples_evaluate_even_with_ignore() -> None:
    outcome = evaluate(_p99(LowSampleCount.IGNORE), [Datapoint(period_start(1, 60), 900.0, 1000)], NOW)
    assert outcome.state is AlarmState.ALARM


def test_samples_of_all_evaluated_points_count_toward_the_bound() -> None:
    alarm = AlarmConfig(**{**_p99(LowSampleCount.IGNORE).__dict__, "evaluation_periods": 2})
    points = [Datapoint(period_start(2, 60), 900.0, 600), Datapoint(period_start(1, 60), 900.0, 400)]
    assert evaluate(alarm, points, NOW).state is AlarmState.ALARM


def test_unknown_sample_counts_cannot_trigger_the_rule() -> None:
    outcome = evaluate(_p99(LowSampleCount.IGNORE), [Datapoint(period_start(1, 60), 900.0)], NOW)
    assert outcome.state is AlarmState.ALARM


def test_samples_aggregated_from_raw_data_feed_the_rule() -> None:
    alarm = _p99(LowSampleCount.IGNORE)
    samples = [Sample(period_start(1, 60) + timedelta(seconds=i % 60), 900.0) for i in range(10)]
    outcome = evaluate(alarm, datapoints_for_alarm(alarm, samples, NOW), NOW)
    assert outcome.keeps_current_state


# ----- configuration ---------------------------------------------------------------------------


def test_from_describe_alarms_reads_a_metric_alarm() -> None:
    described = {
        "AlarmName": "x",
        "Period": 60,
        "EvaluationPeriods": 5,
        "DatapointsToAlarm": 3,
        "Threshold": 250000,
        "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": "notBreaching",
        "ExtendedStatistic": "p99",
        "EvaluateLowSampleCountPercentile": "ignore",
    }
    alarm = AlarmConfig.from_describe_alarms(described)
    assert alarm == AlarmConfig(
        period=60,
        evaluation_periods=5,
        datapoints_to_alarm=3,
        threshold=250000.0,
        comparison_operator=ComparisonOperator.GREATER_THAN,
        treat_missing_data=TreatMissingData.NOT_BREACHING,
        extended_statistic="p99",
        evaluate_low_sample_count_percentile=LowSampleCount.IGNORE,
    )
    assert alarm.required_breaching == 3
    assert alarm.stat == "p99"


def test_from_describe_alarms_defaults() -> None:
    alarm = AlarmConfig.from_describe_alarms(
        {
            "Period": 300,
            "EvaluationPeriods": 2,
            "Threshold": 1.0,
            "ComparisonOperator": "LessThanThreshold",
            "Statistic": "AVERAGE",  # as a notification spells it
            "EvaluateLowSampleCountPercentile": "",
        }
    )
    assert alarm.required_breaching == 2
    assert alarm.treat_missing_data is TreatMissingData.MISSING
    assert alarm.evaluate_low_sample_count_percentile is LowSampleCount.EVALUATE
    assert alarm.statistic == "Average"


def test_from_describe_alarms_reads_an_old_notification_trigger() -> None:
    alarm = AlarmConfig.from_describe_alarms(
        {
            "Period": 60,
            "EvaluationPeriods": 5,
            "ComparisonOperator": "LessThanThreshold",
            "Threshold": 65.0,
            "TreatMissingData": "- TreatMissingData:                    breaching",
            "Statistic": "MINIMUM",
        }
    )
    assert alarm.treat_missing_data is TreatMissingData.BREACHING


def test_from_describe_alarms_reads_a_math_alarm_with_lower_case_dimensions() -> None:
    alarm = AlarmConfig.from_describe_alarms(
        {
            "EvaluationPeriods": 5,
            "DatapointsToAlarm": 3,
            "ComparisonOperator": "GreaterThanThreshold",
            "Threshold": 5.0,
            "Metrics": [
                {
                    "Id": "errors",
                    "MetricStat": {
                        "Metric": {
                            "Namespace": "AWS/SageMaker",
                            "MetricName": "Invocation5XXErrors",
                            "Dimensions": [
                                {"value": "gpu", "name": "VariantName"},
                                {"name": "EndpointName", "value": "e"},
                            ],
                        },
                        "Period": 60,
                        "Stat": "Sum",
                    },
                    "ReturnData": False,
                },
                {"Id": "rate", "Expression": "100 * errors", "Label": "rate"},
            ],
        }
    )
    assert alarm.period == 60
    errors, rate = alarm.metrics
    assert errors.metric_stat is not None
    assert errors.metric_stat.dimensions == (("EndpointName", "e"), ("VariantName", "gpu"))
    assert not errors.return_data
    assert rate.return_data and rate.expression == "100 * errors"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"period": 45}, "period"),
        ({"evaluation_periods": 0}, "evaluation_periods"),
        ({"datapoints_to_alarm": 4}, "datapoints_to_alarm"),
        ({"threshold": None}, "needs a threshold"),
        ({"comparison_operator": ComparisonOperator.OUTSIDE_BAND}, "threshold_metric_id"),
        ({"extended_statistic": "p99"}, "not both"),
        ({"evaluation_range": 2}, "evaluation_range"),
    ],
)
def test_invalid_configurations_are_refused(changes: dict[str, object], message: str) -> None:
    base = config(n=3).__dict__
    with pytest.raises(ValueError, match=message):
        AlarmConfig(**{**base, **changes})


def test_unknown_operator_or_treatment_is_refused() -> None:
    base = {"Period": 60, "EvaluationPeriods": 1, "Threshold": 1.0}
    with pytest.raises(ValueError):
        AlarmConfig.from_describe_alarms({**base, "ComparisonOperator": "Above"})
    with pytest.raises(ValueError):
        AlarmConfig.from_describe_alarms({**base, "ComparisonOperator": "LessThanThreshold", "TreatMissingData": "x"})


# ----- properties ------------------------------------------------------------------------------

marks = st.lists(st.sampled_from(["0", "X", "-"]), min_size=5, max_size=5)


@given(values=st.lists(st.floats(-1e6, 1e6), min_size=5, max_size=5), m=st.integers(1, 3))
def test_without_missing_data_alarm_iff_at_least_m_of_the_newest_n_breach(values: list[float], m: int) -> None:
    for treat in TreatMissingData:
        alarm = config(n=3, m=m, treat=treat, threshold=0.0)
        points = [Datapoint(period_start(5 - i), v) for i, v in enumerate(values)]
        expected = AlarmState.ALARM if sum(v > 0.0 for v in values[-3:]) >= m else AlarmState.OK
        assert evaluate(alarm, points, NOW).state is expected


@given(pattern=marks, m=st.integers(1, 3), seed=st.integers(0, 1000))
def test_the_order_of_the_datapoints_does_not_matter(pattern: list[str], m: int, seed: int) -> None:
    alarm = config(n=3, m=m)
    points = from_pattern(" ".join(pattern))
    shuffled = list(points)
    random.Random(seed).shuffle(shuffled)
    assert evaluate(alarm, shuffled, NOW) == evaluate(alarm, points, NOW)


@given(pattern=marks, m=st.integers(1, 3))
def test_breaching_never_gives_a_better_state_than_not_breaching(pattern: list[str], m: int) -> None:
    text = " ".join(pattern)
    bad = evaluate(config(m=m, treat=TreatMissingData.BREACHING), from_pattern(text), NOW).state
    good = evaluate(config(m=m, treat=TreatMissingData.NOT_BREACHING), from_pattern(text), NOW).state
    assert not (bad is AlarmState.OK and good is AlarmState.ALARM)


def test_window_end_is_exposed_for_callers() -> None:
    assert window_end(300, NOW) == WINDOW_END
