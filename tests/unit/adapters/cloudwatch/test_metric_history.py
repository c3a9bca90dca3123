"""GetMetricData over long windows: batches of 500, at most 100,800 data points per call, NextToken."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from sagewatch.adapters.cloudwatch.metric_history import (
    MAX_DATAPOINTS_PER_CALL,
    MAX_QUERIES_PER_CALL,
    MetricHistory,
    plan_requests,
)
from sagewatch.core.shared.errors import AwsCallError

T0 = datetime(2026, 3, 2, tzinfo=UTC)
DAY = timedelta(days=1)


def query(query_id: str, period: int = 60) -> dict[str, Any]:
    return {
        "Id": query_id,
        "MetricStat": {
            "Metric": {"Namespace": "AWS/SageMaker", "MetricName": "Invocations", "Dimensions": []},
            "Period": period,
            "Stat": "Sum",
        },
        "ReturnData": True,
    }


def test_one_call_when_everything_fits() -> None:
    requests = plan_requests([query("a"), query("b"), query("c", 300)], T0, T0 + 2 * DAY)
    assert [(len(r.queries), r.start, r.end) for r in requests] == [
        (2, T0, T0 + 2 * DAY),
        (1, T0, T0 + 2 * DAY),
    ]
    assert requests[0].datapoints == 2 * 2880


def test_long_windows_are_split_so_no_call_exceeds_100800_datapoints() -> None:
    queries = [query(f"q{i}") for i in range(40)]  # 14 days of 1-minute data: 806,400 points
    requests = plan_requests(queries, T0, T0 + 14 * DAY)
    assert len(requests) == 8
    assert all(r.datapoints <= MAX_DATAPOINTS_PER_CALL for r in requests)
    assert requests[0].start == T0 and requests[-1].end == T0 + 14 * DAY
    assert all(a.end == b.start for a, b in itertools.pairwise(requests))
    # Chunks are whole periods from the window's start, so timestamps match one long request.
    assert all((r.start - T0).total_seconds() % 60 == 0 for r in requests)


def test_more_than_500_queries_are_batched() -> None:
    queries = [query(f"q{i}") for i in range(MAX_QUERIES_PER_CALL + 1)]
    requests = plan_requests(queries, T0, T0 + timedelta(hours=1))
    assert [len(r.queries) for r in requests] == [500, 1]
    assert all(r.datapoints <= MAX_DATAPOINTS_PER_CALL for r in requests)


@pytest.fixture
def cloudwatch() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("cloudwatch", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def _minute(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


def test_pages_are_followed_counted_and_merged(cloudwatch: tuple[Any, Stubber]) -> None:
    client, stubber = cloudwatch
    base = {
        "MetricDataQueries": [query("a")],
        "StartTime": T0,
        "EndTime": _minute(4),
        "ScanBy": "TimestampAscending",
        "MaxDatapoints": 2,
    }
    stubber.add_response(
        "get_metric_data",
        {
            "MetricDataResults": [
                {"Id": "a", "Timestamps": [_minute(0), _minute(1)], "Values": [1.0, 2.0], "StatusCode": "PartialData"}
            ],
            "NextToken": "t1",
        },
        base,
    )
    stubber.add_response(
        "get_metric_data",
        {"MetricDataResults": [{"Id": "a", "Timestamps": [_minute(3)], "Values": [4.0], "StatusCode": "Complete"}]},
        {**base, "NextToken": "t1"},
    )
    history = MetricHistory(client, max_datapoints=2).read([query("a")], T0, _minute(4))
    assert history.calls == 2 and history.requests == 1
    assert history.points == {"a": [(_minute(0), 1.0), (_minute(1), 2.0), (_minute(3), 4.0)]}
    assert history.problems == []


def test_a_failed_query_is_reported_and_an_aws_error_raised(cloudwatch: tuple[Any, Stubber]) -> None:
    client, stubber = cloudwatch
    stubber.add_response(
        "get_metric_data",
        {
            "MetricDataResults": [
                {"Id": "a", "StatusCode": "Forbidden", "Messages": [{"Code": "Forbidden", "Value": "no access"}]}
            ]
        },
    )
    history = MetricHistory(client).read([query("a")], T0, _minute(4))
    assert history.problems == ["a: Forbidden no access"]
    stubber.add_client_error("get_metric_data", "AccessDenied", "not allowed")
    with pytest.raises(AwsCallError, match="AccessDenied"):
        MetricHistory(client).read([query("a")], T0, _minute(4))


def test_the_page_size_is_bounded_by_the_api_limit() -> None:
    with pytest.raises(ValueError, match="max_datapoints"):
        MetricHistory(object(), max_datapoints=MAX_DATAPOINTS_PER_CALL + 1)
