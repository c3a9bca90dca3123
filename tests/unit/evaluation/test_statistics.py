"""Statistics over raw samples and the percentile low-sample bound.

Sources: CloudWatch User Guide, "CloudWatch statistics definitions" and "Percentile-based
CloudWatch alarms and low data samples" (awsdocs/amazon-cloudwatch-user-guide
``doc_source/Statistics-definitions.md``, ``doc_source/AlarmThatSendsEmail.md``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sagewatch_evaluation import Sample, compute, is_low_sample, low_sample_bound, parse_statistic, percentile

T = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


def samples(*values: float) -> list[Sample]:
    return [Sample(T, value) for value in values]


@pytest.mark.parametrize(
    ("statistic", "expected"),
    [
        ("SampleCount", 4.0),
        ("Sum", 10.0),
        ("Average", 2.5),
        ("Minimum", 1.0),
        ("Maximum", 4.0),
        ("p50", 2.0),
        ("p75", 3.0),
        ("p100", 4.0),
        ("p0", 1.0),
    ],
)
def test_each_statistic(statistic: str, expected: float) -> None:
    assert compute(statistic, samples(3.0, 1.0, 4.0, 2.0)) == expected


def test_counts_weigh_every_statistic() -> None:
    weighted = [Sample(T, 10.0, count=9), Sample(T, 100.0)]
    assert compute("SampleCount", weighted) == 10.0
    assert compute("Sum", weighted) == 190.0
    assert compute("Average", weighted) == 19.0
    assert compute("p90", weighted) == 10.0
    assert compute("p91", weighted) == 100.0


def test_percentile_is_nearest_rank_over_a_hundred_values() -> None:
    values = samples(*range(1, 101))
    assert compute("p99", values) == 99.0
    assert compute("p99.5", values) == 100.0
    assert compute("p1", values) == 1.0


def test_no_samples_is_no_datapoint() -> None:
    assert compute("Sum", []) is None
    assert compute("p99", []) is None


def test_percentiles_are_unavailable_with_negative_values() -> None:
    assert compute("p50", samples(-1.0, 2.0)) is None
    assert compute("Average", samples(-1.0, 2.0)) == 0.5


@pytest.mark.parametrize("text", ["AVERAGE", "average", "Average"])
def test_standard_names_in_any_case(text: str) -> None:
    assert parse_statistic(text).name == "Average"


def test_percentile_names_keep_their_exact_value() -> None:
    assert parse_statistic("p99.9").percentile == Fraction(999, 10)
    assert parse_statistic("P50").name == "p50"


@pytest.mark.parametrize("text", ["tm99", "p101", "p", "IQM", "Median", "p99.9.9"])
def test_unsupported_statistics_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_statistic(text)


def test_samples_are_finite_with_a_positive_count() -> None:
    with pytest.raises(ValueError):
        Sample(T, float("nan"))
    with pytest.raises(ValueError):
        Sample(T, 1.0, count=0)


@pytest.mark.parametrize(
    ("statistic", "bound"),
    [
        ("p99", Fraction(1000)),  # "fewer than 1000 samples for an alarm on a p99 percentile"
        ("p50", Fraction(20)),  # 0.5 is inclusive: 10 / (1 - 0.5)
        ("p90", Fraction(100)),
        ("p99.9", Fraction(10000)),
        ("p10", Fraction(100)),  # below 0.5: 10 / percentile
        ("p25", Fraction(40)),
        ("p100", None),  # 1.00 is exclusive
        ("p0", None),
    ],
)
def test_low_sample_bound(statistic: str, bound: Fraction | None) -> None:
    p = parse_statistic(statistic).percentile
    assert p is not None
    assert low_sample_bound(p) == bound


def test_low_sample_is_strictly_below_the_bound() -> None:
    assert is_low_sample(Fraction(99), 999)
    assert not is_low_sample(Fraction(99), 1000)
    assert not is_low_sample(Fraction(100), 1)


def test_percentile_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile(samples(1.0), 101)


@given(st.lists(st.floats(0, 1e9), min_size=1, max_size=50), st.floats(0, 100), st.floats(0, 100))
def test_percentiles_are_monotonic_and_within_the_range(values: list[float], a: float, b: float) -> None:
    low, high = sorted((a, b))
    data = samples(*values)
    assert min(values) <= percentile(data, low) <= percentile(data, high) <= max(values)
