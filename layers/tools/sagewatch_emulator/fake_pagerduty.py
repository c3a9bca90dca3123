"""A fake PagerDuty Events API v2 on 127.0.0.1: ``POST /v2/enqueue``, as PagerDuty answers it.

Every event is checked against the Events API v2 schema and limits and kept in the incident
ledger (``pagerduty_events.PagerDutyEvents``: one alert per routing key and ``dedup_key``, a
trigger opens or adds, a resolve closes, a resolve with nothing open is dropped): 202
``{"status": "success", "dedup_key": …}`` for a valid event, 400 with the errors for an invalid
one ("Events API v2 Overview", "Send an Alert Event"). ``inject`` answers the next requests
with 429 or 5xx instead, as PagerDuty does under load, without processing them.

The emulated account points NotifyFunction at it (``SAGEWATCH_PAGERDUTY_EVENTS_URL``), so an
alert reaches it through the runtime's own urllib sender. Routing keys are issued by
:meth:`FakePagerDuty.routing_key`, one per service name (32 characters, as PagerDuty's).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sagewatch_emulator.http_fake import HttpFake, Reply, Request
from sagewatch_emulator.pagerduty_events import PagerDutyAlert, PagerDutyEvents

__all__ = ["FakePagerDuty"]

ENQUEUE_PATH = "/v2/enqueue"


class FakePagerDuty(HttpFake):
    name = "fake-pagerduty"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host, port)
        self.ledger = PagerDutyEvents()
        self._services: dict[str, str] = {}

    @property
    def events_url(self) -> str:
        return f"{self.base_url}{ENQUEUE_PATH}"

    def routing_key(self, service: str) -> str:
        """The integration (routing) key of the PagerDuty service ``service``: 32 characters."""
        key = hashlib.sha256(service.encode()).hexdigest()[:32]
        self._services[key] = service
        return key

    def alerts(self, service: str | None = None) -> list[PagerDutyAlert]:
        """The alerts opened so far (for one service's routing key, or all)."""
        with self.lock:
            return [a for a in self.ledger.alerts if service is None or self._services.get(a.routing_key) == service]

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every event accepted (202), without its routing key, in arrival order."""
        with self.lock:
            bodies = [json.loads(r.body) for r, reply in self.requests if reply.status == 202 and r.body]
        return [{k: v for k, v in b.items() if k != "routing_key"} for b in bodies]

    @property
    def rejected(self) -> list[list[str]]:
        with self.lock:
            return list(self.ledger.rejected)

    def answer(self, request: Request) -> Reply:
        if request.path != ENQUEUE_PATH:
            return Reply(404, {"status": "not found"})
        try:
            body = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            self.ledger.rejected.append(["body: not JSON"])
            return Reply(400, {"status": "invalid event", "message": "Event object is invalid", "errors": ["not JSON"]})
        status, answer = self.ledger.enqueue(body)
        return Reply(status, answer)
