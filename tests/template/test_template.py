"""The wiring of template.yaml, checked on the template CloudFormation actually receives.

Each test names one promise of the stack (where events go, where failures end up, what the
function may write) and checks it on the SAM transform's output, so generated resources (the
EventBridge rule, the EventInvokeConfig, the role) are covered too. Cross-checks against the
package (env var names, alarm keys, default thresholds, name prefix rule) keep the template and
the code from drifting apart.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from sagewatch import config as sagewatch_config
from sagewatch.core.monitoring.alarm_catalog import BY_KEY
from sagewatch.core.monitoring.policy import Policy
from sagewatch.core.shared.errors import InvalidPolicyError
from sagewatch.core.shared.naming import validate_prefix
from tests.template.conftest import ROOT

pytestmark = pytest.mark.template

Template = dict[str, Any]

POLICY_KEYS = {
    "invocation-5xx-rate",
    "invocation-4xx-rate",
    "model-latency-p99",
    "cpu-utilization",
    "memory-utilization",
    "disk-utilization",
    "gpu-utilization",
    "gpu-memory-utilization",
}
# Writes that must only ever reach SageWatch's own alarms and dashboards.
SCOPED_WRITE_ACTIONS = (
    "cloudwatch:PutMetricAlarm",
    "cloudwatch:DeleteAlarms",
    "cloudwatch:TagResource",
    "cloudwatch:PutDashboard",
    "cloudwatch:DeleteDashboards",
)
DLQ = "OnboardDeadLetterQueue"
ARN_HEAD = "arn:${AWS::Partition}:cloudwatch"


# ------------------------------------------------------------------------------ helpers


def resources_of_type(tpl: Template, type_: str) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in tpl["Resources"].items() if res["Type"] == type_}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def get_att(logical_id: str, attribute: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [logical_id, attribute]}


def iam_statements(node: Any) -> Iterator[dict[str, Any]]:
    """Every policy statement anywhere in the template (roles, policies, resource policies)."""
    if isinstance(node, dict):
        if "PolicyDocument" in node and isinstance(node["PolicyDocument"], dict):
            for statement in as_list(node["PolicyDocument"].get("Statement", [])):
                yield from _branches(statement)
        for value in node.values():
            yield from iam_statements(value)
    elif isinstance(node, list):
        for item in node:
            yield from iam_statements(item)


def _branches(statement: Any) -> Iterator[dict[str, Any]]:
    """A statement, or both statements of a conditional one (``Fn::If``; ``AWS::NoValue`` is none)."""
    if isinstance(statement, dict) and set(statement) == {"Fn::If"}:
        for branch in statement["Fn::If"][1:]:
            yield from _branches(branch)
    elif isinstance(statement, dict) and statement != {"Ref": "AWS::NoValue"}:
        yield statement


def sub_with_defaults(template: Template, sub: Any) -> str:
    """Resolve a plain ``Fn::Sub`` string the way CloudFormation would with default parameters."""
    assert isinstance(sub, dict), f"expected an Fn::Sub, got {sub!r}"
    assert set(sub) == {"Fn::Sub"}, f"expected an Fn::Sub, got {sub!r}"
    text = sub["Fn::Sub"]
    assert isinstance(text, str), "SAGEWATCH_POLICY must be a plain !Sub string"
    params = template["Parameters"]

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in params, f"${{{name}}} is not a template parameter"
        return str(params[name]["Default"])

    return re.sub(r"\$\{([A-Za-z0-9]+)\}", value, text)


def onboard_function(tpl: Template) -> dict[str, Any]:
    props: dict[str, Any] = tpl["Resources"]["OnboardFunction"]["Properties"]
    return props


def policy_sub(tpl: Template) -> Any:
    """The SAGEWATCH_POLICY value (an Fn::Sub) of OnboardFunction, raw or transformed."""
    return onboard_function(tpl)["Environment"]["Variables"]["SAGEWATCH_POLICY"]


def onboard_rules(transformed: Template) -> dict[str, tuple[str, dict[str, Any], dict[str, Any]]]:
    """detail-type → (logical id, rule properties, target) of the EventBridge rules invoking
    OnboardFunction: endpoint state changes, Model Monitor runs (processing jobs), schedules,
    inference component API calls (CloudTrail)."""
    found = [
        (name, rule["Properties"], target)
        for name, rule in resources_of_type(transformed, "AWS::Events::Rule").items()
        for target in rule["Properties"].get("Targets", [])
        if target["Arn"] == get_att("OnboardFunction", "Arn") and "EventPattern" in rule["Properties"]
    ]
    by_type = {rule["EventPattern"]["detail-type"][0]: (name, rule, target) for name, rule, target in found}
    assert len(by_type) == len(found) == 4, f"expected the endpoint, run, schedule and component rules, found {found}"
    return by_type


def onboard_rule(
    transformed: Template, detail_type: str = "SageMaker Endpoint State Change"
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(logical id, rule properties, target) of OnboardFunction's rule for ``detail_type``."""
    return onboard_rules(transformed)[detail_type]


MONITORING_RUN = "SageMaker Processing Job State Change"


def test_onboard_function_has_exactly_its_event_rules(transformed: Template) -> None:
    targeting = [
        rule["Properties"]
        for rule in resources_of_type(transformed, "AWS::Events::Rule").values()
        for target in rule["Properties"].get("Targets", [])
        if target["Arn"] == get_att("OnboardFunction", "Arn")
    ]
    rules = [properties["EventPattern"]["detail-type"] for properties in targeting if "EventPattern" in properties]
    assert sorted(rules) == [
        ["AWS API Call via CloudTrail"],
        ["SageMaker Endpoint State Change"],
        ["SageMaker Monitoring Schedule State Change"],
        [MONITORING_RUN],
    ]
    # And one schedule: the hourly look for Model Monitor executions that failed without a
    # processing job (no event tells them), delivered as EventBridge's own Scheduled Event.
    scheduled = [properties for properties in targeting if "EventPattern" not in properties]
    assert [p["ScheduleExpression"] for p in scheduled] == ["rate(1 hour)"]
    assert all("Input" not in target for p in scheduled for target in p["Targets"])


def test_monitoring_run_rule_lets_through_only_finished_processing_jobs(transformed: Template) -> None:
    _, rule, target = onboard_rule(transformed, MONITORING_RUN)
    assert rule["EventPattern"] == {
        "source": ["aws.sagemaker"],
        "detail-type": [MONITORING_RUN],
        "detail": {"ProcessingJobStatus": ["Completed", "Failed", "Stopped"]},
    }
    # The same retry and dead-letter settings as the endpoint rule.
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 8, "MaximumEventAgeInSeconds": 3600}
    assert target["DeadLetterConfig"] == {"Arn": get_att(DLQ, "Arn")}


def test_model_monitor_reads_are_scoped_to_schedules(transformed: Template) -> None:
    statements = {s.get("Sid"): s for s in iam_statements(transformed["Resources"]["OnboardFunctionRole"])}
    describe = statements["DescribeMonitoringSchedules"]
    assert as_list(describe["Action"]) == ["sagemaker:DescribeMonitoringSchedule"]
    assert sub_with_defaults(transformed, describe["Resource"]).endswith(":monitoring-schedule/*")
    # The List actions accept only "*"; nothing else rides on that statement.
    listing = statements["ListMonitoringSchedulesAndDriftMetrics"]
    assert listing["Resource"] == "*"
    assert sorted(as_list(listing["Action"])) == [
        "cloudwatch:ListMetrics",
        "sagemaker:ListMonitoringExecutions",
        "sagemaker:ListMonitoringSchedules",
    ]


def test_notify_reads_reports_only_where_the_operator_says(transformed: Template) -> None:
    policy = transformed["Resources"]["NotifyReadMonitoringReportsPolicy"]
    assert policy["Condition"] == "HasMonitoringReportsBucket"
    assert transformed["Parameters"]["MonitoringReportsBucket"]["Default"] == ""
    [statement] = as_list(policy["Properties"]["PolicyDocument"]["Statement"])
    assert as_list(statement["Action"]) == ["s3:GetObject"]
    assert statement["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:s3:::${MonitoringReportsBucket}/*"}
    notify_actions = {
        a for s in iam_statements(transformed["Resources"]["NotifyFunctionRole"]) for a in as_list(s["Action"])
    }
    assert not any(a.startswith("s3:") for a in notify_actions)  # nothing unconditional


def test_notify_decrypts_reports_only_with_the_key_the_operator_names(transformed: Template) -> None:
    # Reading an SSE-KMS object needs kms:Decrypt on its key as well as s3:GetObject (S3 user
    # guide, "Using server-side encryption with AWS KMS keys (SSE-KMS)"): granted on that key
    # only, only through S3, and only when both the reports and their key are named.
    parameter = transformed["Parameters"]["MonitoringReportsKmsKeyArn"]
    assert parameter["Default"] == ""
    pattern = re.compile(parameter["AllowedPattern"])
    assert pattern.match("") and pattern.match(
        "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    assert not pattern.match("alias/reports") and not pattern.match("*")
    policy = transformed["Resources"]["NotifyDecryptMonitoringReportsPolicy"]
    assert policy["Condition"] == "HasMonitoringReportsKmsKey"
    assert transformed["Conditions"]["HasMonitoringReportsKmsKey"] == {
        "Fn::And": [
            {"Condition": "HasMonitoringReportsBucket"},
            {"Fn::Not": [{"Fn::Equals": [{"Ref": "MonitoringReportsKmsKeyArn"}, ""]}]},
        ]
    }
    assert policy["Properties"]["Roles"] == [{"Ref": "NotifyFunctionRole"}]
    [statement] = as_list(policy["Properties"]["PolicyDocument"]["Statement"])
    assert as_list(statement["Action"]) == ["kms:Decrypt"]
    assert statement["Resource"] == {"Ref": "MonitoringReportsKmsKeyArn"}
    assert statement["Condition"] == {
        "StringEquals": {"kms:ViaService": {"Fn::Sub": "s3.${AWS::Region}.amazonaws.com"}}
    }
    # Nothing unconditional names the reports' key.
    assert "MonitoringReportsKmsKeyArn" not in json.dumps(transformed["Resources"]["NotifyFunctionRole"])


# ------------------------------------------------------------------------------ functions


def test_every_function_runs_python313_on_arm64(transformed: Template) -> None:
    functions = resources_of_type(transformed, "AWS::Lambda::Function")
    assert functions, "no functions in the transformed template"
    for name, fn in functions.items():
        assert fn["Properties"]["Runtime"] == "python3.13", name
        assert fn["Properties"]["Architectures"] == ["arm64"], name


def test_every_function_logs_to_its_own_log_group_with_retention(transformed: Template) -> None:
    log_groups = resources_of_type(transformed, "AWS::Logs::LogGroup")
    for name, fn in resources_of_type(transformed, "AWS::Lambda::Function").items():
        ref = fn["Properties"].get("LoggingConfig", {}).get("LogGroup")
        assert isinstance(ref, dict), f"{name} has no LoggingConfig.LogGroup reference"
        assert ref.get("Ref") in log_groups, f"{name} logs to {ref}, not a log group of this stack"
        assert log_groups[ref["Ref"]]["Properties"].get("RetentionInDays"), f"{ref['Ref']} keeps logs forever"


def test_every_function_gets_the_sagewatch_and_powertools_layers(transformed: Template) -> None:
    layer_ids = set(resources_of_type(transformed, "AWS::Lambda::LayerVersion"))
    for name, fn in resources_of_type(transformed, "AWS::Lambda::Function").items():
        refs = [layer.get("Ref") for layer in fn["Properties"]["Layers"]]
        assert any(ref in layer_ids for ref in refs), f"{name} lacks the SageWatch layer"
        assert "PowertoolsLayerArn" in refs, f"{name} lacks the Powertools layer"


def test_onboard_env_var_names_are_the_ones_settings_reads(transformed: Template) -> None:
    env = onboard_function(transformed)["Environment"]["Variables"]
    for name in (
        sagewatch_config.ENV_NAME_PREFIX,
        sagewatch_config.ENV_ALERT_TOPIC_ARN,
        sagewatch_config.ENV_CREATE_ALARMS,
        sagewatch_config.ENV_CREATE_DASHBOARDS,
        sagewatch_config.ENV_POLICY,
    ):
        assert name in env, f"{name} is read by sagewatch.config but not set by the template"
    assert env[sagewatch_config.ENV_ALERT_TOPIC_ARN] == {"Ref": "AlertTopic"}
    assert env["POWERTOOLS_SERVICE_NAME"] == "sagewatch"


def test_policy_env_with_default_parameters_is_json_with_the_eight_threshold_keys(
    template: Template, transformed: Template
) -> None:
    raw = sub_with_defaults(template, policy_sub(transformed))
    doc = json.loads(raw)
    assert set(doc) == {"thresholds", "disabled"}
    assert set(doc["thresholds"]) == POLICY_KEYS
    assert doc["disabled"] == ""
    policy = Policy.from_document(doc, where="SAGEWATCH_POLICY")  # the function's own parser accepts it
    assert set(policy.thresholds) == POLICY_KEYS


def test_threshold_parameter_defaults_match_the_alarm_catalogue(template: Template) -> None:
    """A deploy with defaults behaves like the code's documented defaults."""
    pairs = re.findall(r'"([a-z0-9-]+)": \$\{([A-Za-z0-9]+)\}', policy_sub(template)["Fn::Sub"])
    assert {key for key, _ in pairs} == POLICY_KEYS
    for key, param in pairs:
        assert float(template["Parameters"][param]["Default"]) == BY_KEY[key].default_threshold, (key, param)


def test_disabled_alarms_parameter_cannot_break_the_policy_json(template: Template) -> None:
    pattern = template["Parameters"]["DisabledAlarms"]["AllowedPattern"]
    assert re.fullmatch(pattern, "invocation-4xx-rate disk-utilization")
    assert re.fullmatch(pattern, "")
    for hostile in ('x", "thresholds": {}', "a\\b", "model-latency-p99}"):
        assert not re.fullmatch(pattern, hostile), hostile
    raw = sub_with_defaults(template, policy_sub(template))
    raw = raw.replace('"disabled": ""', '"disabled": "invocation-4xx-rate disk-utilization"')
    policy = Policy.from_document(json.loads(raw))
    assert not policy.is_enabled("disk-utilization")


@pytest.mark.parametrize("prefix", ["SageWatch", "a", "ml-prod-2", "A" * 32, "", "1abc", "a_b", "a/b", "A" * 33])
def test_name_prefix_parameter_accepts_what_the_code_accepts(template: Template, prefix: str) -> None:
    pattern = template["Parameters"]["NamePrefix"]["AllowedPattern"]
    try:
        validate_prefix(prefix)
        code_accepts = True
    except InvalidPolicyError:
        code_accepts = False
    assert bool(re.fullmatch(pattern, prefix)) == code_accepts


@pytest.mark.parametrize("channel", ["", "C0123456789", "G0ALERTS1", "#alerts", "alerts", "c0123456789", "U012AB3CD"])
def test_slack_channel_parameter_accepts_what_the_notify_config_accepts(template: Template, channel: str) -> None:
    pattern = template["Parameters"]["SlackChannel"]["AllowedPattern"]
    try:
        sagewatch_config.NotifyConfig.from_env({sagewatch_config.ENV_SLACK_CHANNEL: channel})
        code_accepts = True
    except sagewatch_config.ConfigError:
        code_accepts = False
    assert bool(re.fullmatch(pattern, channel)) == code_accepts


# ------------------------------------------------------------------------------ events and failures


def test_onboard_rule_matches_exactly_the_endpoint_state_changes_it_handles(transformed: Template) -> None:
    from sagewatch.core.monitoring.events import ACTED_ON_STATUSES

    assert ACTED_ON_STATUSES == (
        "IN_SERVICE",
        "DELETING",
        "FAILED",
        "UPDATE_ROLLBACK_FAILED",
        "UPDATING",
        "SYSTEM_UPDATING",
    )
    _, rule, _ = onboard_rule(transformed)
    assert rule["EventPattern"] == {
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Endpoint State Change"],
        "detail": {
            "EndpointStatus": [
                "IN_SERVICE",
                "DELETING",
                "FAILED",
                "UPDATE_ROLLBACK_FAILED",
                "UPDATING",
                "SYSTEM_UPDATING",
            ]
        },
    }


def test_monitoring_schedule_rule_matches_every_schedule_state_change(transformed: Template) -> None:
    from sagewatch.core.model_monitor.schedule_events import DETAIL_TYPE, SOURCE

    _, rule, _ = onboard_rules(transformed)[DETAIL_TYPE]
    # Every status: a created, stopped, failed or deleted schedule changes what the endpoint needs.
    assert rule["EventPattern"] == {"source": [SOURCE], "detail-type": [DETAIL_TYPE]}


def test_onboard_rules_retry_then_dead_letter_to_the_dlq(transformed: Template) -> None:
    for _, _, target in onboard_rules(transformed).values():
        assert target["RetryPolicy"] == {"MaximumRetryAttempts": 8, "MaximumEventAgeInSeconds": 3600}
        assert target["DeadLetterConfig"] == {"Arn": get_att(DLQ, "Arn")}


def test_dlq_policy_lets_only_the_onboard_rules_send(transformed: Template) -> None:
    rule_ids = sorted(rule_id for rule_id, _, _ in onboard_rules(transformed).values())
    policies = [
        p["Properties"]
        for p in resources_of_type(transformed, "AWS::SQS::QueuePolicy").values()
        if {"Ref": DLQ} in p["Properties"]["Queues"]
    ]
    assert len(policies) == 1
    statements = as_list(policies[0]["PolicyDocument"]["Statement"])
    from_events = [s for s in statements if s.get("Principal") == {"Service": "events.amazonaws.com"}]
    assert len(from_events) == 1
    statement = from_events[0]
    assert statement["Effect"] == "Allow"
    assert as_list(statement["Action"]) == ["sqs:SendMessage"]
    assert statement["Resource"] == get_att(DLQ, "Arn")
    sources = as_list(statement["Condition"]["ArnEquals"]["aws:SourceArn"])
    assert sorted(sources, key=str) == sorted((get_att(r, "Arn") for r in rule_ids), key=str)
    assert set(statement["Condition"]) == {"ArnEquals"}


COMPONENT_CALL = "AWS API Call via CloudTrail"


def test_component_rule_matches_exactly_the_component_calls_the_handler_parses(transformed: Template) -> None:
    from sagewatch.core.monitoring.component_events import DETAIL_TYPE, EVENT_NAMES, EVENT_SOURCE, SOURCE

    _, rule, target = onboard_rule(transformed, COMPONENT_CALL)
    assert rule["EventPattern"] == {
        "source": [SOURCE],
        "detail-type": [DETAIL_TYPE],
        "detail": {"eventSource": [EVENT_SOURCE], "eventName": list(EVENT_NAMES)},
    }
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 8, "MaximumEventAgeInSeconds": 3600}
    assert target["DeadLetterConfig"] == {"Arn": get_att(DLQ, "Arn")}


@pytest.mark.parametrize("role", ["OnboardFunctionRole", "NotifyFunctionRole"])
def test_describe_inference_component_is_scoped_to_inference_components(transformed: Template, role: str) -> None:
    resources = [
        resource
        for statement in iam_statements(transformed["Resources"][role])
        if "sagemaker:DescribeInferenceComponent" in as_list(statement.get("Action", []))
        for resource in as_list(statement["Resource"])
    ]
    assert resources, f"{role} cannot DescribeInferenceComponent"
    for resource in resources:
        text = json.dumps(resource)
        assert ":inference-component/*" in text and '"*"' not in text


def test_dlq_keeps_messages_14_days_encrypted(transformed: Template) -> None:
    props = transformed["Resources"][DLQ]["Properties"]
    assert props["MessageRetentionPeriod"] == 1209600
    assert props["SqsManagedSseEnabled"] is True


def test_processing_failures_go_to_the_same_dlq(transformed: Template) -> None:
    """EventBridge's DLQ only covers delivery; handler errors follow Lambda's async config."""
    configs = [
        c["Properties"]
        for c in resources_of_type(transformed, "AWS::Lambda::EventInvokeConfig").values()
        if c["Properties"]["FunctionName"] == {"Ref": "OnboardFunction"}
    ]
    assert len(configs) == 1
    config = configs[0]
    assert config["MaximumRetryAttempts"] == 2
    assert config["MaximumEventAgeInSeconds"] == 3600
    assert config["DestinationConfig"]["OnFailure"]["Destination"] == get_att(DLQ, "Arn")


def test_onboard_role_may_send_failures_to_the_dlq(transformed: Template) -> None:
    role = transformed["Resources"]["OnboardFunctionRole"]
    assert any(
        "sqs:SendMessage" in as_list(s["Action"]) and s["Resource"] == get_att(DLQ, "Arn") for s in iam_statements(role)
    )


def test_dead_letters_page_the_ops_topic(transformed: Template) -> None:
    alarms = [
        a["Properties"]
        for a in resources_of_type(transformed, "AWS::CloudWatch::Alarm").values()
        if a["Properties"]["Namespace"] == "AWS/SQS"
        and {"Name": "QueueName", "Value": get_att(DLQ, "QueueName")} in a["Properties"]["Dimensions"]
    ]
    assert len(alarms) == 1
    alarm = alarms[0]
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["Threshold"] == 1
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"
    assert {"Ref": "OpsTopic"} in alarm["AlarmActions"]


def test_onboard_errors_page_the_ops_topic(transformed: Template) -> None:
    alarms = [
        a["Properties"]
        for a in resources_of_type(transformed, "AWS::CloudWatch::Alarm").values()
        if a["Properties"]["Namespace"] == "AWS/Lambda"
        and a["Properties"]["MetricName"] == "Errors"
        and {"Name": "FunctionName", "Value": {"Ref": "OnboardFunction"}} in a["Properties"]["Dimensions"]
    ]
    assert len(alarms) == 1
    assert {"Ref": "OpsTopic"} in alarms[0]["AlarmActions"]


def test_ops_email_subscription_only_when_an_address_is_given(transformed: Template) -> None:
    subscriptions = resources_of_type(transformed, "AWS::SNS::Subscription")
    email = [s for s in subscriptions.values() if s["Properties"]["Protocol"] == "email"]
    assert len(email) == 1
    assert email[0]["Properties"]["TopicArn"] == {"Ref": "OpsTopic"}
    condition = email[0]["Condition"]
    assert transformed["Conditions"][condition] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "OpsEmail"}, ""]}]}


def test_cloudwatch_of_this_account_may_publish_alarms_to_the_alert_topic(transformed: Template) -> None:
    policies = [
        p["Properties"]
        for p in resources_of_type(transformed, "AWS::SNS::TopicPolicy").values()
        if {"Ref": "AlertTopic"} in p["Properties"]["Topics"]
    ]
    assert len(policies) == 1
    statements = as_list(policies[0]["PolicyDocument"]["Statement"])
    assert any(
        s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
        and "sns:Publish" in as_list(s["Action"])
        and s["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
        for s in statements
    )


# ------------------------------------------------------------------------------ least privilege


def test_alarm_and_dashboard_writes_are_never_granted_on_every_resource(transformed: Template) -> None:
    statements = list(iam_statements(transformed["Resources"]))
    assert statements, "found no IAM statements at all"
    granted: set[str] = set()
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        patterns = as_list(statement.get("Action", []))
        resources = as_list(statement.get("Resource", []))
        for action in SCOPED_WRITE_ACTIONS:
            if any(isinstance(p, str) and fnmatch.fnmatchcase(action, p) for p in patterns):
                granted.add(action)
                assert "*" not in resources, f"{action} is allowed on '*' in {statement}"
    # The function needs all of them; if one is missing the walk above proved nothing.
    assert granted == set(SCOPED_WRITE_ACTIONS)


def test_alarm_writes_are_scoped_to_the_name_prefix(transformed: Template) -> None:
    by_action: dict[str, list[Any]] = {}
    for s in iam_statements(transformed["Resources"]["OnboardFunctionRole"]):
        for action in as_list(s["Action"]):
            if action in SCOPED_WRITE_ACTIONS:
                by_action.setdefault(action, []).append(s["Resource"])
    alarms = {"Fn::Sub": f"{ARN_HEAD}:${{AWS::Region}}:${{AWS::AccountId}}:alarm:${{NamePrefix}}/*"}
    # Dashboards are global: their ARN has an empty region field, so the region is in the name,
    # and a stack writes only its own region's dashboards (another region's stack shares them).
    dashboards = {"Fn::Sub": f"{ARN_HEAD}::${{AWS::AccountId}}:dashboard/${{NamePrefix}}_${{AWS::Region}}_*"}
    # Migration: the old-style <prefix>_<endpoint> dashboard is deleted when its successor is written.
    old_style = {"Fn::Sub": f"{ARN_HEAD}::${{AWS::AccountId}}:dashboard/${{NamePrefix}}_*"}
    assert by_action == {
        "cloudwatch:PutMetricAlarm": [alarms],
        "cloudwatch:DeleteAlarms": [alarms],
        "cloudwatch:TagResource": [alarms],
        "cloudwatch:PutDashboard": [dashboards],
        "cloudwatch:DeleteDashboards": [dashboards, old_style],
    }


# ------------------------------------------------------------------------------ build inputs


def test_layer_is_built_by_its_makefile_for_arm64(template: Template) -> None:
    layer = template["Resources"]["SageWatchLayer"]
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    assert layer["Metadata"]["BuildArchitecture"] == "arm64"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    makefile = (ROOT / layer["Properties"]["ContentUri"] / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^build-SageWatchLayer:", makefile, re.MULTILINE)


def test_powertools_layer_comes_from_public_ssm_at_the_tested_version(template: Template) -> None:
    param = template["Parameters"]["PowertoolsLayerArn"]
    assert param["Type"] == "AWS::SSM::Parameter::Value<String>"
    assert param["Default"].startswith("/aws/service/powertools/python/arm64/python3.13/")
    pinned = re.search(
        r"^aws-lambda-powertools(?:\[[a-z,]+\])?==([^\s#]+)",  # [tracer]: with aws-xray-sdk
        (ROOT / "requirements-dev.txt").read_text(encoding="utf-8"),
        re.MULTILINE,
    )
    assert pinned, "requirements-dev.txt must pin aws-lambda-powertools"
    assert param["Default"].rsplit("/", 1)[1] == pinned.group(1)
