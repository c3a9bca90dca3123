"""SageMaker against botocore's Stubber: real request validation, no network."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from sagewatch.adapters.sagemaker import SageMakerEndpoints
from sagewatch.core.shared.errors import EndpointNotFoundError

ARN = "arn:aws:sagemaker:us-east-1:123456789012"


def sagemaker_client() -> Any:
    return boto3.client("sagemaker", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def test_missing_endpoint_is_endpoint_not_found() -> None:
    client = boto3.client("sagemaker", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        stubber.add_client_error(
            "describe_endpoint",
            service_error_code="ValidationException",
            service_message='Could not find endpoint "gone".',
        )
        with pytest.raises(EndpointNotFoundError, match="'gone' does not exist"):
            SageMakerEndpoints(client).read_profile("gone")


def test_tags_are_paginated_and_components_read_only_for_component_endpoints() -> None:
    client = boto3.client("sagemaker", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    arn = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/shared"
    endpoint = {
        "EndpointName": "shared",
        "EndpointArn": arn,
        "EndpointConfigName": "shared-config",
        "EndpointStatus": "InService",
        "CreationTime": "2026-11-28T00:00:00Z",
        "LastModifiedTime": "2026-11-28T00:00:00Z",
        "ProductionVariants": [{"VariantName": "AllTraffic", "CurrentInstanceCount": 2}],
    }
    config = {
        "EndpointConfigName": "shared-config",
        "EndpointConfigArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/shared-config",
        "CreationTime": "2026-11-28T00:00:00Z",
        "ProductionVariants": [{"VariantName": "AllTraffic", "InstanceType": "ml.g5.12xlarge"}],
    }
    with Stubber(client) as stubber:
        stubber.add_response("describe_endpoint", endpoint)
        stubber.add_response("describe_endpoint_config", config)
        stubber.add_response("list_tags", {"Tags": [{"Key": "a", "Value": "1"}], "NextToken": "n"})
        stubber.add_response("list_tags", {"Tags": [{"Key": "b", "Value": "2"}]})
        stubber.add_response(
            "list_inference_components",
            {
                "InferenceComponents": [
                    {
                        "InferenceComponentName": "llama-ic",
                        "InferenceComponentArn": f"{arn.rsplit(':', 1)[0]}:inference-component/llama-ic",
                        "EndpointName": "shared",
                        "EndpointArn": arn,
                        "VariantName": "AllTraffic",
                        "CreationTime": "2026-11-28T00:00:00Z",
                        "LastModifiedTime": "2026-11-28T00:00:00Z",
                    }
                ]
            },
        )
        # Every read also lists the endpoint's Model Monitor schedules (none here).
        stubber.add_response(
            "list_monitoring_schedules",
            {"MonitoringScheduleSummaries": []},
            {"EndpointName": "shared", "MaxResults": 100, "SortBy": "Name", "SortOrder": "Ascending"},
        )
        result = SageMakerEndpoints(client).read_profile("shared")
        stubber.assert_no_pending_responses()
    assert result.tags == {"a": "1", "b": "2"}
    assert result.variants[0].inference_components == ("llama-ic",)
    assert result.variants[0].instance_type == "ml.g5.12xlarge" and result.variants[0].instance_count == 2
    assert result.kind == "inference-components" and result.region == "us-east-1"


def test_components_by_endpoint_reads_the_region_once_and_leaves_out_components_going_away() -> None:
    client = sagemaker_client()

    def component(name: str, endpoint: str, status: str = "InService") -> dict[str, Any]:
        return {
            "InferenceComponentName": name,
            "InferenceComponentArn": f"{ARN}:inference-component/{name}",
            "EndpointName": endpoint,
            "EndpointArn": f"{ARN}:endpoint/{endpoint}",
            "VariantName": "AllTraffic",
            "CreationTime": "2026-11-28T00:00:00Z",
            "LastModifiedTime": "2026-11-28T00:00:00Z",
            "InferenceComponentStatus": status,
        }

    with Stubber(client) as stubber:
        stubber.add_response(
            "list_inference_components",
            {
                "InferenceComponents": [component("z", "shared"), component("old", "shared", "Deleting")],
                "NextToken": "t",
            },
            {"MaxResults": 100},
        )
        stubber.add_response(
            "list_inference_components",
            {"InferenceComponents": [component("a", "shared"), component("x", "other", "Failed")]},
            {"MaxResults": 100, "NextToken": "t"},
        )
        assert SageMakerEndpoints(client).components_by_endpoint() == {"shared": ("a", "z")}
        stubber.assert_no_pending_responses()
