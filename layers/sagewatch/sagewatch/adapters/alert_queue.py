"""AlertQueue, written to by NotifyFunction only to hold an OK for the settle window.

An OK told without a thread (an incoming webhook, e-mail) is re-enqueued with SQS
``DelaySeconds`` (at most 900) and decided again when it comes back, so that an alarm that
fires again within minutes folds into its incident instead of a second "resolved"
(core.alerting.incident). The copy carries the same SNS envelope — the same MessageId, so the
delivery ledger still sends it at most once — plus a marker that it has waited.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sagewatch.adapters.aws import call
from sagewatch.core.alerting.delivery_record import SETTLED_MARKER

MAX_DELAY_SECONDS = 900  # SQS DelaySeconds limit


class AlertQueue:
    def __init__(self, sqs_client: Any, queue_url: str) -> None:
        self._client = sqs_client
        self._url = queue_url

    def hold(self, envelope: Mapping[str, Any], delay_seconds: int) -> None:
        body = json.dumps({**envelope, SETTLED_MARKER: True})
        delay = max(0, min(MAX_DELAY_SECONDS, delay_seconds))
        call("SendMessage", self._client.send_message, QueueUrl=self._url, MessageBody=body, DelaySeconds=delay)
