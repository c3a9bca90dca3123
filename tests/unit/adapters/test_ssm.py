"""The fleet policy from SSM against botocore's Stubber: a clear error for every way it can be wrong."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from sagewatch.adapters.ssm import load_policy
from sagewatch.core.shared.errors import InvalidPolicyError


def ssm_with(value: str | None) -> tuple[Any, Stubber]:
    client = boto3.client("ssm", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(client)
    if value is None:
        stubber.add_client_error("get_parameter", service_error_code="ParameterNotFound", http_status_code=400)
    else:
        stubber.add_response("get_parameter", {"Parameter": {"Name": "/p", "Value": value}}, {"Name": "/p"})
    stubber.activate()
    return client, stubber


def test_the_policy_is_read_from_the_parameter() -> None:
    client, _ = ssm_with('{"disabled": ["memory-utilization"]}')
    assert "memory-utilization" in load_policy(client, "/p").disabled


@pytest.mark.parametrize(
    ("value", "problem"),
    [(None, "SSM parameter /p does not exist"), ("{not json", "is not valid JSON"), ("[]", "must be a JSON object")],
)
def test_a_missing_or_invalid_policy_is_named(value: str | None, problem: str) -> None:
    client, _ = ssm_with(value)
    with pytest.raises(InvalidPolicyError, match=problem):
        load_policy(client, "/p")
