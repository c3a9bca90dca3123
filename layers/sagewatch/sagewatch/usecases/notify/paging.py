"""What a PagerDuty destination is sent for a decided alert: a trigger, a resolve, or nothing.

PagerDuty keeps one alert per ``dedup_key`` while it is open ("Alert De-Duplication"), so the
SageWatch incident maps onto it one to one (``render_pagerduty.incident_dedup_key``: the
incident's key and the time it opened):

- a new incident (POST, opens): ``trigger``, a new alert;
- another alarm joins, or one fires again (folded in chat, or posted): ``trigger`` with the same
  key, so the open alert gets a log entry and no second alert opens;
- the last firing alarm is OK (after the settle window): ``resolve``;
- one alarm OK while others still fire, or not-enough-data: nothing (settled as done);
- a duplicate or stale transition: nothing (already done, or folded as stale).

Without an incident (an endpoint's failure, or no delivery table) an ALARM or FAILED triggers
and an OK resolves, under a key stable for what fired (the endpoint's incident key, or the
notice's own id), so an OK still finds its trigger.

Pure: no I/O.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sagewatch.core.alerting.incident import Action, Decision, Role

if TYPE_CHECKING:
    from sagewatch.core.alerting.alert import AlertView
    from sagewatch.core.alerting.render_pagerduty import PagerDutyEvent

# A folded ALARM is still news to PagerDuty: the open alert is updated with it.
UPDATES = (Role.JOINS, Role.FIRES_AGAIN)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # the "opened at" of a key without an incident


def updates_open_alert(decision: Decision | None) -> bool:
    """A decision the incident rules fold (not told in chat) that still goes to PagerDuty."""
    return decision is not None and decision.action is Action.SUPPRESS and decision.role in UPDATES


def pagerduty_event(view: AlertView, decision: Decision | None, *, stable_key: str) -> PagerDutyEvent | None:
    """The event for ``view`` as decided; None: nothing to send. ``stable_key``: what the alert is
    about when there is no incident (its incident key, or the notice's id)."""
    # Imported with the first PagerDuty destination: a stack without one never loads the renderer.
    from sagewatch.core.alerting.render_pagerduty import (
        incident_dedup_key,
        render_pagerduty_resolve,
        render_pagerduty_trigger,
    )

    if decision is None:
        key = _stable(stable_key)
        if view.state in ("ALARM", "FAILED"):
            return render_pagerduty_trigger(view, dedup_key=key)
        return render_pagerduty_resolve(key) if view.state == "OK" else None
    incident = decision.incident or decision.record
    if incident is None:
        return None
    key = incident_dedup_key(incident)
    if decision.role is Role.RESOLVES:
        return render_pagerduty_resolve(key)
    if decision.role is Role.OPENS or decision.role in UPDATES:
        return render_pagerduty_trigger(view, dedup_key=key)
    return None


def _stable(key: str) -> str:
    from sagewatch.core.alerting.render_pagerduty import DEDUP_KEY_PREFIX, MAX_DEDUP_KEY, dedup_key

    readable = f"{DEDUP_KEY_PREFIX}{key}"
    if len(readable) <= MAX_DEDUP_KEY and readable.isprintable():
        return readable
    return dedup_key(key, _EPOCH)
