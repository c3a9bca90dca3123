"""Fleet reconcile, the pure part: what changed since SageWatch last applied, and what is orphaned.

Change detection is cheap on purpose. After the onboarding worker applies an endpoint it records
an :class:`AppliedState` (one DynamoDB item per endpoint): the endpoint's ``LastModifiedTime``
as DescribeEndpoint returned it, the policy version it applied, and a digest of every alarm it
wrote (and of the dashboard body). A reconcile then needs only bulk reads — ListEndpoints (100
per page, carries ``LastModifiedTime`` and status), one table scan, DescribeAlarms by the
``<prefix>/`` name prefix (100 alarms per page) and ListDashboards by ``<prefix>_`` — and
compares:

- endpoint listed, no state                          → ``new`` (or never covered)
- ``LastModifiedTime`` differs from the state's      → ``changed`` (UpdateEndpoint)
- its inference components differ from the state's  → ``changed`` (a component added or removed:
  that does not touch the endpoint's LastModifiedTime; one ListInferenceComponents for the region)
- state's policy version differs from the current one → ``policy`` (thresholds, switches, code)
- an alarm of the state is missing / its canonical digest differs / an unknown alarm exists
  under the endpoint's prefix                         → ``drift`` (hand-deleted / hand-edited)
- dashboard expected but not listed (or the reverse)  → ``drift``
- alarms, dashboard or state of an endpoint that is not listed → ``orphan``

Each endpoint that needs work becomes one queue message; the worker re-reads the endpoint and
applies the difference (or removes everything when the endpoint is gone), so a stale decision
here can never do harm, only cost one describe.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sagewatch.core.monitoring.alarm_catalog import DEFINITIONS
from sagewatch.core.monitoring.alarm_spec import canonical_alarm
from sagewatch.core.monitoring.policy import Policy
from sagewatch.core.shared.naming import endpoint_of_dashboard, parse_alarm_name

# Bump when the shape of alarms or dashboards changes in a way the catalogue does not show.
BUILDER_VERSION = "1"


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def alarm_digest(alarm: Mapping[str, Any]) -> str:
    """Digest of an alarm's canonical form: PutMetricAlarm kwargs and DescribeAlarms agree on it."""
    return _digest(canonical_alarm(alarm))


def body_digest(body: str) -> str:
    try:
        return _digest(json.loads(body))
    except ValueError:
        return _digest(body)


def policy_version(
    policy: Policy,
    *,
    prefix: str,
    create_alarms: bool,
    create_dashboards: bool,
    actions: Sequence[str],
) -> str:
    """Everything fleet-wide that changes what onboarding produces, as one short digest."""
    return _digest(
        {
            "thresholds": dict(sorted(policy.thresholds.items())),
            "disabled": sorted(policy.disabled),
            "drift_features_per_schedule": policy.drift_features_per_schedule,
            "prefix": prefix,
            "alarms": create_alarms,
            "dashboards": create_dashboards,
            "actions": sorted(actions),
            "catalogue": repr(DEFINITIONS),
            "builder": BUILDER_VERSION,
        }
    )


def timestamp(value: datetime | str | None) -> str:
    """A LastModifiedTime in one comparable form (ListEndpoints and DescribeEndpoint agree)."""
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        return parsed.isoformat(timespec="milliseconds")
    return value.isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class AppliedState:
    """What the worker last applied to one endpoint (one item of the state table)."""

    endpoint: str
    last_modified: str
    policy: str
    alarms: Mapping[str, str] = field(default_factory=dict)  # alarm name -> alarm_digest
    dashboard: str | None = None  # body_digest, or None when no dashboard is wanted
    opted_out: bool = False
    # Fingerprint of the endpoint's Model Monitor schedules ("" when none): schedules come and go
    # without touching the endpoint's LastModifiedTime (core.model_monitor.schedules).
    schedules: str = ""
    monitoring_schedules: tuple[str, ...] = ()  # their names: a schedule event names no endpoint once gone
    # The inference components it was fitted with (sorted); None in records written before
    # SageWatch recorded them, which then never count as a change.
    components: tuple[str, ...] | None = None

    def to_item(self) -> dict[str, Any]:
        item = {
            "schedules": self.schedules,
            "monitoring_schedules": " ".join(self.monitoring_schedules),
            "endpoint": self.endpoint,
            "last_modified": self.last_modified,
            "policy": self.policy,
            "alarms": dict(self.alarms),
            "dashboard": self.dashboard or "",
            "opted_out": self.opted_out,
        }
        if self.components is not None:
            # A list, not a set: DynamoDB refuses empty sets, and an endpoint may have no component.
            item["components"] = list(self.components)
        return item

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> AppliedState:
        return cls(
            endpoint=str(item["endpoint"]),
            last_modified=str(item.get("last_modified", "")),
            policy=str(item.get("policy", "")),
            alarms={str(k): str(v) for k, v in (item.get("alarms") or {}).items()},
            dashboard=str(item["dashboard"]) if item.get("dashboard") else None,
            opted_out=bool(item.get("opted_out", False)),
            schedules=str(item.get("schedules", "")),
            monitoring_schedules=tuple(str(item.get("monitoring_schedules", "")).split()),
            components=tuple(sorted(str(c) for c in item["components"])) if "components" in item else None,
        )


@dataclass(frozen=True)
class ListedEndpoint:
    name: str
    status: str
    last_modified: str
    components: tuple[str, ...] | None = None  # sorted; None when not listed


@dataclass(frozen=True)
class WorkItem:
    endpoint: str
    kind: str  # new | changed | policy | drift | orphan | full | traffic (usecases.reconcile)
    reasons: tuple[str, ...]

    def message(self, run_id: str) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "kind": self.kind, "reasons": list(self.reasons), "run": run_id}


@dataclass(frozen=True)
class FleetPlan:
    work: tuple[WorkItem, ...]
    listed: int
    in_service: int
    unchanged: int
    skipped: tuple[str, ...]  # endpoints not InService (their own events re-fit them)

    def by_kind(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for item in self.work:
            counts[item.kind] = counts.get(item.kind, 0) + 1
        return dict(sorted(counts.items()))


def group_alarms(prefix: str, alarms: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Mapping[str, Any]]]:
    """DescribeAlarms MetricAlarms under ``<prefix>/`` → endpoint → alarm name → alarm."""
    out: dict[str, dict[str, Mapping[str, Any]]] = {}
    for alarm in alarms:
        name = str(alarm.get("AlarmName", ""))
        parsed = parse_alarm_name(prefix, name)
        if parsed is None:
            continue
        out.setdefault(parsed[0], {})[name] = alarm
    return out


def plan_fleet(
    prefix: str,
    endpoints: Sequence[ListedEndpoint],
    states: Mapping[str, AppliedState],
    alarms: Mapping[str, Mapping[str, Mapping[str, Any]]],
    dashboards: Iterable[str],
    current_policy: str,
    *,
    region: str,
    full: bool = False,
    schedules: Mapping[str, str] | None = None,
) -> FleetPlan:
    """Which endpoints need the worker, and why; sorted by endpoint name (the continuation cursor).

    Only ``region``'s dashboards count: dashboards are account-wide, and another region's stack's
    (or an old-style name without a region) are neither this stack's board nor its orphan."""
    boards = {e for e in (endpoint_of_dashboard(prefix, region, d) for d in dashboards) if e}
    listed = {e.name: e for e in endpoints}
    work: list[WorkItem] = []
    skipped: list[str] = []
    unchanged = 0
    in_service = 0
    for endpoint in sorted(listed.values(), key=lambda e: e.name):
        if endpoint.status != "InService":
            skipped.append(endpoint.name)
            continue
        in_service += 1
        state = states.get(endpoint.name)
        if full:
            work.append(WorkItem(endpoint.name, "full", ("full reconcile requested",)))
            continue
        if state is None:
            work.append(WorkItem(endpoint.name, "new", ("no record of SageWatch having applied it",)))
            continue
        if state.last_modified != endpoint.last_modified:
            work.append(
                WorkItem(
                    endpoint.name, "changed", (f"LastModifiedTime {state.last_modified} -> {endpoint.last_modified}",)
                )
            )
            continue
        if schedules is not None and state.schedules != schedules.get(endpoint.name, ""):
            work.append(WorkItem(endpoint.name, "changed", ("Model Monitor schedules changed",)))
            continue
        if state.components is not None and endpoint.components is not None and state.components != endpoint.components:
            work.append(
                WorkItem(
                    endpoint.name,
                    "changed",
                    (f"inference components {_names(state.components)} -> {_names(endpoint.components)}",),
                )
            )
            continue
        if state.policy != current_policy:
            work.append(WorkItem(endpoint.name, "policy", (f"policy {state.policy} -> {current_policy}",)))
            continue
        drift = _drift(state, alarms.get(endpoint.name, {}), endpoint.name in boards)
        if drift:
            work.append(WorkItem(endpoint.name, "drift", tuple(drift)))
        else:
            unchanged += 1
    managed = set(alarms) | boards | set(states)
    for name in sorted(managed - set(listed)):
        what = []
        if name in alarms:
            what.append(f"{len(alarms[name])} alarm(s)")
        if name in boards:
            what.append("dashboard")
        if name in states:
            what.append("state record")
        work.append(WorkItem(name, "orphan", (f"endpoint no longer exists; has {', '.join(what)}",)))
    work.sort(key=lambda w: w.endpoint)
    return FleetPlan(tuple(work), len(listed), in_service, unchanged, tuple(skipped))


def _names(components: tuple[str, ...]) -> str:
    return "[" + ", ".join(components) + "]"


def _drift(state: AppliedState, existing: Mapping[str, Mapping[str, Any]], has_board: bool) -> list[str]:
    reasons: list[str] = []
    for name, digest in sorted(state.alarms.items()):
        alarm = existing.get(name)
        if alarm is None:
            reasons.append(f"alarm {name} deleted")
        elif alarm_digest(alarm) != digest:
            reasons.append(f"alarm {name} changed")
    for name in sorted(set(existing) - set(state.alarms)):
        reasons.append(f"alarm {name} not SageWatch's desired set")
    if state.dashboard and not has_board:
        reasons.append("dashboard deleted")
    if not state.dashboard and has_board:
        reasons.append("dashboard not wanted")
    return reasons
