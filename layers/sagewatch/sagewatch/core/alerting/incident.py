"""What reaches people, and when: one ALARM and one OK message per incident and destination.

CloudWatch creates every alarm in INSUFFICIENT_DATA and runs the actions of each *new* state,
so a brand-new alarm's first evaluation (INSUFFICIENT_DATA → OK) runs its OKActions; SageWatch
sets OKActions on every alarm, so onboarding one endpoint would otherwise "resolve" 6 to 16 things
that never broke. And one problem often trips several alarms of one endpoint (an async backlog
without capacity fires the backlog, the oldest-request-age and the no-capacity alarms). The rules
below (docs/alerts.md, "What reaches people, and when") decide from an *incident record* kept per
destination and per **endpoint** for the alarms SageWatch created (:func:`incident_key`), per
alarm for any other alarm, and from the notification alone:

- ALARM with no open incident: a new top-level message; the incident opens, recording the alarm
  as firing.
- ALARM of another alarm while the incident is open: it joins the incident. Within the
  correlation window (an hour after the incident's latest ALARM) a reply in the
  incident's thread ("Also firing: …") where there is one (bot mode), otherwise folded into it
  (suppressed, counted); later, a new top-level message ("Also firing: …"), since it is news.
  Either way the final OK lists it.
- ALARM of an alarm that already fired in the open incident (ALARM → INSUFFICIENT_DATA → ALARM,
  or a re-fire whose OK is still settling), or of any alarm of it within the settle window after
  its OK in a thread: flapping. A reply ("firing again (2nd time)") in bot mode, otherwise folded;
  the final OK says how often each alarm fired.
- OK of an alarm that is firing in the open incident, while others of it still fire: a reply in
  the thread ("… still firing: …") in bot mode, silent otherwise.
- OK of the last firing alarm, whatever its old state (ALARM → INSUFFICIENT_DATA → OK still
  resolves): the incident resolves with one message saying which alarms fired, how often and for
  how long. Without a thread it first waits for the settle window (HOLD: re-enqueued with a
  delay), so that a quick re-ALARM cancels it.
- Any other OK (an alarm nobody was told fired, e.g. a new alarm's first OK): not told.
- INSUFFICIENT_DATA during an incident: a thread reply, or silent without a thread (it never
  pages). Outside an incident it is posted: SageWatch's own alarms set no
  InsufficientDataActions, so one arriving was asked for by whoever owns that alarm.
- A transition of an alarm not newer than what the incident already knows of that alarm (a
  duplicate CloudWatch sent under another MessageId, or one overtaken in the queue) changes
  nothing and is not told.

Pure: no I/O. The caller reads the record, applies :func:`decide`, sends, then writes
``Decision.record`` conditionally (re-deciding on a conflict, which yields the same record).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

ALARM_ARN_MARKER = ":alarm:"


# How long after an incident's latest ALARM another alarm of it is taken as the same problem.
# Not the settle window: that one may be 0, and correlated alarms may lag by their own periods.
CORRELATION_WINDOW = timedelta(hours=1)


class Action(StrEnum):
    POST = "post"  # a new top-level message
    REPLY = "reply"  # a reply in the incident's thread (bot mode)
    HOLD = "hold"  # an OK that waits for the settle window, then is decided again
    SUPPRESS = "suppress"  # acknowledged, not told (logged and counted by the caller)


class Role(StrEnum):
    """What the told (or folded) message is to the incident: it shapes the title."""

    OPENS = "opens"
    JOINS = "joins"  # another alarm of the endpoint fires
    FIRES_AGAIN = "fires again"  # flapping
    CLEARS = "clears"  # one alarm is OK, others still fire
    RESOLVES = "resolves"
    UPDATE = "update"  # INSUFFICIENT_DATA, asked-for or inside an incident
    NONE = "none"  # stale, or an OK nobody needs


def incident_key(alarm_arn: str, endpoint: str | None, *, owned: bool) -> str:
    """What an incident is about: the endpoint, for the alarms SageWatch created for it (their
    name or description trailer says so), else the alarm itself.

    The endpoint key keeps the ARN's partition, region and account (``arn:aws:cloudwatch:
    us-east-1:123456789012:endpoint/fraud-scorer``): endpoint names are unique only within one.
    """
    if not owned or not endpoint or ALARM_ARN_MARKER not in alarm_arn:
        return alarm_arn
    return f"{alarm_arn.split(ALARM_ARN_MARKER, 1)[0]}:endpoint/{endpoint}"


@dataclass(frozen=True)
class AlarmTrack:
    """One alarm inside an incident: how often it fired, and whether it still fires."""

    name: str
    fired: int  # ALARM transitions of this alarm in the incident
    last_alarm_at: datetime
    ok_at: datetime | None = None  # StateChangeTime of its latest OK after ``last_alarm_at``

    @property
    def firing(self) -> bool:
        return self.ok_at is None

    @property
    def last_change(self) -> datetime:
        return max(self.last_alarm_at, self.ok_at or self.last_alarm_at)


@dataclass(frozen=True)
class Incident:
    """ALARMs told to one destination about one endpoint (or one alarm), until the last of them
    was OK and that OK was told (and a settle window after)."""

    key: str  # incident_key(): an endpoint, or one alarm's ARN
    destination: str
    opened_at: datetime  # StateChangeTime of the ALARM that opened it
    alarms: tuple[AlarmTrack, ...] = ()  # in the order they joined
    thread_ts: str | None = None  # bot mode: the ALARM message, whose thread carries the rest
    resolved_at: datetime | None = None  # StateChangeTime of the OK that was told; None = open
    version: int = 0  # incremented by every write: the condition that keeps concurrent writers honest

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def firing(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.alarms if a.firing)

    @property
    def fired(self) -> int:
        """ALARM transitions in the incident, all alarms together."""
        return sum(a.fired for a in self.alarms)

    @property
    def last_alarm_at(self) -> datetime:
        return max((a.last_alarm_at for a in self.alarms), default=self.opened_at)

    def track(self, alarm: str) -> AlarmTrack | None:
        return next((a for a in self.alarms if a.name == alarm), None)

    def with_track(self, track: AlarmTrack) -> tuple[AlarmTrack, ...]:
        if self.track(track.name) is None:
            return (*self.alarms, track)
        return tuple(track if a.name == track.name else a for a in self.alarms)


@dataclass(frozen=True)
class Decision:
    action: Action
    why: str  # for the log line (and the tests)
    record: Incident | None = None  # what to write once the message went out (None: nothing to write)
    fired: int = 1  # this alarm's ALARM count in the incident ("firing again (2nd time)", "flapped")
    thread_ts: str | None = None  # REPLY: the thread to reply in
    role: Role = Role.NONE
    incident: Incident | None = None  # the incident as it stands after this transition (for the message)

    @property
    def tells(self) -> bool:
        return self.action in (Action.POST, Action.REPLY)


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def decide(
    record: Incident | None,
    *,
    key: str,
    alarm: str,
    destination: str,
    state: str,
    at: datetime,
    threaded: bool,
    settle: timedelta,
    can_hold: bool = True,
    settled: bool = False,
) -> Decision:
    """What to do with one notification of ``alarm`` (``state`` at ``at``) for one destination.

    ``key``: the incident it belongs to (:func:`incident_key`). ``threaded``: the destination can
    reply in a thread (bot mode). ``can_hold``: the OK can be re-enqueued to wait (it came
    through the queue). ``settled``: this is that waited copy.
    """
    track = record.track(alarm) if record is not None else None
    if track is not None and _stale(track, state, at):
        return Decision(Action.SUPPRESS, f"not newer than the incident's last {state} of this alarm", fired=track.fired)
    if state == "ALARM":
        return _alarm(record, key=key, alarm=alarm, destination=destination, at=at, threaded=threaded, settle=settle)
    if state == "OK":
        return _ok(record, alarm=alarm, at=at, threaded=threaded, settle=settle, can_hold=can_hold, settled=settled)
    if record is not None and record.is_open:
        fired = track.fired if track is not None else 1
        if threaded and record.thread_ts:
            return Decision(
                Action.REPLY,
                "an update of an incident already told, in its thread",
                None,
                fired,
                record.thread_ts,
                Role.UPDATE,
                record,
            )
        return Decision(Action.SUPPRESS, "an update of an incident already told; it cannot be threaded here")
    return Decision(Action.POST, "asked for by the alarm's own InsufficientDataActions", role=Role.UPDATE)


def _alarm(
    record: Incident | None,
    *,
    key: str,
    alarm: str,
    destination: str,
    at: datetime,
    threaded: bool,
    settle: timedelta,
) -> Decision:
    settling = (
        record is not None
        and record.resolved_at is not None
        and threaded
        and record.thread_ts is not None
        and at - record.resolved_at <= settle
    )
    if record is None or not (record.is_open or settling):
        fresh = Incident(key, destination, opened_at=at, alarms=(AlarmTrack(alarm, 1, at),), version=_next(record))
        return Decision(Action.POST, "a new incident", fresh, role=Role.OPENS, incident=fresh)
    track = record.track(alarm)
    joins = track is None
    fired = 1 if track is None else track.fired + 1
    again = dataclasses.replace(
        record,
        alarms=record.with_track(AlarmTrack(alarm, fired, at)),
        resolved_at=None,
        version=record.version + 1,
    )
    role = Role.JOINS if joins else Role.FIRES_AGAIN
    what = "joins the open incident" if joins else "flapping: firing again"
    if joins and at - record.last_alarm_at > CORRELATION_WINDOW:
        # Correlated alarms fire close together: an async backlog trips the no-capacity alarm at
        # once and the oldest-request-age alarm (900 s) some 20 minutes later. One that first
        # fires long after the incident's latest ALARM is news - a 5XX burst while the disk alarm
        # has been firing for hours - and a fold or a thread reply would keep it from the
        # channel: it is told at top level, and still joins the incident for its resolution.
        return Decision(
            Action.POST, f"{what} after its correlation window: told at top level", again, fired, None, role, again
        )
    if threaded and record.thread_ts:
        return Decision(Action.REPLY, f"{what}, in its thread", again, fired, record.thread_ts, role, again)
    return Decision(Action.SUPPRESS, f"{what}: folded into the open incident", again, fired, None, role, again)


def _ok(
    record: Incident | None,
    *,
    alarm: str,
    at: datetime,
    threaded: bool,
    settle: timedelta,
    can_hold: bool,
    settled: bool,
) -> Decision:
    if record is None or not record.is_open:
        return Decision(Action.SUPPRESS, "no ALARM was told to this destination (e.g. a new alarm's first OK)")
    track = record.track(alarm)
    if track is None or not track.firing:
        return Decision(Action.SUPPRESS, "this alarm is not firing in the open incident (e.g. a new alarm's first OK)")
    tracks = record.with_track(dataclasses.replace(track, ok_at=at))
    still = tuple(a.name for a in tracks if a.firing)
    if still:
        cleared = dataclasses.replace(record, alarms=tracks, version=record.version + 1)
        if threaded and record.thread_ts:
            return Decision(
                Action.REPLY, "one alarm is OK, others still fire", cleared, track.fired, record.thread_ts,
                Role.CLEARS, cleared,
            )  # fmt: skip
        silent = "one alarm is OK, others still fire: silent"
        return Decision(Action.SUPPRESS, silent, cleared, track.fired, None, Role.CLEARS, cleared)
    closed = dataclasses.replace(record, alarms=tracks, resolved_at=at, version=record.version + 1)
    if threaded and record.thread_ts:
        return Decision(
            Action.REPLY, "resolves the incident, in its thread", closed, track.fired, record.thread_ts,
            Role.RESOLVES, closed,
        )  # fmt: skip
    if can_hold and not settled and settle > timedelta(0):
        return Decision(Action.HOLD, "waits for the settle window: a quick re-ALARM folds it", fired=track.fired)
    return Decision(Action.POST, "resolves the incident", closed, track.fired, None, Role.RESOLVES, closed)


def _stale(track: AlarmTrack, state: str, at: datetime) -> bool:
    """A transition of this alarm the incident already knows of, or one overtaken by a newer one."""
    if state == "ALARM":
        return at <= track.last_change
    if state == "OK":  # an OK stamped like its ALARM still ends it (same-second test bodies)
        return at < track.last_alarm_at or (track.ok_at is not None and at <= track.ok_at)
    return False


def _next(record: Incident | None) -> int:
    return record.version + 1 if record is not None else 1


def short_name(alarm: str) -> str:
    """An alarm's name as a person reads it in an endpoint's incident: SageWatch's names
    (``<prefix>/<endpoint>/<variant>/<key>``) without the prefix and endpoint the message shows."""
    parts = alarm.split("/")
    return "/".join(parts[2:]) if len(parts) >= 4 else alarm


def fired_summary(incident: Incident) -> str:
    """E.g. "AllTraffic/async-backlog-size once, AllTraffic/async-oldest-request-age 2 times"."""
    return ", ".join(f"{short_name(a.name)} {'once' if a.fired == 1 else f'{a.fired} times'}" for a in incident.alarms)


def told_title(title: str, state: str, decision: Decision) -> str:
    """The alert's title, saying what the message is to its incident (the rest is unchanged)."""
    if not decision.tells:
        return title
    incident = decision.incident
    several = incident is not None and len(incident.alarms) > 1
    if decision.role is Role.JOINS:
        return f"Also firing: {title}"
    if decision.role is Role.CLEARS and incident is not None:
        return f"{title} — still firing: {', '.join(short_name(a) for a in incident.firing)}"
    if state == "ALARM" and decision.fired > 1:
        return f"{title} — firing again ({ordinal(decision.fired)} time)"
    if decision.role is Role.RESOLVES and several and incident is not None:
        return f"{title} — {len(incident.alarms)} alarms fired"
    if state == "OK" and decision.fired > 1:
        flaps = decision.fired - 1
        return f"{title} — flapped {flaps} time{'s' if flaps != 1 else ''}"
    return title


def resolution_text(decision: Decision) -> str | None:
    """What a resolving OK of several alarms says instead of its own alarm's duration: how long
    the incident lasted, which alarms fired and how often. None: the message stays as it is."""
    incident = decision.incident
    if decision.role is not Role.RESOLVES or incident is None or incident.resolved_at is None:
        return None
    if len(incident.alarms) < 2:  # one alarm: its own duration and "flapped" say it all
        return None
    minutes = max(0, round((incident.resolved_at - incident.opened_at) / timedelta(minutes=1)))
    return f"incident lasted {minutes} min; fired: {fired_summary(incident)}"
