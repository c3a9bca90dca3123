"""What the delivery table keeps about one alert, as values: claims, incident records, settlements.

One item per *scope* holds both what went out and what the people were told: the incident's
(``incident_key``) for an alarm's notification, else the SNS MessageId's own. In it, per
(MessageId, destination) a claim (in progress until an expiry, or completed), and per destination
the incident record with a *token* (the number of writes it had: the condition that keeps
concurrent writers honest). So one conditional write claims every destination of an alert and
answers with the incidents to decide from, and one more records what was told (docs/delivery.md).

Pure: no I/O. ``adapters.dynamodb.deliveries`` stores these; in ``usecases.notify`` the gate claims and
the record stage settles.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from sagewatch.core.alerting.incident import Incident

# Added to the SNS envelope of an OK held back in AlertQueue for the settle window
# (adapters.sqs writes it, usecases.notify.intake reads it): the copy has waited.
SETTLED_MARKER = "SageWatchSettled"


class Claim(enum.Enum):
    NEW = "new"  # claimed now: send, then settle as done or released
    DONE = "done"  # already delivered: skip
    BUSY = "busy"  # another (or a crashed) attempt holds it and its claim has not expired: retry later


@dataclass(frozen=True)
class Stored:
    """A destination's incident as stored: ``record`` None when absent or expired; ``token``: the
    stored write count (None: never written), which a write must still find to succeed."""

    record: Incident | None = None
    token: int | None = None


@dataclass(frozen=True)
class Claimed:
    """The answer to a claim: per destination its claim, and its incident as stored."""

    claims: dict[str, Claim]
    incidents: dict[str, Stored] = field(default_factory=dict)

    def incident(self, destination: str) -> Stored:
        return self.incidents.get(destination, Stored())


@dataclass(frozen=True)
class Settlement:
    """What one claimed destination ends with: ``done`` (sent or acknowledged: completed) or not
    (given back: the retry takes it again), and the incident record to write (None: unchanged).
    ``token`` is the stored token the record was decided from."""

    destination: str
    done: bool
    record: Incident | None = None
    token: int | None = None


@dataclass(frozen=True)
class LeaseRelease:
    """A channel lease still held after Slack answered: the next request on ``channel`` no sooner
    than ``next_at`` (epoch seconds). Written with the alert's settlement, in one transaction."""

    channel: str
    token: str
    next_at: float
