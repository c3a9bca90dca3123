"""Metric math for alarms: arithmetic, comparisons, IF, FILL, and missing points.

Source: CloudWatch User Guide, "Use metric math" (awsdocs/amazon-cloudwatch-user-guide
``doc_source/using-metric-math.md``). The comparison and IF expectations below are the doc's own
example tables.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from sagewatch_evaluation import (
    ExpressionError,
    UnsupportedFunctionError,
    evaluate_expression,
    parse_expression,
)

N = None
SeriesMap = dict[str, Sequence[float | None]]


def test_arithmetic_with_numbers_and_precedence() -> None:
    series = {"m1": [1.0, 2.0], "m2": [10.0, 20.0]}
    assert evaluate_expression("m1 + m2 * 2", series) == (21.0, 42.0)
    assert evaluate_expression("(m1 + m2) * 2", series) == (22.0, 44.0)
    assert evaluate_expression("m2 / m1 - 1", series) == (9.0, 9.0)
    assert evaluate_expression("-m1 + 2 ^ 3", series) == (7.0, 6.0)
    assert evaluate_expression("100 * m1 / m2", series) == (10.0, 10.0)


def test_series_with_a_scalar_keeps_missing_points_missing() -> None:
    assert evaluate_expression("m1 * 100", {"m1": [1.0, N]}) == (100.0, N)


def test_between_two_series_a_one_sided_gap_counts_as_zero_and_a_two_sided_one_stays_missing() -> None:
    """ "Missing values in a time series are treated as 0"; no operand, no value."""
    series: SeriesMap = {"m1": [5.0, N, N], "m2": [N, 3.0, N]}
    assert evaluate_expression("m1 + m2", series) == (5.0, 3.0, N)
    assert evaluate_expression("m1 - m2", series) == (5.0, -3.0, N)


def test_division_by_zero_drops_the_point() -> None:
    assert evaluate_expression("m1 / m2", {"m1": [1.0, 1.0], "m2": [0.0, 2.0]}) == (N, 0.5)
    assert evaluate_expression("m1 / 0", {"m1": [1.0]}) == (N,)


def test_documented_comparison_table() -> None:
    series: SeriesMap = {"metric1": [30.0, 20.0, 0.0, 0.0], "metric2": [20.0, N, 20.0, N]}
    assert evaluate_expression("(metric1 < metric2)", series) == (0.0, 0.0, 1.0, 0.0)
    assert evaluate_expression("(metric1 >= 30)", series) == (1.0, 0.0, 0.0, 0.0)
    assert evaluate_expression("(metric1 > 15 AND metric2 > 15)", series) == (1.0, 0.0, 0.0, 0.0)
    assert evaluate_expression("metric1 > 15 && metric2 > 15", series) == (1.0, 0.0, 0.0, 0.0)
    # metric2 != 20 has no value where metric2 has none; OR then counts that side as 0.
    assert evaluate_expression("metric1 == 0 OR metric2 != 20", series) == (0.0, 0.0, 1.0, 1.0)
    assert evaluate_expression("metric1 <= 20 || metric2 == 20", series) == (1.0, 1.0, 1.0, 1.0)


IF_SERIES: SeriesMap = {
    "metric1": [1.0, 1.0, 0.0, 0.0, N],
    "metric2": [30.0, N, 0.0, 0.0, 30.0],
    "metric3": [0.0, 0.0, 20.0, N, 20.0],
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("IF(metric1, metric2, metric3)", (30.0, 0.0, 20.0, N, N)),
        ("IF(metric1, 5, metric3)", (5.0, 5.0, 20.0, N, N)),
        ("IF(metric1, metric2, 5)", (30.0, 0.0, 5.0, 5.0, N)),
        ("IF(metric1, metric2)", (30.0, 0.0, N, N, N)),
        ("IF(metric3 > 10, 1, 0)", (0.0, 0.0, 1.0, N, 1.0)),
        ("IF(1, metric2)", (30.0, N, 0.0, 0.0, 30.0)),
        ("IF(0, metric2)", (N, N, N, N, N)),
        ("IF(0, metric2, metric3)", (0.0, 0.0, 20.0, N, 20.0)),
    ],
)
def test_documented_if_tables(expression: str, expected: tuple[float | None, ...]) -> None:
    assert evaluate_expression(expression, IF_SERIES) == expected


def test_sagewatch_error_rate_has_no_value_without_traffic() -> None:
    """core.alarms' 5XX rate: no invocations -> no datapoint -> TreatMissingData decides."""
    series: SeriesMap = {"invocations": [200.0, 0.0, N], "errors": [10.0, 0.0, N]}
    assert evaluate_expression("IF(invocations > 0, 100 * errors / invocations)", series) == (5.0, N, N)
    no_error_metric: SeriesMap = {"invocations": [200.0], "errors": [N]}
    assert evaluate_expression("IF(invocations > 0, 100 * errors / invocations)", no_error_metric) == (0.0,)


def test_fill_with_a_number_a_series_or_repeat() -> None:
    series: SeriesMap = {"m1": [N, 1.0, N, 3.0, N], "m2": [9.0, 9.0, 8.0, 9.0, N]}
    assert evaluate_expression("FILL(m1, 0)", series) == (0.0, 1.0, 0.0, 3.0, 0.0)
    assert evaluate_expression("FILL(m1, m2)", series) == (9.0, 1.0, 8.0, 3.0, N)
    assert evaluate_expression("FILL(m1, REPEAT)", series) == (N, 1.0, 1.0, 3.0, 3.0)
    assert evaluate_expression("FILL(m1, 0) * 2", series) == (0.0, 2.0, 0.0, 6.0, 0.0)


def test_references_are_reported() -> None:
    assert parse_expression("IF(a > 0, 100 * b / a, FILL(c, 0))").references == frozenset({"a", "b", "c"})


@pytest.mark.parametrize(
    ("expression", "error"),
    [
        ("", ExpressionError),
        ("m1 +", ExpressionError),
        ("(m1", ExpressionError),
        ("m1 m2", ExpressionError),
        ("m1 $ 2", ExpressionError),
        ("1 < m1 < 3", ExpressionError),
        ("IF(m1)", ExpressionError),
        ("FILL(m1)", ExpressionError),
        ("FILL(REPEAT, m1)", ExpressionError),
        ("IF(REPEAT, m1)", ExpressionError),
        ("RATE(m1)", UnsupportedFunctionError),
        ("ANOMALY_DETECTION_BAND(m1, 2)", UnsupportedFunctionError),
        ("m1 + LINEAR", UnsupportedFunctionError),
        ("(" * 70 + "m1" + ")" * 70, ExpressionError),
        ("m1 + " + "1" * 2100, ExpressionError),
        ("1e999 + m1", ExpressionError),
    ],
)
def test_bad_expressions_are_refused(expression: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        evaluate_expression(expression, {"m1": [1.0]})


def test_evaluation_errors() -> None:
    with pytest.raises(ExpressionError, match="unknown id 'm2'"):
        evaluate_expression("m1 + m2", {"m1": [1.0]})
    with pytest.raises(ExpressionError, match="time series"):
        evaluate_expression("1 + 2", {})
    with pytest.raises(ExpressionError, match="one timeline"):
        evaluate_expression("m1 + m2", {"m1": [1.0], "m2": [1.0, 2.0]})
    with pytest.raises(ExpressionError, match="no value"):
        evaluate_expression("m1 + 1 / 0", {"m1": [1.0]})
    with pytest.raises(ExpressionError, match="FILL needs a time series"):
        evaluate_expression("m1 + FILL(1, 0)", {"m1": [1.0]})
