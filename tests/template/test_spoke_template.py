"""The spoke template (docs/spoke/spoke.yaml) and the hub's side of the doors it opens.

A spoke is deployed by service-managed StackSets, which refuse a Transform
(cloudformation-coverage-roadmap #839), so it must be plain CloudFormation. What it forwards must
be exactly what the hub's OnboardFunction rules match, so both templates are read here. Its role
must trust only the hub's function roles (with the external ID), write only prefixed alarms and
dashboards, and read only what the functions read; its topic must admit only this account's
prefixed alarms and the hub's queue. The hub opens its bus and queue only with SpokeOrganizationId
or SpokeAccountIds (docs/hub-and-spokes.md). Policies are checked resolved, with concrete
parameters, through the emulated account's template resolver.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint

from sagewatch_emulator.sam.template import Resolver, StaticAttributes, Template, parse_template

from .conftest import ROOT, TEMPLATE_PATH
from .test_template import as_list, iam_statements

pytestmark = pytest.mark.template

SPOKE_PATH = ROOT / "docs" / "spoke" / "spoke.yaml"
SPOKE_ACCOUNT = "222222222222"
SPOKE_REGION = "eu-west-1"
HUB_ACCOUNT = "111111111111"
HUB_REGION = "us-east-1"
HUB_BUS = f"arn:aws:events:{HUB_REGION}:{HUB_ACCOUNT}:event-bus/default"
HUB_QUEUE = f"arn:aws:sqs:{HUB_REGION}:{HUB_ACCOUNT}:sagewatch-AlertQueue-ABC123"
HUB_ROLES = [f"arn:aws:iam::{HUB_ACCOUNT}:role/sagewatch-{name}FunctionRole-X" for name in ("Onboard", "Notify")]
EXTERNAL_ID = "a-long-random-external-id-value"
ORGANIZATION = "o-abcdefghij"
DEAD_LETTERS = f"arn:aws:sqs:{SPOKE_REGION}:{SPOKE_ACCOUNT}:forwarding-dead-letters"
RULES = (
    "EndpointStateChangeRule",
    "MonitoringRunFinishedRule",
    "MonitoringScheduleStateChangeRule",
    "InferenceComponentCallRule",
)


def rule_arn(rule: str) -> str:
    return f"arn:aws:events:{SPOKE_REGION}:{SPOKE_ACCOUNT}:rule/{rule}"


# "Actions, resources, and condition keys for ...": these verbs read; everything else may write.
READ_VERBS = ("Describe", "Get", "List", "Filter")
# The services whose calls concern the endpoint's own account (adapters: cloudwatch, metrics,
# metric_history, alarm_history, logs, sagemaker, model_monitor, fleet's listings). The hub keeps
# DynamoDB, SQS, SSM, Secrets Manager, SES, SNS, KMS, S3 and Lambda under its own roles.
SPOKE_SERVICES = ("cloudwatch:", "sagemaker:", "logs:")


@pytest.fixture(scope="module")
def spoke() -> dict[str, Any]:
    return parse_template(SPOKE_PATH.read_text(encoding="utf-8"), name=str(SPOKE_PATH))


def spoke_resolver(**overrides: str) -> Resolver:
    """The spoke as CloudFormation would create it in SPOKE_ACCOUNT / SPOKE_REGION."""
    parameters = {
        "HubAccountId": HUB_ACCOUNT,
        "HubEventBusArn": HUB_BUS,
        "HubAlertQueueArn": HUB_QUEUE,
        "HubFunctionRoleArns": ",".join(HUB_ROLES),
        "ExternalId": EXTERNAL_ID,
        **overrides,
    }
    attributes = StaticAttributes(
        {
            "AlertTopic": {"Ref": f"arn:aws:sns:{SPOKE_REGION}:{SPOKE_ACCOUNT}:SageWatch-spoke-alerts"},
            "AlertTopicKey": {"Ref": "key-id", "Arn": f"arn:aws:kms:{SPOKE_REGION}:{SPOKE_ACCOUNT}:key/key-id"},
            "ForwardingRole": {"Arn": f"arn:aws:iam::{SPOKE_ACCOUNT}:role/forwarding"},
            "HubAccessRole": {"Arn": f"arn:aws:iam::{SPOKE_ACCOUNT}:role/SageWatch-spoke-{SPOKE_REGION}"},
            "ForwardingDeadLetterQueue": {"Ref": "https://sqs/dlq", "Arn": DEAD_LETTERS, "QueueName": "dlq"},
            **{rule: {"Arn": rule_arn(rule)} for rule in RULES},
        }
    )
    return Resolver(
        Template.from_text(SPOKE_PATH.read_text(encoding="utf-8")),
        region=SPOKE_REGION,
        account_id=SPOKE_ACCOUNT,
        stack_name="StackSet-sagewatch-spoke-1234",
        parameters=parameters,
        attributes=attributes,
    )


def hub_resolver(**overrides: str) -> Resolver:
    """template.yaml as deployed in HUB_ACCOUNT / HUB_REGION (resource attributes stubbed)."""
    roles = {
        f"{name}FunctionRole": {"Arn": f"arn:aws:iam::{HUB_ACCOUNT}:role/sagewatch-{name}"}
        for name in ("Onboard", "Notify", "Reconcile")
    }
    attributes = StaticAttributes(
        {
            "AlertQueue": {"Ref": "https://sqs/alert-queue", "Arn": HUB_QUEUE},
            "AlertTopic": {"Ref": f"arn:aws:sns:{HUB_REGION}:{HUB_ACCOUNT}:sagewatch-alerts"},
            **roles,
        }
    )
    return Resolver(
        Template.from_text(TEMPLATE_PATH.read_text(encoding="utf-8")),
        region=HUB_REGION,
        account_id=HUB_ACCOUNT,
        parameters=overrides,
        attributes=attributes,
    )


def resolved_properties(resolver: Resolver, logical_id: str) -> dict[str, Any]:
    resolved = resolver.resolve(resolver.template.resource(logical_id).get("Properties", {}), logical_id)
    assert isinstance(resolved, dict)
    return resolved


def resources_of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


# ---------------------------------------------------------------- plain CloudFormation


def test_spoke_is_plain_cloudformation_that_service_managed_stacksets_accept(spoke: dict[str, Any]) -> None:
    # "Transform is not supported in SERVICE_MANAGED permission model" (coverage-roadmap #839);
    # StackSets with service-managed permissions do not support macros (Fn::Transform) either.
    assert "Transform" not in spoke
    assert "Fn::Transform" not in json.dumps(spoke)
    kinds = {resource["Type"] for resource in spoke["Resources"].values()}
    assert not {kind for kind in kinds if kind.startswith("AWS::Serverless::")}
    assert "AWS::CloudFormation::Stack" not in kinds


def test_cfn_lint_accepts_the_spoke_and_would_name_a_mistake() -> None:
    text = SPOKE_PATH.read_text(encoding="utf-8")
    assert [str(match) for match in lint(text)] == []
    broken = text.replace("EnableKeyRotation: true", "EnableKeyRotation: true\n      NoSuchProperty: 1")
    assert lint(broken), "cfn-lint found nothing in a template with an unknown property"


# ---------------------------------------------------------------- events to the hub


def hub_onboard_patterns() -> list[dict[str, Any]]:
    hub = parse_template(TEMPLATE_PATH.read_text(encoding="utf-8"), name=str(TEMPLATE_PATH))
    events = hub["Resources"]["OnboardFunction"]["Properties"]["Events"]
    return [event["Properties"]["Pattern"] for event in events.values() if event["Type"] == "EventBridgeRule"]


def canonical(patterns: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(pattern, sort_keys=True) for pattern in patterns)


def test_spoke_forwards_exactly_what_the_hubs_onboarding_rules_match(spoke: dict[str, Any]) -> None:
    rules = resources_of_type(spoke, "AWS::Events::Rule")
    forwarded = [rule["Properties"]["EventPattern"] for rule in rules.values()]
    assert len(hub_onboard_patterns()) == 4  # endpoint, processing job, schedule, CloudTrail calls
    assert canonical(forwarded) == canonical(hub_onboard_patterns())


def test_every_rule_targets_only_the_hub_bus_through_the_forwarding_role(spoke: dict[str, Any]) -> None:
    resolver = spoke_resolver()
    assert sorted(resources_of_type(spoke, "AWS::Events::Rule")) == sorted(RULES)
    for name in RULES:
        [target] = resolved_properties(resolver, name)["Targets"]
        assert target["Arn"] == HUB_BUS, name
        assert target["RoleArn"] == f"arn:aws:iam::{SPOKE_ACCOUNT}:role/forwarding", name
        # Retried like the hub's own rules; what the hub's bus refuses is dead-lettered here.
        assert target["RetryPolicy"] == {"MaximumRetryAttempts": 8, "MaximumEventAgeInSeconds": 3600}, name
        assert target["DeadLetterConfig"] == {"Arn": DEAD_LETTERS}, name


def test_only_the_forwarding_rules_may_dead_letter_and_the_queue_keeps_14_days() -> None:
    resolver = spoke_resolver()
    queue = resolved_properties(resolver, "ForwardingDeadLetterQueue")
    assert queue["SqsManagedSseEnabled"] is True and queue["MessageRetentionPeriod"] == 1209600
    policy = resolved_properties(resolver, "ForwardingDeadLetterQueuePolicy")
    [statement] = policy["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage" and statement["Resource"] == DEAD_LETTERS
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": [rule_arn(rule) for rule in RULES]}}


def test_refused_events_alarm_to_the_hub_through_the_spoke_topic() -> None:
    resolver = spoke_resolver()
    alarm = resolved_properties(resolver, "ForwardingDeadLetterAlarm")
    topic = f"arn:aws:sns:{SPOKE_REGION}:{SPOKE_ACCOUNT}:SageWatch-spoke-alerts"
    assert alarm["Namespace"] == "AWS/SQS" and alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": "dlq"}]
    assert alarm["Threshold"] == 1 and alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["AlarmActions"] == [topic] and alarm["OKActions"] == [topic]
    # Outside "<prefix>/": the hub's role cannot touch it, the reconcile never plans it.
    name = alarm["AlarmName"]
    assert name == "SageWatch-spoke-forwarding-dead-letters" and not name.startswith("SageWatch/")
    publish = resolved_properties(resolver, "AlertTopicPolicy")["PolicyDocument"]["Statement"][0]
    patterns = publish["Condition"]["ArnLike"]["aws:SourceArn"]
    alarm_arn = f"arn:aws:cloudwatch:{SPOKE_REGION}:{SPOKE_ACCOUNT}:alarm:{name}"
    assert any(re.fullmatch(re.escape(p).replace(r"\*", ".*"), alarm_arn) for p in patterns)


def test_forwarding_role_is_eventbridges_and_may_only_put_events_on_the_hub_bus() -> None:
    role = resolved_properties(spoke_resolver(), "ForwardingRole")
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "events.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": SPOKE_ACCOUNT}}
    statements = list(iam_statements(role["Policies"]))
    assert [(s["Action"], s["Resource"]) for s in statements] == [("events:PutEvents", HUB_BUS)]


# ---------------------------------------------------------------- the role the hub assumes


def test_role_trusts_only_the_hub_function_roles_with_the_external_id() -> None:
    role = resolved_properties(spoke_resolver(), "HubAccessRole")
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Effect"] == "Allow" and trust["Action"] == "sts:AssumeRole"
    assert trust["Principal"] == {"AWS": HUB_ROLES}
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}


def test_role_also_requires_the_organization_when_one_is_given() -> None:
    role = resolved_properties(spoke_resolver(OrganizationId=ORGANIZATION), "HubAccessRole")
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"AWS": HUB_ROLES}
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": EXTERNAL_ID, "aws:PrincipalOrgID": ORGANIZATION}}


def test_external_id_is_required_and_never_echoed(spoke: dict[str, Any]) -> None:
    parameter = spoke["Parameters"]["ExternalId"]
    assert "Default" not in parameter and parameter["NoEcho"] is True and parameter["MinLength"] >= 16


def spoke_role_statements() -> list[dict[str, Any]]:
    return list(iam_statements(resolved_properties(spoke_resolver(), "HubAccessRole")["Policies"]))


def test_role_writes_only_this_regions_prefixed_alarms_and_dashboards() -> None:
    alarms = f"arn:aws:cloudwatch:{SPOKE_REGION}:{SPOKE_ACCOUNT}:alarm:SageWatch/*"
    dashboards = f"arn:aws:cloudwatch::{SPOKE_ACCOUNT}:dashboard/SageWatch_{SPOKE_REGION}_*"
    writes: dict[str, set[str]] = {}
    for statement in spoke_role_statements():
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            assert not str(action).endswith("*"), f"wildcard action {action}"
            if not action.split(":", 1)[1].startswith(READ_VERBS):
                writes.setdefault(action, set()).update(as_list(statement["Resource"]))
    assert writes == {
        "cloudwatch:PutMetricAlarm": {alarms},
        "cloudwatch:DeleteAlarms": {alarms},
        "cloudwatch:TagResource": {alarms},
        "cloudwatch:PutDashboard": {dashboards},
        "cloudwatch:DeleteDashboards": {dashboards},
        # A deployment's hold: SageWatch's own mute rules, over SageWatch's own alarms.
        "cloudwatch:PutAlarmMuteRule": {
            f"arn:aws:cloudwatch:{SPOKE_REGION}:{SPOKE_ACCOUNT}:alarm-mute-rule:SageWatch-deploy-*",
            alarms,
        },
    }


def test_nothing_but_reads_on_star() -> None:
    on_star = sorted(
        action
        for statement in spoke_role_statements()
        if "*" in as_list(statement["Resource"])
        for action in as_list(statement["Action"])
    )
    assert on_star, "the list calls need '*'"
    assert [a for a in on_star if not a.split(":", 1)[1].startswith(READ_VERBS)] == []


def test_scoped_reads_stay_in_this_account_and_region() -> None:
    for statement in spoke_role_statements():
        for resource in as_list(statement["Resource"]):
            if resource == "*":
                continue
            assert resource.startswith(("arn:aws:cloudwatch:", "arn:aws:sagemaker:", "arn:aws:logs:")), resource
            _, _, _service, region, account, _ = resource.split(":", 5)
            assert account == SPOKE_ACCOUNT, resource
            assert region == ("" if "dashboard/" in resource else SPOKE_REGION), resource


def test_role_grants_what_the_hubs_functions_call_on_an_endpoints_account(transformed: dict[str, Any]) -> None:
    # The hub's own roles list every call its functions make; those on CloudWatch, SageMaker and
    # Logs are the ones a spoke must allow, and the spoke allows nothing else (but the alias).
    hub_actions = {
        action
        for role in ("OnboardFunctionRole", "NotifyFunctionRole", "ReconcileFunctionRole")
        for statement in iam_statements(transformed["Resources"][role])
        for action in as_list(statement.get("Action", []))
        if str(action).startswith(SPOKE_SERVICES)
    }
    spoke_actions = {action for statement in spoke_role_statements() for action in as_list(statement["Action"])}
    assert hub_actions - spoke_actions == set()
    assert spoke_actions - hub_actions == {"iam:ListAccountAliases"}


def test_role_name_is_per_region_and_fits_iam(spoke: dict[str, Any]) -> None:
    # IAM is global: one stack set deploying to two regions of an account needs two names.
    # Longest prefix the parameter admits (32) and a long region name; IAM role names <= 64.
    name = resolved_properties(spoke_resolver(), "HubAccessRole")["RoleName"]
    assert name == f"SageWatch-spoke-{SPOKE_REGION}"
    assert len(f"{'P' * 32}-spoke-ap-southeast-4") <= 64
    assert re.fullmatch(spoke["Parameters"]["NamePrefix"]["AllowedPattern"], "P" * 32)


# ---------------------------------------------------------------- alarm notifications to the hub


def test_topic_admits_only_this_accounts_prefixed_alarms_and_the_hubs_queue() -> None:
    topic = f"arn:aws:sns:{SPOKE_REGION}:{SPOKE_ACCOUNT}:SageWatch-spoke-alerts"
    policy = resolved_properties(spoke_resolver(), "AlertTopicPolicy")
    assert policy["Topics"] == [topic]
    publish, subscribe = policy["PolicyDocument"]["Statement"]
    assert publish["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert publish["Action"] == "sns:Publish" and publish["Resource"] == topic
    assert publish["Condition"] == {
        "StringEquals": {"aws:SourceAccount": SPOKE_ACCOUNT},
        "ArnLike": {
            "aws:SourceArn": [
                f"arn:aws:cloudwatch:{SPOKE_REGION}:{SPOKE_ACCOUNT}:alarm:SageWatch/*",
                f"arn:aws:cloudwatch:{SPOKE_REGION}:{SPOKE_ACCOUNT}:alarm:SageWatch-spoke-*",
            ]
        },
    }
    # "Sending Amazon SNS messages to an Amazon SQS queue in a different account": the queue's
    # owner subscribes; only the hub's queue, only over SQS.
    assert subscribe["Principal"] == {"AWS": f"arn:aws:iam::{HUB_ACCOUNT}:root"}
    assert subscribe["Action"] == "sns:Subscribe" and subscribe["Resource"] == topic
    assert subscribe["Condition"] == {"StringEquals": {"sns:Protocol": "sqs", "sns:Endpoint": HUB_QUEUE}}


def test_topic_is_encrypted_with_a_key_cloudwatch_of_this_account_may_use() -> None:
    resolver = spoke_resolver()
    assert resolved_properties(resolver, "AlertTopic")["KmsMasterKeyId"] == "key-id"
    key = resolved_properties(resolver, "AlertTopicKey")
    assert key["EnableKeyRotation"] is True
    statements = key["KeyPolicy"]["Statement"]
    [cloudwatch] = [s for s in statements if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]
    assert sorted(cloudwatch["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert cloudwatch["Condition"] == {"StringEquals": {"aws:SourceAccount": SPOKE_ACCOUNT}}


# ---------------------------------------------------------------- the hub's side


def test_a_hub_without_spokes_opens_nothing() -> None:
    resolver = hub_resolver()
    assert not resolver.condition("HasSpokeOrganization") and not resolver.condition("HasSpokeAccounts")
    spoke_only = {
        name
        for name, resource in resolver.template.resources.items()
        if resource.get("Condition") in ("HasSpokeOrganization", "HasSpokeAccounts")
    }
    assert spoke_only == {"SpokeOrganizationBusPolicy", "SpokeAccountsBusPolicy"}
    assert not any(resolver.resource_enabled(name) for name in spoke_only)
    statements = resolved_properties(resolver, "AlertQueuePolicy")["PolicyDocument"]["Statement"]
    assert [s["Sid"] for s in statements] == ["AlertTopicDelivers"]


def test_a_hub_for_an_organization_admits_its_accounts_events_and_spoke_topics() -> None:
    resolver = hub_resolver(SpokeOrganizationId=ORGANIZATION)
    assert resolver.resource_enabled("SpokeOrganizationBusPolicy")
    assert not resolver.resource_enabled("SpokeAccountsBusPolicy")
    bus = resolved_properties(resolver, "SpokeOrganizationBusPolicy")
    assert bus["EventBusName"] == "default"
    assert bus["Statement"] == {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "events:PutEvents",
        "Resource": f"arn:aws:events:{HUB_REGION}:{HUB_ACCOUNT}:event-bus/default",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORGANIZATION}},
    }
    statements = resolved_properties(resolver, "AlertQueuePolicy")["PolicyDocument"]["Statement"]
    [spokes] = [s for s in statements if s["Sid"] == "SpokeTopicsOfOrganizationDeliver"]
    assert spokes["Principal"] == {"Service": "sns.amazonaws.com"} and spokes["Resource"] == HUB_QUEUE
    assert spokes["Condition"] == {
        "ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:SageWatch-spoke-alerts"},
        "StringEquals": {"aws:SourceOrgID": ORGANIZATION},
    }


def test_a_hub_for_listed_accounts_admits_only_those() -> None:
    accounts = [SPOKE_ACCOUNT, "333333333333"]
    resolver = hub_resolver(SpokeAccountIds=",".join(accounts))
    assert resolver.resource_enabled("SpokeAccountsBusPolicy")
    assert not resolver.resource_enabled("SpokeOrganizationBusPolicy")
    bus = resolved_properties(resolver, "SpokeAccountsBusPolicy")
    assert bus["Statement"]["Principal"] == {"AWS": accounts}
    assert bus["Statement"]["Action"] == "events:PutEvents"
    statements = resolved_properties(resolver, "AlertQueuePolicy")["PolicyDocument"]["Statement"]
    [spokes] = [s for s in statements if s["Sid"] == "SpokeTopicsOfAccountsDeliver"]
    assert spokes["Condition"] == {
        "ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:SageWatch-spoke-alerts"},
        "StringEquals": {"aws:SourceAccount": accounts},
    }


def test_the_hubs_queue_policy_names_the_spokes_topic_name_for_any_prefix() -> None:
    # One prefix on both sides: the spoke's TopicName and the hub's aws:SourceArn pattern agree.
    topic_name = resolved_properties(spoke_resolver(NamePrefix="Ml-Team"), "AlertTopic")["TopicName"]
    statements = resolved_properties(
        hub_resolver(NamePrefix="Ml-Team", SpokeOrganizationId=ORGANIZATION), "AlertQueuePolicy"
    )["PolicyDocument"]["Statement"]
    [spokes] = [s for s in statements if s["Sid"] == "SpokeTopicsOfOrganizationDeliver"]
    assert spokes["Condition"]["ArnLike"]["aws:SourceArn"] == f"arn:aws:sns:*:*:{topic_name}"


def test_the_hub_outputs_every_value_a_spoke_is_given(spoke: dict[str, Any]) -> None:
    resolver = hub_resolver()
    outputs = {
        name: resolver.resolve(resolver.template.outputs[name]["Value"], name)
        for name in ("HubEventBusArn", "AlertQueueArn", "HubFunctionRoleArns")
    }
    values = {
        "HubEventBusArn": outputs["HubEventBusArn"],
        "HubAlertQueueArn": outputs["AlertQueueArn"],
        "HubAccountId": HUB_ACCOUNT,
    }
    for parameter, value in values.items():
        assert re.fullmatch(spoke["Parameters"][parameter]["AllowedPattern"], value), parameter
    assert outputs["HubFunctionRoleArns"].split(",") == [
        f"arn:aws:iam::{HUB_ACCOUNT}:role/sagewatch-{name}" for name in ("Onboard", "Notify", "Reconcile")
    ]


def test_spoke_template_is_linted_and_scanned_by_the_makefile() -> None:
    makefile = Path(ROOT / "Makefile").read_text(encoding="utf-8")
    assert "SPOKE_TEMPLATE := docs/spoke/spoke.yaml" in makefile
    assert "cfn-lint $(SPOKE_TEMPLATE)" in makefile
    assert "checkov -f template.yaml -f $(SPOKE_TEMPLATE)" in makefile


def test_every_spoke_parameter_resource_and_output_is_documented(spoke: dict[str, Any]) -> None:
    doc = (ROOT / "docs" / "hub-and-spokes.md").read_text(encoding="utf-8")
    section = doc[doc.index("\n## The spoke template\n") : doc.index("\n## Roll out to an organization\n")]
    parameters = section[section.index("\nParameters:\n") : section.index("\nOutputs:")]
    rows = dict(re.findall(r"^\| `([A-Za-z]+)` \| ([^|]+) \|", parameters, re.M))
    for name, parameter in spoke["Parameters"].items():
        default = parameter.get("Default")
        expected = "*(required)*" if default is None else ("*(empty)*" if default == "" else f"`{default}`")
        assert rows.get(name, "").strip() == expected, f"parameter {name} in docs/hub-and-spokes.md"
    assert sorted(rows) == sorted(spoke["Parameters"])
    for resource in spoke["Resources"]:
        assert f"`{resource}`" in section, f"resource {resource} in docs/hub-and-spokes.md"
    for output in spoke["Outputs"]:
        assert f"`{output}`" in section, f"output {output} in docs/hub-and-spokes.md"
