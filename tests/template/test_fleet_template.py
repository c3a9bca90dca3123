"""The fleet reconcile's wiring in template.yaml (checked on the SAM transform's output)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from sagewatch import config
from sagewatch.core.monitoring.policy import Policy
from sagewatch.core.shared.places import WORK_LANES
from tests.template.test_template import (
    as_list,
    get_att,
    iam_statements,
    resources_of_type,
    sub_with_defaults,
)

pytestmark = pytest.mark.template

Template = dict[str, Any]


def test_policy_parameter_holds_the_same_policy_as_the_fallback(template: Template) -> None:
    parameter = template["Resources"]["PolicyParameter"]["Properties"]
    onboard_env = template["Resources"]["OnboardFunction"]["Properties"]["Environment"]["Variables"]
    assert parameter["Value"] == onboard_env["SAGEWATCH_POLICY"]
    Policy.from_document(json.loads(sub_with_defaults(template, parameter["Value"])))


def test_functions_get_the_fleet_variables_the_code_reads(transformed: Template) -> None:
    onboard = transformed["Resources"]["OnboardFunction"]["Properties"]["Environment"]["Variables"]
    reconcile = transformed["Resources"]["ReconcileFunction"]["Properties"]["Environment"]["Variables"]
    for env in (onboard, reconcile):
        assert env[config.ENV_POLICY_PARAMETER] == {"Ref": "PolicyParameter"}
        assert env[config.ENV_STATE_TABLE] == {"Ref": "FleetStateTable"}
    assert reconcile[config.ENV_ONBOARD_QUEUE_URL] == {"Ref": "OnboardQueue"}
    assert onboard[config.ENV_CLOUDWATCH_WRITE_TPS] == {"Ref": "WorkerWriteTps"}


def test_worker_consumes_the_queue_at_a_concurrency_inside_the_quotas(transformed: Template) -> None:
    mappings = [
        m["Properties"]
        for m in resources_of_type(transformed, "AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["EventSourceArn"] == get_att("OnboardQueue", "Arn")
    ]
    assert len(mappings) == 1
    mapping = mappings[0]
    assert mapping["FunctionName"] == {"Ref": "OnboardFunction"}
    assert mapping["BatchSize"] == 1  # a failed message holds its own lane only
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # FIFO: Lambda's concurrency is min(active message groups, MaximumConcurrency), and a place has
    # WORK_LANES groups, so one account-region is worked at most WORK_LANES wide, ten side by side.
    assert transformed["Resources"]["OnboardQueue"]["Properties"]["FifoQueue"] is True
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 10 * WORK_LANES}
    tps = transformed["Parameters"]["WorkerWriteTps"]
    assert WORK_LANES * float(tps["Default"]) < 3  # one place's workers stay under PutMetricAlarm's 3 TPS


def test_the_work_queue_and_its_dead_letter_queue_are_both_fifo(transformed: Template) -> None:
    # "A FIFO queue can only use a FIFO DLQ" (Configure a dead-letter queue using the Amazon SQS console).
    resources = transformed["Resources"]
    assert resources["OnboardQueue"]["Properties"]["FifoQueue"] is True
    assert resources["OnboardQueueDeadLetterQueue"]["Properties"]["FifoQueue"] is True
    # The EventBridge rules' dead-letter queue stays standard: EventBridge DLQs are standard queues
    # ("Using dead-letter queues to process undelivered events in EventBridge").
    assert "FifoQueue" not in resources["OnboardDeadLetterQueue"]["Properties"]


def test_queue_is_encrypted_with_a_dead_letter_queue_that_pages_ops(transformed: Template) -> None:
    queue = transformed["Resources"]["OnboardQueue"]["Properties"]
    assert queue["SqsManagedSseEnabled"] is True
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == get_att("OnboardQueueDeadLetterQueue", "Arn")
    assert transformed["Resources"]["OnboardQueueDeadLetterQueue"]["Properties"]["SqsManagedSseEnabled"] is True
    assert queue["VisibilityTimeout"] >= 6 * 60
    alarms = [
        a["Properties"]
        for a in resources_of_type(transformed, "AWS::CloudWatch::Alarm").values()
        if {"Name": "QueueName", "Value": get_att("OnboardQueueDeadLetterQueue", "QueueName")}
        in a["Properties"].get("Dimensions", [])
    ]
    assert len(alarms) == 1 and alarms[0]["AlarmActions"] == [{"Ref": "OpsTopic"}]


def test_reconcile_runs_on_a_schedule_and_after_every_deploy(transformed: Template) -> None:
    assert transformed["Parameters"]["ReconcileSchedule"]["Default"] == "rate(1 day)"
    rules = {
        name: r["Properties"]
        for name, r in resources_of_type(transformed, "AWS::Events::Rule").items()
        if any(t["Arn"] == get_att("ReconcileFunction", "Arn") for t in r["Properties"]["Targets"])
    }
    schedules = [r for r in rules.values() if "ScheduleExpression" in r]
    patterns = [r["EventPattern"] for r in rules.values() if "EventPattern" in r]
    assert [s["ScheduleExpression"] for s in schedules] == [{"Ref": "ReconcileSchedule"}]
    assert patterns == [
        {
            "source": ["aws.cloudformation"],
            "detail-type": ["CloudFormation Stack Status Change"],
            "resources": [{"Ref": "AWS::StackId"}],
            "detail": {"status-details": {"status": ["CREATE_COMPLETE", "UPDATE_COMPLETE"]}},
        }
    ]


def test_reconcile_only_reads_cloudwatch_and_enqueues(transformed: Template) -> None:
    actions = {
        action
        for s in iam_statements(transformed["Resources"]["ReconcileFunctionRole"])
        for action in as_list(s["Action"])
        if s.get("Effect") == "Allow"
    }
    # Reads only: Describe*/List* and GetMetricData (each latency alarm's traffic, latency_fit).
    assert not {
        a
        for a in actions
        if a.startswith("cloudwatch:")
        and not a.startswith(("cloudwatch:Describe", "cloudwatch:List"))
        and a != "cloudwatch:GetMetricData"
    }
    assert {"sqs:SendMessage", "sagemaker:ListEndpoints", "dynamodb:Scan", "ssm:GetParameter"} <= actions


def test_fleet_dashboard_picks_endpoints_at_render_time(template: Template) -> None:
    body = json.loads(
        re.sub(r"\$\{[^}]+\}", "X", template["Resources"]["FleetDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"])
    )
    expressions = [
        m[0]["expression"] for w in body["widgets"] if w["type"] == "metric" for m in w["properties"]["metrics"]
    ]
    assert any("Invocation5XXErrors" in e and "ORDER BY" in e and "LIMIT 10" in e for e in expressions)
    assert any("ModelLatency" in e and "SEARCH(" in e and "p99" in e for e in expressions)
    assert any("SUM(Invocations)" in e and "ORDER BY" in e for e in expressions)
    assert all("EndpointName=" not in e for e in expressions)  # never a fixed endpoint
    assert any(w["type"] == "alarm" for w in body["widgets"])


def test_fleet_dashboard_name_carries_the_region(template: Template) -> None:
    # Dashboards are global per account (PutDashboard API reference): two regional stacks of one
    # account must not write the same fleet dashboard.
    name = template["Resources"]["FleetDashboard"]["Properties"]["DashboardName"]
    assert name == {"Fn::Sub": "${NamePrefix}-${AWS::Region}-fleet"}
