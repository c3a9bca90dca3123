"""Metrics Insights sums against botocore's Stubber: one query per call, summed per endpoint."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
from botocore.stub import ANY, Stubber

from sagewatch.adapters.cloudwatch.metrics_insights import MetricsInsights

END = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


def test_one_metric_is_summed_per_endpoint_in_one_query() -> None:
    client = boto3.client("cloudwatch", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        expected = {
            "MetricDataQueries": [{"Id": "m", "Expression": ANY, "Period": 3600}],
            "StartTime": END - timedelta(hours=1),
            "EndTime": END,
        }
        answer = {
            "MetricDataResults": [
                {"Id": "m", "Label": "fraud", "Timestamps": [END, END], "Values": [2.0, 3.0], "StatusCode": "Complete"},
                {"Id": "m", "Label": "chat", "Timestamps": [END], "Values": [1.0], "StatusCode": "Complete"},
            ]
        }
        stubber.add_response("get_metric_data", answer, expected)
        sums = MetricsInsights(client).sum_per_endpoint("Invocation5XXErrors", END - timedelta(hours=1), END)
        stubber.assert_no_pending_responses()
    assert sums == {"fraud": 5.0, "chat": 1.0}


def test_the_query_groups_the_invocation_metric_by_endpoint() -> None:
    client = boto3.client("cloudwatch", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    sent: list[str] = []

    def record(params: dict[str, object], **_: object) -> None:
        queries = params["MetricDataQueries"]
        assert isinstance(queries, list)
        sent.append(queries[0]["Expression"])

    client.meta.events.register("provide-client-params.cloudwatch.GetMetricData", record)
    with Stubber(client) as stubber:
        stubber.add_response("get_metric_data", {"MetricDataResults": []})
        assert MetricsInsights(client).sum_per_endpoint("Invocations", END - timedelta(hours=1), END) == {}
    assert sent == [
        'SELECT SUM(Invocations) FROM SCHEMA("AWS/SageMaker", EndpointName, VariantName) '
        "GROUP BY EndpointName LIMIT 500"
    ]
