"""NotifyFunction: alarm notifications from AlertQueue (or SNS directly) → Slack and email alerts.

Deployed, the function reads AlertQueue in batches (SNS → SQS → Lambda) and answers with a
partial batch response (Powertools' batch utility, ReportBatchItemFailures): alerts that could
not be delivered return to the queue and are retried until SQS dead-letters them; what was
delivered is never sent again (the delivery ledger, keyed by SNS MessageId and destination).
Invoked with SNS records directly (``sam local invoke -e events/notify/…``), a failure raises
after every record was tried, as before.

A record that cannot be read is not dropped: it is logged with what is wrong and sent to the
default destinations as an "unreadable notification" with its (escaped, truncated) content.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from sagewatch.config import NotifyConfig
from sagewatch.observability import lambda_entry_point, logger
from sagewatch.usecases.notify import DeliveryError, Notifier, batch_item
from sagewatch.wiring import Wiring

config = NotifyConfig.from_env()  # at cold start: a configuration mistake fails INIT, naming the variable
wiring = Wiring()
processor = BatchProcessor(event_type=EventType.SQS)


def _service() -> Notifier:
    """The alert pipeline, built on first use and kept while the environment is warm."""
    return wiring.notifier(config)


def _remaining(context: LambdaContext) -> Any:
    return context.get_remaining_time_in_millis


def _from_queue(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    records = event["Records"]
    outcome = _service().deliver_batch([batch_item(r) for r in records], remaining_ms=_remaining(context))

    def record_handler(record: SQSRecord) -> dict[str, Any]:
        if record.message_id in outcome.failed:
            raise DeliveryError(outcome.failed[record.message_id])
        report = outcome.reports.get(record.message_id)
        return report.as_dict() if report else {}

    # Powertools turns the per-record outcome into {"batchItemFailures": [...]}; when every
    # record failed it raises, which fails the whole batch - the same effect.
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


@lambda_entry_point
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list) or not records:
        logger.error("invalid event: no Records")
        return {"results": [], "error": "event has no Records"}
    if all(isinstance(r, dict) and r.get("eventSource") == "aws:sqs" for r in records):
        return _from_queue(event, context)
    items = [batch_item(r) for r in records]
    outcome = _service().deliver_batch(items, remaining_ms=_remaining(context))
    results: list[dict[str, Any]] = []
    for item in items:
        report = outcome.reports[item.item_id].as_dict()
        if item.unreadable is not None:
            results.append({"outcome": "invalid", "error": item.unreadable} | report)
        elif item.item_id in outcome.failed:
            results.append({"outcome": "failed", "message_id": item.message_id, "error": outcome.failed[item.item_id]})
        else:
            results.append({"outcome": "delivered"} | report)
    if outcome.failed:
        raise DeliveryError(
            "; ".join(f"alert {item_id} not delivered to: {why}" for item_id, why in outcome.failed.items())
        )
    return {"results": results}
