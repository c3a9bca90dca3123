"""The alert pipeline for one batch: intake → digest decision → enrich → render → deliver once.

- every destination is attempted; a notification with any failed destination is failed as a
  whole (what did go out is in the ledger and is skipped on the retry);
- storms for one Slack destination become digests (``AlertsDigested``), everything else is
  enriched and sent one alert at a time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from sagewatch.adapters.rate_limit import RateLimiter
from sagewatch.config import NotifyConfig
from sagewatch.core.alerting.alert import AlertView
from sagewatch.core.alerting.notification import AlarmNotification
from sagewatch.core.alerting.routing import Destinations
from sagewatch.observability import ALERTS_DIGESTED, count
from sagewatch.usecases.notify import render
from sagewatch.usecases.notify.channel_pacing import ChannelPacer
from sagewatch.usecases.notify.deliver import DeliverOnce
from sagewatch.usecases.notify.enrich import Enricher, SeriesToMinutes
from sagewatch.usecases.notify.intake import BatchItem, Pending, prepare
from sagewatch.usecases.notify.outcome import BatchOutcome
from sagewatch.usecases.notify.ports import (
    EmailPort,
    HistoryPort,
    LedgerPort,
    LogsPort,
    MetricsPort,
    SlackBotPort,
    SlackPort,
)
from sagewatch.usecases.notify.slack_post import BOT_PREFIX, SlackPoster

log = logging.getLogger(__name__)


def _no_deadline() -> int:
    return 15 * 60 * 1000


class Notifier:
    """Built once per process (its channel pacing and enrichment pool outlive an invocation)."""

    def __init__(
        self,
        *,
        metrics: MetricsPort,
        logs: LogsPort,
        history: HistoryPort,
        slack: SlackPort,
        email: EmailPort | None,
        webhook_url: Callable[[str], str],
        settings: NotifyConfig,
        series_to_minutes: SeriesToMinutes,
        ledger: LedgerPort | None = None,
        bot: SlackBotPort | None = None,
        bot_token: Callable[[str], str] | None = None,
        pacer: RateLimiter | ChannelPacer | None = None,
    ) -> None:
        self._settings = settings
        self._email = email
        self._ledger = ledger
        self._bot = bot
        self._enricher = Enricher(
            metrics=metrics,
            logs=logs,
            history=history,
            series_to_minutes=series_to_minutes,
            timeout=settings.enrichment_timeout,
            prefix=settings.name_prefix,
            dashboards=settings.dashboards,
        )
        self._slack = SlackPoster(
            settings=settings,
            webhook=slack,
            webhook_url=webhook_url,
            bot=bot,
            bot_token=bot_token,
            ledger=ledger,
            pacer=pacer or RateLimiter(settings.slack_min_interval),
        )

    @property
    def defaults(self) -> Destinations:
        if self._settings.bot_mode and self._bot is not None:
            slack: tuple[str, ...] = (f"{BOT_PREFIX}{self._settings.slack_channel}",)
        else:
            slack = (self._settings.default_slack_secret,) if self._settings.default_slack_secret else ()
        return Destinations(
            slack_secrets=slack,
            email_recipients=self._settings.email_recipients if self._settings.email_sender else (),
        )

    def deliver_batch(
        self, items: Sequence[BatchItem], *, remaining_ms: Callable[[], int] = _no_deadline
    ) -> BatchOutcome:
        """Deliver every item; the returned ``failed`` items must be retried (they go back to the queue)."""
        once = DeliverOnce(self._ledger, remaining_ms)
        defaults = self.defaults
        pending = [
            prepare(item, prefix=self._settings.name_prefix, dashboards=self._settings.dashboards, defaults=defaults)
            for item in items
        ]
        digested: set[tuple[int, str]] = set()  # (index in pending, slack destination)
        for destination, members in render.digest_groups(pending, self._settings.digest_threshold).items():
            self._send_digests(destination, [pending[i] for i in members], once, remaining_ms)
            digested.update((i, destination) for i in members)
        for index, entry in enumerate(pending):
            slack = [d for d in entry.destinations.slack_secrets if (index, d) not in digested]
            self._send_individually(entry, slack, once, remaining_ms)
        failed = {e.item.item_id: "; ".join(e.report.failed) for e in pending if e.report.failed}
        return BatchOutcome(reports={e.item.item_id: e.report for e in pending}, failed=failed)

    # -- one alert at a time ---------------------------------------------------------------

    def _send_individually(
        self, entry: Pending, slack: Sequence[str], once: DeliverOnce, remaining_ms: Callable[[], int]
    ) -> None:
        emailing = bool(entry.destinations.email_recipients and self._email is not None and self._settings.email_sender)
        if not slack and not emailing:
            if entry.destinations.empty:
                log.warning("no destination configured; alert for %s only logged", entry.view.alarm_name)
            return
        bot = any(d.startswith(BOT_PREFIX) for d in slack)
        view = self._enricher.full_view(entry, want_chart=emailing or bot)
        entry.report.missing_context = list(view.missing_context)
        arn = entry.notification.alarm_arn if isinstance(entry.notification, AlarmNotification) else None
        for destination in slack:
            key = f"slack:{destination}"

            def send(destination: str = destination) -> dict[str, Any] | None:
                return self._slack.post(destination, render.slack_message(view), remaining_ms, view=view, alarm_arn=arn)

            if once.claim([entry], key, key):
                once.send([entry], key, send, label=key)
        if emailing:
            label = f"email:{len(entry.destinations.email_recipients)} recipient(s)"
            if once.claim([entry], "email", label):
                once.send([entry], "email", lambda: self._send_email(view, entry.destinations), label=label)
        log.info(
            "alert %s %s for %s: delivered to %s",
            view.state,
            view.alarm_name,
            view.endpoint or "-",
            ", ".join(entry.report.delivered) or "nobody",
            extra={"message_id": entry.item.message_id, "missing_context": entry.report.missing_context},
        )

    def _send_email(self, view: AlertView, destinations: Destinations) -> dict[str, Any]:
        sender = self._settings.email_sender
        assert self._email is not None and sender  # checked by the caller: emailing
        raw = render.email_mime(view, sender=sender, recipients=destinations.email_recipients)
        return {"ses_message_id": self._email.send(sender, destinations.email_recipients, raw)}

    # -- digests ---------------------------------------------------------------------------

    def _send_digests(
        self, destination: str, members: Sequence[Pending], once: DeliverOnce, remaining_ms: Callable[[], int]
    ) -> None:
        key = f"slack:{destination}"
        copies: dict[str, list[Pending]] = {}  # the same MessageId twice in one batch: one line
        firsts: list[Pending] = []
        for entry in members:
            message_id = entry.item.message_id
            if message_id and message_id in copies:
                copies[message_id].append(entry)
                continue
            copies[message_id] = [entry]
            firsts.append(entry)
        claimed = once.claim(firsts, key, key)
        for group in copies.values():
            for duplicate in group[1:]:  # shares the outcome of its first copy
                duplicate.report = group[0].report
        channel = destination.removeprefix(BOT_PREFIX) if destination.startswith(BOT_PREFIX) else ""
        for chunk in render.digest_chunks(claimed):

            def send(chunk: Sequence[Pending] = chunk) -> dict[str, Any]:
                for payload in render.digest_messages(chunk, channel=channel):
                    self._slack.post(destination, payload, remaining_ms)
                return {"digest": len(chunk)}

            if once.send(chunk, key, send, label=key, digest=True) and len(chunk) > 1:
                count(ALERTS_DIGESTED, len(chunk))
