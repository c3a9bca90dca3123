"""Did this ALARM fire during a quiet window? Told from the notification, then one read.

CloudWatch mutes the actions of alarms a mute rule targets while its window is active; when the
window ends with the alarm still in the state it was muted in, the actions run then (CloudWatch
User Guide, "How alarm mute rules work": "Alarm action is executed because the mute window has
ended and the alarm remains in the same state (ALARM) in which it was originally muted"). The
notification is the muted change's own: its ``StateChangeTime`` is when the alarm fired, inside
the window, while SNS stamps it (the envelope's ``Timestamp``) when it was published, after the
window. A notification published more than :data:`LATE_AFTER` after its state change is the
signal; only then does the alert path list the mute rules targeting the alarm (one
ListAlarmMuteRules), and a listed rule confirms it. Nothing else is read, and no alert that
arrives on time reads anything more.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sagewatch.core.monitoring.mute_rules import DEPLOY, window_label

# CloudWatch publishes a state change's notification within seconds; a minute of SNS retries
# still keeps it well under this. A window shorter than this can end unseen (said in the docs).
LATE_AFTER = timedelta(minutes=3)


def released_late(state: str, changed: datetime, published: datetime | None) -> bool:
    """True when an ALARM was published more than LATE_AFTER after it fired."""
    return state == "ALARM" and published is not None and published - changed > LATE_AFTER


def quiet_note(
    prefix: str, rules: Sequence[tuple[str, datetime | None]], changed: datetime, published: datetime | None
) -> str | None:
    """The line an alert carries, or None when no rule that could have muted the change targets
    the alarm (late for another reason). A rule that expired (ExpireDate) before the alarm fired
    could not have muted it; SageWatch's deployment holds are named as such."""
    live = [name for name, expire in rules if expire is None or expire > changed]
    if not live or published is None:
        return None
    windows = sorted({window_label(prefix, name) or name for name in live})
    named = ", ".join(windows[:3]) + (f" and {len(windows) - 3} more" if len(windows) > 3 else "")
    held = all(w.startswith(f"{prefix}-{DEPLOY}-") for w in windows)
    what, end = ("while held for a deployment", "the hold") if held else ("during a quiet window", "the window")
    return (
        f"Fired at {changed:%Y-%m-%d %H:%M} UTC {what} ({named}); "
        f"sent when {end} ended, {published:%H:%M} UTC, with the alarm still firing"
    )
