"""The inference-component emulation answers in the shapes of SageMaker's API (botocore's model).

moto runs in-process here (``mock_aws``: no server, no network). The raw JSON each answer carries
is checked against the operation's output shape, so a key the real API does not have, or a
required one missing, fails here rather than being dropped silently by botocore's parser.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from sagewatch_emulator.extensions import MotoExtensions
from sagewatch_emulator.install import install_extensions
from sagewatch_emulator.sagemaker import ComponentSpec, EndpointMaker, VariantSpec

REGION, ACCOUNT = "us-east-1", "123456789012"
# The operations the extensions answer or change (sagewatch_emulator/sagemaker.py).
EMULATED = frozenset(
    {
        "CreateEndpointConfig",
        "DescribeEndpoint",
        "CreateInferenceComponent",
        "DescribeInferenceComponent",
        "ListInferenceComponents",
        "DeleteInferenceComponent",
    }
)


@pytest.fixture
def sagemaker(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SAGEMAKER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    extensions = MotoExtensions()
    install_extensions(extensions)
    try:
        with mock_aws():
            yield boto3.client("sagemaker", region_name=REGION)
    finally:
        extensions.uninstall()


def raw_answers(client: Any) -> list[tuple[str, dict[str, Any]]]:
    """(operation, the JSON body moto answered) for each successful call of the emulated
    operations the client makes from now on."""
    seen: list[tuple[str, dict[str, Any]]] = []

    def record(http_response: Any, model: Any, **_: Any) -> None:
        body = http_response.content
        if http_response.status_code == 200 and model.name in EMULATED:
            seen.append((model.name, json.loads(body) if body else {}))

    client.meta.events.register("after-call.sagemaker", record)
    return seen


def assert_shape(shape: Any, value: Any, where: str) -> None:
    """``value`` fits ``shape``: only known members, every required one, recursively."""
    if shape.type_name == "structure":
        assert isinstance(value, dict), where
        unknown = set(value) - set(shape.members)
        assert not unknown, f"{where}: not in {shape.name}: {sorted(unknown)}"
        missing = set(shape.required_members) - set(value)
        assert not missing, f"{where}: {shape.name} requires {sorted(missing)}"
        for key, item in value.items():
            assert_shape(shape.members[key], item, f"{where}.{key}")
    elif shape.type_name == "list":
        assert isinstance(value, list), where
        for index, item in enumerate(value):
            assert_shape(shape.member, item, f"{where}[{index}]")
    elif shape.type_name == "string" and shape.enum:
        assert value in shape.enum, f"{where}: {value!r} not one of {shape.enum}"


def make_endpoint(sagemaker: Any) -> None:
    maker = EndpointMaker(sagemaker, region=REGION, account_id=ACCOUNT)
    maker.create(
        "llm-hub",
        [VariantSpec("AllTraffic", "ml.g5.12xlarge", 1, max_instance_count=2)],
        False,
        {},
        [ComponentSpec("llama-ic", copies=2, accelerators=2), ComponentSpec("mistral-ic")],
    )


def test_every_answer_fits_the_api_output_shape(sagemaker: Any) -> None:
    answers = raw_answers(sagemaker)
    make_endpoint(sagemaker)
    config = sagemaker.describe_endpoint(EndpointName="llm-hub")["EndpointConfigName"]
    sagemaker.describe_endpoint_config(EndpointConfigName=config)
    sagemaker.describe_inference_component(InferenceComponentName="llama-ic")
    sagemaker.list_inference_components(EndpointNameEquals="llm-hub", MaxResults=1)
    sagemaker.delete_inference_component(InferenceComponentName="mistral-ic")

    model = sagemaker.meta.service_model
    assert {name for name, _ in answers} == EMULATED
    for name, body in answers:
        output = model.operation_model(name).output_shape
        if output is None:
            assert body == {}, name
        elif name == "DescribeEndpoint":
            # Only the variants are the extension's; the rest is moto's own answer (whose empty
            # DataCaptureConfig lacks DataCaptureConfigSummary's required members).
            assert_shape(output.members["ProductionVariants"], body["ProductionVariants"], name)
        else:
            assert_shape(output, body, name)


def test_variants_without_a_model_are_described_with_scaling_and_routing(sagemaker: Any) -> None:
    make_endpoint(sagemaker)
    endpoint = sagemaker.describe_endpoint(EndpointName="llm-hub")
    [variant] = endpoint["ProductionVariants"]
    assert variant["ManagedInstanceScaling"] == {"Status": "ENABLED", "MinInstanceCount": 1, "MaxInstanceCount": 2}
    assert variant["RoutingConfig"] == {"RoutingStrategy": "LEAST_OUTSTANDING_REQUESTS"}
    [configured] = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])[
        "ProductionVariants"
    ]
    assert "ModelName" not in configured


def test_list_filters_by_endpoint_and_pages_with_next_token(sagemaker: Any) -> None:
    make_endpoint(sagemaker)
    first = sagemaker.list_inference_components(EndpointNameEquals="llm-hub", MaxResults=1)
    second = sagemaker.list_inference_components(
        EndpointNameEquals="llm-hub", MaxResults=1, NextToken=first["NextToken"]
    )
    assert [c["InferenceComponentName"] for c in first["InferenceComponents"] + second["InferenceComponents"]] == [
        "llama-ic",
        "mistral-ic",
    ]
    assert "NextToken" not in second
    assert sagemaker.list_inference_components(EndpointNameEquals="other")["InferenceComponents"] == []
    paginator = sagemaker.get_paginator("list_inference_components")
    pages = paginator.paginate(EndpointNameEquals="llm-hub", PaginationConfig={"PageSize": 1})
    assert sum(len(page["InferenceComponents"]) for page in pages) == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"EndpointName": "missing"}, "Could not find endpoint"),
        ({"VariantName": "Canary"}, "Variant 'Canary' does not exist"),
        ({"Specification": {"ModelName": "no-such-model"}}, "Could not find model"),
        ({"InferenceComponentName": "llama-ic"}, "already existing"),
    ],
)
def test_create_is_refused_as_aws_refuses_it(sagemaker: Any, change: dict[str, Any], message: str) -> None:
    make_endpoint(sagemaker)
    request: dict[str, Any] = {
        "InferenceComponentName": "qwen-ic",
        "EndpointName": "llm-hub",
        "VariantName": "AllTraffic",
        "Specification": {"ModelName": "llm-hub-llama-ic-model"},
        "RuntimeConfig": {"CopyCount": 1},
        **change,
    }
    with pytest.raises(sagemaker.exceptions.ClientError, match=message):
        sagemaker.create_inference_component(**request)


def test_create_on_an_endpoint_that_serves_a_model_of_its_own_is_refused(sagemaker: Any) -> None:
    # SageMaker's answer as users report it (pulumi/pulumi-aws#4940): only an endpoint built for
    # components (config variants without ModelName) takes them.
    make_endpoint(sagemaker)
    EndpointMaker(sagemaker, region=REGION, account_id=ACCOUNT).create(
        "fraud", [VariantSpec("AllTraffic", "ml.m5.xlarge", 1)], False, {}
    )
    with pytest.raises(sagemaker.exceptions.ClientError, match="Inference Components are not supported"):
        sagemaker.create_inference_component(
            InferenceComponentName="qwen-ic",
            EndpointName="fraud",
            VariantName="AllTraffic",
            Specification={"ModelName": "llm-hub-llama-ic-model"},
            RuntimeConfig={"CopyCount": 1},
        )


def test_an_endpoint_built_for_components_is_in_service_with_none(sagemaker: Any) -> None:
    # AWS's order: the endpoint first (no ModelName), components once it is InService.
    maker = EndpointMaker(sagemaker, region=REGION, account_id=ACCOUNT)
    described = maker.create("hub", [VariantSpec("AllTraffic", "ml.g5.12xlarge", 1)], False, {}, component_host=True)
    assert described["EndpointStatus"] == "InService"
    assert sagemaker.list_inference_components(EndpointNameEquals="hub")["InferenceComponents"] == []
    [configured] = sagemaker.describe_endpoint_config(EndpointConfigName=described["EndpointConfigName"])[
        "ProductionVariants"
    ]
    assert "ModelName" not in configured and configured["ManagedInstanceScaling"]["Status"] == "ENABLED"


def test_a_component_with_several_specifications_is_described_with_the_list_only(sagemaker: Any) -> None:
    make_endpoint(sagemaker)
    answers = raw_answers(sagemaker)
    specifications = [
        {"InstanceType": "ml.g5.12xlarge", "ModelName": "llm-hub-llama-ic-model"},
        {"InstanceType": "ml.g6.12xlarge", "ModelName": "llm-hub-mistral-ic-model"},
    ]
    sagemaker.create_inference_component(
        InferenceComponentName="multi-ic",
        EndpointName="llm-hub",
        VariantName="AllTraffic",
        Specifications=specifications,
        RuntimeConfig={"CopyCount": 1},
    )
    described = sagemaker.describe_inference_component(InferenceComponentName="multi-ic")
    assert described["Specifications"] == specifications
    assert "Specification" not in described
    operation = sagemaker.meta.service_model.operation_model("DescribeInferenceComponent")
    [(_, body)] = [a for a in answers if a[0] == "DescribeInferenceComponent"]
    assert_shape(operation.output_shape, body, "DescribeInferenceComponent")


def test_delete_removes_the_component(sagemaker: Any) -> None:
    make_endpoint(sagemaker)
    sagemaker.delete_inference_component(InferenceComponentName="llama-ic")
    listed = sagemaker.list_inference_components(EndpointNameEquals="llm-hub")["InferenceComponents"]
    assert [c["InferenceComponentName"] for c in listed] == ["mistral-ic"]
    with pytest.raises(sagemaker.exceptions.ClientError, match="Could not find inference component"):
        sagemaker.describe_inference_component(InferenceComponentName="llama-ic")
