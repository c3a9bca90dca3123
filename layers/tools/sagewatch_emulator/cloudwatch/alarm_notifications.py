"""Build the SNS notification CloudWatch sends for an alarm's state change.

moto stores alarms but never evaluates them or runs their actions, so the alarm engine
(:mod:`sagewatch_emulator.alarm_engine`), the demo and tests build the message here — from the
alarm exactly as DescribeAlarms returns it, in the shape CloudWatch uses (see events/notify/ and
DESIGN.md "Alarm notifications"): ``Message`` as a JSON string; ``Region`` as the region's
display name; lowercase ``name``/``value`` dimensions and upper-case ``Statistic`` in
``Trigger``; metric-math alarms with ``Trigger.Metrics`` and no MetricName; anomaly alarms with
``ThresholdMetricId`` and no Threshold; composite alarms with no Trigger but ``AlarmRule`` and
``TriggeringChildren`` ([{Arn, State{Value, Timestamp}}], possibly empty).

The SNS Subject is ``<STATE>: "<alarm name>" in <Region display name>``. SNS accepts only ASCII
subjects without control characters, "less than 100 characters long" (SNS API Reference,
Publish, ``Subject``), so other characters become ``_`` and the subject is cut to 99 characters.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sagewatch.core.alerting.regions import REGION_NAMES
from sagewatch.core.shared.partitions import partition

MAX_SUBJECT = 99  # "must be less than 100 characters long"


def region_display_name(region: str) -> str:
    """The name CloudWatch writes for a region (its current console name), else the code."""
    names = REGION_NAMES.get(region)
    return names[0] if names else region


def notification_subject(state: str, alarm_name: str, region: str) -> str:
    """``ALARM: "name" in US East (N. Virginia)``: ASCII only (others → ``_``), at most 99 characters."""
    text = f'{state}: "{alarm_name}" in {region_display_name(region)}'
    cleaned = "".join(char if " " <= char <= "~" else "_" for char in text)
    return cleaned[:MAX_SUBJECT]


def cloudwatch_time(moment: datetime) -> str:
    """``2022-11-06T21:53:40.699+0000``: how alarm bodies write StateChangeTime and friends."""
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _dimensions(dims: Any) -> list[dict[str, str]]:
    return [{"value": d["Value"], "name": d["Name"]} for d in dims or []]


def _metrics(queries: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    metrics = []
    for query in queries:
        entry: dict[str, Any] = {"Id": query["Id"]}
        if query.get("Expression"):
            entry["Expression"] = query["Expression"]
        if query.get("Label"):
            entry["Label"] = query["Label"]
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
        entry["ReturnData"] = query.get("ReturnData", True)
        metrics.append(entry)
    return metrics


def _trigger(alarm: Mapping[str, Any]) -> dict[str, Any]:
    trigger: dict[str, Any] = {}
    if not alarm.get("Metrics"):
        trigger.update(
            {
                "MetricName": alarm["MetricName"],
                "Namespace": alarm["Namespace"],
            }
        )
        if alarm.get("ExtendedStatistic"):
            trigger.update({"StatisticType": "ExtendedStatistic", "ExtendedStatistic": alarm["ExtendedStatistic"]})
        else:
            trigger.update({"StatisticType": "Statistic", "Statistic": str(alarm.get("Statistic", "Average")).upper()})
        trigger.update({"Unit": alarm.get("Unit"), "Dimensions": _dimensions(alarm.get("Dimensions"))})
    period = alarm.get("Period") or next(
        (q["MetricStat"]["Period"] for q in alarm.get("Metrics") or () if q.get("MetricStat")), 60
    )
    trigger.update(
        {
            "Period": period,
            "EvaluationPeriods": alarm["EvaluationPeriods"],
            "DatapointsToAlarm": alarm.get("DatapointsToAlarm", alarm["EvaluationPeriods"]),
            "ComparisonOperator": alarm["ComparisonOperator"],
        }
    )
    if alarm.get("ThresholdMetricId"):
        trigger["ThresholdMetricId"] = alarm["ThresholdMetricId"]  # anomaly alarms: a band, no Threshold
    else:
        trigger["Threshold"] = float(alarm["Threshold"])
    trigger["TreatMissingData"] = alarm.get("TreatMissingData", "missing")
    trigger["EvaluateLowSampleCountPercentile"] = alarm.get("EvaluateLowSampleCountPercentile", "")
    if alarm.get("Metrics"):
        trigger["Metrics"] = _metrics(alarm["Metrics"])
    return trigger


def alarm_message(
    alarm: Mapping[str, Any],
    *,
    new_state: str,
    old_state: str,
    reason: str,
    at: datetime,
    triggering_children: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The ``Message`` CloudWatch publishes (as a dict; SNS carries it as a JSON string).

    ``triggering_children`` (composite alarms): ``{"Arn": ..., "State": {"Value", "Timestamp"}}``."""
    arn = str(alarm["AlarmArn"])
    region, account = arn.split(":")[3], arn.split(":")[4]
    updated = alarm.get("AlarmConfigurationUpdatedTimestamp") or at
    message: dict[str, Any] = {
        "AlarmName": alarm["AlarmName"],
        "AlarmDescription": alarm.get("AlarmDescription"),
        "AWSAccountId": account,
        "AlarmConfigurationUpdatedTimestamp": cloudwatch_time(updated) if isinstance(updated, datetime) else updated,
        "NewStateValue": new_state,
        "NewStateReason": reason,
        "StateChangeTime": cloudwatch_time(at),
        "Region": region_display_name(region),
        "AlarmArn": arn,
        "OldStateValue": old_state,
        "OKActions": list(alarm.get("OKActions", [])),
        "AlarmActions": list(alarm.get("AlarmActions", [])),
        "InsufficientDataActions": list(alarm.get("InsufficientDataActions", [])),
    }
    if alarm.get("AlarmRule"):
        message["AlarmRule"] = alarm["AlarmRule"]
        message["TriggeringChildren"] = [dict(child) for child in triggering_children]
    else:
        message["Trigger"] = _trigger(alarm)
    return message


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
    default_topic = f"arn:{partition(region)}:sns:{region}:{account}:alerts"
    topic = topic_arn or next(iter(alarm.get("AlarmActions") or []), default_topic)
    message = alarm_message(alarm, new_state=new_state, old_state=old_state, reason=reason, at=at)
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
                    "Subject": notification_subject(new_state, str(alarm["AlarmName"]), region),
                    "Message": json.dumps(message),
                    "Timestamp": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                    "MessageAttributes": {},
                },
            }
        ]
    }
