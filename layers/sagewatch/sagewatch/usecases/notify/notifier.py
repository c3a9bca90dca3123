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
from sagewatch.core.alerting.incident import Action, Decision, Incident
from sagewatch.core.alerting.routing import Destinations
from sagewatch.observability import ALERTS_DIGESTED, ALERTS_FAILED, ALERTS_HELD, count
from sagewatch.usecases.notify import render
from sagewatch.usecases.notify.channel_pacing import ChannelPacer
from sagewatch.usecases.notify.deliver import DELIVERY_FAILURES, DeliverOnce
from sagewatch.usecases.notify.enrich import Enricher, SeriesToMinutes
from sagewatch.usecases.notify.incidents import HoldPort, IncidentGate, IncidentPort, told_view
from sagewatch.usecases.notify.intake import BatchItem, Pending, prepare
from sagewatch.usecases.notify.monitoring_reports import MonitoringReports
from sagewatch.usecases.notify.outcome import BatchOutcome
from sagewatch.usecases.notify.ports import (
    ComponentsPort,
    EmailPort,
    HistoryPort,
    LedgerPort,
    LogsPort,
    MetricsPort,
    ReportsPort,
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
        incidents: IncidentPort | None = None,
        alert_queue: HoldPort | None = None,
        reports: ReportsPort | None = None,
        components: ComponentsPort | None = None,
    ) -> None:
        self._settings = settings
        self._email = email
        self._ledger = ledger
        self._bot = bot
        self._gate = IncidentGate(incidents, settle_seconds=settings.ok_settle_seconds, queue=alert_queue)
        self._enricher = Enricher(
            metrics=metrics,
            logs=logs,
            history=history,
            series_to_minutes=series_to_minutes,
            timeout=settings.enrichment_timeout,
            prefix=settings.name_prefix,
            dashboards=settings.dashboards,
            reports=MonitoringReports(reports, settings.may_read_report),
            components=components,
        )
        self._slack = SlackPoster(
            settings=settings,
            webhook=slack,
            webhook_url=webhook_url,
            bot=bot,
            bot_token=bot_token,
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
        held = False
        for destination in slack:
            key = f"slack:{destination}"
            if once.claim([entry], key, key):
                held |= self._tell(entry, view, key, once, destination=destination, remaining_ms=remaining_ms)
        if emailing:
            label = f"email:{len(entry.destinations.email_recipients)} recipient(s)"
            if once.claim([entry], "email", label):
                held |= self._tell(entry, view, "email", once, label=label)
        if held:
            self._hold(entry)
        log.info(
            "alert %s %s for %s: delivered to %s",
            view.state,
            view.alarm_name,
            view.endpoint or "-",
            ", ".join(entry.report.delivered) or "nobody",
            extra={"message_id": entry.item.message_id, "missing_context": entry.report.missing_context},
        )

    def _tell(
        self,
        entry: Pending,
        view: AlertView,
        key: str,
        once: DeliverOnce,
        *,
        destination: str | None = None,
        label: str | None = None,
        remaining_ms: Callable[[], int] = _no_deadline,
    ) -> bool:
        """Tell one claimed destination what the incident rules allow; True if the OK must wait."""
        label = label or key
        threaded = destination is not None and destination.startswith(BOT_PREFIX)
        decision = self._gate.decide(entry, key, threaded=threaded)
        if decision is not None and decision.action is Action.SUPPRESS:
            once.acknowledge(entry, key, label, decision.why)
            self._gate.record(decision, entry, key, threaded=threaded)
            return False
        if decision is not None and decision.action is Action.HOLD:
            once.give_back(entry, key, decision.why)
            return True
        told = told_view(view, decision)
        reply_to = decision.thread_ts if decision is not None else None

        def send() -> dict[str, Any] | None:
            if destination is not None:
                result = self._slack.post(
                    destination, render.slack_message(told), remaining_ms, view=told, thread_ts=reply_to
                )
            else:
                result = self._send_email(told, entry.destinations)
            if decision is not None:  # part of the send: a crash before it retries the send, never loses the record
                ts = (result or {}).get("ts") if decision.action is Action.POST else None
                self._gate.record(decision, entry, key, threaded=threaded, thread_ts=ts)
            return result

        once.send([entry], key, send, label=label)
        return False

    def _hold(self, entry: Pending) -> None:
        try:
            self._gate.hold(entry.item)
        except DELIVERY_FAILURES as exc:  # not held, not told: back to the queue as a whole
            entry.report.failed.append(f"held for the settle window: {exc}")
            count(ALERTS_FAILED)
            return
        entry.report.held = True
        count(ALERTS_HELD)
        log.info(
            "OK %s waits %s s for a re-ALARM before it is told", entry.view.alarm_name, self._settings.ok_settle_seconds
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
        told, decisions = self._digest_lines(claimed, key, once)
        channel = destination.removeprefix(BOT_PREFIX) if destination.startswith(BOT_PREFIX) else ""
        for chunk in render.digest_chunks(told):

            def send(chunk: Sequence[Pending] = chunk) -> dict[str, Any]:
                for payload in render.digest_messages(chunk, channel=channel):
                    self._slack.post(destination, payload, remaining_ms)
                for entry in chunk:  # part of the send, as for a single alert
                    decision = decisions.get(id(entry))
                    if decision is not None:
                        self._gate.record(decision, entry, key, threaded=False)
                return {"digest": len(chunk)}

            if once.send(chunk, key, send, label=key, digest=True) and len(chunk) > 1:
                count(ALERTS_DIGESTED, len(chunk))

    def _digest_lines(
        self, claimed: Sequence[Pending], key: str, once: DeliverOnce
    ) -> tuple[list[Pending], dict[int, Decision]]:
        """The claimed alerts a digest tells; the others are acknowledged. A digest is neither
        threaded nor held (a storm is told as it is), and an alarm's earlier transition in the same
        batch counts as told for its later ones."""
        told: list[Pending] = []
        decisions: dict[int, Decision] = {}
        known: dict[str, Incident | None] = {}
        for entry in claimed:
            decision = self._gate.decide(entry, key, threaded=False, can_hold=False, known=known)
            if decision is not None and decision.action is Action.SUPPRESS:
                once.acknowledge(entry, key, key, decision.why)
                self._gate.record(decision, entry, key, threaded=False)
                continue
            if decision is not None:
                decisions[id(entry)] = decision
            told.append(entry)
        return told, decisions
