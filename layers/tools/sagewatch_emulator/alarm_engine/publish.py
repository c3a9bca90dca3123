"""Run an alarm's actions for a state change: publish CloudWatch's notification to its SNS topics.

The message goes through moto's SNS backend in-process (``SNSBackend.publish``), so the topic's
real subscriptions deliver it — for SageWatch, the AlertTopic → AlertQueue subscription of the
stack, from where ``EmulatedAccount.drain_queue`` plays the SQS → NotifyFunction mapping.

CloudWatch's rules ("Alarm actions", CloudWatch User Guide; API Reference "SetAlarmState"):
actions run only when the state changes, for the new state's list (AlarmActions, OKActions,
InsufficientDataActions), and only while ActionsEnabled. Actions other than SNS topics (EC2,
Auto Scaling, Lambda, Systems Manager) are recorded but not performed by the emulator.

The SNS envelope's ``Timestamp`` is when the action ran in simulated time (``sent_at``: the
minute of the state change, or the minute a mute window ended and released it), not moto's wall
clock, so the alert path's "published late" test (``sagewatch.core.alerting.quiet_window``) sees
what it would see on AWS.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sagewatch_emulator.cloudwatch.alarm_notifications import alarm_message, notification_subject

_LOG = logging.getLogger(__name__)

ACTIONS_FOR_STATE = {"ALARM": "AlarmActions", "OK": "OKActions", "INSUFFICIENT_DATA": "InsufficientDataActions"}


@dataclass(frozen=True)
class SentNotification:
    """One action the engine ran: the alarm, the transition, where it went and what was sent.

    ``message_id`` is SNS's MessageId, None when the action was not an SNS topic of the account
    (or the topic does not exist: CloudWatch then records a failed action)."""

    alarm_name: str
    old_state: str
    new_state: str
    at: datetime
    action: str
    subject: str
    message: dict[str, Any]
    message_id: str | None


def run_actions(
    described: Mapping[str, Any],
    *,
    old_state: str,
    new_state: str,
    reason: str,
    at: datetime,
    triggering_children: Sequence[Mapping[str, Any]] = (),
    sent_at: datetime | None = None,
) -> list[SentNotification]:
    """Publish the notification to every action of ``new_state``; returns what was sent."""
    if not described.get("ActionsEnabled", True):
        return []
    actions = list(described.get(ACTIONS_FOR_STATE[new_state]) or ())
    if not actions:
        return []
    arn = str(described["AlarmArn"])
    region = arn.split(":")[3]
    message = alarm_message(
        described,
        new_state=new_state,
        old_state=old_state,
        reason=reason,
        at=at,
        triggering_children=triggering_children,
    )
    subject = notification_subject(new_state, str(described["AlarmName"]), region)
    sent = []
    for action in actions:
        is_topic = action.split(":")[2:3] == ["sns"]  # in every partition: arn:aws-cn:sns:…, arn:aws-us-gov:sns:…
        message_id = _publish_sns(action, message, subject, sent_at or at) if is_topic else None
        if message_id is None and not is_topic:
            _LOG.info("alarm %s: action %s is not an SNS topic; not performed", described["AlarmName"], action)
        sent.append(
            SentNotification(
                str(described["AlarmName"]), old_state, new_state, at, action, subject, message, message_id
            )
        )
    return sent


_STAMPING = threading.Lock()
_STAMP = "iso_8601_datetime_with_milliseconds"


def _publish_sns(topic_arn: str, message: Mapping[str, Any], subject: str, sent_at: datetime) -> str | None:
    from moto.sns import models
    from moto.sns.exceptions import SNSNotFoundError

    _, _, _, region, account, _name = topic_arn.split(":", 5)
    stamp = sent_at.astimezone(UTC).replace(tzinfo=None)  # moto formats naive UTC
    with _STAMPING:
        original = getattr(models, _STAMP)  # what moto stamps the envelope with
        setattr(models, _STAMP, lambda value=None: original(value or stamp))
        try:
            return str(models.sns_backends[account][region].publish(json.dumps(message), topic_arn, subject=subject))
        except SNSNotFoundError:
            _LOG.warning("alarm action %s: no such topic; the notification is lost (as on AWS)", topic_arn)
            return None
        finally:
            setattr(models, _STAMP, original)
