"""SQS: the onboarding work queue (the reconcile's messages) and AlertQueue's held OKs.

:class:`WorkQueue` sends the reconcile's work items to OnboardQueue, ten per SendMessageBatch. To a
FIFO queue (its name ends in ``.fifo``, "Amazon SQS FIFO queue quotas"), each message carries its
message group, the endpoint's place and lane (``core.shared.places.work_group``), so Lambda works
the account-regions side by side and each one at most ``WORK_LANES`` wide; and a deduplication ID,
the SHA-256 of its body (which names the reconcile run), so a batch sent again by a retry is not
queued twice while a later run's message for the same endpoint is.

:class:`AlertQueue` is written to by NotifyFunction only to hold an OK for the settle window. An
OK told without a thread (an incoming webhook, e-mail) is re-enqueued with SQS ``DelaySeconds``
(at most 900) and decided again when it comes back, so that an alarm that fires again within
minutes folds into its incident instead of a second "resolved" (core.alerting.incident). The
copy carries the same SNS envelope — the same MessageId, so the delivery ledger still sends it at
most once — plus a marker that it has waited.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sagewatch.adapters.aws import call
from sagewatch.core.alerting.delivery_record import SETTLED_MARKER
from sagewatch.core.shared.errors import AwsCallError
from sagewatch.core.shared.places import work_group

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
        # "The name of a FIFO queue must end with the .fifo suffix" (Amazon SQS FIFO queue quotas).
        self.fifo = url.endswith(".fifo")

    def _entry(self, index: int, message: Mapping[str, Any]) -> dict[str, Any]:
        body = json.dumps(message, sort_keys=True)
        entry: dict[str, Any] = {"Id": str(index), "MessageBody": body}
        if self.fifo:
            account, region = message.get("account"), message.get("region")
            entry["MessageGroupId"] = work_group(
                account if isinstance(account, str) else None,
                region if isinstance(region, str) else None,
                str(message.get("endpoint", "")),
            )
            entry["MessageDeduplicationId"] = hashlib.sha256(body.encode()).hexdigest()
        return entry

    def send(self, messages: Sequence[Mapping[str, Any]]) -> int:
        """Send every message; returns the number of SendMessageBatch calls. Raises if any entry fails."""
        calls = 0
        for start in range(0, len(messages), SEND_BATCH):
            batch = messages[start : start + SEND_BATCH]
            entries = [self._entry(i, m) for i, m in enumerate(batch)]
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
