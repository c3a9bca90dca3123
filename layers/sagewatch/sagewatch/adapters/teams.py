"""Microsoft Teams through a Workflows webhook ("When a Teams webhook request is received"), over urllib.

The message (``core.alerting.render_teams``: one Adaptive Card attachment) is posted to the
flow's URL, read from Secrets Manager by the caller; the URL carries the flow's signature (``sig=``),
so it is a secret: never logged, never in an error. The flow's trigger answers ``202 Accepted``
once it took the request (Microsoft Learn, "Create an Incoming Webhook", Workflows section: the
flow then posts the card; a card Teams cannot show fails in the flow's run history, not here);
a retired Office 365 connector URL answered ``200``, which is taken too. 429, 5xx and network
failures are retried by ``adapters.webhooks.JsonPoster``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sagewatch.adapters.webhooks import JsonPoster
from sagewatch.core.alerting.render_teams import encode_message

SERVICE = "Teams"
ACCEPTED = frozenset({200, 202})


class TeamsSender:
    def __init__(self, *, sleep: Callable[[float], None], timeout: float = 10.0) -> None:
        self._poster = JsonPoster(SERVICE, accepted=ACCEPTED, sleep=sleep, timeout=timeout)

    def post(self, webhook_url: str, message: dict[str, Any], *, time_left: Callable[[], float] | None = None) -> None:
        self._poster.post(webhook_url, encode_message(message), time_left=time_left)
