"""NotifyFunction's answer to an AlertQueue batch: the partial batch response, written by the handler.

"Handling errors for an SQS event source in Lambda" (ReportBatchItemFailures): the response
lists the message ids to retry; an empty list deletes the whole batch; a raised error returns
every message. The pipeline knows each record's outcome, so the handler writes that response.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, cast

import pytest

from sagewatch.config import NotifyConfig
from sagewatch.handlers.notify import LambdaHandler, entry_point
from sagewatch.usecases.notify import DeliveryError
from sagewatch.usecases.notify.outcome import BatchOutcome, DeliveryReport
from sagewatch.wiring import Wiring

ROOT = Path(__file__).resolve().parents[3]
BATCH = json.loads((ROOT / "events" / "notify" / "sqs-batch.json").read_text())


def handler_with(wiring: object) -> LambdaHandler:
    """The function's handler over a stand-in for the composition root."""
    return entry_point(NotifyConfig.from_env({}), cast("Wiring", wiring))


class Context:
    function_name = "sagewatch-notify"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:sagewatch-notify"
    memory_limit_in_mb = 256
    aws_request_id = "req-1"
    log_group_name = log_stream_name = "x"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


class FakeNotifier:
    """Fails the alerts whose SQS message id is in ``failing``."""

    def __init__(self, failing: set[str]) -> None:
        self.failing = failing

    def deliver_batch(self, items: list[Any], *, remaining_ms: Any) -> BatchOutcome:
        reports = {i.item_id: DeliveryReport(i.message_id, "alarm", "ALARM", None) for i in items}
        failed = {i.item_id: "slack: 500" for i in items if i.item_id in self.failing}
        return BatchOutcome(reports, failed)


class FakeWiring:
    def __init__(self, failing: set[str]) -> None:
        self.failing = failing

    def notifier(self, config: Any) -> FakeNotifier:
        return FakeNotifier(self.failing)


def message_ids() -> list[str]:
    return [str(r["messageId"]) for r in BATCH["Records"]]


def test_the_sample_batch_has_several_records() -> None:
    assert len(message_ids()) >= 2


def test_a_batch_delivered_in_full_answers_with_no_failures() -> None:
    app = handler_with(FakeWiring(set()))
    assert app(copy.deepcopy(BATCH), Context()) == {"batchItemFailures": []}


def test_only_the_undelivered_alerts_return_to_the_queue() -> None:
    first = message_ids()[0]
    app = handler_with(FakeWiring({first}))
    assert app(copy.deepcopy(BATCH), Context()) == {"batchItemFailures": [{"itemIdentifier": first}]}


def test_a_batch_that_failed_in_full_raises() -> None:
    # The same effect for SQS (every message returns), and the function's Errors metric sees it.
    app = handler_with(FakeWiring(set(message_ids())))
    with pytest.raises(DeliveryError, match="not delivered"):
        app(copy.deepcopy(BATCH), Context())
