"""The emulator's GetMetricData paging (MaxDatapoints/NextToken), as the API reference describes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sagewatch_emulator.cloudwatch.statistics import metric_data_page

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def result(query_id: str, minutes: list[int]) -> dict[str, Any]:
    return {
        "Id": query_id,
        "Label": query_id,
        "Timestamps": [T0 + timedelta(minutes=m) for m in minutes],
        "Values": [float(m) for m in minutes],
        "StatusCode": "Complete",
    }


def test_pages_cut_oldest_first_across_queries_and_mark_partial_results() -> None:
    results = [result("a", [0, 1, 2, 3]), result("b", [0, 2])]
    first, following = metric_data_page(results, 3, 0, descending=False)
    assert following == 3
    assert [(r["Id"], r["Values"], r["StatusCode"]) for r in first] == [
        ("a", [0.0, 1.0], "PartialData"),
        ("b", [0.0], "PartialData"),
    ]
    second, following = metric_data_page(results, 3, 3, descending=False)
    assert following is None
    assert [(r["Id"], r["Values"], r["StatusCode"]) for r in second] == [
        ("a", [2.0, 3.0], "Complete"),
        ("b", [2.0], "Complete"),
    ]


def test_descending_pages_start_with_the_newest() -> None:
    page, following = metric_data_page([result("a", [3, 2, 1, 0])], 2, 0, descending=True)
    assert page[0]["Values"] == [3.0, 2.0] and following == 2


def test_everything_fits_in_one_page_by_default_and_insights_answers_pass_through() -> None:
    insights = {"id": "s", "values": [1.0], "timestamps": [T0]}
    page, following = metric_data_page([result("a", [0, 1]), insights], 100_800, 0, descending=False)
    assert following is None and page[1] == insights and page[0]["StatusCode"] == "Complete"


def test_a_value_handed_over_once_with_its_count_is_that_many_samples() -> None:
    # The store gives GetMetricData one datum per histogram band with its count (WEIGHT) instead of
    # one per request: every statistic, SampleCount included, must equal the expanded values'.
    from types import SimpleNamespace

    from sagewatch_emulator.cloudwatch.metrics_insights import WEIGHT
    from sagewatch_emulator.cloudwatch.statistics import _statistic, percentile

    bands = [(120.0, 700), (300.0, 250), (2000.0, 50)]
    weighted = [SimpleNamespace(value=value, **{WEIGHT: count}) for value, count in bands]
    expanded = [SimpleNamespace(value=value) for value, count in bands for _ in range(count)]
    for stat in ("SampleCount", "Sum", "Average", "Minimum", "Maximum", "p50", "p90", "p99", "p99.9"):
        assert _statistic(stat, weighted) == _statistic(stat, expanded), stat
    assert _statistic("SampleCount", weighted) == 1000
    assert _statistic("p99", weighted) == percentile([v.value for v in expanded], 99)
