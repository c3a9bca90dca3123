"""NotifyFunction: alarm notifications from the alert topic → Slack and email alerts.

Each SNS record is parsed and delivered. A record that cannot be read is not dropped: it is
logged with what is wrong and sent to the default destinations as an "unreadable notification"
with its (escaped, truncated) content. A delivery failure raises after every record was tried,
so the notification is retried and finally dead-lettered rather than lost.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from sagewatch.adapters.alarm_history import AlarmHistory
from sagewatch.adapters.aws import client
from sagewatch.adapters.email import EmailSender
from sagewatch.adapters.logs import LogsReader
from sagewatch.adapters.metrics import MetricsReader
from sagewatch.adapters.secrets import slack_webhook_url
from sagewatch.adapters.slack import SlackWebhookSender
from sagewatch.core.metric_queries import series_to_minutes
from sagewatch.core.notification import InvalidAlarmMessageError, parse_sns_record
from sagewatch.settings import NotifySettings
from sagewatch.usecases.notify import DeliveryError, Notifier

logger = Logger()
_notifier: Notifier | None = None


def _service() -> Notifier:
    global _notifier
    if _notifier is None:
        settings = NotifySettings.from_env()
        cloudwatch = client("cloudwatch")
        _notifier = Notifier(
            metrics=MetricsReader(cloudwatch),
            logs=LogsReader(client("logs")),
            history=AlarmHistory(cloudwatch),
            slack=SlackWebhookSender(),
            email=EmailSender(client("sesv2")) if settings.email_sender else None,
            webhook_url=slack_webhook_url,
            settings=settings,
            series_to_minutes=series_to_minutes,
        )
    return _notifier


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


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list) or not records:
        logger.error("invalid event: no Records")
        return {"results": [], "error": "event has no Records"}
    notifier = _service()
    results: list[dict[str, Any]] = []
    failures: list[str] = []
    for record in records:
        try:
            payload = sns_payload(record)
            notification = parse_sns_record(payload)
        except InvalidAlarmMessageError as exc:
            logger.error("unreadable notification: %s", exc)
            raw = record.get("Sns", {}).get("Message") if isinstance(record.get("Sns"), dict) else record.get("body")
            message_id = str((record.get("Sns") or {}).get("MessageId") or record.get("messageId") or "")
            try:
                report = notifier.notify_unreadable(message_id, str(exc), str(raw)[:4000], datetime.now(tz=UTC))
                results.append({"outcome": "invalid", "error": str(exc)} | report.as_dict())
            except DeliveryError as delivery:
                failures.append(str(delivery))
                results.append({"outcome": "invalid", "error": str(exc), "failed": [str(delivery)]})
            continue
        try:
            report = notifier.notify(notification)
        except DeliveryError as exc:
            failures.append(str(exc))
            results.append({"outcome": "failed", "message_id": notification.message_id, "error": str(exc)})
            continue
        results.append({"outcome": "delivered"} | report.as_dict())
    if failures:
        raise DeliveryError("; ".join(failures))
    return {"results": results}
