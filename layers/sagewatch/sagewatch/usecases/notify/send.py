"""Send, the fifth stage: each payload goes out, and what became of it is a value (``Sent``).

Slack through ``slack_post.SlackPoster`` (Slack's pace per channel across environments, Retry-After,
bot threads and the chart upload), e-mail through SES, PagerDuty events and Teams
messages through their ports (``adapters.pagerduty``, ``adapters.teams``: 429 and 5xx retried
within the time left, the routing key and the webhook URL read from Secrets Manager at the
moment of sending). A send that fails with what a destination may fail with
(``DELIVERY_FAILURES``) is reported and given back by the record stage (the alert returns to the
queue); anything else is a bug and fails the batch. Every outcome lands in the alert's report
and in ``AlertsDelivered`` / ``AlertsFailed`` (one per alert and destination; ``AlertsDigested``
for the alerts a digest message carried). The channel lease still held after the last accepted
request is handed to the record stage (:meth:`Sender.take_release`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sagewatch.core.alerting.delivery_record import LeaseRelease
from sagewatch.observability import ALERTS_DELIVERED, ALERTS_DIGESTED, ALERTS_FAILED, count
from sagewatch.usecases.notify.intake import Alert
from sagewatch.usecases.notify.outcome import DELIVERY_FAILURES, DeliveryError
from sagewatch.usecases.notify.ports import EmailPort, PagerDutyPort, TeamsPort
from sagewatch.usecases.notify.render import Outgoing
from sagewatch.usecases.notify.slack_post import SlackPoster

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sent:
    """What became of one destination's send: ``ok`` (and Slack's ``ts`` in bot mode) or not."""

    key: str
    ok: bool
    ts: str | None = None


RESERVE_SECONDS = 1.0  # of the invocation, left for recording what was sent


@dataclass(frozen=True)
class Paging:
    """PagerDuty and Teams: the senders, and how a secret id becomes a routing key or a URL."""

    pagerduty: PagerDutyPort
    routing_key: Callable[[str], str]
    teams: TeamsPort
    teams_url: Callable[[str], str]


class Sender:
    """``paging``: builds the PagerDuty and Teams senders, called with the first such destination
    (a stack without one never loads their modules)."""

    def __init__(
        self,
        *,
        slack: SlackPoster,
        email: EmailPort | None,
        sender: str | None,
        paging: Callable[[], Paging] | None = None,
    ) -> None:
        self._slack = slack
        self._email = email
        self._sender = sender
        self._paging_factory = paging
        self._paging: Paging | None = None

    def send(self, alert: Alert, out: Outgoing, remaining_ms: Callable[[], int]) -> Sent:
        label = out.verdict.target.label
        if out.nothing:  # e.g. not-enough-data, or one alarm OK while others fire: nothing pages
            log.info("nothing to send to %s for %s %s", label, alert.kind.headline.state, alert.kind.headline.alarm)
            return Sent(out.key, True)
        try:
            result = self._post(out, remaining_ms)
        except DELIVERY_FAILURES as exc:
            log.error("delivery to %s failed: %s", label, exc, extra={"alarm": alert.kind.headline.alarm})
            alert.report.failed.append(f"{label}: {exc}")
            count(ALERTS_FAILED)
            return Sent(out.key, False)
        alert.report.delivered.append(label)
        count(ALERTS_DELIVERED)
        ts = (result or {}).get("ts")
        return Sent(out.key, True, str(ts) if ts else None)

    def _post(self, out: Outgoing, remaining_ms: Callable[[], int]) -> dict[str, Any] | None:
        destination = out.verdict.target.slack
        if destination is not None and out.slack is not None:
            return self._slack.post(
                destination, out.slack, remaining_ms, view=out.view, thread_ts=out.verdict.thread_ts
            )
        if out.pagerduty is not None or out.teams is not None:
            return self._page(out, remaining_ms)
        assert self._email is not None and self._sender and out.mime is not None  # routed only when configured
        return {"ses_message_id": self._email.send(self._sender, out.recipients, out.mime)}

    def _page(self, out: Outgoing, remaining_ms: Callable[[], int]) -> dict[str, Any]:
        if self._paging is None:
            if self._paging_factory is None:
                raise DeliveryError("no PagerDuty or Teams sender is wired")
            self._paging = self._paging_factory()

        def time_left() -> float:
            return remaining_ms() / 1000 - RESERVE_SECONDS

        target = out.verdict.target
        if out.pagerduty is not None and target.pagerduty is not None:
            key = self._paging.routing_key(target.pagerduty)
            dedup = self._paging.pagerduty.enqueue(key, dict(out.pagerduty.body), time_left=time_left)
            return {"pagerduty": f"{out.pagerduty.action} {dedup}"}
        assert out.teams is not None and target.teams is not None
        self._paging.teams.post(self._paging.teams_url(target.teams), out.teams, time_left=time_left)
        return {}

    def digest(
        self,
        destination: str,
        chunk: Sequence[Alert],
        messages: Sequence[dict[str, Any]],
        remaining_ms: Callable[[], int],
    ) -> bool:
        """Post one chunk's messages; whether they all went out (a failure fails the whole chunk)."""
        key = f"slack:{destination}"
        try:
            for message in messages:
                self._slack.post(destination, message, remaining_ms)
        except DELIVERY_FAILURES as exc:
            log.error("digest to %s failed: %s", f"{key} (digest)", exc)
            for alert in chunk:
                alert.report.failed.append(f"{key} (digest): {exc}")
            count(ALERTS_FAILED, len(chunk))
            self._slack.flush()
            return False
        for alert in chunk:
            alert.report.delivered.append(f"{key} (digest of {len(chunk)})")
        count(ALERTS_DELIVERED, len(chunk))
        if len(chunk) > 1:
            count(ALERTS_DIGESTED, len(chunk))
        return True

    def take_release(self) -> LeaseRelease | None:
        """The channel lease still held after the last accepted request, for the alert's settlement."""
        return self._slack.take_release()

    def flush(self) -> None:
        """Release a kept channel lease now (nothing settles it)."""
        self._slack.flush()
