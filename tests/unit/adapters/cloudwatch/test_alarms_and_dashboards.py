"""CloudWatch alarms and dashboards against botocore's Stubber: real request validation, no network."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from sagewatch.adapters.aws import MAX_RETRIES
from sagewatch.adapters.cloudwatch.alarms_and_dashboards import CloudWatchWriter
from sagewatch.core.monitoring.alarms import desired_alarms
from sagewatch.core.monitoring.policy import Policy
from sagewatch.core.shared.errors import AwsCallError
from tests.unit.factories import profile


@pytest.fixture
def cloudwatch() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("cloudwatch", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def no_sleep(_: float) -> None:
    return None


def test_throttled_put_is_retried_not_surfaced(cloudwatch: tuple[Any, Stubber]) -> None:
    client, stubber = cloudwatch
    spec = desired_alarms(profile(), Policy(), "SageWatch").alarms[0]
    for _ in range(3):
        stubber.add_client_error("put_metric_alarm", service_error_code="Throttling", http_status_code=400)
    stubber.add_response("put_metric_alarm", {})
    sleeps: list[float] = []
    CloudWatchWriter(client, sleep=sleeps.append).put_alarm(spec, ["arn:aws:sns:us-east-1:123456789012:t"])
    assert len(sleeps) == 3
    assert all(0 <= s <= 8 for s in sleeps)


def test_throttling_that_never_ends_finally_fails(cloudwatch: tuple[Any, Stubber]) -> None:
    client, stubber = cloudwatch
    spec = desired_alarms(profile(), Policy(), "SageWatch").alarms[0]
    for _ in range(MAX_RETRIES + 1):
        stubber.add_client_error("put_metric_alarm", service_error_code="Throttling", http_status_code=400)
    with pytest.raises(AwsCallError, match="PutMetricAlarm failed: Throttling"):
        CloudWatchWriter(client, sleep=no_sleep).put_alarm(spec, [])


def test_other_errors_raise_at_once(cloudwatch: tuple[Any, Stubber]) -> None:
    client, stubber = cloudwatch
    stubber.add_client_error("delete_alarms", service_error_code="AccessDenied", http_status_code=403)
    with pytest.raises(AwsCallError, match="DeleteAlarms failed: AccessDenied"):
        CloudWatchWriter(client, sleep=no_sleep).delete_alarms(["a"])


def test_describe_alarms_follows_next_token(cloudwatch: tuple[Any, Stubber]) -> None:
    client, stubber = cloudwatch
    page1 = {"MetricAlarms": [{"AlarmName": f"SageWatch/e/v/{i}"} for i in range(100)], "NextToken": "t1"}
    page2 = {"MetricAlarms": [{"AlarmName": "SageWatch/e/v/last"}]}
    expected = {"AlarmNamePrefix": "SageWatch/e/", "AlarmTypes": ["MetricAlarm"], "MaxRecords": 100}
    stubber.add_response("describe_alarms", page1, expected)
    stubber.add_response("describe_alarms", page2, {**expected, "NextToken": "t1"})
    alarms = CloudWatchWriter(client).list_alarms("SageWatch/e/")
    assert len(alarms) == 101


def test_deletes_go_in_batches_of_100(cloudwatch: tuple[Any, Stubber]) -> None:
    client, stubber = cloudwatch
    names = [f"SageWatch/e/v/{i}" for i in range(250)]
    for start in (0, 100, 200):
        stubber.add_response("delete_alarms", {}, {"AlarmNames": names[start : start + 100]})
    assert CloudWatchWriter(client).delete_alarms(names) == 3


def test_missing_dashboard_reads_as_none_and_deleting_it_is_harmless(cloudwatch: tuple[Any, Stubber]) -> None:
    client, stubber = cloudwatch
    stubber.add_client_error("get_dashboard", service_error_code="ResourceNotFound", http_status_code=404)
    stubber.add_client_error("delete_dashboards", service_error_code="ResourceNotFound", http_status_code=404)
    writer = CloudWatchWriter(client)
    assert writer.get_dashboard_body("SageWatch_e") is None
    writer.delete_dashboard("SageWatch_e")


def test_dashboard_validation_messages_are_errors(cloudwatch: tuple[Any, Stubber]) -> None:
    client, stubber = cloudwatch
    stubber.add_response(
        "put_dashboard", {"DashboardValidationMessages": [{"DataPath": "/widgets/0", "Message": "bad"}]}
    )
    with pytest.raises(AwsCallError, match="/widgets/0: bad"):
        CloudWatchWriter(client).put_dashboard("SageWatch_e", "{}")
