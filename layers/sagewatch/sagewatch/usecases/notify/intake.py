"""Intake: queue and SNS records become batch items, and batch items become pending alerts.

A record that cannot be read is not dropped: it becomes an "unreadable notification" alert for
the default destinations, summarised field by field (never the raw JSON). A pending alert has a
view built from the notification alone (no reads yet): enough for a digest line and for routing.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sagewatch.adapters.sqs import SETTLED_MARKER
from sagewatch.core.alerting.alert import AlertView
from sagewatch.core.alerting.alert_builder import Enrichment, build_alarm_view, build_failure_view
from sagewatch.core.alerting.alert_target import AlertTarget, resolve_target
from sagewatch.core.alerting.enrichment import MetricPlan, plan_metrics
from sagewatch.core.alerting.monitoring_run_view import build_monitoring_run_view
from sagewatch.core.alerting.notification import (
    AlarmNotification,
    EndpointFailureNotice,
    InvalidAlarmMessageError,
    MonitoringRunNotice,
    Notification,
    parse_sns_record,
    summarize_unreadable,
)
from sagewatch.core.alerting.routing import Destinations, route
from sagewatch.core.shared.alarm_context import AlarmContext
from sagewatch.usecases.notify.outcome import DeliveryReport

log = logging.getLogger(__name__)

RAW_LIMIT = 4000  # characters of an unreadable record kept for its summary


@dataclass
class BatchItem:
    """One record of a batch: a parsed notification, or what could not be read."""

    item_id: str  # SQS messageId (what batchItemFailures names), or the SNS MessageId
    message_id: str  # SNS MessageId: the idempotency key
    notification: Notification | None = None
    unreadable: str | None = None  # why it could not be read
    raw: str = ""
    received: datetime | None = None
    envelope: dict[str, Any] | None = None  # the SNS envelope, when it came through AlertQueue (can be held)
    settled: bool = False  # the copy of an OK that waited for the settle window (adapters.sqs)


def sns_payload(record: dict[str, Any]) -> dict[str, Any]:
    """The SNS notification of a record: SNS→Lambda directly, or SNS→SQS→Lambda (JSON body)."""
    if "Sns" in record:
        return dict(record["Sns"])
    body = record.get("body")
    if isinstance(body, str):
        try:
            parsed = json.loads(body)
        except json.JSONDecodeError:
            raise InvalidAlarmMessageError("SQS record body is not JSON") from None
        if isinstance(parsed, dict):
            return parsed
    raise InvalidAlarmMessageError("record is neither an SNS notification nor an SQS message carrying one")


def batch_item(record: dict[str, Any]) -> BatchItem:
    """One record as the notifier sees it; an unreadable one keeps its raw text and the reason."""
    sns = record.get("Sns") if isinstance(record.get("Sns"), dict) else None
    item_id = str(record.get("messageId") or (sns or {}).get("MessageId") or "")
    try:
        payload = sns_payload(record)
        notification = parse_sns_record(payload)
    except InvalidAlarmMessageError as exc:
        log.error("unreadable notification: %s", exc)
        raw = (sns or {}).get("Message") if sns is not None else record.get("body")
        message_id = str((sns or {}).get("MessageId") or record.get("messageId") or "")
        if not sns and isinstance(record.get("body"), str):
            try:  # an SNS envelope whose Message is what cannot be read: keep its MessageId
                envelope = json.loads(record["body"])
                if isinstance(envelope, dict) and envelope.get("MessageId"):
                    message_id = str(envelope["MessageId"])
                    raw = envelope.get("Message", raw)
            except json.JSONDecodeError:
                pass
        return BatchItem(
            item_id or message_id,
            message_id,
            unreadable=str(exc),
            raw=str(raw)[:RAW_LIMIT],
            received=datetime.now(tz=UTC),
        )
    queued = "Sns" not in record  # only a queued notification can be held back in its queue
    return BatchItem(
        item_id or notification.message_id,
        notification.message_id,
        notification=notification,
        envelope={k: v for k, v in payload.items() if k != SETTLED_MARKER} if queued else None,
        settled=bool(payload.get(SETTLED_MARKER)),
    )


@dataclass
class Pending:
    """An alert on its way: its preview view, where it goes, and its report."""

    item: BatchItem
    view: AlertView  # without enrichment: enough for a digest line
    destinations: Destinations
    notification: Notification | None
    target: AlertTarget | None = None
    plan: MetricPlan | None = None
    report: DeliveryReport = field(init=False)

    def __post_init__(self) -> None:
        self.report = DeliveryReport(self.item.message_id, self.view.alarm_name, self.view.state, self.view.endpoint)


def prepare(item: BatchItem, *, prefix: str, dashboards: bool, defaults: Destinations) -> Pending:
    """The pending alert for ``item``: routed, with a view built without any read."""
    notification = item.notification
    if isinstance(notification, AlarmNotification):
        target = resolve_target(notification, prefix)
        plan = plan_metrics(notification, target)
        view = build_alarm_view(notification, target, plan, Enrichment(), prefix=prefix, dashboards=dashboards)
        return Pending(item, view, route(target.context, defaults), notification, target, plan)
    if isinstance(notification, EndpointFailureNotice):
        context = AlarmContext(slack=notification.slack_secret, email=notification.email)
        return Pending(item, build_failure_view(notification), route(context, defaults), notification)
    if isinstance(notification, MonitoringRunNotice):
        # Routed like the endpoint's alarms: its own Slack/email tags, else the defaults.
        context = AlarmContext(slack=notification.slack_secret, email=notification.email)
        return Pending(item, build_monitoring_run_view(notification), route(context, defaults), notification)
    return Pending(item, _unreadable_view(item), defaults, None)


def _unreadable_view(item: BatchItem) -> AlertView:
    summary = summarize_unreadable(item.raw)  # what could be read, never the raw JSON
    return AlertView(
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
