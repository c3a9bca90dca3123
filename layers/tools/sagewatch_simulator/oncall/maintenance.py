"""A planned maintenance window in the week on call: opened as `sagewatch mute add` opens one
(CloudWatch alarm mute rules over the endpoint's SageWatch alarms, from the core's plan), and
what it muted, counted for the score.

CloudWatch keeps evaluating muted alarms and runs no action while the window lasts; when it
ends, an alarm still in the state it was muted in runs that state's actions (User Guide, "How
alarm mute rules work"). An incident inside the window that is over before it ends therefore
reaches nobody: its ALARM is muted, and the OK released at the end tells nobody (no ALARM was
told, docs/alerts.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sagewatch.core.monitoring.mute_rules import one_off, plan_rules, rule_base
from sagewatch.core.shared.naming import alarm_prefix
from sagewatch_simulator.oncall.records import AlarmNotice, Delivery

PREFIX = "SageWatch"


@dataclass(frozen=True)
class MaintenanceWindow:
    """``endpoint``'s alarms muted from ``start`` to ``end`` (a one-off window, UTC)."""

    endpoint: str
    start: datetime
    end: datetime

    @property
    def rule(self) -> str:
        return rule_base(PREFIX, f"maintenance-{self.endpoint}")

    def covers(self, endpoint: str, at: datetime) -> bool:
        return endpoint == self.endpoint and self.start <= at < self.end


@dataclass(frozen=True)
class MutedRecord:
    """A state change whose actions a mute rule muted (the alarm engine's record)."""

    alarm: str
    new_state: str
    at: datetime
    rule: str


def open_window(cloudwatch: Any, window: MaintenanceWindow) -> list[str]:
    """Put the window's rules over the endpoint's SageWatch alarms; returns the rule names."""
    names: list[str] = []
    for page in cloudwatch.get_paginator("describe_alarms").paginate(
        AlarmNamePrefix=alarm_prefix(PREFIX, window.endpoint), AlarmTypes=["MetricAlarm", "CompositeAlarm"]
    ):
        names += [a["AlarmName"] for a in page.get("MetricAlarms", []) + page.get("CompositeAlarms", [])]
    schedule = one_off(window.start, window.end - window.start)
    plans = plan_rules(window.rule, schedule, names, f"planned maintenance of {window.endpoint}")
    for plan in plans:
        cloudwatch.put_alarm_mute_rule(
            Name=plan.name,
            Description=plan.description,
            Rule={"Schedule": plan.window.schedule()},
            MuteTargets={"AlarmNames": list(plan.alarms)},
        )
    return [plan.name for plan in plans]


def messages_during(
    windows: Sequence[MaintenanceWindow], notices: Sequence[AlarmNotice], deliveries: Sequence[Delivery]
) -> int:
    """Messages delivered during a window about an alarm of its endpoint (the target is 0)."""
    endpoint_of = {n.message_id: n.alarm_name.split("/")[1] for n in notices if n.alarm_name.count("/") >= 3}
    return sum(
        1
        for delivery in deliveries
        if any(w.covers(endpoint_of.get(m, ""), delivery.at) for m in delivery.message_ids for w in windows)
    )
