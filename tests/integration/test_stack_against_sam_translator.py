"""The emulated stack against the SAM translator: the resources SAM's transform adds are the ones
the emulated account records, under the same logical ids and types.

The emulated account resolves and provisions template.yaml itself (``sagewatch_emulator.sam`` and
``provision``) rather than through aws-sam-translator and moto's CloudFormation: measured, the
translation alone takes longer than opening the whole account, and moto's CreateStack fails on
this template (docs/architecture.md, "Decisions"). The translator is still the authority on what
the transform produces, so it is the oracle here: a ``!GetAtt OnboardFunctionRole.Arn`` or a
reference to an event's rule resolves in the emulator exactly where it would in CloudFormation.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from samtranslator.translator.transform import transform

from sagewatch_emulator import EmulatedAccount
from sagewatch_emulator.sam.template import default_template_path, load_template

pytestmark = pytest.mark.integration

# What the emulator mirrors of SAM's implicit resources: the function's role and one resource per
# event. Lambda permissions and the asynchronous invoke configuration (which nothing in the
# template references) are not recorded.
MIRRORED = {"AWS::IAM::Role", "AWS::Events::Rule", "AWS::Lambda::EventSourceMapping", "AWS::SNS::Subscription"}


class _NoManagedPolicies:
    """samtranslator's ManagedPolicyLoader would call IAM; the template names no managed policy."""

    def load(self) -> dict[str, str]:
        return {}


def _translated(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    template = copy.deepcopy(load_template(default_template_path()))
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function":
            properties["CodeUri"] = "s3://bucket/code.zip"  # as `sam validate` does: S3 URIs only
        if resource["Type"] == "AWS::Serverless::LayerVersion":
            properties["ContentUri"] = "s3://bucket/layer.zip"
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")  # the translator fills AWS::Region from it
    result = transform(template, {}, _NoManagedPolicies())
    assert isinstance(result, dict)
    return result


def test_sams_implicit_resources_are_recorded_under_the_translators_ids_and_types(
    account: EmulatedAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    translated = {
        logical_id: resource["Type"]
        for logical_id, resource in _translated(monkeypatch)["Resources"].items()
        if resource["Type"] in MIRRORED
    }
    written = set(load_template(default_template_path())["Resources"])
    implicit = {logical_id: kind for logical_id, kind in translated.items() if logical_id not in written}
    assert implicit, "the transform added no role or event resource: the comparison would prove nothing"
    recorded = {logical_id: account.stack.record(logical_id).type for logical_id in account.stack.resources}
    assert {logical_id: recorded.get(logical_id) for logical_id in implicit} == implicit
    emulator_only = {
        logical_id
        for logical_id, kind in recorded.items()
        if kind in MIRRORED and logical_id not in written and logical_id not in translated
    }
    assert not emulator_only, f"recorded by the emulator, not made by SAM's transform: {sorted(emulator_only)}"
