"""Every explicit resource name fits its service's limit for any stack name CloudFormation accepts.

CloudFormation accepts stack names of up to 128 characters (CreateStack API reference,
``StackName``: "can't be longer than 128 characters"). A name built from the stack name that
is longer than its service allows fails the deploy — ``${AWS::StackName}-reconcile`` did for
stack names over 54 characters, because Lambda function names are at most 64 characters
(Lambda API reference, CreateFunction ``FunctionName``: "If you specify only the function
name, it is limited to 64 characters in length").

The names are resolved on the SAM-transformed template (what CloudFormation sees) with the
longest stack name and the longest ``NamePrefix`` the template's AllowedPattern admits.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sagewatch_emulator.sam.template import Resolver, Template

LONGEST_STACK_NAME = "s" + "x" * 127  # CloudFormation: 128 characters at most

# (resource type, name property) -> the service's documented maximum length.
NAME_LIMITS: dict[tuple[str, str], int] = {
    ("AWS::Lambda::Function", "FunctionName"): 64,  # Lambda CreateFunction
    ("AWS::Lambda::LayerVersion", "LayerName"): 140,  # Lambda PublishLayerVersion
    ("AWS::IAM::Role", "RoleName"): 64,  # IAM CreateRole
    ("AWS::Events::Rule", "Name"): 64,  # EventBridge PutRule
    ("AWS::Scheduler::Schedule", "Name"): 64,  # EventBridge Scheduler CreateSchedule
    ("AWS::SQS::Queue", "QueueName"): 80,  # SQS CreateQueue
    ("AWS::SNS::Topic", "TopicName"): 256,  # SNS CreateTopic
    ("AWS::KMS::Alias", "AliasName"): 256,  # KMS CreateAlias
    ("AWS::DynamoDB::Table", "TableName"): 255,  # DynamoDB CreateTable
    ("AWS::CloudWatch::Alarm", "AlarmName"): 255,  # CloudWatch PutMetricAlarm
    ("AWS::CloudWatch::CompositeAlarm", "AlarmName"): 255,  # CloudWatch PutCompositeAlarm
    ("AWS::CloudWatch::Dashboard", "DashboardName"): 255,  # CloudWatch PutDashboard
    ("AWS::Logs::LogGroup", "LogGroupName"): 512,  # CloudWatch Logs CreateLogGroup
    # SSM PutParameter: "The maximum length constraint ... including the full length of the
    # parameter ARN, is 1011 characters" (arn:aws:ssm:<region>:<account>:parameter is ~45).
    ("AWS::SSM::Parameter", "Name"): 1011 - 64,
}


def _longest_prefix(template: dict[str, Any]) -> str:
    pattern = template["Parameters"]["NamePrefix"]["AllowedPattern"]
    match = re.fullmatch(r"\^\[A-Za-z\]\[A-Za-z0-9-\]\{0,(\d+)\}\$", pattern)
    assert match, f"NamePrefix's AllowedPattern changed ({pattern}): update this test"
    prefix = "P" + "p" * int(match.group(1))
    assert re.fullmatch(pattern, prefix)
    return prefix


def _named(transformed: dict[str, Any]) -> list[tuple[str, str, str, Any]]:
    found = []
    for logical_id, resource in transformed["Resources"].items():
        for (kind, prop), _limit in NAME_LIMITS.items():
            if resource.get("Type") == kind and prop in resource.get("Properties", {}):
                found.append((logical_id, kind, prop, resource["Properties"][prop]))
    return found


def test_explicit_names_fit_for_the_longest_stack_name_and_prefix(
    template: dict[str, Any], transformed: dict[str, Any]
) -> None:
    resolver = Resolver(
        Template.from_text(json.dumps(transformed)),
        stack_name=LONGEST_STACK_NAME,
        parameters={"NamePrefix": _longest_prefix(template)},
    )
    named = _named(transformed)
    assert any(kind == "AWS::Lambda::Function" for _, kind, _, _ in named), "the test no longer sees FunctionName"
    too_long = []
    for logical_id, kind, prop, value in named:
        name = resolver.resolve(value, where=f"{logical_id}.{prop}")
        assert isinstance(name, str)
        if len(name) > NAME_LIMITS[(kind, prop)]:
            too_long.append(f"{logical_id}.{prop} = {name!r} ({len(name)} > {NAME_LIMITS[(kind, prop)]})")
    assert not too_long, "names over their service's limit:\n" + "\n".join(too_long)


def test_the_reconcile_function_may_invoke_itself_by_the_name_it_is_given(transformed: dict[str, Any]) -> None:
    resolver = Resolver(Template.from_text(json.dumps(transformed)), stack_name=LONGEST_STACK_NAME)
    name = resolver.resolve(transformed["Resources"]["ReconcileFunction"]["Properties"]["FunctionName"])
    statements = [
        s
        for policy in transformed["Resources"]["ReconcileFunctionRole"]["Properties"]["Policies"]
        for s in policy["PolicyDocument"]["Statement"]
        if s.get("Sid") == "ContinueItself"
    ]
    assert len(statements) == 1
    resource = resolver.resolve(statements[0]["Resource"])
    assert resource.endswith(f":function:{name}")
