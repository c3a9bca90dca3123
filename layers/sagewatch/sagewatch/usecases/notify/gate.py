"""The gate, the second stage: claim an alert's destinations, then decide what each is told.

One conditional write claims every destination of the alert in the delivery records
(``RecordsPort.claim``: exactly once per SNS MessageId and destination, docs/delivery.md) and
answers with each destination's incident; the incident rules (``incidents.IncidentRules``) then
decide, once per claimed destination, whether it is told (a new message, or a reply in the
incident's thread), folded into its incident (suppressed) or held for the settle window. The
answer is a value, ``Admitted``: one ``Verdict`` per destination, which the later stages read and
never ask again. Destinations already delivered are reported skipped; those another attempt
holds are reported failed (the alert returns to the queue and is retried).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from sagewatch.core.alerting.delivery_record import Claim, Stored
from sagewatch.core.alerting.incident import Action, Decision, Incident
from sagewatch.observability import ALERTS_FAILED, ALERTS_SUPPRESSED, count
from sagewatch.usecases.notify.incidents import IncidentRules
from sagewatch.usecases.notify.intake import Alert, Target
from sagewatch.usecases.notify.paging import updates_open_alert
from sagewatch.usecases.notify.ports import RecordsPort

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    """One destination of an alert, claimed and decided: ``decision`` None when the claim was not
    won (``claim`` says why) or there is nothing to remember (told as it comes)."""

    target: Target
    claim: Claim
    stored: Stored = field(default_factory=Stored)  # the destination's incident as the claim found it
    decision: Decision | None = None

    @property
    def key(self) -> str:
        return self.target.key

    @property
    def claimed(self) -> bool:
        """This attempt holds the claim: the destination is settled by the record stage."""
        return self.claim is Claim.NEW

    @property
    def suppressed(self) -> bool:
        return self.claimed and self.decision is not None and self.decision.action is Action.SUPPRESS

    @property
    def held(self) -> bool:
        return self.claimed and self.decision is not None and self.decision.action is Action.HOLD

    @property
    def tells(self) -> bool:
        return self.claimed and not self.suppressed and not self.held

    @property
    def updates_pager(self) -> bool:
        """Folded in chat, but sent to PagerDuty: another alarm of the open incident, or a re-fire,
        updates its open alert (usecases.notify.paging)."""
        return self.claimed and self.target.pagerduty is not None and updates_open_alert(self.decision)

    @property
    def sends(self) -> bool:
        """Something goes out to this destination (told, or a PagerDuty update)."""
        return self.tells or self.updates_pager

    @property
    def thread_ts(self) -> str | None:
        """The incident's thread to reply in (bot mode), None for a top-level message."""
        return self.decision.thread_ts if self.decision is not None else None


@dataclass(frozen=True)
class Admitted:
    """The gate's answer for one alert: a verdict per destination, in the order of its targets."""

    alert: Alert
    verdicts: tuple[Verdict, ...]

    @property
    def claims(self) -> dict[str, Claim]:
        return {v.key: v.claim for v in self.verdicts}

    @property
    def told(self) -> list[Verdict]:
        """The destinations something is sent to (``Verdict.sends``)."""
        return [v for v in self.verdicts if v.sends]

    @property
    def held(self) -> bool:
        return any(v.held for v in self.verdicts)

    def verdict(self, key: str) -> Verdict:
        return next(v for v in self.verdicts if v.key == key)


class Gate:
    def __init__(self, records: RecordsPort | None, rules: IncidentRules) -> None:
        self._records = records
        self._rules = rules

    def guards(self, alert: Alert) -> bool:
        """Whether ``alert`` is claimed and settled (no table or no MessageId: sent unguarded)."""
        return self._records is not None and bool(alert.item.message_id)

    def admit(
        self,
        alert: Alert,
        targets: Sequence[Target],
        *,
        remaining_ms: int,
        known: dict[str, Incident | None] | None = None,
    ) -> Admitted:
        """Claim ``targets`` in one write (held until ``remaining_ms`` from now), then decide each
        one claimed. ``known``: records decided earlier in this batch but not yet written (a
        digest's), by incident key; updated with these decisions."""
        claims, incidents = self._claim(alert, targets, remaining_ms)
        verdicts: list[Verdict] = []
        for target in targets:
            claim = claims[target.key]
            if claim is Claim.DONE:
                alert.report.skipped.append(target.label)
                verdicts.append(Verdict(target, claim))
                continue
            if claim is Claim.BUSY:
                alert.report.failed.append(f"{target.label}: another attempt is in progress")
                count(ALERTS_FAILED)
                verdicts.append(Verdict(target, claim))
                continue
            stored = incidents.get(target.key, Stored())
            decision = self._rules.decide(
                alert, target.key, stored, threaded=target.threaded, can_hold=target.can_hold, known=known
            )
            verdict = Verdict(target, claim, stored, decision)
            if verdict.suppressed and decision is not None and not verdict.updates_pager:
                _acknowledged(alert, target.label, decision.why)
            verdicts.append(verdict)
        return Admitted(alert, tuple(verdicts))

    def _claim(
        self, alert: Alert, targets: Sequence[Target], remaining_ms: int
    ) -> tuple[dict[str, Claim], dict[str, Stored]]:
        keys = [t.key for t in targets]
        if self._records is None or not self.guards(alert) or not keys:
            return dict.fromkeys(keys, Claim.NEW), {}
        claimed = self._records.claim(self._rules.scope(alert), alert.item.message_id, keys, remaining_ms=remaining_ms)
        return claimed.claims, claimed.incidents


def _acknowledged(alert: Alert, label: str, why: str) -> None:
    """Not told, on purpose (core.alerting.incident): settled as done, so no retry tells it."""
    alert.report.suppressed.append(f"{label}: {why}")
    count(ALERTS_SUPPRESSED)
    headline = alert.kind.headline
    log.info(
        "%s %s not told to %s: %s",
        headline.state,
        headline.alarm,
        label,
        why,
        extra={"message_id": alert.item.message_id},
    )
