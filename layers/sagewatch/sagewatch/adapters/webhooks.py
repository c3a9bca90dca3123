"""One JSON POST over ``urllib.request``, retried the way PagerDuty and Teams ask: the shared part
of ``adapters.pagerduty`` and ``adapters.teams``.

Why urllib and not a client library: docs/alerts.md, "PagerDuty's own client or a small HTTP
call?" (measured: nothing added to the layer or the cold start; slack_sdk's webhook client
already loads it at NotifyFunction's INIT).

- **Bounded.** Each request has a timeout (``timeout`` seconds, connect and each read); at most
  ``attempts`` requests, and never a wait or a request the invocation has no time left for
  (``time_left``): the alert then goes back to the queue (the error is retryable).
- **Retried: 429, 5xx, 408 and no answer at all**, after ``Retry-After`` when the service sends
  one, else an exponential backoff (``backoff`` doubling, at most ``max_backoff``): PagerDuty's
  "Events API v2 Overview" says to retry 429 and 5xx "with a backoff", and a 400 is an invalid
  event that fails again. Every wait goes through the injected ``sleep`` (the wiring's: simulated
  time in tests).
- **No secret in an error.** The URL (a Teams webhook's signature is in its query string) is
  never part of an error text; an answer's body is cut to 300 characters, with the URL's path and
  query scrubbed in case a proxy echoed them.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sagewatch.core.alerting.delivery_errors import WebhookDeliveryError

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10.0
ATTEMPTS = 4
BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 8.0
_BODY_LIMIT = 300


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


def _retry_after(value: str | None) -> float | None:
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and seconds >= 0 else None


class JsonPoster:
    """POSTs UTF-8 JSON bytes to a URL; answers with the first ``accepted`` status, else raises
    ``WebhookDeliveryError`` (``service`` names who answered)."""

    def __init__(
        self,
        service: str,
        *,
        accepted: Collection[int],
        sleep: Callable[[float], None],
        timeout: float = TIMEOUT_SECONDS,
        attempts: int = ATTEMPTS,
        backoff: float = BACKOFF_SECONDS,
        max_backoff: float = MAX_BACKOFF_SECONDS,
        opener: Callable[..., Any] | None = None,
    ) -> None:
        self._service = service
        self._accepted = frozenset(accepted)
        self._sleep = sleep
        self._timeout = timeout
        self._attempts = max(1, attempts)
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._open = opener or urllib.request.urlopen

    def post(self, url: str, body: bytes, *, time_left: Callable[[], float] | None = None) -> Answer:
        secrets = _secret_parts(url)
        for attempt in range(self._attempts):
            if time_left is not None and time_left() < self._timeout:
                raise WebhookDeliveryError(self._service, 429, "not enough time left in this invocation")
            try:
                return self._once(url, body, secrets)
            except WebhookDeliveryError as exc:
                if not exc.retryable or attempt == self._attempts - 1:
                    raise
                wait = min(
                    self._max_backoff,
                    exc.retry_after if exc.retry_after is not None else self._backoff * 2**attempt,
                )
                if time_left is not None and time_left() < wait + self._timeout:
                    raise
                log.warning(
                    "%s answered %s; retrying in %.1f s (attempt %d)", self._service, exc.status, wait, attempt + 2
                )
                self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(self, url: str, body: bytes, secrets: tuple[str, ...]) -> Answer:
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked where the URL is read
            url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "SageWatch"},
        )
        try:
            with self._open(request, timeout=self._timeout) as response:
                status, answer = int(response.status), response.read(64 * 1024)
        except urllib.error.HTTPError as exc:
            text = _scrub(exc.read(4096).decode("utf-8", "replace"), secrets)
            raise WebhookDeliveryError(
                self._service, exc.code, text, _retry_after(exc.headers.get("Retry-After") if exc.headers else None)
            ) from None
        except (OSError, ValueError) as exc:  # URLError, timeouts, resets; the text may quote the URL
            raise WebhookDeliveryError(self._service, 0, _scrub(f"{type(exc).__name__}: {exc}", secrets)) from None
        if status not in self._accepted:
            raise WebhookDeliveryError(self._service, status, _scrub(answer.decode("utf-8", "replace"), secrets))
        return Answer(status, answer)


def _secret_parts(url: str) -> tuple[str, ...]:
    parts = urlsplit(url)
    return tuple(p for p in (url, parts.query, parts.path) if p and len(p) > 1)


def _scrub(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        text = text.replace(secret, "<redacted>")
    return text[:_BODY_LIMIT]
