"""The shared interface: statistics of a published minute and PutMetricData entries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sagewatch_evaluation.statistics import Sample, compute
from sagewatch_simulator.traffic import (
    MAX_VALUES_PER_DATUM,
    Endpoint,
    EndpointKind,
    MetricKey,
    Published,
    TrafficProfile,
    Variant,
    check,
    to_put_metric_data,
)
from tests.unit.simulator.traffic.helpers import HOUR, MONDAY, realtime, run

AT = datetime(2026, 11, 2, 12, 30, tzinfo=UTC)
NOON = MONDAY + 12 * HOUR
LATENCY = MetricKey.of("AWS/SageMaker", "ModelLatency", "Microseconds", {"VariantName": "a", "EndpointName": "e"})


def test_dimensions_are_sorted_by_name() -> None:
    assert LATENCY.dimensions == (("EndpointName", "e"), ("VariantName", "a"))
    assert LATENCY.dimension("VariantName") == "a"
    assert LATENCY.dimension("Host") is None


def test_statistics_follow_values_and_counts() -> None:
    invocations = Published(LATENCY, AT, (1.0,), (120.0,))
    assert invocations.total == 120 and invocations.sample_count == 120
    errors = Published(LATENCY, AT, (1.0, 0.0), (6.0, 114.0))
    assert errors.total == 6 and errors.sample_count == 120 and errors.average == pytest.approx(0.05)
    assert errors.minimum == 0 and errors.maximum == 1


def test_percentiles_agree_with_the_alarm_evaluator() -> None:
    item = Published(LATENCY, AT, (10.0, 20.0, 30.0, 400.0), (50.0, 30.0, 19.0, 1.0))
    samples = [Sample(AT, v, c) for v, c in zip(item.values, item.counts, strict=True)]
    for p in (50, 90, 99, 99.5, 100):
        assert item.percentile(p) == compute(f"p{p:g}", samples)


@pytest.mark.parametrize(
    ("item", "problem"),
    [
        (Published(LATENCY, AT.replace(second=5), (1.0,), (1.0,)), "minute-aligned"),
        (Published(LATENCY, AT.replace(tzinfo=None), (1.0,), (1.0,)), "aware UTC"),
        (Published(LATENCY, AT, (), ()), "non-empty"),
        (Published(LATENCY, AT, (1.0, 2.0), (1.0,)), "equal length"),
        (Published(LATENCY, AT, (float("nan"),), (1.0,)), "NaN"),
        (Published(LATENCY, AT, (1.0,), (0.0,)), "positive"),
        (Published(MetricKey("N", "M", (("b", "1"), ("a", "2")), "None"), AT, (1.0,), (1.0,)), "sorted"),
    ],
)
def test_check_rejects_what_cloudwatch_or_the_contract_would(item: Published, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        check(item)


def test_put_metric_data_entry_has_the_boto3_shape() -> None:
    (entry,) = to_put_metric_data(Published(LATENCY, AT, (5.0, 9.0), (3.0, 1.0)))
    assert entry == {
        "MetricName": "ModelLatency",
        "Dimensions": [{"Name": "EndpointName", "Value": "e"}, {"Name": "VariantName", "Value": "a"}],
        "Timestamp": AT,
        "Values": [5.0, 9.0],
        "Counts": [3.0, 1.0],
        "Unit": "Microseconds",
        "StorageResolution": 60,
    }


def test_more_than_150_distinct_values_are_chunked_without_losing_a_sample() -> None:
    values = tuple(float(v) for v in range(1, 401))
    item = Published(LATENCY, AT, (*values, 1.0), (1.0,) * 401)  # 400 distinct values; 1.0 twice
    entries = to_put_metric_data(item)
    assert [len(e["Values"]) for e in entries] == [150, 150, 100]
    assert all(len(e["Values"]) <= MAX_VALUES_PER_DATUM for e in entries)
    assert sum(sum(e["Counts"]) for e in entries) == 401
    assert sorted(v for e in entries for v in e["Values"]) == list(values)
    assert {e["Timestamp"] for e in entries} == {AT}


def serverless_endpoint() -> Endpoint:
    return Endpoint("sls", EndpointKind.SERVERLESS, (Variant("AllTraffic", None),), TrafficProfile(peak_rpm=20))


def test_every_simulated_item_fits_one_or_more_valid_entries() -> None:
    items = run([realtime(), serverless_endpoint()], start=NOON, end=NOON + HOUR)
    assert items
    for item in items:
        entries = to_put_metric_data(item)
        assert sum(sum(e["Counts"]) for e in entries) == pytest.approx(item.sample_count)
