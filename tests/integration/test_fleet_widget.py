"""The fleet dashboard's live widget, invoked like the CloudWatch console does, in the emulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sagewatch_emulator import EmulatedAccount, VariantSpec

pytestmark = pytest.mark.integration


def test_widget_lists_managed_alarms_in_alarm_and_never_fails_on_missing_metrics(account: EmulatedAccount) -> None:
    account.create_endpoint("fraud-scorer", variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 1)])
    onboard = account.invoke(
        "OnboardFunction",
        {
            "source": "aws.sagemaker",
            "detail-type": "SageMaker Endpoint State Change",
            "detail": {"EndpointName": "fraud-scorer", "EndpointStatus": "IN_SERVICE"},
        },
    )
    assert onboard.error is None
    name = "SageWatch/fraud-scorer/AllTraffic/model-latency-p99"
    account.client("cloudwatch").set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="test")
    result = account.invoke("FleetWidgetFunction", {"widgetContext": {"dashboardName": "SageWatch-fleet"}})
    assert result.error is None, result.error
    html = result.response
    assert isinstance(html, str)
    assert name in html and "dashboards/dashboard/SageWatch_us-east-1_fraud-scorer" in html
    assert "SageWatch/fraud-scorer/AllTraffic/cpu-utilization" not in html  # not in ALARM
    assert result.aws_calls.get("cloudwatch.DescribeAlarms") == 1
    # One Metrics Insights query per GetMetricData call (AWS rejects two): errors, then invocations.
    assert result.aws_calls.get("cloudwatch.GetMetricData") == 2
    assert "unavailable" not in html


def test_widget_describes_itself(account: EmulatedAccount) -> None:
    result = account.invoke("FleetWidgetFunction", {"describe": True})
    assert result.error is None and "SageWatch fleet overview" in result.response


def _put(cloudwatch: Any, metric: str, endpoint: str, value: float, *, at: datetime) -> None:
    cloudwatch.put_metric_data(
        Namespace="AWS/SageMaker",
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": [
                    {"Name": "EndpointName", "Value": endpoint},
                    {"Name": "VariantName", "Value": "AllTraffic"},
                ],
                "Timestamp": at,
                "Value": value,
            }
        ],
    )


def test_widget_shows_the_top_5xx_rates_from_one_insights_query_per_call(account: EmulatedAccount) -> None:
    # Regression: both Metrics Insights queries went in one GetMetricData call, which AWS rejects,
    # so the widget always said "error rates unavailable".
    cloudwatch = account.client("cloudwatch")
    recent = datetime.now(tz=UTC) - timedelta(minutes=5)
    _put(cloudwatch, "Invocations", "fraud-scorer", 200, at=recent)
    _put(cloudwatch, "Invocation5XXErrors", "fraud-scorer", 10, at=recent)
    _put(cloudwatch, "Invocations", "churn-model", 100, at=recent)
    _put(cloudwatch, "Invocation5XXErrors", "churn-model", 20, at=recent)
    result = account.invoke("FleetWidgetFunction", {"widgetContext": {"dashboardName": "SageWatch-fleet"}})
    assert result.error is None, result.error
    html = result.response
    assert "unavailable" not in html
    assert "churn-model" in html and "20.00 %" in html and "20 / 100" in html
    assert "fraud-scorer" in html and "5.00 %" in html and "10 / 200" in html
    assert html.index("churn-model") < html.index("fraud-scorer")  # the worst rate first


# GetMetricData API reference, MetricDataQueries: "If you include a Metrics Insights query, each
# GetMetricData operation can include only one query. But the same GetMetricData operation can
# also retrieve other metrics." (also CloudWatch user guide, "Metrics Insights quotas").
_INSIGHTS = 'SELECT SUM({metric}) FROM SCHEMA("AWS/SageMaker", EndpointName, VariantName) GROUP BY EndpointName'


def test_the_emulated_account_rejects_two_insights_queries_in_one_call_like_aws(account: EmulatedAccount) -> None:
    cloudwatch = account.client("cloudwatch")
    now = datetime.now(tz=UTC)
    with pytest.raises(ClientError) as raised:
        cloudwatch.get_metric_data(
            MetricDataQueries=[
                {"Id": "err", "Expression": _INSIGHTS.format(metric="Invocation5XXErrors"), "Period": 3600},
                {"Id": "inv", "Expression": _INSIGHTS.format(metric="Invocations"), "Period": 3600},
            ],
            StartTime=now - timedelta(hours=1),
            EndTime=now,
        )
    assert raised.value.response["Error"]["Code"] == "ValidationError"
    assert "only one query" in raised.value.response["Error"]["Message"]


def test_one_insights_query_may_ride_with_other_metrics(account: EmulatedAccount) -> None:
    cloudwatch = account.client("cloudwatch")
    recent = datetime.now(tz=UTC) - timedelta(minutes=5)
    _put(cloudwatch, "Invocations", "fraud-scorer", 200, at=recent)
    dimensions = [{"Name": "EndpointName", "Value": "fraud-scorer"}, {"Name": "VariantName", "Value": "AllTraffic"}]
    answer = cloudwatch.get_metric_data(
        MetricDataQueries=[
            {"Id": "inv", "Expression": _INSIGHTS.format(metric="Invocations"), "Period": 3600},
            {
                "Id": "one",
                "MetricStat": {
                    "Metric": {"Namespace": "AWS/SageMaker", "MetricName": "Invocations", "Dimensions": dimensions},
                    "Period": 3600,
                    "Stat": "Sum",
                },
            },
        ],
        StartTime=recent - timedelta(minutes=30),
        EndTime=recent + timedelta(minutes=30),
    )
    by_id = {series["Id"]: series for series in answer["MetricDataResults"]}
    assert by_id["inv"]["Label"] == "fraud-scorer" and by_id["inv"]["Values"] == [200.0]
    assert by_id["one"]["Values"] == [200.0]


def test_grouped_insights_series_are_labelled_like_aws(account: EmulatedAccount) -> None:
    # CloudWatch user guide, Metrics Insights query components and syntax (GROUP BY): a series is
    # labelled with its group-by values joined by spaces; series lacking a group-by dimension are
    # grouped under "Other".
    cloudwatch = account.client("cloudwatch")
    recent = datetime.now(tz=UTC) - timedelta(minutes=5)
    _put(cloudwatch, "Invocations", "fraud-scorer", 7, at=recent)
    cloudwatch.put_metric_data(
        Namespace="AWS/SageMaker",
        MetricData=[
            {
                "MetricName": "Invocations",
                "Dimensions": [{"Name": "EndpointName", "Value": "churn-model"}],
                "Timestamp": recent,
                "Value": 3,
            }
        ],
    )
    answer = cloudwatch.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "q",
                "Expression": 'SELECT SUM(Invocations) FROM "AWS/SageMaker" GROUP BY EndpointName, VariantName',
                "Period": 3600,
            }
        ],
        StartTime=recent - timedelta(minutes=30),
        EndTime=recent + timedelta(minutes=30),
    )
    labels = {series["Label"]: series["Values"] for series in answer["MetricDataResults"]}
    assert labels == {"fraud-scorer AllTraffic": [7.0], "churn-model Other": [3.0]}
