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
    "sagemaker:ListMonitoringExecutions": "read; list calls take no resource",
    "cloudwatch:ListDashboards": "read; list call filtered by name prefix in the request",
    # DescribeAlarmHistory API reference: "To use this operation and return information about a
    # composite alarm, you must be signed on with the cloudwatch:DescribeAlarmHistory permission
    # that is scoped to *."
    "cloudwatch:DescribeAlarmHistory": "read; a composite alarm's history needs Resource '*'",
}


def test_notify_may_read_composite_alarm_history(transformed: dict[str, Any]) -> None:
    # A composite alarm's OK reads when it started: an alarm-ARN scope would deny that call.
    statements = [
        statement
        for statement in iam_statements(transformed["Resources"]["NotifyFunctionRole"])
        if "cloudwatch:DescribeAlarmHistory" in as_list(statement.get("Action", []))
    ]
    assert [as_list(statement["Resource"]) for statement in statements] == [["*"]]


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


def test_kms_permissions_name_their_key(transformed: dict[str, Any]) -> None:
    # The topic key's, and the Model Monitor reports' key when the operator names one
    # (MonitoringReportsKmsKeyArn): never every key in the account.
    kms = [
        statement
        for statement in iam_statements(transformed.get("Resources", {}))
        if statement.get("Effect") == "Allow" and any(str(a).startswith("kms:") for a in as_list(statement["Action"]))
    ]
    assert kms
    for statement in kms:
        assert "*" not in as_list(statement["Resource"]), statement
    reports = [s for s in kms if s.get("Sid") == "DecryptModelMonitorReports"]
    assert [as_list(s["Action"]) for s in reports] == [["kms:Decrypt"]]
    assert "kms:ViaService" in reports[0]["Condition"]["StringEquals"]  # through S3 only


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
