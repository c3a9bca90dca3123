"""PagerDuty Events API v2: ``POST https://events.pagerduty.com/v2/enqueue``, over urllib.

An event (``core.alerting.render_pagerduty.PagerDutyEvent``) is posted with its routing key (read
from Secrets Manager by the caller, added only here, never logged). PagerDuty answers ``202``
with ``{"status": "success", "dedup_key": …}`` for an accepted event ("Send an Alert Event";
"Events API v2 Overview": 202 accepted, 400 invalid, 429 and 5xx to be retried with a backoff):
anything else is a ``WebhookDeliveryError``, retried by ``adapters.webhooks.JsonPoster`` when it
may pass later.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sagewatch.adapters.webhooks import JsonPoster
from sagewatch.core.alerting.delivery_errors import WebhookDeliveryError
from sagewatch.core.alerting.render_pagerduty import encode_event

EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
SERVICE = "PagerDuty"


class PagerDutySender:
    """Enqueues events; ``events_url`` is PagerDuty's (a fake PagerDuty's in the emulated account)."""

    def __init__(self, *, sleep: Callable[[float], None], events_url: str = EVENTS_URL, timeout: float = 10.0) -> None:
        self._url = events_url
        self._poster = JsonPoster(SERVICE, accepted={202}, sleep=sleep, timeout=timeout)

    def enqueue(self, routing_key: str, body: dict[str, Any], *, time_left: Callable[[], float] | None = None) -> str:
        """Post ``body`` (an event without its routing key) with ``routing_key``; PagerDuty's dedup_key."""
        answer = self._poster.post(self._url, encode_event({"routing_key": routing_key, **body}), time_left=time_left)
        try:
            reply = json.loads(answer.body or b"{}")
        except json.JSONDecodeError:
            reply = {}
        if not isinstance(reply, dict) or reply.get("status", "success") != "success":
            raise WebhookDeliveryError(SERVICE, answer.status, "the answer is not a success")
        return str(reply.get("dedup_key") or body.get("dedup_key") or "")
