"""What reaches people, and when: one ALARM and one OK message per incident and destination.

CloudWatch creates every alarm in INSUFFICIENT_DATA and runs the actions of each *new* state,
so a brand-new alarm's first evaluation (INSUFFICIENT_DATA → OK) runs its OKActions; SageWatch
sets OKActions on every alarm, so onboarding one endpoint would otherwise "resolve" 6 to 16 things
that never broke. The rules below (docs/alerts.md, "What reaches people, and when") decide from
an *incident record* kept per alarm and destination — written when an ALARM was told to that
destination — and the notification alone:

- ALARM with no open incident: a new top-level message; the incident opens.
- ALARM while the incident is open (ALARM → INSUFFICIENT_DATA → ALARM, or a re-fire whose OK is
  still settling), or within the settle window after its OK in a thread: flapping. A reply in
  the incident's thread ("firing again (2nd time)") where there is one (bot mode), otherwise
  folded into the incident (suppressed, counted); the final OK says how often it fired.
- OK, whatever the old state: told only when the incident is open (ALARM → INSUFFICIENT_DATA →
  OK still resolves); otherwise acknowledged silently. Without a thread, the OK first waits for
  the settle window (HOLD: re-enqueued with a delay), so that a quick re-ALARM cancels it.
- INSUFFICIENT_DATA during an incident: a thread reply, or silent without a thread (it never
  pages). Outside an incident it is posted: SageWatch's own alarms set no
  InsufficientDataActions, so one arriving was asked for by whoever owns that alarm.
- A transition not newer than what the incident already knows (a duplicate CloudWatch sent
  under another MessageId, or one overtaken in the queue) changes nothing and is not told.

Pure: no I/O. The caller reads the record, applies :func:`decide`, sends, then writes
``Decision.record`` conditionally (re-deciding on a conflict, which yields the same record).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Action(StrEnum):
    POST = "post"  # a new top-level message
    REPLY = "reply"  # a reply in the incident's thread (bot mode)
    HOLD = "hold"  # an OK that waits for the settle window, then is decided again
    SUPPRESS = "suppress"  # acknowledged, not told (logged and counted by the caller)


@dataclass(frozen=True)
class Incident:
    """An ALARM that was told to one destination, until its OK was told (and a settle window after)."""

    alarm_arn: str
    destination: str
    opened_at: datetime  # StateChangeTime of the ALARM that opened it
    last_alarm_at: datetime  # StateChangeTime of the newest ALARM in it
    fired: int = 1  # ALARM transitions in this incident: more than one is flapping
    thread_ts: str | None = None  # bot mode: the ALARM message, whose thread carries the rest
    resolved_at: datetime | None = None  # StateChangeTime of the OK that was told; None = open
    version: int = 0  # incremented by every write: the condition that keeps concurrent writers honest

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def last_change(self) -> datetime:
        return max(self.last_alarm_at, self.resolved_at or self.last_alarm_at)


@dataclass(frozen=True)
class Decision:
    action: Action
    why: str  # for the log line (and the tests)
    record: Incident | None = None  # what to write once the message went out (None: nothing to write)
    fired: int = 1  # the incident's ALARM count, for the message ("firing again (2nd time)", "flapped")
    thread_ts: str | None = None  # REPLY: the thread to reply in

    @property
    def tells(self) -> bool:
        return self.action in (Action.POST, Action.REPLY)


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def decide(
    record: Incident | None,
    *,
    alarm_arn: str,
    destination: str,
    state: str,
    at: datetime,
    threaded: bool,
    settle: timedelta,
    can_hold: bool = True,
    settled: bool = False,
) -> Decision:
    """What to do with one notification (``state`` at ``at``) for one destination.

    ``threaded``: the destination can reply in a thread (bot mode). ``can_hold``: the OK can be
    re-enqueued to wait (it came through the queue). ``settled``: this is that waited copy.
    """
    if record is not None and _stale(record, state, at):
        return Decision(Action.SUPPRESS, f"not newer than the incident's last {state} transition", fired=record.fired)
    if state == "ALARM":
        return _alarm(record, alarm_arn=alarm_arn, destination=destination, at=at, threaded=threaded, settle=settle)
    if state == "OK":
        return _ok(record, at=at, threaded=threaded, settle=settle, can_hold=can_hold, settled=settled)
    if record is not None and record.is_open:
        if threaded and record.thread_ts:
            return Decision(
                Action.REPLY,
                "an update of an incident already told, in its thread",
                None,
                record.fired,
                record.thread_ts,
            )
        return Decision(Action.SUPPRESS, "an update of an incident already told; it cannot be threaded here")
    return Decision(Action.POST, "asked for by the alarm's own InsufficientDataActions")


def _alarm(
    record: Incident | None, *, alarm_arn: str, destination: str, at: datetime, threaded: bool, settle: timedelta
) -> Decision:
    settling = (
        record is not None
        and record.resolved_at is not None
        and threaded
        and record.thread_ts is not None
        and at - record.resolved_at <= settle
    )
    if record is None or not (record.is_open or settling):
        fresh = Incident(alarm_arn, destination, opened_at=at, last_alarm_at=at, version=_next(record))
        return Decision(Action.POST, "a new incident", fresh)
    again = dataclasses.replace(
        record, last_alarm_at=at, fired=record.fired + 1, resolved_at=None, version=record.version + 1
    )
    if threaded and record.thread_ts:
        return Decision(
            Action.REPLY, "flapping: firing again, in the incident's thread", again, again.fired, record.thread_ts
        )
    return Decision(Action.SUPPRESS, "flapping: folded into the open incident", again, again.fired)


def _ok(
    record: Incident | None, *, at: datetime, threaded: bool, settle: timedelta, can_hold: bool, settled: bool
) -> Decision:
    if record is None or not record.is_open:
        return Decision(Action.SUPPRESS, "no ALARM was told to this destination (e.g. a new alarm's first OK)")
    closed = dataclasses.replace(record, resolved_at=at, version=record.version + 1)
    if threaded and record.thread_ts:
        return Decision(Action.REPLY, "resolves the incident, in its thread", closed, record.fired, record.thread_ts)
    if can_hold and not settled and settle > timedelta(0):
        return Decision(Action.HOLD, "waits for the settle window: a quick re-ALARM folds it", fired=record.fired)
    return Decision(Action.POST, "resolves the incident", closed, record.fired)


def _stale(record: Incident, state: str, at: datetime) -> bool:
    """A transition the incident already knows of, or one overtaken by a newer one."""
    if state == "ALARM":
        return at <= record.last_change
    if state == "OK":  # an OK stamped like its ALARM still ends it (same-second test bodies)
        return at < record.last_alarm_at or (record.resolved_at is not None and at <= record.resolved_at)
    return False


def _next(record: Incident | None) -> int:
    return record.version + 1 if record is not None else 1


def told_title(title: str, state: str, decision: Decision) -> str:
    """The alert's title, saying what flapping happened (the rest of the message is unchanged)."""
    if decision.fired <= 1 or not decision.tells:
        return title
    if state == "ALARM":
        return f"{title} — firing again ({ordinal(decision.fired)} time)"
    if state == "OK":
        flaps = decision.fired - 1
        return f"{title} — flapped {flaps} time{'s' if flaps != 1 else ''}"
    return title
