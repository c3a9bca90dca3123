"""Compare desired alarms and dashboard with what exists; the plan lists only real differences."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sagewatch.core.monitoring.alarm_spec import AlarmSpec, canonical_alarm


class DashboardAction(StrEnum):
    NONE = "unchanged"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    ABSENT = "absent"  # not wanted and not there


@dataclass(frozen=True)
class AlarmChange:
    spec: AlarmSpec
    reason: str  # "create" or "update: <fields that differ>"


@dataclass(frozen=True)
class Plan:
    create: tuple[AlarmChange, ...] = ()
    update: tuple[AlarmChange, ...] = ()
    delete: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    dashboard: DashboardAction = DashboardAction.NONE
    dashboard_body: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def puts(self) -> tuple[AlarmChange, ...]:
        return self.create + self.update

    @property
    def write_count(self) -> int:
        dashboard_write = self.dashboard in (
            DashboardAction.CREATE,
            DashboardAction.UPDATE,
            DashboardAction.DELETE,
        )
        return len(self.puts) + (1 if self.delete else 0) * ((len(self.delete) + 99) // 100) + int(dashboard_write)

    @property
    def is_noop(self) -> bool:
        return self.write_count == 0


def plan_changes(
    desired: Sequence[AlarmSpec],
    existing: Sequence[Mapping[str, Any]],
    actions: Sequence[str],
    desired_dashboard: str | None,
    existing_dashboard: str | None,
    notes: Sequence[str] = (),
) -> Plan:
    """``existing`` are DescribeAlarms MetricAlarms under the endpoint's name prefix."""
    existing_by_name = {str(a["AlarmName"]): a for a in existing}
    desired_names = {spec.name for spec in desired}
    create: list[AlarmChange] = []
    update: list[AlarmChange] = []
    unchanged: list[str] = []
    for spec in desired:
        current = existing_by_name.get(spec.name)
        if current is None:
            create.append(AlarmChange(spec, "create"))
            continue
        want = spec.canonical(actions)
        have = canonical_alarm(current)
        if want == have:
            unchanged.append(spec.name)
        else:
            differing = sorted(k for k in set(want) | set(have) if want.get(k) != have.get(k))
            update.append(AlarmChange(spec, "update: " + ", ".join(differing)))
    delete = tuple(sorted(name for name in existing_by_name if name not in desired_names))
    return Plan(
        create=tuple(create),
        update=tuple(update),
        delete=delete,
        unchanged=tuple(unchanged),
        dashboard=_dashboard_action(desired_dashboard, existing_dashboard),
        dashboard_body=desired_dashboard,
        notes=tuple(notes),
    )


def _dashboard_action(desired: str | None, existing: str | None) -> DashboardAction:
    if desired is None:
        return DashboardAction.DELETE if existing is not None else DashboardAction.ABSENT
    if existing is None:
        return DashboardAction.CREATE
    return DashboardAction.NONE if _same_body(desired, existing) else DashboardAction.UPDATE


def _same_body(a: str, b: str) -> bool:
    # CloudWatch may return the body re-serialised; compare the JSON, not the bytes.
    try:
        return bool(json.loads(a) == json.loads(b))
    except ValueError:
        return a == b
