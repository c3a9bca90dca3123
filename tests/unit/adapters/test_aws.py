"""The runtime's botocore session: its data files parsed into plain dicts, the same data in the same order."""

from __future__ import annotations

import json
from collections import OrderedDict
from pathlib import Path

import botocore.loaders
import pytest
from botocore.exceptions import ParamValidationError
from botocore.stub import Stubber

from sagewatch.adapters.aws import PlainJSONFileLoader, client, clients_of_one_session, new_session

# Every service a function builds a client of (wiring), and the data files every client reads.
SERVICES = ("cloudwatch", "sagemaker", "ssm", "sns", "sqs", "dynamodb", "logs", "secretsmanager", "sesv2", "s3")


def _botocore_loader() -> botocore.loaders.Loader:
    return botocore.loaders.create_loader()


def _plain_loader() -> botocore.loaders.Loader:
    loader = botocore.loaders.create_loader()
    loader.file_loader = PlainJSONFileLoader()
    return loader


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_model_is_the_one_botocore_loads_in_the_same_order(service: str) -> None:
    plain = _plain_loader().load_service_model(service, "service-2")
    ordered = _botocore_loader().load_service_model(service, "service-2")
    assert isinstance(ordered, OrderedDict) and type(plain) is dict
    assert plain == ordered
    assert json.dumps(plain) == json.dumps(ordered)  # the same keys in the same order, all the way down


@pytest.mark.parametrize("name", ["endpoints", "partitions", "sdk-default-configuration", "_retry"])
def test_the_shared_data_files_are_the_ones_botocore_loads(name: str) -> None:
    assert json.dumps(_plain_loader().load_data(name)) == json.dumps(_botocore_loader().load_data(name))


def test_the_session_reads_the_data_path_botocore_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = {
        "version": "2.0",
        "metadata": {
            "apiVersion": "2020-01-01",
            "endpointPrefix": "example",
            "protocol": "json",
            "serviceId": "Example",
            "signatureVersion": "v4",
            "jsonVersion": "1.1",
            "targetPrefix": "Example",
        },
        "operations": {},
        "shapes": {},
    }
    folder = tmp_path / "example" / "2020-01-01"
    folder.mkdir(parents=True)
    (folder / "service-2.json").write_text(json.dumps(model))
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    session = new_session()
    assert "example" in session.get_available_services()
    assert session.get_service_model("example").service_id == "Example"


def test_a_file_in_another_form_is_read_by_botocores_own_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def botocore_load_file(self: botocore.loaders.JSONFileLoader, file_path: str) -> object:
        asked.append(file_path)
        return {"read": "by botocore"}

    monkeypatch.setattr(botocore.loaders.JSONFileLoader, "load_file", botocore_load_file)
    assert PlainJSONFileLoader().load_file("/nonexistent/model") == {"read": "by botocore"}
    assert asked == ["/nonexistent/model"]


def test_the_session_parses_with_the_plain_loader() -> None:
    assert isinstance(new_session().get_component("data_loader").file_loader, PlainJSONFileLoader)


def test_clients_built_from_it_call_as_botocore_clients_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    sagemaker = clients_of_one_session()("sagemaker")
    with Stubber(sagemaker) as stubber:
        stubber.add_response("list_tags", {"Tags": [{"Key": "team", "Value": "fraud"}]}, {"ResourceArn": "arn"})
        assert sagemaker.list_tags(ResourceArn="arn")["Tags"] == [{"Key": "team", "Value": "fraud"}]
    sqs = client("sqs", "eu-west-1")
    with pytest.raises(ParamValidationError, match="MessageBody"):
        sqs.send_message(QueueUrl="q")  # the model's required member is enforced before any request
