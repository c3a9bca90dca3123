"""The alert pipeline for one batch: intake → digest decision → enrich → render → deliver once.

- every destination is attempted; a notification with any failed destination is failed as a
  whole (what did go out is in the delivery records and is skipped on the retry);
- storms for one Slack destination become digests (``AlertsDigested``), everything else is
  enriched and sent one alert at a time.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from typing import Any

from sagewatch.config import NotifyConfig
from sagewatch.core.alerting.alert import AlertView
from sagewatch.core.alerting.delivery_record import Claim, Settlement, Stored
from sagewatch.core.alerting.incident import Action, Incident
from sagewatch.core.alerting.routing import Destinations
from sagewatch.observability import ALERTS_DIGESTED, ALERTS_FAILED, ALERTS_HELD, count
from sagewatch.usecases.notify import render
from sagewatch.usecases.notify.channel_pacing import ChannelPacer
from sagewatch.usecases.notify.deliver import DELIVERY_FAILURES, DeliverOnce
from sagewatch.usecases.notify.enrich import Enricher, SeriesToMinutes
from sagewatch.usecases.notify.incidents import HoldPort, IncidentGate, told_view
from sagewatch.usecases.notify.intake import BatchItem, Pending, prepare
from sagewatch.usecases.notify.monitoring_reports import MonitoringReports
from sagewatch.usecases.notify.outcome import BatchOutcome
from sagewatch.usecases.notify.ports import (
    ComponentsPort,
    EmailPort,
    HistoryPort,
    LogsPort,
    MetricsPort,
    RecordsPort,
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
        pacer: ChannelPacer,
        series_to_minutes: SeriesToMinutes,
        records: RecordsPort | None = None,
        bot: SlackBotPort | None = None,
        bot_token: Callable[[str], str] | None = None,
        alert_queue: HoldPort | None = None,
        reports: ReportsPort | None = None,
        components: ComponentsPort | None = None,
    ) -> None:
        self._settings = settings
        self._email = email
        self._records = records
        self._bot = bot
        self._gate = IncidentGate(
            remembers=records is not None, settle_seconds=settings.ok_settle_seconds, queue=alert_queue
        )
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
            pacer=pacer,
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
        once = DeliverOnce(self._records, self._gate, remaining_ms)
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
        labels = {f"slack:{d}": f"slack:{d}" for d in slack}
        if emailing:
            labels["email"] = f"email:{len(entry.destinations.email_recipients)} recipient(s)"
        claimed = once.claim(entry, labels)  # every destination in one write, with its incident
        settlements: list[Settlement] = []
        held = False
        try:
            for key, label in labels.items():
                if claimed.claims.get(key) is not Claim.NEW:
                    continue
                destination = key.removeprefix("slack:") if key.startswith("slack:") else None
                settled, waits = self._tell(
                    entry, view, key, label, claimed.incident(key), once, destination=destination,
                    remaining_ms=remaining_ms,
                )  # fmt: skip
                held |= waits
                settlements.append(settled)
        except BaseException:  # a bug or a crash: the batch fails; the retry must not find its claims held
            ended = {s.destination for s in settlements}
            settlements += [
                Settlement(k, False) for k, c in claimed.claims.items() if c is Claim.NEW and k not in ended
            ]
            raise
        finally:  # what was sent is recorded even if a later destination broke unexpectedly
            self._settle(entry, settlements, once)
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

    def _settle(self, entry: Pending, settlements: Sequence[Settlement], once: DeliverOnce) -> None:
        """One write for the alert's destinations, carrying the Slack lease still held; without
        records the lease is released on its own."""
        if not once.guards(entry) or not settlements:
            self._slack.flush()
            return
        try:
            once.settle(entry, settlements, lease=self._slack.take_release())
        except DELIVERY_FAILURES as exc:  # not recorded: back to the queue (its claims expire first)
            entry.report.failed.append(f"recording the delivery: {exc}")
            count(ALERTS_FAILED)
            log.error("recording the delivery of %s failed: %s", entry.view.alarm_name, exc)

    def _tell(
        self,
        entry: Pending,
        view: AlertView,
        key: str,
        label: str,
        stored: Stored,
        once: DeliverOnce,
        *,
        destination: str | None = None,
        remaining_ms: Callable[[], int] = _no_deadline,
    ) -> tuple[Settlement, bool]:
        """Tell one claimed destination what the incident rules allow: how its claim ends, and
        whether the OK must wait for the settle window."""
        threaded = destination is not None and destination.startswith(BOT_PREFIX)
        decision = self._gate.decide(entry, key, stored, threaded=threaded)
        if decision is not None and decision.action is Action.SUPPRESS:
            once.acknowledged(entry, label, decision.why)
            return Settlement(key, True, decision.record, stored.token), False
        if decision is not None and decision.action is Action.HOLD:
            return Settlement(key, False), True  # given back: the copy that comes back takes it
        told = told_view(view, decision)
        reply_to = decision.thread_ts if decision is not None else None
        try:
            if destination is not None:
                result = self._slack.post(
                    destination, render.slack_message(told), remaining_ms, view=told, thread_ts=reply_to
                )
            else:
                result = self._send_email(told, entry.destinations)
        except DELIVERY_FAILURES as exc:
            once.failed([entry], label, exc)
            return Settlement(key, False), False
        once.delivered([entry], label)
        record = decision.record if decision is not None else None
        ts = (result or {}).get("ts") if decision is not None and decision.action is Action.POST else None
        if record is not None and ts and not record.thread_ts:
            record = dataclasses.replace(record, thread_ts=str(ts))
        return Settlement(key, True, record, stored.token), False

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
        claimed = [(entry, once.claim(entry, {key: key})) for entry in firsts]
        for group in copies.values():
            for duplicate in group[1:]:  # shares the outcome of its first copy
                duplicate.report = group[0].report
        told, decided = self._digest_lines(
            [(entry, c.incident(key)) for entry, c in claimed if c.claims.get(key) is Claim.NEW], key, once
        )
        channel = destination.removeprefix(BOT_PREFIX) if destination.startswith(BOT_PREFIX) else ""
        unsettled = list(told)
        try:
            for chunk in render.digest_chunks(told):
                try:
                    for payload in render.digest_messages(chunk, channel=channel):
                        self._slack.post(destination, payload, remaining_ms)
                except DELIVERY_FAILURES as exc:
                    once.failed(chunk, f"{key} (digest)", exc, digest=True)
                    self._slack.flush()
                    outcome = dict.fromkeys(map(id, chunk), Settlement(key, False))
                else:
                    once.delivered(chunk, f"{key} (digest of {len(chunk)})")
                    if len(chunk) > 1:
                        count(ALERTS_DIGESTED, len(chunk))
                    outcome = {id(entry): decided[id(entry)] for entry in chunk}
                for entry in chunk:  # the first settlement carries the channel lease
                    unsettled.remove(entry)
                    self._settle(entry, [outcome[id(entry)]], once)
                self._slack.flush()
        except BaseException:  # a bug or a crash: the batch fails; the retry must not find its claims held
            for entry in unsettled:
                self._settle(entry, [Settlement(key, False)], once)
            raise

    def _digest_lines(
        self, claimed: Sequence[tuple[Pending, Stored]], key: str, once: DeliverOnce
    ) -> tuple[list[Pending], dict[int, Settlement]]:
        """The claimed alerts a digest tells (with how each will settle); the others are
        acknowledged. A digest is neither threaded nor held (a storm is told as it is), and an
        alarm's earlier transition in the same batch counts as told for its later ones."""
        told: list[Pending] = []
        decided: dict[int, Settlement] = {}
        known: dict[str, Incident | None] = {}
        for entry, stored in claimed:
            decision = self._gate.decide(entry, key, stored, threaded=False, can_hold=False, known=known)
            record = decision.record if decision is not None else None
            if decision is not None and decision.action is Action.SUPPRESS:
                once.acknowledged(entry, key, decision.why)
                self._settle(entry, [Settlement(key, True, record, stored.token)], once)
                continue
            decided[id(entry)] = Settlement(key, True, record, stored.token)
            told.append(entry)
        return told, decided
