"""Which transitions reach people: the incident rules (core.alerting.incident) around every send.

For each alert and destination the notifier asks :meth:`IncidentGate.decide` with the incident
that came back with the delivery claim (``usecases.notify.deliver``: claimed first, so a
duplicate never counts twice), tells or not, and the settlement writes what the decision changed
— conditionally: on a conflict with a concurrent writer :meth:`redecide` applies the same rule to
the fresh record, so no update is lost. An OK that must wait for the settle window is put back in
AlertQueue with a delay (:meth:`hold`).

Without a delivery table (or for a notification that is not an alarm's) there is nothing to
remember, and every transition is told as it comes.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta
from typing import Any, Protocol

from sagewatch.core.alerting.alert import AlertView
from sagewatch.core.alerting.alert_target import AlertTarget
from sagewatch.core.alerting.delivery_record import Settlement, Stored
from sagewatch.core.alerting.incident import (
    Decision,
    Incident,
    decide,
    incident_key,
    resolution_text,
    told_title,
)
from sagewatch.core.alerting.notification import AlarmNotification
from sagewatch.core.shared.errors import SageWatchError
from sagewatch.usecases.notify.intake import BatchItem, Pending
from sagewatch.usecases.notify.slack_post import BOT_PREFIX

log = logging.getLogger(__name__)


class HoldPort(Protocol):
    def hold(self, envelope: dict[str, Any], delay_seconds: int) -> None: ...


class IncidentConflictError(SageWatchError):
    """The record kept changing under us: the alert is retried from the queue."""


class IncidentGate:
    def __init__(self, *, remembers: bool, settle_seconds: int, queue: HoldPort | None) -> None:
        self._remembers = remembers  # incidents are kept (a delivery table)
        self._settle = timedelta(seconds=settle_seconds)
        self._settle_seconds = settle_seconds
        self._queue = queue

    def scope(self, entry: Pending) -> str | None:
        """The incident ``entry`` belongs to (its records' item), None when nothing is remembered."""
        notification = entry.notification
        if not self._remembers or not isinstance(notification, AlarmNotification):
            return None
        return key_of(entry, notification)

    def decide(
        self,
        entry: Pending,
        destination: str,
        stored: Stored,
        *,
        threaded: bool,
        can_hold: bool = True,
        known: dict[str, Incident | None] | None = None,
    ) -> Decision | None:
        """The decision for ``entry`` at ``destination``; None: tell it as it comes (nothing to remember).

        ``known``: records decided earlier in this batch but not yet written (a digest is written
        after it is sent), by incident key; updated with this decision's record.
        """
        notification = entry.notification
        if not self._remembers or not isinstance(notification, AlarmNotification):
            return None
        key = key_of(entry, notification)
        record = known[key] if known is not None and key in known else stored.record
        decision = self._apply(record, entry, notification, destination, threaded=threaded, can_hold=can_hold)
        if known is not None and decision.record is not None:
            known[key] = decision.record
        elif known is not None:
            known.setdefault(key, record)
        return decision

    def redecide(self, entry: Pending, settled: Settlement, fresh: Stored) -> Settlement:
        """``settled``'s record met a newer one (a concurrent writer): the same transition applied to
        ``fresh``; no record to write if the fresh one already knows it (or a newer one)."""
        notification = entry.notification
        assert isinstance(notification, AlarmNotification) and settled.record is not None
        threaded = settled.destination.startswith(f"slack:{BOT_PREFIX}")
        again = self._apply(fresh.record, entry, notification, settled.destination, threaded=threaded, can_hold=False)
        if again.record is None:  # someone else already recorded this transition (or a newer one)
            return dataclasses.replace(settled, record=None, token=fresh.token)
        wanted = again.record
        if settled.record.thread_ts and not wanted.thread_ts:  # the thread this attempt started
            wanted = dataclasses.replace(wanted, thread_ts=settled.record.thread_ts)
        return dataclasses.replace(settled, record=wanted, token=fresh.token)

    def _apply(
        self,
        record: Incident | None,
        entry: Pending,
        notification: AlarmNotification,
        destination: str,
        *,
        threaded: bool,
        can_hold: bool,
    ) -> Decision:
        return decide(
            record,
            key=key_of(entry, notification),
            alarm=notification.alarm_name,
            destination=destination,
            state=notification.new_state,
            at=notification.state_change_time,
            threaded=threaded,
            settle=self._settle,
            can_hold=can_hold and self._queue is not None and entry.item.envelope is not None,
            settled=entry.item.settled,
        )

    def hold(self, item: BatchItem) -> None:
        """Put the OK back in AlertQueue for the settle window (only called after a HOLD decision)."""
        assert self._queue is not None and item.envelope is not None
        self._queue.hold(item.envelope, self._settle_seconds)


def key_of(entry: Pending, notification: AlarmNotification) -> str:
    """The incident a notification belongs to: its endpoint's when SageWatch created the alarm
    (its name parses as SageWatch's, or its description carries SageWatch's trailer), else its own."""
    target = entry.target
    owned = target is not None and (target.alarm_key is not None or target.context is not None)
    return incident_key(notification.alarm_arn, _scope(target), owned=owned)


def _scope(target: AlertTarget | None) -> str | None:
    """What one incident covers: the endpoint's serving (its variants and async queue), each
    inference component on its own (another model, another team's page), and each Model Monitor
    schedule on its own (a drift alarm stays in ALARM between hourly runs and is about the data,
    not the serving: a 5XX burst during it is a different incident)."""
    if target is None or target.endpoint is None:
        return None
    if target.schedule:
        return f"{target.endpoint}/model-monitor/{target.schedule}"
    if target.component:
        return f"{target.endpoint}/component/{target.component}"
    return target.endpoint


def told_view(view: AlertView, decision: Decision | None) -> AlertView:
    """The view as it is told: the title says what it is to its incident (joins, clears, flapped),
    and a resolving OK lists which alarms fired, how often, and how long the incident lasted."""
    if decision is None:
        return view
    title = told_title(view.title, view.state, decision)
    duration = resolution_text(decision) or view.duration_text
    if title == view.title and duration == view.duration_text:
        return view
    return dataclasses.replace(view, title=title, duration_text=duration)
