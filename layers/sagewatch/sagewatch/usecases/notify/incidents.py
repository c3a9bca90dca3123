"""Which transitions reach people: the incident rules (core.alerting.incident) for an alert.

The gate (``gate.py``) applies :meth:`IncidentRules.decide` once per claimed destination, with the
incident that came back with the delivery claim (claimed first, so a duplicate never counts
twice); the record stage (``record.py``) writes what the decision changed, conditionally: on a
conflict with a concurrent writer it applies the same rule to the fresh record
(:meth:`IncidentRules.redecide`, pure), so no update is lost. An OK that must wait for the settle
window is put back in AlertQueue with a delay by the record stage.

Without a delivery table (or for a kind of alert that belongs to no incident: its
``transition`` is None, core.alerting.alert_kinds) there is nothing to remember, and every
transition is told as it comes.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta

from sagewatch.core.alerting.alert import AlertView
from sagewatch.core.alerting.alert_kinds import Transition
from sagewatch.core.alerting.delivery_record import Settlement, Stored
from sagewatch.core.alerting.incident import (
    Decision,
    Incident,
    decide,
    resolution_text,
    told_title,
)
from sagewatch.core.alerting.routing import BOT_PREFIX
from sagewatch.core.shared.errors import SageWatchError
from sagewatch.usecases.notify.intake import Alert

log = logging.getLogger(__name__)


class IncidentConflictError(SageWatchError):
    """The record kept changing under us: the alert is retried from the queue."""


class IncidentRules:
    """``remembers``: incidents are kept (a delivery table); ``holds``: an OK can be put back in
    AlertQueue for the settle window (``settle_seconds``)."""

    def __init__(self, *, remembers: bool, settle_seconds: int, holds: bool) -> None:
        self._remembers = remembers
        self._settle = timedelta(seconds=settle_seconds)
        self._holds = holds

    def scope(self, alert: Alert) -> str | None:
        """The incident ``alert`` belongs to (its records' item), None when nothing is remembered."""
        transition = self._transition(alert)
        return transition.key if transition is not None else None

    def _transition(self, alert: Alert) -> Transition | None:
        return alert.kind.transition if self._remembers else None

    def decide(
        self,
        alert: Alert,
        destination: str,
        stored: Stored,
        *,
        threaded: bool,
        can_hold: bool = True,
        known: dict[str, Incident | None] | None = None,
    ) -> Decision | None:
        """The decision for ``alert`` at ``destination``; None: tell it as it comes (nothing to remember).

        ``known``: records decided earlier in this batch but not yet written (a digest is written
        after it is sent), by incident key; updated with this decision's record.
        """
        transition = self._transition(alert)
        if transition is None:
            return None
        key = transition.key
        record = known[key] if known is not None and key in known else stored.record
        decision = self._apply(record, alert, transition, destination, threaded=threaded, can_hold=can_hold)
        if known is not None and decision.record is not None:
            known[key] = decision.record
        elif known is not None:
            known.setdefault(key, record)
        return decision

    def redecide(self, alert: Alert, settled: Settlement, fresh: Stored) -> Settlement:
        """``settled``'s record met a newer one (a concurrent writer): the same transition applied to
        ``fresh``; no record to write if the fresh one already knows it (or a newer one)."""
        transition = self._transition(alert)
        assert transition is not None and settled.record is not None
        threaded = settled.destination.startswith(f"slack:{BOT_PREFIX}")
        again = self._apply(fresh.record, alert, transition, settled.destination, threaded=threaded, can_hold=False)
        if again.record is None:  # someone else already recorded this transition (or a newer one)
            return dataclasses.replace(settled, record=None, token=fresh.token)
        wanted = again.record
        if settled.record.thread_ts and not wanted.thread_ts:  # the thread this attempt started
            wanted = dataclasses.replace(wanted, thread_ts=settled.record.thread_ts)
        return dataclasses.replace(settled, record=wanted, token=fresh.token)

    def _apply(
        self,
        record: Incident | None,
        alert: Alert,
        transition: Transition,
        destination: str,
        *,
        threaded: bool,
        can_hold: bool,
    ) -> Decision:
        return decide(
            record,
            key=transition.key,
            alarm=transition.alarm,
            destination=destination,
            state=transition.state,
            at=transition.at,
            threaded=threaded,
            settle=self._settle,
            can_hold=can_hold and self._holds and alert.item.envelope is not None,
            settled=alert.item.settled,
        )


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
