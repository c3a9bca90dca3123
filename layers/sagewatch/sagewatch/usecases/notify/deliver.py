"""Delivering once: every send is claimed in the delivery ledger first and completed after.

The key is (SNS MessageId, destination), so a redelivered notification, a duplicate in the same
batch, or a batch retried after a partial failure never sends again what already went out
(see adapters.deliveries and docs/delivery.md). A failed send releases its claims, so the retry
from the queue sends it. One send may cover several alerts (a digest): each is claimed,
completed or released under its own key.

Every outcome lands in the alert's report and in the business metrics ``AlertsDelivered`` and
``AlertsFailed`` (one per alert and destination).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from sagewatch.adapters.deliveries import Claim
from sagewatch.core.shared.errors import SageWatchError
from sagewatch.observability import ALERTS_DELIVERED, ALERTS_FAILED, ALERTS_SUPPRESSED, count
from sagewatch.usecases.notify.intake import Pending
from sagewatch.usecases.notify.ports import LedgerPort

log = logging.getLogger(__name__)

# What a destination may fail with (reported, retried from the queue); anything else is a bug:
# it fails the whole batch, which is retried.
DELIVERY_FAILURES = (SageWatchError, OSError, ValueError)


class DeliverOnce:
    """The ledger's claim → send → complete/release for one batch (``remaining_ms``: its invocation)."""

    def __init__(self, ledger: LedgerPort | None, remaining_ms: Callable[[], int]) -> None:
        self._ledger = ledger
        self._remaining_ms = remaining_ms

    def claim(self, entries: Sequence[Pending], key: str, label: str) -> list[Pending]:
        """The entries this attempt may send to ``key``; the others are reported skipped or busy."""
        claimed: list[Pending] = []
        for entry in entries:
            claim = Claim.NEW
            message_id = entry.item.message_id
            if self._ledger is not None and message_id:  # no MessageId, no key: sent unguarded
                claim = self._ledger.claim(message_id, key, remaining_ms=self._remaining_ms())
            if claim is Claim.DONE:
                entry.report.skipped.append(label)
            elif claim is Claim.BUSY:
                entry.report.failed.append(f"{label}: another attempt is in progress")
                count(ALERTS_FAILED)
            else:
                claimed.append(entry)
        return claimed

    def send(
        self,
        claimed: Sequence[Pending],
        key: str,
        send: Callable[[], dict[str, Any] | None],
        *,
        label: str,
        digest: bool = False,
    ) -> bool:
        """Send once for the claimed entries, then complete (or, on failure, release) every claim."""
        delivered_as = f"{label} (digest of {len(claimed)})" if digest else label
        failed_as = f"{label} (digest)" if digest else label
        try:
            result = send()
        except Exception as exc:
            for entry in claimed:
                if self._ledger is not None and entry.item.message_id:
                    self._ledger.release(entry.item.message_id, key, exc)
            if not isinstance(exc, DELIVERY_FAILURES):
                raise
            if digest:
                log.error("digest to %s failed: %s", label, exc)
            else:
                log.error("delivery to %s failed: %s", label, exc, extra={"alarm": claimed[0].view.alarm_name})
            for entry in claimed:
                entry.report.failed.append(f"{failed_as}: {exc}")
            count(ALERTS_FAILED, len(claimed))
            return False
        for entry in claimed:
            if self._ledger is not None and entry.item.message_id:
                self._ledger.complete(entry.item.message_id, key, result)
            entry.report.delivered.append(delivered_as)
        count(ALERTS_DELIVERED, len(claimed))
        return True

    def acknowledge(self, entry: Pending, key: str, label: str, why: str) -> None:
        """Not told, on purpose (core.alerting.incident): complete the claim so no retry tells it."""
        if self._ledger is not None and entry.item.message_id:
            self._ledger.complete(entry.item.message_id, key, {"suppressed": why})
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

    def give_back(self, entry: Pending, key: str, why: str) -> None:
        """Not now: forget the claim, so that the copy that comes back later can take it."""
        if self._ledger is not None and entry.item.message_id:
            self._ledger.release(entry.item.message_id, key, HeldBackError(why))


class HeldBackError(SageWatchError):
    """Why a claim was given back without a send (the release records an error)."""
