"""What a scenario run leaves behind for scoring: the alarms' notifications and what people got.

Plain data, so the scorer stays pure and its unit tests need no account.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True)
class AlarmNotice:
    """One notification CloudWatch published for an alarm's state change (SNS MessageId)."""

    message_id: str
    alarm_name: str
    old_state: str
    new_state: str
    at: datetime  # StateChangeTime
    period_seconds: int
    datapoints_to_alarm: int
    reason: str

    @classmethod
    def from_message(cls, message_id: str, message: Mapping[str, Any], at: datetime) -> AlarmNotice:
        trigger = message.get("Trigger") or {}
        return cls(
            message_id=message_id,
            alarm_name=str(message["AlarmName"]),
            old_state=str(message["OldStateValue"]),
            new_state=str(message["NewStateValue"]),
            at=at,
            period_seconds=int(trigger.get("Period") or 60),
            datapoints_to_alarm=int(trigger.get("DatapointsToAlarm") or trigger.get("EvaluationPeriods") or 1),
            reason=str(message.get("NewStateReason") or ""),
        )


@dataclass(frozen=True)
class Delivery:
    """One message a person received: where, when (simulated clock at delivery) and which alarm
    notifications it carries (a digest carries several). ``ts``/``thread_ts`` in Slack bot mode."""

    destination: str
    at: datetime
    message_ids: tuple[str, ...]
    ts: str | None = None
    thread_ts: str | None = None


@dataclass(frozen=True)
class MonitorRunRecord:
    """One Model Monitor run of the scenario: its key (what its alert's footer carries), status."""

    key: str  # monitoring-run:<ProcessingJobArn>
    schedule: str
    status: str
    at: datetime  # ScheduledTime
    endpoint: str = ""  # the schedule's endpoint

    @property
    def bad(self) -> bool:
        return self.status in ("CompletedWithViolations", "Failed")


def message_ids_in(text: str, known: Mapping[str, object]) -> tuple[str, ...]:
    """The SNS MessageIds of ``known`` that a rendered message mentions (footers, digest lines)."""
    return tuple(dict.fromkeys(found for found in _UUID.findall(text) if found in known))


@dataclass(frozen=True)
class ComponentStepRecord:
    """A component created or deleted during a run, and the component's alarms around it."""

    at: datetime
    action: str  # create | delete
    component: str
    alarms_before: int  # the component's SageWatch alarms before the call
    alarms_after: int  # ... once OnboardFunction handled the call's CloudTrail event
    outcome: str  # OnboardFunction's answer ("onboarded", "unchanged", ... or the error)
