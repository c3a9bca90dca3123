"""The anomaly band (a documented approximation) and alarms on several metrics.

Sources: CloudWatch User Guide, "Using CloudWatch anomaly detection" and "Alarms on math
expressions" (awsdocs/amazon-cloudwatch-user-guide ``doc_source/CloudWatch_Anomaly_Detection.md``,
``doc_source/AlarmThatSendsEmail.md``). The band itself is this project's approximation
(anomaly.py): mean ± k·stddev of the trailing history.
"""

from __future__ import annotations

import pytest

from sagewatch_evaluation import (
    AlarmConfig,
    AlarmState,
    Band,
    ComparisonOperator,
    Datapoint,
    MetricDataQuery,
    MetricStat,
    TreatMissingData,
    alarm_series,
    anomaly_bands,
    band_from_history,
    evaluate_alarm,
    parse_anomaly_band,
)
from sagewatch_evaluation.expressions import ExpressionError

from .helpers import NOW, period_start


def test_parse_anomaly_band() -> None:
    assert parse_anomaly_band("ANOMALY_DETECTION_BAND(m1, 2)") == ("m1", 2.0)
    assert parse_anomaly_band("ANOMALY_DETECTION_BAND(m1,3.5)") == ("m1", 3.5)
    assert parse_anomaly_band("ANOMALY_DETECTION_BAND(m1)") == ("m1", 2.0)  # the documented default
    assert parse_anomaly_band("m1 * 2") is None


def test_band_is_mean_plus_minus_k_population_stddevs() -> None:
    assert band_from_history([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0], 2.0) == Band(1.0, 9.0)
    assert band_from_history([3.0, 3.0], 2.0) == Band(3.0, 3.0)
    with pytest.raises(ValueError):
        band_from_history([], 2.0)


def test_bands_use_only_earlier_points_and_need_min_history() -> None:
    values: list[float | None] = [1.0, 3.0, 1.0, 3.0, None, 100.0]
    points = [Datapoint(period_start(10 - i), v) for i, v in enumerate(values)]
    bands = anomaly_bands(points, stddevs=1.0, window=4, min_history=4)
    assert list(bands) == [period_start(6), period_start(5)]
    assert bands[period_start(5)] == Band(1.0, 3.0)  # the spike itself is not in its own band


def test_band_parameters_are_validated() -> None:
    with pytest.raises(ValueError):
        anomaly_bands([], window=2, min_history=3)
    with pytest.raises(ValueError):
        anomaly_bands([], stddevs=-1.0)
    with pytest.raises(ValueError):
        Band(2.0, 1.0)


def _anomaly_alarm() -> AlarmConfig:
    return AlarmConfig(
        period=300,
        evaluation_periods=1,
        comparison_operator=ComparisonOperator.ABOVE_BAND,
        threshold_metric_id="ad1",
        metrics=(
            MetricDataQuery("m1", MetricStat("AWS/SageMaker", "Invocations", (("EndpointName", "e"),), 300, "Sum")),
            MetricDataQuery("ad1", expression="ANOMALY_DETECTION_BAND(m1, 2)"),
        ),
    )


def _history(last: float) -> list[Datapoint]:
    values = [100.0, 110.0] * 10 + [last]
    return [Datapoint(period_start(len(values) - i), v) for i, v in enumerate(values)]


def test_an_anomaly_alarm_goes_to_alarm_on_a_spike_and_stays_ok_otherwise() -> None:
    spike = evaluate_alarm(_anomaly_alarm(), {"m1": _history(500.0)}, NOW)
    assert spike.state is AlarmState.ALARM
    assert spike.reason == (
        "Thresholds Crossed: 1 out of the last 1 datapoints [500.0 (28/11/26 03:07:00)] was greater than the "
        "upper thresholds [115.0] (minimum 1 datapoint for OK -> ALARM transition)."
    )
    assert evaluate_alarm(_anomaly_alarm(), {"m1": _history(105.0)}, NOW).state is AlarmState.OK


def test_an_anomaly_alarm_without_enough_history_has_insufficient_data() -> None:
    points = [Datapoint(period_start(1), 500.0)]
    assert evaluate_alarm(_anomaly_alarm(), {"m1": points}, NOW).state is AlarmState.INSUFFICIENT_DATA


def _rate_alarm(treat: TreatMissingData) -> AlarmConfig:
    def metric(name: str) -> MetricStat:
        return MetricStat("AWS/SageMaker", name, (("EndpointName", "e"), ("VariantName", "v")), 60, "Sum")

    return AlarmConfig(
        period=60,
        evaluation_periods=5,
        datapoints_to_alarm=3,
        threshold=5.0,
        comparison_operator=ComparisonOperator.GREATER_THAN,
        treat_missing_data=treat,
        evaluation_range=5,
        metrics=(
            MetricDataQuery("errors", metric("Invocation5XXErrors"), return_data=False),
            MetricDataQuery("invocations", metric("Invocations"), return_data=False),
            MetricDataQuery("pct", expression="100 * errors / invocations", return_data=False),
            MetricDataQuery("rate", expression="IF(invocations > 0, pct)"),
        ),
    )


def _series(values: list[float | None]) -> list[Datapoint]:
    return [Datapoint(period_start(5 - i, 60), v) for i, v in enumerate(values) if v is not None]


def test_a_math_alarm_evaluates_its_expression_per_period() -> None:
    series = {"errors": _series([1, 10, 20, 30, 0]), "invocations": _series([100, 100, 100, 100, 100])}
    outcome = evaluate_alarm(_rate_alarm(TreatMissingData.NOT_BREACHING), series, NOW)
    assert outcome.state is AlarmState.ALARM
    assert [p.value for p in outcome.datapoints] == [1.0, 10.0, 20.0, 30.0, 0.0]


def test_a_math_expression_without_a_value_is_a_missing_point() -> None:
    """No traffic: IF(invocations > 0, ...) has no value, so TreatMissingData decides."""
    series = {"errors": _series([None] * 5), "invocations": _series([0, 0, 0, 0, 0])}
    quiet = evaluate_alarm(_rate_alarm(TreatMissingData.NOT_BREACHING), series, NOW)
    assert quiet.state is AlarmState.OK
    assert quiet.reason.startswith("Threshold Crossed: no datapoints were received for 5 periods")
    assert evaluate_alarm(_rate_alarm(TreatMissingData.MISSING), series, NOW).state is AlarmState.INSUFFICIENT_DATA


def test_alarm_series_keeps_a_returned_metrics_sample_counts() -> None:
    alarm = AlarmConfig(
        period=60,
        evaluation_periods=1,
        threshold=1.0,
        comparison_operator=ComparisonOperator.GREATER_THAN,
        metrics=(MetricDataQuery("m1", MetricStat("N", "M", (), 60, "p99")),),
    )
    point = Datapoint(period_start(1, 60), 3.0, sample_count=12)
    assert alarm_series(alarm, {"m1": [point]}, NOW).datapoints == (point,)


@pytest.mark.parametrize(
    ("metrics", "threshold_metric_id", "message"),
    [
        (
            (MetricDataQuery("a", expression="b"), MetricDataQuery("b", expression="a", return_data=False)),
            None,
            "cycle",
        ),
        ((MetricDataQuery("a", expression="1 + z"),), None, "no metric query"),
        ((MetricDataQuery("a", expression="x"), MetricDataQuery("b", expression="x")), None, "exactly one"),
    ],
)
def test_bad_metric_sets_are_refused(
    metrics: tuple[MetricDataQuery, ...], threshold_metric_id: str | None, message: str
) -> None:
    alarm = AlarmConfig(
        period=60,
        evaluation_periods=1,
        threshold=1.0,
        comparison_operator=ComparisonOperator.GREATER_THAN,
        metrics=metrics,
        threshold_metric_id=threshold_metric_id,
    )
    with pytest.raises((ValueError, ExpressionError), match=message):
        alarm_series(alarm, {}, NOW)


def test_a_band_alarm_needs_a_band_expression_and_its_metric() -> None:
    alarm = _anomaly_alarm()
    with pytest.raises(ValueError, match="has no datapoints"):
        alarm_series(alarm, {}, NOW)
    not_a_band = AlarmConfig(
        **{**alarm.__dict__, "metrics": (alarm.metrics[0], MetricDataQuery("ad1", expression="m1 * 2"))}
    )
    with pytest.raises(ValueError, match="not an ANOMALY_DETECTION_BAND"):
        alarm_series(not_a_band, {"m1": []}, NOW)


def test_a_plain_alarm_is_not_a_math_alarm() -> None:
    alarm = AlarmConfig(
        period=60, evaluation_periods=1, threshold=1.0, comparison_operator=ComparisonOperator.LESS_THAN
    )
    with pytest.raises(ValueError, match="not a metric-math"):
        alarm_series(alarm, {}, NOW)
