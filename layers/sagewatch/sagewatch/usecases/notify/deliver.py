"""Delivering once: every send is claimed first and settled after, in the delivery records.

The key is (SNS MessageId, destination), so a redelivered notification, a duplicate in the same
batch, or a batch retried after a partial failure never sends again what already went out
(see adapters.dynamodb.deliveries and docs/delivery.md). One claim covers every destination of an alert
and answers with their incident records; one settlement completes what went out (or was not told
on purpose), gives back what failed or waits (the retry from the queue takes it again) and writes
the incident records decided — with the Slack channel lease still held, in the same call. A digest
covers many notifications: each is claimed and settled under its own key.

The stages hand each other values: the claim answers a ``Claimed``, the notifier turns each
destination into a ``Settlement``, and :meth:`DeliverOnce.settle` writes them, deciding again on
a conflict (``IncidentGate.redecide``).

Every outcome lands in the alert's report and in the business metrics ``AlertsDelivered`` and
``AlertsFailed`` (one per alert and destination).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from sagewatch.core.alerting.delivery_record import Claim, Claimed, LeaseRelease, Settlement, Stored
from sagewatch.core.shared.errors import SageWatchError
from sagewatch.observability import ALERTS_DELIVERED, ALERTS_FAILED, ALERTS_SUPPRESSED, count
from sagewatch.usecases.notify.incidents import IncidentConflictError, IncidentGate
from sagewatch.usecases.notify.intake import Pending
from sagewatch.usecases.notify.ports import RecordsPort

log = logging.getLogger(__name__)

# What a destination may fail with (reported, retried from the queue); anything else is a bug:
# it fails the whole batch, which is retried.
DELIVERY_FAILURES = (SageWatchError, OSError, ValueError)
WRITE_ATTEMPTS = 5  # settlements retried after a conflict on an incident record


class DeliverOnce:
    """Claims and settlements for one batch (``remaining_ms``: its invocation's time left)."""

    def __init__(self, records: RecordsPort | None, gate: IncidentGate, remaining_ms: Callable[[], int]) -> None:
        self._records = records
        self._gate = gate
        self._remaining_ms = remaining_ms

    def guards(self, entry: Pending) -> bool:
        """Whether ``entry`` is claimed and settled (no table or no MessageId: sent unguarded)."""
        return self._records is not None and bool(entry.item.message_id)

    def claim(self, entry: Pending, labels: dict[str, str]) -> Claimed:
        """Claim ``entry`` for every destination key of ``labels`` (key → label) in one write;
        the destinations already delivered or held elsewhere are reported skipped or busy."""
        keys = list(labels)
        if not self.guards(entry) or not keys:
            return Claimed(claims=dict.fromkeys(keys, Claim.NEW))
        assert self._records is not None
        claimed = self._records.claim(
            self._gate.scope(entry), entry.item.message_id, keys, remaining_ms=self._remaining_ms()
        )
        for key, claim in claimed.claims.items():
            if claim is Claim.DONE:
                entry.report.skipped.append(labels[key])
            elif claim is Claim.BUSY:
                entry.report.failed.append(f"{labels[key]}: another attempt is in progress")
                count(ALERTS_FAILED)
        return claimed

    def delivered(self, entries: Sequence[Pending], label: str) -> None:
        for entry in entries:
            entry.report.delivered.append(label)
        count(ALERTS_DELIVERED, len(entries))

    def failed(self, entries: Sequence[Pending], label: str, exc: Exception, *, digest: bool = False) -> None:
        if digest:
            log.error("digest to %s failed: %s", label, exc)
        else:
            log.error("delivery to %s failed: %s", label, exc, extra={"alarm": entries[0].view.alarm_name})
        for entry in entries:
            entry.report.failed.append(f"{label}: {exc}")
        count(ALERTS_FAILED, len(entries))

    def acknowledged(self, entry: Pending, label: str, why: str) -> None:
        """Not told, on purpose (core.alerting.incident): settled as done, so no retry tells it."""
        entry.report.suppressed.append(f"{label}: {why}")
        count(ALERTS_SUPPRESSED)
        log.info(
            "%s %s not told to %s: %s",
            entry.view.state,
            entry.view.alarm_name,
            label,
            why,
            extra={"message_id": entry.item.message_id},
        )

    def settle(self, entry: Pending, settlements: Sequence[Settlement], *, lease: LeaseRelease | None) -> None:
        """Write ``settlements`` with ``lease``'s release (the caller checked :meth:`guards`)."""
        assert self._records is not None
        scope, message_id = self._gate.scope(entry), entry.item.message_id
        wanted = list(settlements)
        for _ in range(WRITE_ATTEMPTS):
            conflicts: dict[str, Stored] = self._records.settle(scope, message_id, wanted, lease=lease)
            if not conflicts:
                return
            wanted = [
                self._gate.redecide(entry, s, conflicts[s.destination])
                if s.destination in conflicts and s.record is not None
                else s
                for s in wanted
            ]
        # Sent, but the record kept changing: the claims stay in progress until they expire, and
        # the retry from the queue decides (and tells) again — as after a crash at this point.
        raise IncidentConflictError(f"incident record of {scope} kept changing")
