"""Inference component lifecycle from CloudTrail API-call events (events/onboard/ic-*.json)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from sagewatch.core.monitoring.component_events import (
    endpoint_of_component_alarms,
    is_component_call,
    parse_component_call,
)
from sagewatch.core.monitoring.events import is_endpoint_state_change
from sagewatch.core.monitoring.profile import profile_from_descriptions
from sagewatch.core.shared.errors import InvalidEventError

EVENTS = Path(__file__).resolve().parents[4] / "events" / "onboard"


def sample(name: str) -> dict[str, Any]:
    return dict(json.loads((EVENTS / name).read_text()))


@pytest.mark.parametrize(
    ("name", "operation", "endpoint", "error"),
    [
        ("ic-create.json", "CreateInferenceComponent", "llm-hub", None),
        ("ic-update.json", "UpdateInferenceComponent", None, None),
        ("ic-delete.json", "DeleteInferenceComponent", None, None),
        ("ic-create-failed.json", "CreateInferenceComponent", "llm-hub", "ResourceLimitExceeded"),
    ],
)
def test_each_sample_parses(name: str, operation: str, endpoint: str | None, error: str | None) -> None:
    event = sample(name)
    assert is_component_call(event) and not is_endpoint_state_change(event)
    change = parse_component_call(event)
    assert (change.operation, change.component, change.endpoint, change.error_code) == (
        operation,
        "llama-ic",
        endpoint,
        error,
    )
    assert (change.region, change.account) == ("us-east-1", "123456789012")


def test_a_denied_call_without_request_parameters_is_a_failed_call_not_an_invalid_event() -> None:
    # CloudTrail records a call refused by IAM with its errorCode and requestParameters null
    # ("CloudTrail record contents": requestParameters may be null): nothing changed, nothing
    # names the component, and that is no fault of the event.
    event = sample("ic-delete-denied.json")
    assert event["detail"]["requestParameters"] is None
    change = parse_component_call(event)
    assert (change.operation, change.component, change.endpoint, change.error_code) == (
        "DeleteInferenceComponent",
        None,
        None,
        "AccessDenied",
    )


def test_pascal_case_parameters_are_read_too() -> None:
    event = sample("ic-create.json")
    event["detail"]["requestParameters"] = {"InferenceComponentName": "llama-ic", "EndpointName": "llm-hub"}
    change = parse_component_call(event)
    assert (change.component, change.endpoint) == ("llama-ic", "llm-hub")


def test_the_name_falls_back_to_the_returned_arn() -> None:
    event = sample("ic-update.json")
    event["detail"]["requestParameters"] = {}
    assert parse_component_call(event).component == "llama-ic"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda e: e["detail"].__setitem__("eventName", "CreateEndpoint"),
        lambda e: e.__setitem__("source", "aws.ec2"),
        lambda e: e.__setitem__("detail-type", "SageMaker Endpoint State Change"),
    ],
)
def test_other_calls_are_not_component_calls(mutate: Any) -> None:
    event = copy.deepcopy(sample("ic-create.json"))
    mutate(event)
    assert not is_component_call(event)
    with pytest.raises(InvalidEventError):
        parse_component_call(event)


@pytest.mark.parametrize(
    "request_parameters",
    [{}, {"inferenceComponentName": "no/slash"}, {"inferenceComponentName": "ok", "endpointName": "bad_name"}],
)
def test_invalid_names_are_rejected(request_parameters: dict[str, Any]) -> None:
    event = sample("ic-delete.json")
    event["detail"]["requestParameters"] = request_parameters
    with pytest.raises(InvalidEventError):
        parse_component_call(event)


def test_the_endpoint_of_a_gone_component_is_found_in_its_alarm_names() -> None:
    names = [
        "SageWatch/fraud/AllTraffic/cpu-utilization",
        "SageWatch/llm-hub/AllTraffic/cpu-utilization",
        "SageWatch/llm-hub/AllTraffic/model-latency-p99.llama-ic",
        "Other/x/y/z.llama-ic",
    ]
    assert endpoint_of_component_alarms("SageWatch", names, "llama-ic") == "llm-hub"
    assert endpoint_of_component_alarms("SageWatch", names, "llama") is None
    assert endpoint_of_component_alarms("SageWatch", names, "mistral-ic") is None


def test_components_being_deleted_or_failed_get_no_alarms() -> None:
    endpoint = {
        "EndpointName": "llm-hub",
        "EndpointArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/llm-hub",
        "EndpointStatus": "InService",
        "ProductionVariants": [{"VariantName": "AllTraffic", "CurrentInstanceCount": 1}],
    }
    config = {"ProductionVariants": [{"VariantName": "AllTraffic", "InstanceType": "ml.g5.12xlarge"}]}
    components = [
        {"InferenceComponentName": name, "VariantName": "AllTraffic", "InferenceComponentStatus": status}
        for name, status in (
            ("a", "InService"),
            ("b", "Creating"),
            ("c", "Deleting"),
            ("d", "Failed"),
            ("e", "Updating"),
        )
    ]
    profile = profile_from_descriptions(endpoint, config, {}, components)
    assert profile.variants[0].inference_components == ("a", "b", "e")
