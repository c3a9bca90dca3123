"""The in-memory clients refuse what AWS refuses: a use case cannot pass on a fake by sending a
request the service would reject (tests/fakes/aws.py names the page of each rule)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.fakes.aws import FakeCloudWatch, FakeDynamoDB, FakeEndpoint, FakeSageMaker, FakeSqs
from tests.fakes.time import SimulatedTime

ALARM: dict[str, Any] = {
    "AlarmName": "SageWatch/ep/AllTraffic/cpu-utilization",
    "Namespace": "/aws/sagemaker/Endpoints",
    "MetricName": "CPUUtilization",
    "Statistic": "Average",
    "Period": 60,
    "EvaluationPeriods": 3,
    "Threshold": 90.0,
    "ComparisonOperator": "GreaterThanThreshold",
}


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


@pytest.mark.parametrize(
    "change",
    [
        {"Threshold": None},
        {"Period": 90},
        {"DatapointsToAlarm": 4},
        {"ExtendedStatistic": "p99"},
        {"Metrics": [{"Id": "m", "ReturnData": True}]},
        {"ComparisonOperator": "Above"},
    ],
)
def test_put_metric_alarm_refuses_what_cloudwatch_refuses(change: dict[str, Any]) -> None:
    request = {k: v for k, v in (ALARM | change).items() if v is not None}
    with pytest.raises(ClientError) as refused:
        FakeCloudWatch().put_metric_alarm(**request)
    assert code(refused) == "ValidationError"


def test_describe_alarms_pages_with_next_token_and_refuses_a_foreign_one() -> None:
    cloudwatch = FakeCloudWatch(page_size=2)
    for i in range(5):
        cloudwatch.put_metric_alarm(**ALARM | {"AlarmName": f"SageWatch/ep/AllTraffic/a{i}"})
    names, token = [], None
    while True:
        page = cloudwatch.describe_alarms(AlarmNamePrefix="SageWatch/", **({"NextToken": token} if token else {}))
        names += [a["AlarmName"] for a in page["MetricAlarms"]]
        token = page.get("NextToken")
        if token is None:
            break
    assert len(names) == 5 and cloudwatch.calls["DescribeAlarms"] == 3
    with pytest.raises(ClientError) as refused:
        cloudwatch.describe_alarms(NextToken="ListTags:2")
    assert code(refused) == "InvalidNextToken"


def test_batch_limits_and_missing_resources() -> None:
    with pytest.raises(ClientError):
        FakeCloudWatch().delete_alarms(AlarmNames=[f"a{i}" for i in range(101)])
    with pytest.raises(ClientError) as missing:
        FakeCloudWatch().get_dashboard(DashboardName="none")
    assert code(missing) == "ResourceNotFound"
    with pytest.raises(ClientError) as gone:
        FakeSageMaker([FakeEndpoint("ep")]).describe_endpoint(EndpointName="other")
    assert code(gone) == "ValidationException" and "Could not find" in str(gone.value)
    queue = FakeSqs("url")
    with pytest.raises(ClientError) as too_many:
        queue.send_message_batch(QueueUrl="url", Entries=[{"Id": str(i), "MessageBody": "{}"} for i in range(11)])
    assert code(too_many).endswith("TooManyEntriesInBatchRequest")
    table = FakeDynamoDB("t", "endpoint")
    with pytest.raises(ClientError) as bad_key:
        table.get_item(TableName="t", Key={"id": {"S": "x"}})
    assert code(bad_key) == "ValidationException"


def test_throttling_is_answered_as_cloudwatch_answers_it_then_the_call_goes_through() -> None:
    cloudwatch = FakeCloudWatch()
    cloudwatch.faults.throttle("PutMetricAlarm", times=1)
    with pytest.raises(ClientError) as throttled:
        cloudwatch.put_metric_alarm(**ALARM)
    assert code(throttled) == "Throttling"
    assert throttled.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    cloudwatch.put_metric_alarm(**ALARM)
    assert list(cloudwatch.alarms) == [ALARM["AlarmName"]]


def test_simulated_time_moves_only_when_something_sleeps() -> None:
    clock = SimulatedTime(start=100.0)
    assert clock.monotonic() == clock.wall() == 100.0
    clock.sleep(2.5)
    assert clock.monotonic() == 102.5 and clock.sleeps == [2.5]
    with pytest.raises(ValueError, match="non-negative"):
        clock.sleep(-1)
