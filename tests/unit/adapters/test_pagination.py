"""The pagination helper and every adapter listing built on it, against botocore's Stubber.

Each stubbed response is one API call; ``assert_no_pending_responses`` proves no page was skipped
and the expected request parameters prove each continuation went back under the right name.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from sagewatch.adapters.cloudwatch.alarms_and_dashboards import CloudWatchWriter
from sagewatch.adapters.dynamodb.fleet_state import StateStore
from sagewatch.adapters.pagination import (
    DYNAMODB_START_KEY,
    LOGS_NEXT_TOKEN,
    NEXT_MARKER,
    items,
    pages,
)
from sagewatch.adapters.sagemaker import SageMakerEndpoints
from sagewatch.core.shared.errors import AwsCallError

WHEN = datetime(2026, 11, 28, tzinfo=UTC)


def stubbed(service: str) -> Any:
    return boto3.client(  # type: ignore[call-overload]
        service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


@pytest.fixture
def cloudwatch() -> Iterator[tuple[Any, Stubber]]:
    client = stubbed("cloudwatch")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def sagemaker() -> Iterator[tuple[Any, Stubber]]:
    client = stubbed("sagemaker")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def alarm(name: str, state: str = "ALARM") -> dict[str, Any]:
    return {"AlarmName": name, "StateValue": state}


# --- the helper ------------------------------------------------------------------------------


def test_next_token_pages_are_followed_one_call_each(cloudwatch: tuple[Any, Stubber]) -> None:
    client, stubber = cloudwatch
    request: dict[str, Any] = {"AlarmNamePrefix": "SageWatch/", "MaxRecords": 100}
    stubber.add_response("describe_alarms", {"MetricAlarms": [alarm("a")], "NextToken": "t1"}, request)
    stubber.add_response(
        "describe_alarms", {"MetricAlarms": [alarm("b")], "NextToken": "t2"}, {**request, "NextToken": "t1"}
    )
    stubber.add_response("describe_alarms", {"MetricAlarms": [alarm("c")]}, {**request, "NextToken": "t2"})
    listed = list(pages("DescribeAlarms", client.describe_alarms, **request))
    assert [page["MetricAlarms"][0]["AlarmName"] for page in listed] == ["a", "b", "c"]


def test_items_flattens_the_result_key_of_every_page(cloudwatch: tuple[Any, Stubber]) -> None:
    client, stubber = cloudwatch
    stubber.add_response("describe_alarms", {"MetricAlarms": [alarm("a"), alarm("b")], "NextToken": "t1"})
    stubber.add_response("describe_alarms", {"MetricAlarms": []}, {"NextToken": "t1"})
    names = [a["AlarmName"] for a in items("DescribeAlarms", client.describe_alarms, "MetricAlarms")]
    assert names == ["a", "b"]


def test_dynamodb_continues_from_the_last_evaluated_key() -> None:
    client = stubbed("dynamodb")
    key = {"endpoint": {"S": "fraud"}}
    with Stubber(client) as stubber:
        stubber.add_response("scan", {"Items": [key], "LastEvaluatedKey": key}, {"TableName": "state"})
        stubber.add_response(
            "scan", {"Items": [{"endpoint": {"S": "ranker"}}]}, {"TableName": "state", "ExclusiveStartKey": key}
        )
        rows = list(items("Scan", client.scan, "Items", cursor=DYNAMODB_START_KEY, TableName="state"))
        stubber.assert_no_pending_responses()
    assert [row["endpoint"]["S"] for row in rows] == ["fraud", "ranker"]


def test_cloudwatch_logs_spells_its_token_in_lower_camel_case() -> None:
    client = stubbed("logs")
    prefix = "/aws/sagemaker/Endpoints/"
    with Stubber(client) as stubber:
        stubber.add_response(
            "describe_log_groups",
            {"logGroups": [{"logGroupName": f"{prefix}a"}], "nextToken": "n1"},
            {"logGroupNamePrefix": prefix},
        )
        stubber.add_response(
            "describe_log_groups",
            {"logGroups": [{"logGroupName": f"{prefix}b"}]},
            {"logGroupNamePrefix": prefix, "nextToken": "n1"},
        )
        groups = items(
            "DescribeLogGroups",
            client.describe_log_groups,
            "logGroups",
            cursor=LOGS_NEXT_TOKEN,
            logGroupNamePrefix=prefix,
        )
        assert [g["logGroupName"] for g in groups] == [f"{prefix}a", f"{prefix}b"]
        stubber.assert_no_pending_responses()


def test_marker_apis_answer_next_marker_and_take_marker() -> None:
    client = stubbed("lambda")
    with Stubber(client) as stubber:
        stubber.add_response("list_functions", {"Functions": [{"FunctionName": "a"}], "NextMarker": "m1"}, {})
        stubber.add_response("list_functions", {"Functions": [{"FunctionName": "b"}]}, {"Marker": "m1"})
        names = [
            f["FunctionName"] for f in items("ListFunctions", client.list_functions, "Functions", cursor=NEXT_MARKER)
        ]
        stubber.assert_no_pending_responses()
    assert names == ["a", "b"]


def test_a_throttled_page_is_retried_then_the_listing_goes_on(cloudwatch: tuple[Any, Stubber]) -> None:
    client, stubber = cloudwatch
    stubber.add_response("describe_alarms", {"MetricAlarms": [alarm("a")], "NextToken": "t1"})
    stubber.add_client_error("describe_alarms", service_error_code="Throttling", http_status_code=400)
    stubber.add_response("describe_alarms", {"MetricAlarms": [alarm("b")]}, {"NextToken": "t1"})
    sleeps: list[float] = []
    listed = list(items("DescribeAlarms", client.describe_alarms, "MetricAlarms", sleep=sleeps.append))
    assert [a["AlarmName"] for a in listed] == ["a", "b"]
    assert len(sleeps) == 1


def test_other_errors_on_a_later_page_raise_aws_call_error(cloudwatch: tuple[Any, Stubber]) -> None:
    client, stubber = cloudwatch
    stubber.add_response("describe_alarms", {"MetricAlarms": [alarm("a")], "NextToken": "t1"})
    stubber.add_client_error("describe_alarms", service_error_code="AccessDenied", http_status_code=403)
    with pytest.raises(AwsCallError, match="DescribeAlarms failed: AccessDenied"):
        list(items("DescribeAlarms", client.describe_alarms, "MetricAlarms"))


def test_a_token_seen_before_ends_the_listing(cloudwatch: tuple[Any, Stubber]) -> None:
    client, stubber = cloudwatch
    stubber.add_response("describe_alarms", {"MetricAlarms": [alarm("a")], "NextToken": "same"})
    stubber.add_response("describe_alarms", {"MetricAlarms": [alarm("b")], "NextToken": "same"}, {"NextToken": "same"})
    listed = list(items("DescribeAlarms", client.describe_alarms, "MetricAlarms"))
    assert [a["AlarmName"] for a in listed] == ["a", "b"]


def test_max_pages_bounds_the_number_of_calls(cloudwatch: tuple[Any, Stubber]) -> None:
    client, stubber = cloudwatch
    stubber.add_response("describe_alarms", {"MetricAlarms": [alarm("a")], "NextToken": "t1"})
    stubber.add_response("describe_alarms", {"MetricAlarms": [alarm("b")], "NextToken": "t2"}, {"NextToken": "t1"})
    listed = list(pages("DescribeAlarms", client.describe_alarms, max_pages=2))
    assert len(listed) == 2


def test_the_first_call_is_made_only_when_the_pages_are_read(cloudwatch: tuple[Any, Stubber]) -> None:
    client, stubber = cloudwatch
    listing = pages("DescribeAlarms", client.describe_alarms)
    stubber.add_response("describe_alarms", {"MetricAlarms": []})
    assert [page["MetricAlarms"] for page in listing] == [[]]


# --- the adapters on top of it ---------------------------------------------------------------


def test_list_endpoints_reads_every_page(sagemaker: tuple[Any, Stubber]) -> None:
    client, stubber = sagemaker

    def summary(name: str) -> dict[str, Any]:
        return {
            "EndpointName": name,
            "EndpointArn": f"arn:aws:sagemaker:us-east-1:123456789012:endpoint/{name}",
            "CreationTime": WHEN,
            "LastModifiedTime": WHEN,
            "EndpointStatus": "InService",
        }

    stubber.add_response("list_endpoints", {"Endpoints": [summary("a")], "NextToken": "t1"}, {"MaxResults": 100})
    stubber.add_response("list_endpoints", {"Endpoints": [summary("b")]}, {"MaxResults": 100, "NextToken": "t1"})
    listed = SageMakerEndpoints(client).list_endpoints()
    assert [(e.name, e.status) for e in listed] == [("a", "InService"), ("b", "InService")]


def test_list_dashboards_reads_every_page(cloudwatch: tuple[Any, Stubber]) -> None:
    client, stubber = cloudwatch
    request = {"DashboardNamePrefix": "SageWatch_"}
    stubber.add_response(
        "list_dashboards", {"DashboardEntries": [{"DashboardName": "SageWatch_a"}], "NextToken": "t"}, request
    )
    stubber.add_response(
        "list_dashboards", {"DashboardEntries": [{"DashboardName": "SageWatch_b"}]}, {**request, "NextToken": "t"}
    )
    assert CloudWatchWriter(client).list_dashboards("SageWatch_") == ["SageWatch_a", "SageWatch_b"]


def test_state_scan_reads_every_page_and_finds_the_checkpoint() -> None:
    client = stubbed("dynamodb")
    first = {"endpoint": {"S": "#reconcile"}, "run": {"S": "r1"}, "cursor": {"S": "b"}, "started": {"S": "x"}}
    with Stubber(client) as stubber:
        stubber.add_response(
            "scan", {"Items": [first], "LastEvaluatedKey": {"endpoint": {"S": "#reconcile"}}}, {"TableName": "t"}
        )
        stubber.add_response(
            "scan", {"Items": []}, {"TableName": "t", "ExclusiveStartKey": {"endpoint": {"S": "#reconcile"}}}
        )
        states, checkpoint = StateStore(client, "t").scan()
        stubber.assert_no_pending_responses()
    assert states == {}
    assert checkpoint is not None and checkpoint["run"] == "r1"


def test_inference_components_are_paginated_and_throttling_is_retried(sagemaker: tuple[Any, Stubber]) -> None:
    client, stubber = sagemaker
    arn = "arn:aws:sagemaker:us-east-1:123456789012"

    def component(name: str) -> dict[str, Any]:
        return {
            "InferenceComponentName": name,
            "InferenceComponentArn": f"{arn}:inference-component/{name}",
            "EndpointName": "shared",
            "EndpointArn": f"{arn}:endpoint/shared",
            "VariantName": "AllTraffic",
            "CreationTime": WHEN,
            "LastModifiedTime": WHEN,
        }

    request = {"EndpointNameEquals": "shared", "MaxResults": 100}
    stubber.add_response(
        "list_inference_components", {"InferenceComponents": [component("a")], "NextToken": "t"}, request
    )
    stubber.add_client_error(
        "list_inference_components", service_error_code="ThrottlingException", http_status_code=400
    )
    stubber.add_response(
        "list_inference_components", {"InferenceComponents": [component("b")]}, {**request, "NextToken": "t"}
    )
    sleeps: list[float] = []
    listed = SageMakerEndpoints(client, sleep=sleeps.append)._list_inference_components("shared")
    assert [c["InferenceComponentName"] for c in listed] == ["a", "b"]
    assert len(sleeps) == 1


def test_alarms_in_alarm_reads_every_page(cloudwatch: tuple[Any, Stubber]) -> None:
    client, stubber = cloudwatch
    request = {"AlarmNamePrefix": "SageWatch/", "StateValue": "ALARM", "MaxRecords": 100}
    stubber.add_response("describe_alarms", {"MetricAlarms": [alarm("SageWatch/a/v/k")], "NextToken": "t"}, request)
    stubber.add_response(
        "describe_alarms",
        {"MetricAlarms": [alarm("SageWatch/b/v/k"), alarm("SageWatch/c/v/k", state="OK")]},
        {**request, "NextToken": "t"},
    )
    assert [a["AlarmName"] for a in CloudWatchWriter(client).alarms_in_alarm("SageWatch/")] == [
        "SageWatch/a/v/k",
        "SageWatch/b/v/k",
    ]
