"""The real run's endpoint (tests/e2e/endpoint_spec.py) and its model script, without an account."""

from __future__ import annotations

import io
import json
import tarfile

import pytest

from tests.e2e import endpoint_spec
from tests.e2e.model import inference
from tests.e2e.naming import RunNames

NAMES = RunNames("sw-e2e-12070245-a1b2", "eu-west-1")


def test_the_image_is_sagemakers_scikit_learn_image_of_the_region() -> None:
    assert endpoint_spec.sklearn_image("eu-west-1") == (
        "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
    )
    with pytest.raises(endpoint_spec.UnknownImageError, match="SAGEWATCH_E2E_IMAGE_URI"):
        endpoint_spec.sklearn_image("xx-nowhere-1")


def test_the_endpoint_is_serverless_and_everything_carries_the_run_tag() -> None:
    model = endpoint_spec.create_model_request(NAMES, image="img", bucket="b", role_arn="arn:aws:iam::1:role/r")
    config = endpoint_spec.create_endpoint_config_request(NAMES)
    endpoint = endpoint_spec.create_endpoint_request(NAMES)
    assert model["PrimaryContainer"]["ModelDataUrl"] == f"s3://b/{NAMES.prefix}/model/model.tar.gz"
    assert model["PrimaryContainer"]["Environment"]["SAGEMAKER_SUBMIT_DIRECTORY"] == "/opt/ml/model/code"
    [variant] = config["ProductionVariants"]
    assert variant["ServerlessConfig"] == {"MemorySizeInMB": 2048, "MaxConcurrency": 1}
    assert "InstanceType" not in variant  # no instance: nothing bills while idle
    assert endpoint["EndpointConfigName"] == NAMES.endpoint_config
    for request in (model, config, endpoint):
        assert request["Tags"] == [NAMES.tag]


def test_the_model_archive_holds_only_the_script_and_is_the_same_every_time() -> None:
    archive = endpoint_spec.model_archive()
    assert archive == endpoint_spec.model_archive()
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as opened:
        assert opened.getnames() == ["code/inference.py"]
        member = opened.extractfile("code/inference.py")
        assert member is not None and b"def model_fn" in member.read()


def test_the_model_script_answers_json_with_a_score() -> None:
    model = inference.model_fn("/opt/ml/model")
    data = inference.input_fn(b'{"instances": [[1, 2]]}', "application/json")
    body, content_type = inference.output_fn(inference.predict_fn(data, model), "application/json")
    assert content_type == "application/json" and json.loads(body)["score"] == 0.5


def test_the_requests_are_valid_for_the_sagemaker_api() -> None:
    """botocore's own validation against the SageMaker service model (no client, no network)."""
    import botocore.session
    from botocore.validate import ParamValidator

    model = botocore.session.get_session().get_service_model("sagemaker")
    requests = {
        "CreateModel": endpoint_spec.create_model_request(
            NAMES, image=endpoint_spec.sklearn_image("eu-west-1"), bucket="b", role_arn="arn:aws:iam::1:role/r"
        ),
        "CreateEndpointConfig": endpoint_spec.create_endpoint_config_request(NAMES),
        "CreateEndpoint": endpoint_spec.create_endpoint_request(NAMES),
    }
    for operation, request in requests.items():
        shape = model.operation_model(operation).input_shape
        assert shape is not None
        report = ParamValidator().validate(request, shape)
        assert not report.has_errors(), f"{operation}: {report.generate_report()}"
