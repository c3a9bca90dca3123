"""Notifications as they arrive through SNS, parsed into one of the typed kinds.

``parse_sns_record`` reads the SNS envelope (``Message`` is a JSON *string* inside it) and hands
the message to its kind's parser: CloudWatch's alarm notification (``alarm_message``) or a
notice SageWatch publishes itself (``sagewatch_notices``). SNS delivers at least once:
``message_id`` (the SNS MessageId, or a Model Monitor run's own key) is the idempotency key. A
message that cannot be read raises ``InvalidAlarmMessageError``, naming what is wrong, and
``summarize_unreadable`` (``unreadable``) says what could still be read of it. What each kind
does on its way to people is its ``core.alerting.alert_kinds`` class.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from sagewatch.core.alerting.alarm_message import (
    STATES,
    AlarmKind,
    AlarmNotification,
    InvalidAlarmMessageError,
    TriggerMetric,
    TriggerQuery,
    parse_alarm_message,
    parse_time,
    value_from_reason,
)
from sagewatch.core.alerting.sagewatch_notices import (
    FAILURE_NOTICE_TYPE,
    MONITORING_RUN_NOTICE_TYPE,
    EndpointFailureNotice,
    MonitoringRunNotice,
    failure_notice_message,
    monitoring_run_notice_message,
    parse_failure_notice,
    parse_monitoring_run_notice,
)
from sagewatch.core.alerting.unreadable import UnreadableSummary, summarize_unreadable

__all__ = [
    "FAILURE_NOTICE_TYPE",
    "MONITORING_RUN_NOTICE_TYPE",
    "STATES",
    "AlarmKind",
    "AlarmNotification",
    "EndpointFailureNotice",
    "InvalidAlarmMessageError",
    "MonitoringRunNotice",
    "Notification",
    "TriggerMetric",
    "TriggerQuery",
    "UnreadableSummary",
    "failure_notice_message",
    "monitoring_run_notice_message",
    "parse_alarm_message",
    "parse_sns_record",
    "summarize_unreadable",
    "value_from_reason",
]

Notification = AlarmNotification | EndpointFailureNotice | MonitoringRunNotice

# A notice's "type" → its parser; a message without one is CloudWatch's alarm notification.
_NOTICE_PARSERS: dict[str, Callable[[str, Mapping[str, Any]], Notification]] = {
    FAILURE_NOTICE_TYPE: parse_failure_notice,
    MONITORING_RUN_NOTICE_TYPE: parse_monitoring_run_notice,
}


def parse_sns_record(record: Mapping[str, Any]) -> Notification:
    """One record of an SNS-to-Lambda event (``Records[i]``), or the SNS JSON an SQS body carries."""
    sns = record.get("Sns", record)
    if not isinstance(sns, Mapping):
        raise InvalidAlarmMessageError("SNS record has no Sns object")
    message_id = sns.get("MessageId")
    if not isinstance(message_id, str) or not message_id:
        raise InvalidAlarmMessageError("SNS record has no MessageId")
    raw = sns.get("Message")
    if not isinstance(raw, str):
        raise InvalidAlarmMessageError(f"SNS message {message_id}: Message must be a JSON string")
    try:
        message = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidAlarmMessageError(f"SNS message {message_id}: Message is not JSON ({exc.msg})") from None
    if not isinstance(message, Mapping):
        raise InvalidAlarmMessageError(f"SNS message {message_id}: Message must be a JSON object")
    subject = sns.get("Subject") if isinstance(sns.get("Subject"), str) else None
    notice = _NOTICE_PARSERS.get(str(message.get("type")))
    if notice is not None:
        return notice(message_id, message)
    topic_arn = sns.get("TopicArn") if isinstance(sns.get("TopicArn"), str) else None
    published_at = None
    if isinstance(sns.get("Timestamp"), str):
        with contextlib.suppress(InvalidAlarmMessageError):  # only a hint (core.alerting.quiet_window)
            published_at = parse_time(sns["Timestamp"], f"SNS message {message_id}")
    return parse_alarm_message(
        message, message_id=message_id, subject=subject, topic_arn=topic_arn, published_at=published_at
    )
