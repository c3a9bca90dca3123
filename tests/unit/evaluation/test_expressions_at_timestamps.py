"""Metric math over timestamped datapoints (``evaluate_at``): what the emulated GetMetricData answers.

These are the assertions of the emulator's former parser (``sagewatch_emulator/cloudwatch/
metric_math.py``, deleted: GetMetricData now evaluates with the alarm evaluator's module), kept
against the one documented behaviour (CloudWatch User Guide, "Use metric math": "Metric math
syntax and functions", "Using IF expressions"). Where the answer changed because the old parser
contradicted the guide, the test says so:

- a value missing in one of two series counts as 0 ("Missing values in a time series are treated
  as 0"); the old parser dropped the timestamp;
- an expression of constants is an error ("The final result of any math expression must be a
  single time series"); the old parser returned no datapoints;
- ``NOT``/``!`` are refused: the guide's logical operators are AND/&& and OR/|| only;
- FILL is supported (the old parser refused it).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sagewatch_evaluation.expressions import (
    ExpressionError,
    UnsupportedFunctionError,
    evaluate_at,
    parse_expression,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def minute(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


def series_of(*values: float | None) -> list[tuple[datetime, float]]:
    """A per-minute series from T0; None leaves a gap."""
    return [(minute(i), float(v)) for i, v in enumerate(values) if v is not None]


def test_error_rate_expression_is_evaluated_pointwise() -> None:
    inv = series_of(10, 0, 20, 4)
    err = series_of(1, 0, 5, 1)
    points = evaluate_at("IF(inv > 0, 100 * err / inv)", {"inv": inv, "err": err})
    # minute 1: inv == 0, IF without else → no datapoint there
    assert points == [(minute(0), 10.0), (minute(2), 25.0), (minute(3), 25.0)]


def test_division_by_zero_gives_no_point() -> None:
    assert evaluate_at("a / b", {"a": series_of(1, 2, 3), "b": series_of(1, 0, 2)}) == [
        (minute(0), 1.0),
        (minute(2), 1.5),
    ]


def test_nested_parentheses_and_precedence() -> None:
    a = series_of(2, 3)
    assert evaluate_at("((a + 1) * (a - (1 - -1))) / ((2))", {"a": a}) == [(minute(0), 0.0), (minute(1), 2.0)]
    assert evaluate_at("a + 2 * a ^ 2", {"a": a}) == [(minute(0), 10.0), (minute(1), 21.0)]
    assert evaluate_at("-a ^ 2", {"a": a}) == [(minute(0), -4.0), (minute(1), -9.0)]


def test_if_with_else_comparisons_and_logic() -> None:
    a = series_of(1, 5, 10)
    assert evaluate_at("IF(a >= 5, a, 0)", {"a": a}) == [(minute(0), 0.0), (minute(1), 5.0), (minute(2), 10.0)]
    assert evaluate_at("a > 2 AND a < 10", {"a": a}) == [(minute(0), 0.0), (minute(1), 1.0), (minute(2), 0.0)]
    assert evaluate_at("a == 1 || a == 10", {"a": a}) == [(minute(0), 1.0), (minute(1), 0.0), (minute(2), 1.0)]
    assert evaluate_at("IF(a <= 4, a)", {"a": a}) == [(minute(0), 1.0)]


@pytest.mark.parametrize("expression", ["a == 1 || !(a != 10)", "IF(NOT a > 4, a)"])
def test_not_is_refused_because_the_guide_lists_no_such_operator(expression: str) -> None:
    # Changed: the old emulator parser accepted NOT/! (the guide's logical operators are AND, OR).
    with pytest.raises(ExpressionError):
        parse_expression(expression)


def test_a_value_missing_in_one_of_two_series_counts_as_zero() -> None:
    # Changed: the old emulator parser dropped minutes 1 and 2 ("a missing datapoint in any operand
    # drops that timestamp"); the guide treats the missing side as 0.
    points = evaluate_at("a + b", {"a": series_of(1, 2, None, 4), "b": series_of(10, None, 30, 40)})
    assert points == [(minute(0), 11.0), (minute(1), 2.0), (minute(2), 30.0), (minute(3), 44.0)]
    # Missing on both sides, or a series against a scalar, stays missing.
    assert evaluate_at("a + b", {"a": series_of(1, None), "b": series_of(2, None, 5)}) == [
        (minute(0), 3.0),
        (minute(2), 5.0),
    ]
    assert evaluate_at("a * 2", {"a": series_of(1, None, 3)}) == [(minute(0), 2.0), (minute(2), 6.0)]


def test_the_guides_comparison_example_on_timestamps() -> None:
    metric1 = series_of(30, 20, 0, 0)
    metric2 = series_of(20, None, 20, None)
    env = {"metric1": metric1, "metric2": metric2}
    assert [v for _, v in evaluate_at("(metric1 < metric2)", env)] == [0.0, 0.0, 1.0, 0.0]
    assert [v for _, v in evaluate_at("(metric1 > 15 AND metric2 > 15)", env)] == [1.0, 0.0, 0.0, 0.0]


def test_fill_uses_the_timeline_to_fill_periods_without_any_point() -> None:
    a = series_of(1, None, 3)
    grid = [minute(i) for i in range(5)]
    assert evaluate_at("FILL(a, 0)", {"a": a}, grid) == [
        (minute(0), 1.0),
        (minute(1), 0.0),
        (minute(2), 3.0),
        (minute(3), 0.0),
        (minute(4), 0.0),
    ]
    assert [v for _, v in evaluate_at("FILL(a, REPEAT)", {"a": a}, grid)] == [1.0, 1.0, 3.0, 3.0, 3.0]
    # Without a timeline only the series' own timestamps exist.
    assert evaluate_at("FILL(a, 0)", {"a": a}) == [(minute(0), 1.0), (minute(2), 3.0)]


def test_an_expression_of_constants_is_an_error() -> None:
    # Changed: the old emulator parser answered no datapoints; the result must be a time series.
    with pytest.raises(ExpressionError, match="time series"):
        evaluate_at("1 + 2", {})


def test_references_are_reported() -> None:
    assert parse_expression("IF(inv > 0, 100 * err / inv, other)").references == {"inv", "err", "other"}


@pytest.mark.parametrize(
    "expression",
    ["", "   ", "1 +", "(a", "a)", "a b", "IF(a)", "IF(a, b, c, d)", "a > b > c", "* a", "a ,", "1e999", "a..b"],
)
def test_malformed_expressions_are_rejected(expression: str) -> None:
    with pytest.raises(ExpressionError):
        parse_expression(expression)


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os')",
        "__import__('os').system('true')",
        "a.__class__",
        "a[0]",
        "lambda: 1",
        "open('/etc/passwd')",
        "a; b",
        "`a`",
        "a = 1",
    ],
)
def test_no_python_can_be_smuggled_in(expression: str) -> None:
    with pytest.raises(ExpressionError):
        evaluate_at(expression, {"a": series_of(1), "b": series_of(2)})


def test_unknown_functions_and_ids_are_errors() -> None:
    with pytest.raises(UnsupportedFunctionError, match="METRICS"):
        parse_expression("METRICS()")
    with pytest.raises(UnsupportedFunctionError):
        parse_expression("if(a > 0, a)")  # CloudWatch's functions are upper case
    with pytest.raises(ExpressionError, match="unknown id 'nope'"):
        evaluate_at("a + nope", {"a": series_of(1)})


def test_deep_nesting_and_long_expressions_fail_cleanly() -> None:
    with pytest.raises(ExpressionError, match="nested"):
        parse_expression("(" * 500 + "a" + ")" * 500)
    with pytest.raises(ExpressionError, match="nested"):
        parse_expression("-" * 500 + "a")
    with pytest.raises(ExpressionError, match="longer"):
        parse_expression("a + " * 600 + "a")


def test_overflow_gives_no_point_instead_of_an_error() -> None:
    assert evaluate_at("a ^ 1000", {"a": series_of(10, 1)}) == [(minute(1), 1.0)]
