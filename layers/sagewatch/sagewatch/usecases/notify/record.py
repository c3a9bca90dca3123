"""Record, the last stage: one write settles every claimed destination of an alert.

Each claimed destination ends in a ``Settlement`` (:func:`settlement`, from its verdict and what
its send became): completed (sent, or not told on purpose) with the incident record its decision
wrote, or given back (failed, held for the settle window, or never reached because the batch
broke: the retry from the queue takes it again). :meth:`Recorder.settle` writes them in one call
(``RecordsPort.settle``) with the Slack channel lease still held, on condition that each
incident's token is still the one it was decided from; on a conflict the refusal carries the
fresh record, the same rule is applied to it (``IncidentRules.redecide``, pure) and the write is
retried. An OK held for the settle window is then put back in AlertQueue (:meth:`Recorder.hold`).
A digest covers many alerts: each is settled under its own key.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence

from sagewatch.core.alerting.delivery_record import LeaseRelease, Settlement, Stored
from sagewatch.core.alerting.incident import Action
from sagewatch.observability import ALERTS_FAILED, ALERTS_HELD, count
from sagewatch.usecases.notify.gate import Verdict
from sagewatch.usecases.notify.incidents import IncidentConflictError, IncidentRules
from sagewatch.usecases.notify.intake import Alert
from sagewatch.usecases.notify.outcome import DELIVERY_FAILURES
from sagewatch.usecases.notify.ports import HoldPort, RecordsPort
from sagewatch.usecases.notify.send import Sent

log = logging.getLogger(__name__)

WRITE_ATTEMPTS = 5  # settlements retried after a conflict on an incident record


def settlement(verdict: Verdict, sent: Sent | None) -> Settlement:
    """How a claimed destination ends: done with the record its decision wrote (and the thread a
    new bot-mode message started), or given back."""
    record = verdict.decision.record if verdict.decision is not None else None
    token = verdict.stored.token
    if sent is not None and not sent.ok:  # a PagerDuty update of a folded ALARM that failed, too
        return Settlement(verdict.key, False)
    if verdict.suppressed:
        return Settlement(verdict.key, True, record, token)
    if verdict.held or sent is None or not sent.ok:
        return Settlement(verdict.key, False)
    posted = verdict.decision is not None and verdict.decision.action is Action.POST
    if record is not None and posted and sent.ts and not record.thread_ts:
        record = dataclasses.replace(record, thread_ts=sent.ts)
    return Settlement(verdict.key, True, record, token)


class Recorder:
    def __init__(
        self, records: RecordsPort | None, rules: IncidentRules, *, queue: HoldPort | None, settle_seconds: int
    ) -> None:
        self._records = records
        self._rules = rules
        self._queue = queue
        self._settle_seconds = settle_seconds

    def settle(self, alert: Alert, settlements: Sequence[Settlement], *, lease: LeaseRelease | None) -> None:
        """Write ``settlements`` (with ``lease``'s release); a failed write is reported, and the
        alert returns to the queue (its claims expire first)."""
        try:
            self.write(alert, settlements, lease=lease)
        except DELIVERY_FAILURES as exc:
            alert.report.failed.append(f"recording the delivery: {exc}")
            count(ALERTS_FAILED)
            log.error("recording the delivery of %s failed: %s", alert.kind.headline.alarm, exc)

    def write(self, alert: Alert, settlements: Sequence[Settlement], *, lease: LeaseRelease | None) -> None:
        """One write of ``settlements``, deciding again on a conflict (``alert`` must be guarded)."""
        assert self._records is not None
        scope, message_id = self._rules.scope(alert), alert.item.message_id
        wanted = list(settlements)
        for _ in range(WRITE_ATTEMPTS):
            conflicts: dict[str, Stored] = self._records.settle(scope, message_id, wanted, lease=lease)
            if not conflicts:
                return
            wanted = [
                self._rules.redecide(alert, s, conflicts[s.destination])
                if s.destination in conflicts and s.record is not None
                else s
                for s in wanted
            ]
        # Sent, but the record kept changing: the claims stay in progress until they expire, and
        # the retry from the queue decides (and tells) again — as after a crash at this point.
        raise IncidentConflictError(f"incident record of {scope} kept changing")

    def hold(self, alert: Alert) -> None:
        """Put the OK back in AlertQueue for the settle window (after a HOLD verdict)."""
        assert self._queue is not None and alert.item.envelope is not None
        try:
            self._queue.hold(alert.item.envelope, self._settle_seconds)
        except DELIVERY_FAILURES as exc:  # not held, not told: back to the queue as a whole
            alert.report.failed.append(f"held for the settle window: {exc}")
            count(ALERTS_FAILED)
            return
        alert.report.held = True
        count(ALERTS_HELD)
        log.info("OK %s waits %s s for a re-ALARM before it is told", alert.kind.headline.alarm, self._settle_seconds)
