"""Build the SNS notification CloudWatch would send for an alarm's state change.

moto stores alarms but never evaluates them or runs their actions, so the demo and tests build
the message themselves — from the alarm exactly as DescribeAlarms returns it, in the shape
CloudWatch uses (see events/notify/): ``Message`` as a JSON string, ``Region`` as a display
name, lowercase ``name``/``value`` dimensions, upper-case ``Statistic``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-2": "US West (Oregon)",
    "eu-west-1": "EU (Ireland)",
    "eu-central-1": "EU (Frankfurt)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
}


def _dimensions(dims: Any) -> list[dict[str, str]]:
    return [{"value": d["Value"], "name": d["Name"]} for d in dims or []]


def _trigger(alarm: Mapping[str, Any]) -> dict[str, Any]:
    trigger: dict[str, Any] = {
        "Period": alarm.get("Period", 60),
        "EvaluationPeriods": alarm["EvaluationPeriods"],
        "DatapointsToAlarm": alarm.get("DatapointsToAlarm", alarm["EvaluationPeriods"]),
        "ComparisonOperator": alarm["ComparisonOperator"],
        "Threshold": float(alarm["Threshold"]),
        "TreatMissingData": alarm.get("TreatMissingData", "missing"),
        "EvaluateLowSampleCountPercentile": alarm.get("EvaluateLowSampleCountPercentile", ""),
    }
    if alarm.get("Metrics"):
        metrics = []
        for query in alarm["Metrics"]:
            entry: dict[str, Any] = {"Id": query["Id"], "ReturnData": query.get("ReturnData", True)}
            if query.get("Label"):
                entry["Label"] = query["Label"]
            if query.get("Expression"):
                entry["Expression"] = query["Expression"]
            if query.get("MetricStat"):
                stat = query["MetricStat"]
                entry["MetricStat"] = {
                    "Metric": {
                        "Namespace": stat["Metric"]["Namespace"],
                        "MetricName": stat["Metric"]["MetricName"],
                        "Dimensions": _dimensions(stat["Metric"].get("Dimensions")),
                    },
                    "Period": stat["Period"],
                    "Stat": stat["Stat"],
                }
            metrics.append(entry)
        trigger["Metrics"] = metrics
        trigger.pop("Period")
        return trigger
    trigger.update(
        {
            "MetricName": alarm["MetricName"],
            "Namespace": alarm["Namespace"],
            "Unit": alarm.get("Unit"),
            "Dimensions": _dimensions(alarm.get("Dimensions")),
        }
    )
    if alarm.get("ExtendedStatistic"):
        trigger.update({"StatisticType": "ExtendedStatistic", "ExtendedStatistic": alarm["ExtendedStatistic"]})
    else:
        trigger.update({"StatisticType": "Statistic", "Statistic": str(alarm.get("Statistic", "Average")).upper()})
    return trigger


def alarm_notification(
    alarm: Mapping[str, Any],
    *,
    new_state: str,
    old_state: str,
    reason: str,
    at: datetime | None = None,
    topic_arn: str | None = None,
) -> dict[str, Any]:
    """An SNS-to-Lambda event (``{"Records": [...]}``) carrying CloudWatch's alarm message."""
    at = at or datetime.now(tz=UTC)
    arn = str(alarm["AlarmArn"])
    region = arn.split(":")[3]
    account = arn.split(":")[4]
    topic = topic_arn or next(iter(alarm.get("AlarmActions") or []), f"arn:aws:sns:{region}:{account}:alerts")
    message = {
        "AlarmName": alarm["AlarmName"],
        "AlarmDescription": alarm.get("AlarmDescription"),
        "AWSAccountId": account,
        "AlarmConfigurationUpdatedTimestamp": at.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "NewStateValue": new_state,
        "NewStateReason": reason,
        "StateChangeTime": at.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "Region": REGION_NAMES.get(region, region),
        "AlarmArn": arn,
        "OldStateValue": old_state,
        "OKActions": alarm.get("OKActions", []),
        "AlarmActions": alarm.get("AlarmActions", []),
        "InsufficientDataActions": alarm.get("InsufficientDataActions", []),
        "Trigger": _trigger(alarm),
    }
    subject = f'{new_state}: "{alarm["AlarmName"]}" in {message["Region"]}'
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{topic}:{uuid.uuid4()}",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": str(uuid.uuid4()),
                    "TopicArn": topic,
                    "Subject": subject[:100],
                    "Message": json.dumps(message),
                    "Timestamp": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                    "MessageAttributes": {},
                },
            }
        ]
    }
