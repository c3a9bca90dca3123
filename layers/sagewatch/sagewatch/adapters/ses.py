"""Sending alert emails through SES v2 as raw MIME (multipart text + HTML with inline charts).

Raw content is what lets the HTML part reference inline PNG charts (``cid:``); the message is
built by the renderer, this adapter only delivers it. Throttling (SES sending rate) is retried
by ``adapters.aws.call``; anything else becomes ``AwsCallError``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sagewatch.adapters.aws import call
from sagewatch.core.shared.errors import AwsCallError

MAX_RECIPIENTS = 50  # SES: at most 50 recipients per message
MAX_RAW_BYTES = 40 * 1024 * 1024  # SES v2: 40 MB per message, after base64 encoding


class EmailSender:
    def __init__(self, client: Any, sleep: Callable[[float], None] | None = None) -> None:
        self._client = client
        self._sleep = sleep

    def send(self, sender: str, recipients: Sequence[str], raw_mime: bytes) -> str:
        """Send ``raw_mime`` from ``sender`` to ``recipients``; returns SES's MessageId."""
        addresses = [address for address in recipients if address]
        if not addresses:
            raise ValueError("an email needs at least one recipient")
        if len(addresses) > MAX_RECIPIENTS:
            raise ValueError(f"SES accepts at most {MAX_RECIPIENTS} recipients per message, got {len(addresses)}")
        if len(raw_mime) * 4 // 3 > MAX_RAW_BYTES:
            raise ValueError("the message is larger than SES accepts (40 MB encoded)")
        result = call(
            "SendEmail",
            self._client.send_email,
            FromEmailAddress=sender,
            Destination={"ToAddresses": addresses},
            Content={"Raw": {"Data": raw_mime}},
            sleep=self._sleep,
        )
        message_id = result.get("MessageId")
        if not message_id:
            raise AwsCallError("SendEmail", "EmptyResponse", "SES returned no MessageId")
        return str(message_id)
