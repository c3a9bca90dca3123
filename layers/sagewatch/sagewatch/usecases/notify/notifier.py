"""The alert path for one batch, one way: intake → gate → enrich → render → send → record.

Each stage hands the next a value and never calls back into one it left:

- ``intake``: records → ``Alert``s (kind, routes, report) and the batch's digests;
- ``gate``: one claim per alert for its destinations, and the incident rules once per claimed
  destination → ``Admitted`` (a ``Verdict`` per destination);
- ``enrich``: the reads, and the alert's one ``AlertView`` (reads only for an alert sent on its
  own somewhere; a digest line needs none);
- ``render``: view and verdicts → ``Outgoing`` payloads (Slack messages, e-mails, digests);
- ``send``: the payloads go out → ``Sent``;
- ``record``: verdicts and what was sent → ``Settlement``s, written in one call with the channel
  lease still held; an OK held for the settle window goes back to the queue.

Every destination is attempted; a notification with any failed destination is failed as a whole
(what did go out is in the delivery records and is skipped on the retry). Storms for one Slack
destination become digests (``AlertsDigested``), everything else goes one alert at a time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from sagewatch.config import NotifyConfig
from sagewatch.core.alerting.alert import AlertView
from sagewatch.core.alerting.delivery_record import Settlement
from sagewatch.core.alerting.digest import DigestEntry
from sagewatch.core.alerting.incident import Incident
from sagewatch.core.alerting.routing import BOT_PREFIX, Destinations
from sagewatch.usecases.model_monitor.reports import MonitoringReports
from sagewatch.usecases.notify import render
from sagewatch.usecases.notify.channel_pacing import ChannelPacer
from sagewatch.usecases.notify.enrich import Enricher, SeriesToMinutes, SpokeReadsPort
from sagewatch.usecases.notify.gate import Gate
from sagewatch.usecases.notify.incidents import IncidentRules
from sagewatch.usecases.notify.intake import Alert, BatchItem, RoutesSource, Target, route_batch
from sagewatch.usecases.notify.outcome import BatchOutcome
from sagewatch.usecases.notify.ports import (
    ComponentsPort,
    EmailPort,
    HistoryPort,
    HoldPort,
    LogsPort,
    MetricsPort,
    MuteRulesPort,
    RecordsPort,
    ReportsPort,
    SlackBotPort,
    SlackPort,
)
from sagewatch.usecases.notify.record import Recorder, settlement
from sagewatch.usecases.notify.send import Paging, Sender, Sent
from sagewatch.usecases.notify.slack_post import SlackPoster

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
        mute_rules: MuteRulesPort | None = None,
        paging: Callable[[], Paging] | None = None,
        routes: RoutesSource | None = None,
        spokes: SpokeReadsPort | None = None,
    ) -> None:
        self._settings = settings
        self._routes = routes
        self._emailing = email is not None and bool(settings.email_sender)
        self._bot = bot
        rules = IncidentRules(
            remembers=records is not None, settle_seconds=settings.ok_settle_seconds, holds=alert_queue is not None
        )
        self._gate = Gate(records, rules)
        self._enricher = Enricher(
            metrics=metrics,
            logs=logs,
            history=history,
            series_to_minutes=series_to_minutes,
            timeout=settings.enrichment_timeout,
            reports=MonitoringReports(reports, settings.may_read_report),
            components=components,
            spokes=spokes,
            mute_rules=mute_rules,
        )
        poster = SlackPoster(
            settings=settings, webhook=slack, webhook_url=webhook_url, bot=bot, bot_token=bot_token, pacer=pacer
        )
        self._sender = Sender(slack=poster, email=email, sender=settings.email_sender, paging=paging)
        self._recorder = Recorder(records, rules, queue=alert_queue, settle_seconds=settings.ok_settle_seconds)

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
        routed = route_batch(
            items,
            prefix=self._settings.name_prefix,
            dashboards=self._settings.dashboards,
            defaults=self.defaults,
            emailing=self._emailing,
            digest_threshold=self._settings.digest_threshold,
            routes=self._routes,
        )
        views = _Views(self._enricher)
        for destination, members in routed.digests.items():
            self._digest(destination, members, views, remaining_ms)
        for alert in routed.alerts:
            self._alone(alert, views, remaining_ms)
        failed = {a.item.item_id: "; ".join(a.report.failed) for a in routed.alerts if a.report.failed}
        return BatchOutcome(reports={a.item.item_id: a.report for a in routed.alerts}, failed=failed)

    # -- one alert at a time ---------------------------------------------------------------

    def _alone(self, alert: Alert, views: _Views, remaining_ms: Callable[[], int]) -> None:
        if not alert.targets:
            if alert.destinations.empty:
                log.warning("no destination configured; alert for %s only logged", alert.kind.headline.alarm)
            return
        admitted = self._gate.admit(alert, alert.targets, remaining_ms=remaining_ms())
        sent: dict[str, Sent] = {}
        try:
            if admitted.told:
                view = views.of(alert)
                payloads = render.outgoing(
                    view,
                    admitted.told,
                    sender=self._settings.email_sender,
                    recipients=alert.destinations.email_recipients,
                    stable_key=_stable_key(alert),
                )
                for out in payloads:
                    sent[out.key] = self._sender.send(alert, out, remaining_ms)
        finally:  # what was sent is recorded even if a later destination broke; the rest is given back
            self._record(alert, [settlement(v, sent.get(v.key)) for v in admitted.verdicts if v.claimed])
        if admitted.held:
            self._recorder.hold(alert)
        headline = alert.kind.headline
        log.info(
            "alert %s %s for %s: delivered to %s",
            headline.state,
            headline.alarm,
            headline.endpoint or "-",
            ", ".join(alert.report.delivered) or "nobody",
            extra={"message_id": alert.item.message_id, "missing_context": alert.report.missing_context},
        )

    def _record(self, alert: Alert, settlements: Sequence[Settlement]) -> None:
        """One write for the alert's destinations, carrying the Slack lease still held; without
        records the lease is released on its own."""
        if not self._gate.guards(alert) or not settlements:
            self._sender.flush()
            return
        self._recorder.settle(alert, settlements, lease=self._sender.take_release())

    # -- digests ---------------------------------------------------------------------------

    def _digest(
        self, destination: str, members: Sequence[Alert], views: _Views, remaining_ms: Callable[[], int]
    ) -> None:
        """A storm for one Slack destination: each alert claimed and decided under its own key
        (neither threaded nor held: a storm is told as it is; an alarm's earlier transition in the
        batch counts as told for its later ones), the told ones posted in chunks, each settled."""
        key = f"slack:{destination}"
        target = Target(key, key, threaded=False, can_hold=False)
        copies: dict[str, Alert] = {}  # the same MessageId twice in one batch: one line
        firsts: list[Alert] = []
        for alert in members:
            first = copies.get(alert.item.message_id) if alert.item.message_id else None
            if first is not None:
                alert.report = first.report  # shares the outcome of its first copy
                continue
            copies[alert.item.message_id] = alert
            firsts.append(alert)
        known: dict[str, Incident | None] = {}
        admitted = [self._gate.admit(alert, [target], remaining_ms=remaining_ms(), known=known) for alert in firsts]
        for suppressed in (a for a in admitted if a.verdicts[0].suppressed):
            self._record(suppressed.alert, [settlement(suppressed.verdicts[0], None)])
        told = [a for a in admitted if a.verdicts[0].tells]
        channel = destination.removeprefix(BOT_PREFIX) if destination.startswith(BOT_PREFIX) else ""
        unsettled = list(told)
        try:
            lines = [(a, DigestEntry(views.of(a.alert), a.alert.kind.severity)) for a in told]
            chunks = [
                (chunk, render.digest_messages([line for _, line in chunk], channel=channel))
                for chunk in render.digest_chunks(lines)
            ]
            for chunk, messages in chunks:
                ok = self._sender.digest(destination, [a.alert for a, _ in chunk], messages, remaining_ms)
                for entry, _ in chunk:  # the first settlement carries the channel lease
                    unsettled.remove(entry)
                    self._record(entry.alert, [settlement(entry.verdicts[0], Sent(key, ok))])
                self._sender.flush()
        except BaseException:  # a bug or a crash: the batch fails; the retry must not find its claims held
            for entry in unsettled:
                self._record(entry.alert, [Settlement(key, False)])
            raise


def _stable_key(alert: Alert) -> str:
    """What a PagerDuty event without an incident is keyed by: the alarm's incident, else the notice."""
    transition = alert.kind.transition
    return transition.key if transition is not None else alert.item.message_id


class _Views:
    """The one view of each alert in a batch, built by the enrich stage when first needed (a
    digest's alert that is also sent on its own is read once, for both)."""

    def __init__(self, enricher: Enricher) -> None:
        self._enricher = enricher
        self._built: dict[int, AlertView] = {}

    def of(self, alert: Alert) -> AlertView:
        view = self._built.get(id(alert))
        if view is None:
            view = self._built[id(alert)] = self._enricher.view(alert)
            alert.report.missing_context = list(view.missing_context)
        return view
