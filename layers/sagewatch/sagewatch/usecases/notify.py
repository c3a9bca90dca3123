"""Turn alarm notifications into Slack and email alerts people can act on — never lost,
never doubled, never a flood.

Reads run concurrently and are bounded in time: one GetMetricData for every series, at most
one log read, the chart only when an email or a bot-mode post goes out, the alarm's history
only for OK. A read that fails or is too slow becomes a "missing context" line — enrichment
never blocks delivery.

Delivery (see docs/delivery.md):
- every send is claimed in the delivery ledger under (SNS MessageId, destination) first and
  completed after, so a redelivered notification, or a batch retried after a partial failure,
  never sends again what already went out;
- Slack sends are paced per channel (about one per second) and retried on 429 (Retry-After),
  5xx and network errors while the invocation has time left; otherwise the notification is
  reported as failed and returns to the queue;
- when ``digest_threshold`` or more alerts for one Slack destination are pending in a batch,
  they go out as digests (see core.digest) instead of one message each;
- every destination is attempted; a notification with any failed destination is failed as a
  whole (what did go out is in the ledger and is skipped on the retry).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sagewatch.adapters.deliveries import Claim
from sagewatch.adapters.slack import ChannelPacer, OutOfTimeError, SlackDeliveryError
from sagewatch.config import NotifyConfig
from sagewatch.core.alerting.alert import AlertView
from sagewatch.core.alerting.alert_builder import Enrichment, build_alarm_view, build_failure_view
from sagewatch.core.alerting.alert_target import AlertTarget, resolve_target
from sagewatch.core.alerting.digest import DigestEntry, render_digest
from sagewatch.core.alerting.enrichment import MetricPlan, plan_metrics, widget_for
from sagewatch.core.alerting.notification import (
    AlarmNotification,
    EndpointFailureNotice,
    Notification,
    summarize_unreadable,
)
from sagewatch.core.alerting.render_email import build_mime, render_email
from sagewatch.core.alerting.render_slack import render_slack
from sagewatch.core.alerting.routing import Destinations, route
from sagewatch.core.shared.alarm_context import AlarmContext
from sagewatch.core.shared.errors import SageWatchError

log = logging.getLogger(__name__)

LOG_LINES = 10
SLACK_ATTEMPTS = 5  # per message and invocation; the queue retries beyond that
DIGEST_CHUNK = 40  # alerts per digest message: well within 50 blocks and 3000 characters a section
BOT_PREFIX = "bot:"  # a Slack destination "bot:<channel>" (secret names cannot contain ':')


class DeliveryError(SageWatchError):
    """At least one destination did not get the alert; the notification must be retried."""


class MetricsPort(Protocol):
    def get_metric_data(self, queries: Sequence[dict[str, Any]], start: Any, end: Any) -> dict[str, Any]: ...
    def get_widget_image(self, widget: dict[str, Any]) -> bytes: ...


class LogsPort(Protocol):
    def recent_errors(self, endpoint_name: str, since: Any, until: Any, *, limit: int = 20) -> list[str]: ...


class HistoryPort(Protocol):
    def alarm_started(self, alarm_name: str, before: Any) -> Any: ...


class SlackPort(Protocol):
    def send(self, webhook_url: str, payload: dict[str, Any]) -> None: ...


class SlackBotPort(Protocol):
    def post(self, token: str, channel: str, payload: dict[str, Any], thread_ts: str | None = None) -> str: ...
    def upload(
        self, token: str, channel: str, content: bytes, *, filename: str, title: str, thread_ts: str | None = None
    ) -> None: ...


class EmailPort(Protocol):
    def send(self, sender: str, recipients: Sequence[str], raw_mime: bytes) -> str: ...


class LedgerPort(Protocol):
    def claim(self, message_id: str, destination: str, *, remaining_ms: int) -> Claim: ...
    def complete(self, message_id: str, destination: str, result: dict[str, Any] | None = None) -> None: ...
    def release(self, message_id: str, destination: str, error: Exception) -> None: ...
    def thread_ts(self, alarm_arn: str) -> str | None: ...
    def remember_thread(self, alarm_arn: str, ts: str) -> None: ...


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
        }


@dataclass
class BatchItem:
    """One record of a batch: a parsed notification, or what could not be read."""

    item_id: str  # SQS messageId (what batchItemFailures names), or the SNS MessageId
    message_id: str  # SNS MessageId: the idempotency key
    notification: Notification | None = None
    unreadable: str | None = None  # why it could not be read
    raw: str = ""
    received: datetime | None = None


@dataclass
class _Pending:
    item: BatchItem
    view: AlertView  # without enrichment: enough for a digest line
    destinations: Destinations
    notification: Notification | None
    target: AlertTarget | None = None
    plan: MetricPlan | None = None
    report: DeliveryReport = field(init=False)

    def __post_init__(self) -> None:
        self.report = DeliveryReport(self.item.message_id, self.view.alarm_name, self.view.state, self.view.endpoint)


@dataclass
class BatchOutcome:
    reports: dict[str, DeliveryReport]  # by item id
    failed: dict[str, str]  # item id → why; these go back to the queue


def _no_deadline() -> int:
    return 15 * 60 * 1000


def _severity(notification: Notification | None) -> float | None:
    if not isinstance(notification, AlarmNotification):
        return None
    value, threshold = notification.breaching_value, notification.threshold
    if value is None or threshold is None or threshold == 0:
        return None
    ratio = value / threshold
    if notification.comparison and "Less" in notification.comparison:
        return threshold / value if value else None
    return ratio


class Notifier:
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
        series_to_minutes: Callable[[Any, Any, Any], tuple[float | None, ...]],
        ledger: LedgerPort | None = None,
        bot: SlackBotPort | None = None,
        bot_token: Callable[[str], str] | None = None,
        pacer: ChannelPacer | None = None,
    ) -> None:
        self._metrics = metrics
        self._logs = logs
        self._history = history
        self._slack = slack
        self._email = email
        self._webhook_url = webhook_url
        self._settings = settings
        self._series_to_minutes = series_to_minutes
        self._ledger = ledger
        self._bot = bot
        self._bot_token = bot_token
        self._pacer = pacer or ChannelPacer(settings.slack_min_interval)
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sagewatch-enrich")
        self._remaining: Callable[[], int] = _no_deadline  # of the invocation being served

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

    # -- one notification (direct SNS invocations, the CLI) ------------------------------

    def notify(self, notification: Notification, *, remaining_ms: Callable[[], int] = _no_deadline) -> DeliveryReport:
        item = BatchItem(notification.message_id, notification.message_id, notification=notification)
        return self._single(item, remaining_ms)

    def notify_unreadable(
        self,
        message_id: str,
        error: str,
        raw: str,
        received: datetime,
        *,
        remaining_ms: Callable[[], int] = _no_deadline,
    ) -> DeliveryReport:
        """A notification SageWatch cannot read still reaches people, with what was wrong."""
        item = BatchItem(message_id or "unknown", message_id, unreadable=error, raw=raw, received=received)
        return self._single(item, remaining_ms)

    def _single(self, item: BatchItem, remaining_ms: Callable[[], int]) -> DeliveryReport:
        outcome = self.deliver_batch([item], remaining_ms=remaining_ms)
        report = outcome.reports[item.item_id]
        if item.item_id in outcome.failed:
            raise DeliveryError(f"alert {item.message_id} not delivered to: {outcome.failed[item.item_id]}")
        return report

    # -- a batch -------------------------------------------------------------------------

    def deliver_batch(
        self, items: Sequence[BatchItem], *, remaining_ms: Callable[[], int] = _no_deadline
    ) -> BatchOutcome:
        """Deliver every item; the returned ``failed`` items must be retried (they go back to the queue)."""
        self._remaining = remaining_ms
        pending = [self._prepare(item) for item in items]
        digested: set[tuple[int, str]] = set()  # (index in pending, slack destination)
        groups: dict[str, list[int]] = {}
        for index, entry in enumerate(pending):
            for destination in entry.destinations.slack_secrets:
                groups.setdefault(destination, []).append(index)
        for destination, members in groups.items():
            if len(members) >= self._settings.digest_threshold:
                self._send_digests(destination, [pending[i] for i in members], remaining_ms)
                digested.update((i, destination) for i in members)
        for index, entry in enumerate(pending):
            slack = [d for d in entry.destinations.slack_secrets if (index, d) not in digested]
            self._send_individually(entry, slack, remaining_ms)
        failed = {e.item.item_id: "; ".join(e.report.failed) for e in pending if e.report.failed}
        return BatchOutcome(reports={e.item.item_id: e.report for e in pending}, failed=failed)

    def _prepare(self, item: BatchItem) -> _Pending:
        notification = item.notification
        if isinstance(notification, AlarmNotification):
            target = resolve_target(notification, self._settings.name_prefix)
            plan = plan_metrics(notification, target)
            view = build_alarm_view(
                notification,
                target,
                plan,
                Enrichment(),
                prefix=self._settings.name_prefix,
                dashboards=self._settings.dashboards,
            )
            return _Pending(item, view, route(target.context, self.defaults), notification, target, plan)
        if isinstance(notification, EndpointFailureNotice):
            context = AlarmContext(slack=notification.slack_secret, email=notification.email)
            view = build_failure_view(notification)
            return _Pending(item, view, route(context, self.defaults), notification)
        summary = summarize_unreadable(item.raw)  # what could be read, never the raw JSON
        view = AlertView(
            state=summary.state or "INSUFFICIENT_DATA",
            title="SageWatch received a notification it cannot read",
            alarm_name="unreadable notification",
            region="",
            account_id="",
            since=item.received or datetime.now(tz=UTC),
            signal="Notification",
            reason=item.unreadable or "unreadable",
            description=summary.text,
            generic=True,
            message_id=item.message_id,
        )
        return _Pending(item, view, self.defaults, None)

    # -- individual alerts ----------------------------------------------------------------

    def _full_view(self, entry: _Pending, *, want_chart: bool) -> AlertView:
        notification = entry.notification
        if isinstance(notification, AlarmNotification) and entry.target is not None and entry.plan is not None:
            enrichment = self._enrich(notification, entry.target, entry.plan, want_chart=want_chart)
            return build_alarm_view(
                notification,
                entry.target,
                entry.plan,
                enrichment,
                prefix=self._settings.name_prefix,
                dashboards=self._settings.dashboards,
            )
        if isinstance(notification, EndpointFailureNotice):
            lines: tuple[str, ...] = ()
            missing: tuple[str, ...] = ()
            try:
                lines = tuple(
                    self._logs.recent_errors(
                        notification.endpoint_name,
                        notification.time - timedelta(minutes=30),
                        notification.time + timedelta(minutes=1),
                    )
                )
            except Exception as exc:  # noqa: BLE001 - enrichment never blocks delivery
                missing = (f"recent log lines unavailable ({getattr(exc, 'code', type(exc).__name__)})",)
            return build_failure_view(notification, log_lines=lines[-LOG_LINES:], missing=missing)
        return entry.view

    def _send_individually(self, entry: _Pending, slack: Sequence[str], remaining_ms: Callable[[], int]) -> None:
        emailing = bool(entry.destinations.email_recipients and self._email is not None and self._settings.email_sender)
        if not slack and not emailing:
            if entry.destinations.empty:
                log.warning("no destination configured; alert for %s only logged", entry.view.alarm_name)
            return
        bot = any(d.startswith(BOT_PREFIX) for d in slack)
        view = self._full_view(entry, want_chart=emailing or bot)
        entry.report.missing_context = list(view.missing_context)
        message_id = entry.item.message_id
        for destination in slack:

            def send(destination: str = destination) -> dict[str, Any] | None:
                return self._slack_alert(destination, view, entry)

            self._once(entry, f"slack:{destination}", send, remaining_ms)
        if emailing:
            self._once(entry, "email", lambda: self._send_email(view, entry.destinations), remaining_ms)
        log.info(
            "alert %s %s for %s: delivered to %s",
            view.state,
            view.alarm_name,
            view.endpoint or "-",
            ", ".join(entry.report.delivered) or "nobody",
            extra={"message_id": message_id, "missing_context": entry.report.missing_context},
        )

    def _once(
        self, entry: _Pending, key: str, send: Callable[[], dict[str, Any] | None], remaining_ms: Callable[[], int]
    ) -> None:
        """Send unless the ledger says it went out; record the outcome in the entry's report."""
        message_id = entry.item.message_id
        shown = key.removeprefix("slack:") if key.startswith("slack:") else key
        label = (
            f"slack:{shown}"
            if key.startswith("slack:")
            else f"email:{len(entry.destinations.email_recipients)} recipient(s)"
        )
        claim = Claim.NEW
        if self._ledger is not None and message_id:
            claim = self._ledger.claim(message_id, key, remaining_ms=remaining_ms())
        if claim is Claim.DONE:
            entry.report.skipped.append(label)
            return
        if claim is Claim.BUSY:
            entry.report.failed.append(f"{label}: another attempt is in progress")
            return
        try:
            result = send()
        except Exception as exc:
            if self._ledger is not None and message_id:
                self._ledger.release(message_id, key, exc)
            if not isinstance(exc, SageWatchError | OSError | ValueError):
                raise  # a bug: the whole batch fails and is retried
            log.error("delivery to %s failed: %s", label, exc, extra={"alarm": entry.view.alarm_name})
            entry.report.failed.append(f"{label}: {exc}")
            return
        if self._ledger is not None and message_id:
            self._ledger.complete(message_id, key, result)
        entry.report.delivered.append(label)

    def _send_email(self, view: AlertView, destinations: Destinations) -> dict[str, Any]:
        assert self._email is not None and self._settings.email_sender
        raw = build_mime(
            render_email(view),
            sender=self._settings.email_sender,
            recipients=destinations.email_recipients,
            chart_png=view.chart_png,
        )
        return {"ses_message_id": self._email.send(self._settings.email_sender, destinations.email_recipients, raw)}

    # -- Slack -----------------------------------------------------------------------------

    def _paced(self, channel: str, send: Callable[[], Any]) -> Any:
        """Send at Slack's pace; retry 429 (after Retry-After), 5xx and network errors while time is left."""
        reserve = self._settings.slack_timeout + 1.0

        def remaining() -> float:
            return self._remaining() / 1000

        for attempt in range(SLACK_ATTEMPTS):
            self._pacer.wait(channel, remaining, reserve=reserve)
            if remaining() < reserve:
                raise OutOfTimeError(0.0)
            try:
                result = send()
            except OutOfTimeError:
                raise
            except SlackDeliveryError as exc:
                self._pacer.sent(channel)
                if not exc.retryable or attempt == SLACK_ATTEMPTS - 1:
                    raise
                if exc.status == 429:
                    self._pacer.back_off(channel, exc.retry_after if exc.retry_after is not None else 1.0)
                else:
                    self._pacer.back_off(channel, min(2.0, self._settings.slack_min_interval * 0.25 * 2**attempt))
                log.warning("Slack answered %s; retrying (attempt %d)", exc.status, attempt + 2)
                continue
            self._pacer.sent(channel)
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    def _slack_alert(self, destination: str, view: AlertView, entry: _Pending) -> dict[str, Any] | None:
        arn = entry.notification.alarm_arn if isinstance(entry.notification, AlarmNotification) else None
        return self._post(destination, render_slack(view), view=view, alarm_arn=arn)

    def _post(
        self, destination: str, payload: dict[str, Any], *, view: AlertView | None = None, alarm_arn: str | None = None
    ) -> dict[str, Any] | None:
        if destination.startswith(BOT_PREFIX):
            return self._post_bot(destination.removeprefix(BOT_PREFIX), payload, view, alarm_arn)
        url = self._webhook_url(destination)
        self._paced(f"webhook:{url}", lambda: self._slack.send(url, payload))
        return None

    def _post_bot(
        self, channel: str, payload: dict[str, Any], view: AlertView | None, alarm_arn: str | None
    ) -> dict[str, Any]:
        if self._bot is None or self._bot_token is None or not self._settings.bot_token_secret:
            raise DeliveryError("bot mode is not configured (bot token secret and channel)")
        bot = self._bot
        token = self._bot_token(self._settings.bot_token_secret)
        thread_ts: str | None = None
        if view is not None and view.state == "OK" and alarm_arn and self._ledger is not None:
            thread_ts = self._ledger.thread_ts(alarm_arn)
        key = f"bot:{channel}"
        ts = str(self._paced(key, lambda: bot.post(token, channel, payload, thread_ts)))
        if view is not None and view.state == "ALARM" and alarm_arn:
            if self._ledger is not None:
                self._ledger.remember_thread(alarm_arn, ts)
            if view.chart_png:
                png = view.chart_png
                try:
                    self._paced(
                        key,
                        lambda: bot.upload(
                            token, channel, png, filename="alarm-chart.png", title=view.title[:200], thread_ts=ts
                        ),
                    )
                except SlackDeliveryError as exc:  # the alert itself went out: do not send it again
                    log.warning("chart upload to the alert's thread failed: %s", exc)
        return {"ts": ts, "thread_ts": thread_ts}

    # -- digests ---------------------------------------------------------------------------

    def _send_digests(self, destination: str, members: Sequence[_Pending], remaining_ms: Callable[[], int]) -> None:
        key = f"slack:{destination}"
        label = key
        claimed: list[_Pending] = []
        copies: dict[str, list[_Pending]] = {}  # the same MessageId twice in one batch: one line
        for entry in members:
            message_id = entry.item.message_id
            if message_id and message_id in copies:
                copies[message_id].append(entry)
                continue
            copies[message_id] = [entry]
            claim = self._ledger.claim(message_id, key, remaining_ms=remaining_ms()) if self._ledger else Claim.NEW
            if claim is Claim.DONE:
                entry.report.skipped.append(label)
            elif claim is Claim.BUSY:
                entry.report.failed.append(f"{label}: another attempt is in progress")
            else:
                claimed.append(entry)
        for group in copies.values():
            for duplicate in group[1:]:  # shares the outcome of its first copy
                duplicate.report = group[0].report
        channel = destination.removeprefix(BOT_PREFIX) if destination.startswith(BOT_PREFIX) else ""
        for start in range(0, len(claimed), DIGEST_CHUNK):
            chunk = claimed[start : start + DIGEST_CHUNK]
            if len(chunk) == 1:
                payloads = [render_slack(chunk[0].view)]
            else:
                payloads = render_digest(
                    [DigestEntry(e.view, _severity(e.notification)) for e in chunk], channel=channel
                )
            try:
                for payload in payloads:
                    self._post(destination, payload)
            except Exception as exc:
                for entry in chunk:
                    if self._ledger is not None:
                        self._ledger.release(entry.item.message_id, key, exc)
                if not isinstance(exc, SageWatchError | OSError | ValueError):
                    raise
                log.error("digest to %s failed: %s", label, exc)
                for entry in chunk:
                    entry.report.failed.append(f"{label} (digest): {exc}")
                continue
            for entry in chunk:
                if self._ledger is not None:
                    self._ledger.complete(entry.item.message_id, key, {"digest": len(chunk)})
                entry.report.delivered.append(f"{label} (digest of {len(chunk)})")

    def _enrich(
        self, notification: AlarmNotification, target: AlertTarget, plan: MetricPlan, *, want_chart: bool
    ) -> Enrichment:
        start, end = plan.start, plan.end
        tasks: dict[str, Future[Any]] = {}
        if plan.queries:
            tasks["metrics"] = self._pool.submit(self._metrics.get_metric_data, plan.queries, start, end)
        resolved = notification.new_state == "OK"
        if target.endpoint and not resolved:
            tasks["logs"] = self._pool.submit(
                self._logs.recent_errors, target.endpoint, end - timedelta(minutes=30), end, limit=LOG_LINES
            )
        widget = widget_for(notification, target) if want_chart and not resolved else None
        if widget is not None:
            tasks["chart"] = self._pool.submit(self._metrics.get_widget_image, widget)
        if resolved:
            tasks["history"] = self._pool.submit(
                self._history.alarm_started, notification.alarm_name, notification.state_change_time
            )
        done, _ = wait(tasks.values(), timeout=self._settings.enrichment_timeout)
        results: dict[str, Any] = {}
        missing: list[str] = []
        for name, future in tasks.items():
            what = {"metrics": "recent metrics", "logs": "recent log lines", "chart": "chart", "history": "alarm start"}
            if future not in done:
                future.cancel()
                missing.append(f"{what[name]} unavailable (timed out after {self._settings.enrichment_timeout:g} s)")
                continue
            error = future.exception()
            if error is not None:
                code = getattr(error, "code", type(error).__name__)
                log.warning("enrichment %s failed: %s", name, error, extra={"alarm": notification.alarm_name})
                missing.append(f"{what[name]} unavailable ({code})")
                continue
            results[name] = future.result()
        series = None
        if "metrics" in results:
            series = {qid: self._series_to_minutes(raw, start, end) for qid, raw in results["metrics"].items()}
            if not any(any(v is not None for v in values) for values in series.values()):
                missing.append("no metric data in the last hour")
        logs = tuple(results["logs"]) if "logs" in results else None
        return Enrichment(
            series=series,
            log_lines=logs,
            chart_png=results.get("chart"),
            alarm_started=results.get("history"),
            missing=tuple(missing),
        )
