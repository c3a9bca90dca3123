"""A fake Teams Workflows webhook on 127.0.0.1: the flow "When a Teams webhook request is received".

:meth:`FakeTeams.webhook_url` issues a flow's URL, with its signature in the query string as
Teams' are (``…/workflows/<channel>/triggers/manual/paths/invoke?api-version=1&sig=…``); a post
with another signature is refused (401), as a flow refuses it. Every message is checked with
``teams_cards.validate_teams_message`` (one Adaptive Card attachment, the 1.4 schema Teams
renders from a flow, six actions, 28 KB): a valid one is answered ``202 Accepted`` and kept per
channel; an invalid one is answered 400 with the problems (a real flow accepts and then fails
in its run history — the fake is stricter, so a bad card fails a test instead of nobody seeing
it). ``inject`` answers the next requests with 429 or 5xx instead.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sagewatch_emulator.http_fake import HttpFake, Reply, Request
from sagewatch_emulator.teams_cards import validate_teams_message

__all__ = ["FakeTeams"]

_PREFIX = "/workflows/"
_SUFFIX = "/triggers/manual/paths/invoke"


class FakeTeams(HttpFake):
    name = "fake-teams"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host, port)
        self.cards: dict[str, list[dict[str, Any]]] = {}  # channel → accepted messages
        self.invalid: list[list[str]] = []

    @staticmethod
    def _signature(channel: str) -> str:
        return hashlib.sha256(f"teams:{channel}".encode()).hexdigest()[:43]

    def webhook_url(self, channel: str = "alerts") -> str:
        return f"{self.base_url}{_PREFIX}{channel}{_SUFFIX}?api-version=1&sig={self._signature(channel)}"

    def messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            if channel is not None:
                return list(self.cards.get(channel, []))
            return [m for posted in self.cards.values() for m in posted]

    def answer(self, request: Request) -> Reply:
        if not (request.path.startswith(_PREFIX) and request.path.endswith(_SUFFIX)):
            return Reply(404, {"error": {"code": "NotFound"}})
        channel = request.path[len(_PREFIX) : -len(_SUFFIX)]
        if f"sig={self._signature(channel)}" not in request.query.split("&"):
            return Reply(401, {"error": {"code": "DirectApiAuthorizationRequired"}})
        try:
            message = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            self.invalid.append(["body: not JSON"])
            return Reply(400, {"error": {"code": "InvalidRequestContent"}})
        problems = validate_teams_message(message)
        if problems:
            self.invalid.append(problems)
            return Reply(400, {"error": {"code": "InvalidRequestContent", "problems": problems[:20]}})
        self.cards.setdefault(channel, []).append(message)
        return Reply(202, "")
