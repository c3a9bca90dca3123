"""SQS: the onboarding work queue (the reconcile's messages) and AlertQueue's held OKs.

:class:`WorkQueue` sends the reconcile's work items to OnboardQueue, ten per SendMessageBatch.

:class:`AlertQueue` is written to by NotifyFunction only to hold an OK for the settle window. An
OK told without a thread (an incoming webhook, e-mail) is re-enqueued with SQS ``DelaySeconds``
(at most 900) and decided again when it comes back, so that an alarm that fires again within
minutes folds into its incident instead of a second "resolved" (core.alerting.incident). The
copy carries the same SNS envelope — the same MessageId, so the delivery ledger still sends it at
most once — plus a marker that it has waited.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sagewatch.adapters.aws import call
from sagewatch.core.alerting.delivery_record import SETTLED_MARKER
from sagewatch.core.shared.errors import AwsCallError

MAX_DELAY_SECONDS = 900  # SQS DelaySeconds limit
SEND_BATCH = 10  # SendMessageBatch takes at most 10 entries


class AlertQueue:
    def __init__(self, sqs_client: Any, queue_url: str) -> None:
        self._client = sqs_client
        self._url = queue_url

    def hold(self, envelope: Mapping[str, Any], delay_seconds: int) -> None:
        body = json.dumps({**envelope, SETTLED_MARKER: True})
        delay = max(0, min(MAX_DELAY_SECONDS, delay_seconds))
        call("SendMessage", self._client.send_message, QueueUrl=self._url, MessageBody=body, DelaySeconds=delay)


class WorkQueue:
    """The onboarding queue: one JSON message per endpoint, sent 10 per SendMessageBatch."""

    def __init__(self, client: Any, url: str, sleep: Callable[[float], None] | None = None) -> None:
        self._client = client
        self._url = url
        self._sleep = sleep

    def send(self, messages: Sequence[Mapping[str, Any]]) -> int:
        """Send every message; returns the number of SendMessageBatch calls. Raises if any entry fails."""
        calls = 0
        for start in range(0, len(messages), SEND_BATCH):
            batch = messages[start : start + SEND_BATCH]
            entries = [{"Id": str(i), "MessageBody": json.dumps(m, sort_keys=True)} for i, m in enumerate(batch)]
            result = call(
                "SendMessageBatch",
                self._client.send_message_batch,
                QueueUrl=self._url,
                Entries=entries,
                sleep=self._sleep,
            )
            calls += 1
            failed = result.get("Failed") or []
            if failed:
                first = failed[0]
                raise AwsCallError("SendMessageBatch", str(first.get("Code")), str(first.get("Message")))
        return calls
