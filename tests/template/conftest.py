"""Fixtures for the template tests: template.yaml as written, and as CloudFormation sees it.

The transform runs the same aws-sam-translator that ``sam validate`` and CloudFormation's
``AWS::Serverless-2016-10-31`` transform use, offline: local code paths are swapped for a fake
S3 URI (as ``sam validate`` does) and the managed-policy lookup (an IAM call) is stubbed.
"""

from __future__ import annotations

import copy
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from samtranslator.translator.transform import transform

from sagewatch_emulator.sam.template import parse_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = ROOT / "template.yaml"


# Short-form intrinsic tags -> long-form keys. !Ref and !Condition have no "Fn::" prefix.
def load_template(text: str) -> dict[str, Any]:
    """template.yaml with CloudFormation short tags in their long form (the emulator's loader)."""
    return parse_template(text, name=str(TEMPLATE_PATH))


class _NoManagedPolicies:
    """Stands in for samtranslator's ManagedPolicyLoader, which would call IAM.

    Only policies named (not ARNs) in ``Policies`` need the map; the template names none.
    """

    def load(self) -> dict[str, str]:
        return {}


def _with_fake_code_uris(template: dict[str, Any]) -> dict[str, Any]:
    """What ``sam validate`` does: the translator only accepts S3 URIs for code."""
    fake = copy.deepcopy(template)
    for resource in fake.get("Resources", {}).values():
        props = resource.get("Properties", {})
        if resource.get("Type") == "AWS::Serverless::Function" and isinstance(props.get("CodeUri"), str):
            props["CodeUri"] = "s3://bucket/code.zip"
        if resource.get("Type") == "AWS::Serverless::LayerVersion" and isinstance(props.get("ContentUri"), str):
            props["ContentUri"] = "s3://bucket/layer.zip"
    return fake


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Template tests read files only; a network call would mean the transform left the box."""

    def guard(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("template tests must not open network connections")

    monkeypatch.setattr(socket.socket, "connect", guard)
    yield


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    """template.yaml as written (short tags converted to their long form)."""
    return load_template(TEMPLATE_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def transformed(template: dict[str, Any]) -> dict[str, Any]:
    """The CloudFormation template the SAM transform produces from template.yaml."""
    with pytest.MonkeyPatch.context() as mp:
        # The translator asks boto3 for a region to fill AWS::Region / AWS::Partition.
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        mp.delenv("AWS_REGION", raising=False)
        mp.setenv("AWS_CONFIG_FILE", "/dev/null")
        mp.delenv("AWS_PROFILE", raising=False)
        result = transform(_with_fake_code_uris(template), {}, _NoManagedPolicies())
    assert isinstance(result, dict)
    return result
