"""Turn one alarm notification into Slack and email alerts people can act on.

Reads run concurrently and are bounded in time: one GetMetricData for every series, at most
one log read, the chart only when an email goes out, the alarm's history only for OK. A read
that fails or is too slow becomes a "missing context" line — enrichment never blocks delivery.
Every destination is attempted; if any failed, DeliveryError is raised afterwards so the
notification is retried (and dead-lettered in the end) instead of being lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sagewatch.core.alarm_context import AlarmContext
from sagewatch.core.alert import AlertView
from sagewatch.core.alert_builder import Enrichment, build_alarm_view, build_failure_view
from sagewatch.core.alert_target import AlertTarget, resolve_target
from sagewatch.core.enrichment import MetricPlan, plan_metrics, widget_for
from sagewatch.core.errors import SageWatchError
from sagewatch.core.notification import AlarmNotification, EndpointFailureNotice, Notification
from sagewatch.core.render_email import build_mime, render_email
from sagewatch.core.render_slack import render_slack
from sagewatch.core.routing import Destinations, route
from sagewatch.settings import NotifySettings

log = logging.getLogger(__name__)

LOG_LINES = 10


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


class EmailPort(Protocol):
    def send(self, sender: str, recipients: Sequence[str], raw_mime: bytes) -> str: ...


@dataclass
class DeliveryReport:
    message_id: str
    alarm: str
    state: str
    endpoint: str | None
    delivered: list[str] = field(default_factory=list)  # "slack:<secret id>", "email:<n> recipients"
    failed: list[str] = field(default_factory=list)
    missing_context: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "alarm": self.alarm,
            "state": self.state,
            "endpoint": self.endpoint,
            "delivered": self.delivered,
            "failed": self.failed,
            "missing_context": self.missing_context,
        }


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
        settings: NotifySettings,
        series_to_minutes: Callable[[Any, Any, Any], tuple[float | None, ...]],
    ) -> None:
        self._metrics = metrics
        self._logs = logs
        self._history = history
        self._slack = slack
        self._email = email
        self._webhook_url = webhook_url
        self._settings = settings
        self._series_to_minutes = series_to_minutes
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sagewatch-enrich")

    @property
    def defaults(self) -> Destinations:
        return Destinations(
            slack_secrets=(self._settings.default_slack_secret,) if self._settings.default_slack_secret else (),
            email_recipients=self._settings.email_recipients if self._settings.email_sender else (),
        )

    def notify(self, notification: Notification) -> DeliveryReport:
        if isinstance(notification, EndpointFailureNotice):
            return self._notify_failure(notification)
        return self._notify_alarm(notification)

    # -- alarm notifications -------------------------------------------------------------

    def _notify_alarm(self, notification: AlarmNotification) -> DeliveryReport:
        target = resolve_target(notification, self._settings.name_prefix)
        destinations = route(target.context, self.defaults)
        plan = plan_metrics(notification, target)
        enrichment = self._enrich(notification, target, plan, want_chart=bool(destinations.email_recipients))
        view = build_alarm_view(
            notification,
            target,
            plan,
            enrichment,
            prefix=self._settings.name_prefix,
            dashboards=self._settings.dashboards,
        )
        return self._deliver(view, destinations)

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

    # -- endpoint failures ---------------------------------------------------------------

    def _notify_failure(self, notice: EndpointFailureNotice) -> DeliveryReport:
        lines: tuple[str, ...] = ()
        missing: tuple[str, ...] = ()
        try:
            lines = tuple(
                self._logs.recent_errors(
                    notice.endpoint_name, notice.time - timedelta(minutes=30), notice.time + timedelta(minutes=1)
                )
            )
        except Exception as exc:  # noqa: BLE001 - enrichment never blocks delivery
            missing = (f"recent log lines unavailable ({getattr(exc, 'code', type(exc).__name__)})",)
        view = build_failure_view(notice, log_lines=lines[-LOG_LINES:], missing=missing)
        context = AlarmContext(slack=notice.slack_secret, email=notice.email)
        return self._deliver(view, route(context, self.defaults))

    def notify_unreadable(self, message_id: str, error: str, raw: str, received: datetime) -> DeliveryReport:
        """A notification SageWatch cannot read still reaches people, with what was wrong."""
        view = AlertView(
            state="INSUFFICIENT_DATA",
            title="SageWatch received a notification it cannot read",
            alarm_name="unreadable notification",
            region="",
            account_id="",
            since=received,
            signal="Notification",
            reason=error,
            description=raw,
            generic=True,
            message_id=message_id,
        )
        return self._deliver(view, self.defaults)

    # -- delivery ------------------------------------------------------------------------

    def _deliver(self, view: AlertView, destinations: Destinations) -> DeliveryReport:
        report = DeliveryReport(
            view.message_id, view.alarm_name, view.state, view.endpoint, missing_context=list(view.missing_context)
        )
        if destinations.empty:
            log.warning("no destination configured; alert for %s only logged", view.alarm_name)
        for secret_id in destinations.slack_secrets:
            try:
                self._slack.send(self._webhook_url(secret_id), render_slack(view))
                report.delivered.append(f"slack:{secret_id}")
            except Exception as exc:  # noqa: BLE001 - every destination is attempted, failure raised below
                log.error("Slack delivery via %s failed: %s", secret_id, exc, extra={"alarm": view.alarm_name})
                report.failed.append(f"slack:{secret_id}: {exc}")
        if destinations.email_recipients and self._email is not None and self._settings.email_sender:
            content = render_email(view)
            raw = build_mime(
                content,
                sender=self._settings.email_sender,
                recipients=destinations.email_recipients,
                chart_png=view.chart_png,
            )
            try:
                self._email.send(self._settings.email_sender, destinations.email_recipients, raw)
                report.delivered.append(f"email:{len(destinations.email_recipients)} recipient(s)")
            except Exception as exc:  # noqa: BLE001 - every destination is attempted, failure raised below
                log.error("email delivery failed: %s", exc, extra={"alarm": view.alarm_name})
                report.failed.append(f"email: {exc}")
        log.info(
            "alert %s %s for %s: delivered to %s",
            view.state,
            view.alarm_name,
            view.endpoint or "-",
            ", ".join(report.delivered) or "nobody",
            extra={"message_id": view.message_id, "missing_context": report.missing_context},
        )
        if report.failed:
            raise DeliveryError(f"alert {view.message_id} not delivered to: {'; '.join(report.failed)}")
        return report
