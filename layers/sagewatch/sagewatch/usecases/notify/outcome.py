"""What became of each alert: per-destination reports, and the batch's verdict for the queue."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sagewatch.core.shared.errors import SageWatchError

# What a destination may fail with (reported, retried from the queue); anything else is a bug:
# it fails the whole batch, which is retried.
DELIVERY_FAILURES = (SageWatchError, OSError, ValueError)


class DeliveryError(SageWatchError):
    """At least one destination did not get the alert; the notification must be retried."""


@dataclass
class DeliveryReport:
    message_id: str
    alarm: str
    state: str
    endpoint: str | None
    delivered: list[str] = field(default_factory=list)  # "slack:<secret id>", "email:<n> recipients"
    failed: list[str] = field(default_factory=list)
    missing_context: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # destinations that already had it (redelivery)
    suppressed: list[str] = field(default_factory=list)  # "<destination>: why" not told (incident rules)
    held: bool = False  # an OK put back in the queue for the settle window

    def as_dict(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "alarm": self.alarm,
            "state": self.state,
            "endpoint": self.endpoint,
            "delivered": self.delivered,
            "failed": self.failed,
            "missing_context": self.missing_context,
            "skipped": self.skipped,
            "suppressed": self.suppressed,
            "held": self.held,
        }


@dataclass
class BatchOutcome:
    reports: dict[str, DeliveryReport]  # by item id
    failed: dict[str, str]  # item id → why; these go back to the queue
