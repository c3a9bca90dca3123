"""Count what people received during a scenario: recall, minutes to alert, messages, noise.

Pure (no AWS). Every delivered message is mapped through the SNS MessageIds it carries to the
alarm notifications behind it, and each notification to

- an **incident**: an ALARM of an alarm that watches what the incident breaks (``RELEVANT``), on
  its endpoint (and variant, when the incident names one), raised between the incident's start
  and ``ALARM_GRACE`` after its end;
- a **resolution**: the OK that ends such an ALARM (same alarm, ALARM → OK), whenever it comes;
- otherwise **noise**, with the reason it is noise (``NoiseCategory``): a first evaluation's
  INSUFFICIENT_DATA → OK, an alarm raised by a non-incident (bad minute, deploy blip, the first
  minutes of a new endpoint, a deletion), or an ALARM nothing explains, and the OK ending it.

A message carrying several notifications (a digest) belongs to an incident when any of them
does, and is noise only when none does.

Incidents reach people per endpoint (core.alerting.incident): the alarms of one endpoint firing
together are one incident, told by one top-level ALARM message; other alarms joining it, and OKs
of some of them while others still fire, are thread replies in bot mode (and not told at all by
webhook or email). So an incident's **ALARM messages** are the top-level messages carrying its
ALARMs, and its **OK messages** are the messages carrying its resolution that are top level or
*final* (the OK after which no alarm of the endpoint fires any more, by the notifications).
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sagewatch.core.shared.naming import parse_alarm_name
from sagewatch_simulator.oncall.maintenance import MaintenanceWindow, MutedRecord, messages_during
from sagewatch_simulator.oncall.records import AlarmNotice, Delivery, MonitorRunRecord
from sagewatch_simulator.traffic import Fleet, Incident, IncidentKind

ALARM_PREFIX = "SageWatch"
ALARM_GRACE = timedelta(minutes=10)  # an alarm raised just after a short incident still belongs to it
NEW_ENDPOINT_SPELL = timedelta(minutes=30)  # "the first minutes after an endpoint is created"
TARGET_SLACK_MINUTES = 2.0  # minutes to alert may exceed the alarm's own M x period by this much

# Which of the product's alarms (catalogue keys) are meant to catch each kind of incident.
RELEVANT: dict[IncidentKind, frozenset[str]] = {
    IncidentKind.LATENCY_REGRESSION: frozenset({"model-latency-p99"}),
    IncidentKind.ERROR_5XX_BURST: frozenset({"invocation-5xx-rate", "async-invocation-failures"}),
    IncidentKind.CLIENT_4XX: frozenset({"invocation-4xx-rate"}),
    IncidentKind.GPU_MEMORY_CREEP: frozenset({"gpu-memory-utilization"}),
    IncidentKind.DISK_FILLING: frozenset({"disk-utilization"}),
    IncidentKind.ASYNC_NO_CAPACITY: frozenset(
        {"async-backlog-without-capacity", "async-backlog-size", "async-oldest-request-age"}
    ),
    IncidentKind.SLOW_COLD_STARTS: frozenset({"model-setup-time"}),
    IncidentKind.DATA_DRIFT: frozenset({"feature-drift"}),  # feature-drift.<schedule>.<feature>
    # Non-incidents: an alarm of these raised by them is noise with a name.
    IncidentKind.BAD_MINUTE: frozenset({"invocation-5xx-rate", "model-latency-p99"}),
    IncidentKind.DEPLOY_BLIP: frozenset({"invocation-5xx-rate", "model-latency-p99"}),
}
# Kinds whose metric drifts towards the threshold: they become detectable when it is crossed,
# which the ALARM's own reason dates (its oldest breaching datapoint), not at the incident's start.
GRADUAL = frozenset({IncidentKind.GPU_MEMORY_CREEP, IncidentKind.DISK_FILLING})
# Alarm keys carry a suffix after the catalogue key: `.<component>` for inference components,
# `.<schedule>.<feature>` for drift alarms; catalogue keys themselves have no dot.
_KEY_SUFFIX = "."
_REASON_TIME = re.compile(r"\((\d\d/\d\d/\d\d \d\d:\d\d:\d\d)\)")


class NoiseCategory(StrEnum):
    FIRST_EVALUATION_OK = "first evaluation OK (nothing was wrong)"
    NON_INCIDENT = "raised by a non-incident"
    NEW_ENDPOINT = "first minutes after creation"
    DELETION = "endpoint being deleted"
    UNEXPLAINED_ALARM = "ALARM no incident explains"
    END_OF_NOISE = "OK ending a noise ALARM"
    CLEAN_MONITORING_RUN = "a clean Model Monitor run"
    OTHER = "other"


@dataclass(frozen=True)
class Attribution:
    """What one alarm notification is: an incident's ALARM or OK, or noise (with why)."""

    incident: int | None  # index into the scenario's incidents (paging ones only)
    resolution: bool = False
    final: bool = True  # an OK after which no alarm of its endpoint fires any more
    noise: NoiseCategory | None = None
    detail: str = ""


@dataclass
class IncidentScore:
    incident: Incident
    alarms: list[str] = field(default_factory=list)  # alarms that went ALARM for it, in order
    alarm_messages: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # per destination
    ok_messages: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    first_alert_at: datetime | None = None
    onset: datetime | None = None  # when it became detectable (start; gradual: threshold crossed)
    allowed_minutes: float | None = None  # the first ALARM's M x period + TARGET_SLACK_MINUTES
    ok_delivered: bool = False
    unthreaded_oks: int = 0
    thread_updates: int = 0  # "also firing", "firing again", "still firing" replies (bot mode)
    # Data drift: messages of the Model Monitor runs that found the drift (CompletedWithViolations
    # while the incident lasted): part of the incident, not noise; not its first alert, which
    # must come from the drift alarm.
    run_messages: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def alerted(self) -> bool:
        return self.first_alert_at is not None

    @property
    def minutes_to_alert(self) -> float | None:
        if self.first_alert_at is None:
            return None
        return (self.first_alert_at - self.incident.start) / timedelta(minutes=1)

    @property
    def minutes_from_onset(self) -> float | None:
        if self.first_alert_at is None or self.onset is None:
            return None
        return (self.first_alert_at - self.onset) / timedelta(minutes=1)

    @property
    def within_target(self) -> bool | None:
        delay = self.minutes_from_onset
        return None if delay is None or self.allowed_minutes is None else delay <= self.allowed_minutes

    def one_alarm_and_one_ok(self, destinations: Iterable[str]) -> bool:
        return all(self.alarm_messages[d] == 1 and self.ok_messages[d] == 1 for d in destinations)

    def as_dict(self) -> dict[str, Any]:
        incident = self.incident
        return {
            "incident": incident.label or incident.kind.value,
            "endpoint": incident.endpoint + (f"/{incident.variant}" if incident.variant else ""),
            "start": incident.start.isoformat(),
            "end": incident.end.isoformat(),
            "flapping": bool(incident.flap),
            "alerted": self.alerted,
            "alarms": sorted(set(self.alarms)),
            "minutes_to_alert": self.minutes_to_alert,
            "minutes_from_onset": self.minutes_from_onset,
            "allowed_minutes": self.allowed_minutes,
            "within_target": self.within_target,
            "alarm_messages": dict(self.alarm_messages),
            "ok_messages": dict(self.ok_messages),
            "ok_delivered": self.ok_delivered,
            "unthreaded_oks": self.unthreaded_oks,
            "thread_updates": self.thread_updates,
            "run_messages": dict(self.run_messages),
        }


@dataclass(frozen=True)
class NoiseMessage:
    destination: str
    at: datetime
    alarms: tuple[str, ...]
    category: NoiseCategory
    detail: str = ""


@dataclass
class MonitorRunScore:
    """A Model Monitor run that failed or found violations, and the messages it became."""

    run: MonitorRunRecord
    messages: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # per destination

    @property
    def alerted(self) -> bool:
        return any(self.messages.values())

    def one_message(self, destinations: Iterable[str]) -> bool:
        return all(self.messages[d] == 1 for d in destinations)


@dataclass
class Score:
    incidents: list[IncidentScore]
    noise: list[NoiseMessage]
    messages: int
    destinations: tuple[str, ...]
    threaded_mode: bool
    monitor_runs: list[MonitorRunScore] = field(default_factory=list)  # the bad runs only
    # State changes whose actions a mute rule muted, and messages about a maintained endpoint's
    # alarms delivered during its window (the target is 0: a window mutes them all).
    muted_messages: int = 0
    messages_during_maintenance: int = 0
    scored_maintenance: bool = False

    @property
    def alerted(self) -> int:
        return sum(1 for s in self.incidents if s.alerted)

    @property
    def missed(self) -> list[IncidentScore]:
        return [s for s in self.incidents if not s.alerted]

    @property
    def minutes_to_alert(self) -> list[float]:
        return [m for s in self.incidents if (m := s.minutes_to_alert) is not None]

    @property
    def ok_delivered(self) -> int:
        return sum(1 for s in self.incidents if s.ok_delivered)

    def noise_by_category(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for message in self.noise:
            counts[message.category.value] += 1
        return dict(sorted(counts.items()))

    def with_one_alarm_one_ok(self) -> list[IncidentScore]:
        """Alerted incidents (flapping ones included) with exactly one ALARM and one OK message per destination."""
        return [s for s in self.incidents if s.alerted and s.one_alarm_and_one_ok(self.destinations)]

    def not_one_alarm_one_ok(self) -> list[IncidentScore]:
        """Incidents (flapping aside) without exactly one ALARM and one OK message per destination."""
        return [s for s in self.incidents if not s.incident.flap and not s.one_alarm_and_one_ok(self.destinations)]

    def summary(self) -> dict[str, Any]:
        minutes = self.minutes_to_alert
        summary: dict[str, Any] = {
            "incidents": len(self.incidents),
            "alerted": self.alerted,
            "missed": len(self.missed),
            "noise_messages": len(self.noise),
            "messages": self.messages,
            "median_minutes_to_alert": statistics.median(minutes) if minutes else None,
            "max_minutes_to_alert": max(minutes) if minutes else None,
            "ok_delivered": self.ok_delivered,
            "incidents_with_one_alarm_one_ok": len(self.with_one_alarm_one_ok()),
        }
        if self.scored_maintenance:  # the scenario had planned maintenance
            summary["muted_messages"] = self.muted_messages
            summary["messages_during_maintenance"] = self.messages_during_maintenance
        if self.monitor_runs:  # the scenario had a Model Monitor schedule with bad runs
            summary["monitor_runs_bad"] = len(self.monitor_runs)
            summary["monitor_runs_alerted"] = sum(1 for r in self.monitor_runs if r.alerted)
        return summary


def _oldest_datapoint(reason: str) -> datetime | None:
    stamps = [datetime.strptime(found, "%d/%m/%y %H:%M:%S") for found in _REASON_TIME.findall(reason)]
    return min(stamps) if stamps else None


class _Attributor:
    """Walks the notifications in time order and decides what each one is."""

    def __init__(self, fleet: Fleet, incidents: Sequence[Incident]) -> None:
        self.fleet = {endpoint.name: endpoint for endpoint in fleet.endpoints}
        self.incidents = list(incidents)
        self.open_alarm: dict[str, Attribution] = {}  # alarm name -> what its current ALARM is
        self.firing: dict[str, set[str]] = defaultdict(set)  # endpoint (or alarm) -> its alarms in ALARM

    def _endpoint_firing(self, notice: AlarmNotice) -> set[str]:
        parsed = parse_alarm_name(ALARM_PREFIX, notice.alarm_name)
        return self.firing[parsed[0] if parsed is not None else notice.alarm_name]

    def _matching(self, notice: AlarmNotice, endpoint: str, variant: str | None, key: str) -> int | None:
        for index, incident in enumerate(self.incidents):
            if not incident.applies_to(endpoint, variant) or key not in RELEVANT.get(incident.kind, ()):
                continue
            if incident.start <= notice.at < incident.end + ALARM_GRACE:
                return index
        return None

    def _context(self, notice: AlarmNotice, endpoint: str) -> tuple[NoiseCategory, str] | None:
        known = self.fleet.get(endpoint)
        if known is None:
            return None
        if known.created_at is not None and known.created_at <= notice.at < known.created_at + NEW_ENDPOINT_SPELL:
            return NoiseCategory.NEW_ENDPOINT, endpoint
        if known.deleted_at is not None and known.deleted_at - ALARM_GRACE <= notice.at:
            return NoiseCategory.DELETION, endpoint
        return None

    def attribute(self, notice: AlarmNotice) -> Attribution:
        parsed = parse_alarm_name(ALARM_PREFIX, notice.alarm_name)
        firing = self._endpoint_firing(notice)
        if notice.new_state == "ALARM":
            firing.add(notice.alarm_name)
        elif notice.new_state == "OK":
            firing.discard(notice.alarm_name)
        if notice.new_state == "OK" and notice.old_state == "ALARM":
            opened = self.open_alarm.pop(notice.alarm_name, None)
            if opened is not None and opened.incident is not None:
                return Attribution(opened.incident, resolution=True, final=not firing)
            return Attribution(None, noise=NoiseCategory.END_OF_NOISE, detail=opened.detail if opened else "")
        if notice.new_state == "OK":
            return Attribution(None, noise=NoiseCategory.FIRST_EVALUATION_OK, detail=notice.old_state)
        if notice.new_state != "ALARM" or parsed is None:
            return Attribution(None, noise=NoiseCategory.OTHER, detail=f"{notice.old_state} -> {notice.new_state}")
        endpoint, variant, key = parsed
        key = key.split(_KEY_SUFFIX, 1)[0]
        index = self._matching(notice, endpoint, variant, key)
        attribution: Attribution
        if index is not None and self.incidents[index].pages:
            attribution = Attribution(index)
        elif index is not None:
            incident = self.incidents[index]
            attribution = Attribution(None, noise=NoiseCategory.NON_INCIDENT, detail=incident.label or incident.kind)
        else:
            context = self._context(notice, endpoint)
            category, detail = context or (NoiseCategory.UNEXPLAINED_ALARM, key)
            attribution = Attribution(None, noise=category, detail=detail)
        self.open_alarm[notice.alarm_name] = attribution
        return attribution


def _drift_runs(incidents: Sequence[Incident], bad_runs: Sequence[MonitorRunRecord]) -> dict[str, int]:
    """Run key -> the paging data-drift incident whose hours the bad run was scheduled in, on
    its endpoint (such a run completes with violations because of the drift)."""
    found: dict[str, int] = {}
    for index, incident in enumerate(incidents):
        if incident.kind is IncidentKind.DATA_DRIFT and incident.pages:
            for run in bad_runs:
                if run.endpoint == incident.endpoint and incident.start <= run.at < incident.end:
                    found.setdefault(run.key, index)
    return found


def score(
    fleet: Fleet,
    incidents: Sequence[Incident],
    notices: Sequence[AlarmNotice],
    deliveries: Sequence[Delivery],
    *,
    threaded_mode: bool = False,
    monitor_runs: Sequence[MonitorRunRecord] = (),
    muted: Sequence[MutedRecord] = (),
    maintenance: Sequence[MaintenanceWindow] = (),
) -> Score:
    """Map every delivery to incidents, resolutions or noise; see the module docstring.

    A message carrying a Model Monitor run's key belongs to that run when it failed or found
    violations, and is noise when the run was clean.
    """
    runs = {r.key: r for r in monitor_runs}
    bad_runs = {r.key: MonitorRunScore(r) for r in monitor_runs if r.bad}
    attributor = _Attributor(fleet, incidents)
    attributions = {n.message_id: (n, attributor.attribute(n)) for n in sorted(notices, key=lambda n: n.at)}
    paging = {index: IncidentScore(incident) for index, incident in enumerate(incidents) if incident.pages}
    destinations = tuple(sorted({d.destination for d in deliveries}))
    drift_runs = _drift_runs(incidents, [r for r in monitor_runs if r.bad])
    noise: list[NoiseMessage] = []
    alarm_ts: dict[tuple[str, str], str] = {}  # (destination, endpoint) -> ts of its latest top-level ALARM message
    last_alarm_at: dict[tuple[int, str], datetime] = {}  # (incident, destination) -> its latest ALARM message
    resolved_at: dict[tuple[int, str], datetime] = {}  # (incident, destination) -> its latest final OK message
    for delivery in sorted(deliveries, key=lambda d: d.at):
        carried = [attributions[m] for m in delivery.message_ids if m in attributions]
        ours = [(n, a) for n, a in carried if a.incident is not None]
        run_keys = [m for m in delivery.message_ids if m in runs]
        for key in run_keys:
            if key in bad_runs:
                bad_runs[key].messages[delivery.destination] += 1
            if key in drift_runs:
                paging[drift_runs[key]].run_messages[delivery.destination] += 1
        if run_keys and not ours and not any(key in bad_runs for key in run_keys):
            noise.append(
                NoiseMessage(delivery.destination, delivery.at, (), NoiseCategory.CLEAN_MONITORING_RUN, run_keys[0])
            )
            continue
        if not ours and not run_keys:
            first = carried[0][1] if carried else Attribution(None, noise=NoiseCategory.OTHER, detail="no alarm")
            noise.append(
                NoiseMessage(
                    delivery.destination,
                    delivery.at,
                    tuple(n.alarm_name for n, _ in carried),
                    first.noise or NoiseCategory.OTHER,
                    first.detail,
                )
            )
        top_level = delivery.thread_ts is None
        for notice, attribution in ours:
            index = attribution.incident
            assert index is not None
            scored = paging[index]
            where = (delivery.destination, scored.incident.endpoint)
            if attribution.resolution:
                if top_level or attribution.final:
                    scored.ok_messages[delivery.destination] += 1
                else:
                    scored.thread_updates += 1
                if attribution.final:
                    resolved_at[(index, delivery.destination)] = delivery.at
                if threaded_mode and delivery.thread_ts != alarm_ts.get(where):
                    scored.unthreaded_oks += 1
                continue
            scored.alarms.append(notice.alarm_name)
            last_alarm_at[(index, delivery.destination)] = delivery.at
            if not top_level:  # joined the endpoint's open incident, or fired again, in its thread
                scored.thread_updates += 1
                continue
            scored.alarm_messages[delivery.destination] += 1
            if delivery.ts is not None:
                alarm_ts[where] = delivery.ts
            if scored.first_alert_at is None:
                scored.first_alert_at = delivery.at
                kind = scored.incident.kind
                oldest = _oldest_datapoint(notice.reason) if kind in GRADUAL else None
                onset = oldest.replace(tzinfo=scored.incident.start.tzinfo) if oldest else None
                scored.onset = max(scored.incident.start, onset) if onset else scored.incident.start
                period_minutes = notice.period_seconds / 60
                scored.allowed_minutes = notice.datapoints_to_alarm * period_minutes + TARGET_SLACK_MINUTES
    never = datetime.min.replace(tzinfo=UTC)
    for index, scored in paging.items():
        scored.ok_delivered = scored.alerted and all(
            resolved_at.get((index, destination), never) >= last_alarm_at.get((index, destination), never)
            and (index, destination) in resolved_at
            for destination in destinations
        )
    return Score(
        list(paging.values()),
        noise,
        len(deliveries),
        destinations,
        threaded_mode,
        list(bad_runs.values()),
        muted_messages=len(muted),
        messages_during_maintenance=messages_during(maintenance, notices, deliveries),
        scored_maintenance=bool(maintenance),
    )
