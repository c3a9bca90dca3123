"""Least privilege, checked on the transformed template (what `sam validate` / CloudFormation see).

Any action on Resource "*" must be read-only by its verb, or on the list below with the reason
AWS gives no narrower resource for it. A new write on "*" fails this test until it is justified.
"""

from __future__ import annotations

from typing import Any

import pytest

from .test_template import as_list, iam_statements

pytestmark = pytest.mark.template

READ_VERBS = ("Describe", "Get", "List", "BatchGet", "Query", "Scan")

# action → why it cannot be scoped (IAM's service authorization reference: no resource type).
JUSTIFIED_ON_STAR: dict[str, str] = {
    "cloudwatch:GetMetricData": "read; no resource-level permissions",
    "cloudwatch:GetMetricWidgetImage": "read; no resource-level permissions",
    "cloudwatch:DescribeAlarms": "read; list call filtered by name prefix in the request",
    "sagemaker:ListEndpoints": "read; list calls take no resource",
    "sagemaker:ListInferenceComponents": "read; list calls take no resource",
    "cloudwatch:ListDashboards": "read; list call filtered by name prefix in the request",
}


def _actions_on_star(transformed: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for statement in iam_statements(transformed.get("Resources", {})):
        if statement.get("Effect") != "Allow":
            continue
        resources = as_list(statement.get("Resource", []))
        if "*" not in resources:
            continue
        for action in as_list(statement.get("Action", [])):
            found.add(str(action))
    return found


def test_no_unjustified_action_on_star(transformed: dict[str, Any]) -> None:
    unjustified = sorted(
        action
        for action in _actions_on_star(transformed)
        if action not in JUSTIFIED_ON_STAR and not action.split(":", 1)[-1].startswith(READ_VERBS)
    )
    assert unjustified == [], f"actions on Resource '*' without a justification: {unjustified}"


def test_no_wildcard_actions(transformed: dict[str, Any]) -> None:
    wildcards = sorted(
        str(action)
        for statement in iam_statements(transformed.get("Resources", {}))
        if statement.get("Effect") == "Allow"
        for action in as_list(statement.get("Action", []))
        if str(action) == "*" or str(action).endswith(":*")
    )
    assert wildcards == []


def test_the_check_can_fail() -> None:
    fake = {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "Policies": [
                        {
                            "PolicyDocument": {
                                "Statement": [
                                    {"Effect": "Allow", "Action": "cloudwatch:PutMetricAlarm", "Resource": "*"}
                                ]
                            }
                        }
                    ]
                },
            }
        }
    }
    assert _actions_on_star(fake) == {"cloudwatch:PutMetricAlarm"}
