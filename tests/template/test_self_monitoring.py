"""The stack watches itself: every dead-letter queue, every function and every work queue has an
alarm that reaches the operators' topic (e-mail), not only the Slack channel that may be failing."""

from __future__ import annotations

from typing import Any

import pytest

from sagewatch.observability import ALERTS_FAILED, NAMESPACE, SERVICE

pytestmark = pytest.mark.template


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v.get("Type") == kind}


def _alarms_on(template: dict[str, Any], metric: str, dimension: str, target: str) -> list[dict[str, Any]]:
    found = []
    for alarm in _resources(template, "AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        if props.get("MetricName") != metric:
            continue
        for dim in props.get("Dimensions", []):
            value = dim.get("Value")
            refs = {value.get("Ref"), *(value.get("Fn::GetAtt") or [None])[:1]} if isinstance(value, dict) else set()
            if dim.get("Name") == dimension and target in refs:
                found.append(props)
    return found


def _pages_ops(alarm: dict[str, Any]) -> bool:
    return {"Ref": "OpsTopic"} in alarm.get("AlarmActions", [])


def _dead_letter_queues(template: dict[str, Any]) -> set[str]:
    queues = set()
    for queue in _resources(template, "AWS::SQS::Queue").values():
        target = (queue["Properties"].get("RedrivePolicy") or {}).get("deadLetterTargetArn")
        if isinstance(target, dict) and "Fn::GetAtt" in target:
            queues.add(target["Fn::GetAtt"][0])
    queues |= {name for name in _resources(template, "AWS::SQS::Queue") if "DeadLetter" in name}
    return queues


def test_every_dead_letter_queue_has_an_alarm_to_the_operators(template: dict[str, Any]) -> None:
    queues = _dead_letter_queues(template)
    assert len(queues) >= 3
    for queue in queues:
        alarms = _alarms_on(template, "ApproximateNumberOfMessagesVisible", "QueueName", queue)
        assert alarms and all(_pages_ops(a) for a in alarms), queue


def test_every_function_has_an_errors_alarm_and_a_log_group_with_retention(template: dict[str, Any]) -> None:
    for name, function in _resources(template, "AWS::Serverless::Function").items():
        errors = _alarms_on(template, "Errors", "FunctionName", name)
        assert errors and all(_pages_ops(a) for a in errors), name
        group = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert template["Resources"][group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_event_driven_functions_alarm_on_throttles_and_work_queues_on_age(template: dict[str, Any]) -> None:
    for name in ("OnboardFunction", "ReconcileFunction", "NotifyFunction"):
        alarms = _alarms_on(template, "Throttles", "FunctionName", name)
        assert alarms and all(_pages_ops(a) for a in alarms), name
    for queue in ("AlertQueue", "OnboardQueue"):
        alarms = _alarms_on(template, "ApproximateAgeOfOldestMessage", "QueueName", queue)
        assert alarms and all(_pages_ops(a) for a in alarms), queue


def test_failed_alert_deliveries_alarm_on_the_services_own_metric(template: dict[str, Any]) -> None:
    """A destination that fails inside a partial batch fails no invocation: only the EMF metric shows it."""
    alarms = [
        a["Properties"]
        for a in _resources(template, "AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == ALERTS_FAILED
    ]
    assert len(alarms) == 1
    (alarm,) = alarms
    assert alarm["Namespace"] == NAMESPACE
    # EMF publishes exactly the dimension set the code emits; an alarm on any other set never gets data.
    assert alarm["Dimensions"] == [{"Name": "service", "Value": SERVICE}]
    assert alarm["Statistic"] == "Sum" and alarm["Threshold"] == 1
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"  # no failures, no data: not an alarm
    assert _pages_ops(alarm) and alarm["OKActions"] == [{"Ref": "OpsTopic"}]
    globals_env = template["Globals"]["Function"]["Environment"]["Variables"]
    assert globals_env["POWERTOOLS_SERVICE_NAME"] == SERVICE


def test_ops_topic_reaches_people_without_slack(template: dict[str, Any]) -> None:
    subscription = template["Resources"]["OpsEmailSubscription"]["Properties"]
    assert subscription["Protocol"] == "email" and subscription["TopicArn"] == {"Ref": "OpsTopic"}


def test_topics_use_the_customer_managed_key_that_cloudwatch_may_use(template: dict[str, Any]) -> None:
    for topic in ("AlertTopic", "OpsTopic"):
        assert template["Resources"][topic]["Properties"]["KmsMasterKeyId"] == {"Ref": "TopicKey"}
    statements = template["Resources"]["TopicKey"]["Properties"]["KeyPolicy"]["Statement"]
    cloudwatch = [s for s in statements if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}]
    assert cloudwatch and "kms:GenerateDataKey*" in cloudwatch[0]["Action"]
    for queue in _resources(template, "AWS::SQS::Queue").values():
        assert queue["Properties"].get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in queue["Properties"]
