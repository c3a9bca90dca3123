"""NotifyFunction: alarm notifications from AlertQueue (or SNS directly) → Slack and email alerts.

Deployed, the function reads AlertQueue in batches (SNS → SQS → Lambda) and answers with a
partial batch response (ReportBatchItemFailures, "Handling errors for an SQS event source in
Lambda"): alerts that could not be delivered return to the queue and are retried until SQS
dead-letters them; what was delivered is never sent again (the delivery ledger, keyed by SNS
MessageId and destination). When every record failed, the invocation raises: the same effect,
and the function's Errors metric sees it. The pipeline delivers the batch as a whole and knows
each record's outcome, so the response is written here rather than by Powertools' batch
utility, whose import (asyncio among it) would cost a fifth of a bare boto3 client at INIT.
Invoked with SNS records directly (``sam local invoke -e events/notify/…``), a failure raises
after every record was tried, as before.

A record that cannot be read is not dropped: it is logged with what is wrong and sent to the
default destinations as an "unreadable notification" with its (escaped, truncated) content.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sagewatch.config import NotifyConfig
from sagewatch.observability import lambda_entry_point, logger
from sagewatch.usecases.notify import DeliveryError, Notifier, batch_item
from sagewatch.wiring import Wiring

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

# Lambda hands its context object; tests and the emulated account, one with the same attributes.
LambdaHandler = Callable[[dict[str, Any], Any], Any]


def entry_point(config: NotifyConfig | None = None, wiring: Wiring | None = None) -> LambdaHandler:
    """The function's handler; the config is read now (at INIT: a mistake fails the cold start,
    naming the variable), the pipeline and its clients at their first use."""
    handler = NotifyHandler(config if config is not None else NotifyConfig.from_env(), wiring or Wiring())

    @lambda_entry_point
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
        return handler.handle(event, context)

    return lambda_handler


class NotifyHandler:
    def __init__(self, config: NotifyConfig, wiring: Wiring) -> None:
        self.config = config
        self.wiring = wiring

    def _service(self) -> Notifier:
        """The alert pipeline, built on first use and kept while the environment is warm."""
        return self.wiring.notifier(self.config)

    def handle(self, event: dict[str, Any], context: LambdaContext) -> Any:
        records = event.get("Records") if isinstance(event, dict) else None
        if not isinstance(records, list) or not records:
            logger.error("invalid event: no Records")
            return {"results": [], "error": "event has no Records"}
        if all(isinstance(r, dict) and r.get("eventSource") == "aws:sqs" for r in records):
            return self._from_queue(records, context)
        items = [batch_item(r) for r in records]
        outcome = self._service().deliver_batch(items, remaining_ms=context.get_remaining_time_in_millis)
        results: list[dict[str, Any]] = []
        for item in items:
            report = outcome.reports[item.item_id].as_dict()
            if item.unreadable is not None:
                results.append({"outcome": "invalid", "error": item.unreadable} | report)
            elif item.item_id in outcome.failed:
                results.append(
                    {"outcome": "failed", "message_id": item.message_id, "error": outcome.failed[item.item_id]}
                )
            else:
                results.append({"outcome": "delivered"} | report)
        if outcome.failed:
            raise DeliveryError(
                "; ".join(f"alert {item_id} not delivered to: {why}" for item_id, why in outcome.failed.items())
            )
        return {"results": results}

    def _from_queue(self, records: list[Any], context: LambdaContext) -> dict[str, list[dict[str, str]]]:
        items = [batch_item(r) for r in records]
        outcome = self._service().deliver_batch(items, remaining_ms=context.get_remaining_time_in_millis)
        failed = [item.item_id for item in items if item.item_id in outcome.failed]
        if failed and len(failed) == len(items):
            raise DeliveryError(
                "; ".join(f"alert {item_id} not delivered to: {why}" for item_id, why in outcome.failed.items())
            )
        return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
