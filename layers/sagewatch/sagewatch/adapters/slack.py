"""Posting to Slack: incoming webhooks, and chat.postMessage with a bot token (for threads).

slack_sdk's retry handlers retry 429 (sleeping for Retry-After), connection errors and 5xx a
couple of times; what still fails becomes a ``SlackDeliveryError`` carrying the status, Slack's
body and Retry-After, so the caller can put the alert back on the queue instead of losing it.

The webhook URL and the bot token are secrets: neither ever appears in an exception or a log
line. slack_sdk logs the request URL at INFO when it retries a connection error (and at DEBUG
for every request), so its clients get a logger of their own that only lets warnings through.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.webhook import WebhookClient

# Raised here, defined with the contract the use case relies on (and importable from here).
from sagewatch.core.alerting.delivery_errors import OutOfTimeError as OutOfTimeError
from sagewatch.core.alerting.delivery_errors import SlackDeliveryError as SlackDeliveryError

TIMEOUT_SECONDS = 10
MAX_RETRIES = 2
_BODY_LIMIT = 500  # of Slack's answer kept in the error (Slack's error bodies are short codes)

# slack_sdk's own logger would print secret URLs at INFO/DEBUG: give its clients a quiet one.
_SDK_LOGGER = logging.getLogger("sagewatch.slack_sdk")
_SDK_LOGGER.setLevel(logging.WARNING)


def default_retry_handlers(max_retry_count: int = MAX_RETRIES) -> list[RetryHandler]:
    return [
        RateLimitErrorRetryHandler(max_retry_count=max_retry_count),
        ConnectionErrorRetryHandler(max_retry_count=max_retry_count),
        ServerErrorRetryHandler(max_retry_count=max_retry_count),
    ]


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            if isinstance(value, list | tuple):
                value = value[0] if value else None
            return None if value is None else str(value)
    return None


def _retry_after(headers: Mapping[str, Any]) -> float | None:
    value = _header(headers or {}, "Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _path(url: str) -> str:
    """The path of a webhook URL (``/services/T…/B…/<secret>``): secret too, and echoed by proxies."""
    path = urlsplit(url).path
    return path if path.count("/") >= 2 else ""


def _scrub(text: str, *secrets: str) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<redacted>")
    return text[:_BODY_LIMIT]


class SlackWebhookSender:
    """Posts a payload (``text`` + ``blocks`` …) to an incoming webhook."""

    def __init__(
        self, *, timeout: float = TIMEOUT_SECONDS, retry_handlers: Sequence[RetryHandler] | None = None
    ) -> None:
        self._timeout = timeout
        self._retry_handlers = list(retry_handlers) if retry_handlers is not None else None

    def send(self, webhook_url: str, payload: Mapping[str, Any]) -> None:
        client = WebhookClient(
            webhook_url,
            timeout=self._timeout,  # type: ignore[arg-type] # urllib takes fractions of a second
            retry_handlers=self._retry_handlers if self._retry_handlers is not None else default_retry_handlers(),
            logger=_SDK_LOGGER,
        )
        try:
            response = client.send_dict(dict(payload))
        except Exception as exc:  # noqa: BLE001 - network failures after retries; the text may hold the URL
            raise SlackDeliveryError(
                0, _scrub(f"{type(exc).__name__}: {exc}", webhook_url, _path(webhook_url))
            ) from None
        if response.status_code != 200:
            raise SlackDeliveryError(
                response.status_code,
                _scrub(str(response.body or ""), webhook_url, _path(webhook_url)),
                _retry_after(response.headers or {}),
            )


class SlackBotSender:
    """chat.postMessage with a bot token; returns the message ``ts`` (to thread replies under it)."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        timeout: float = TIMEOUT_SECONDS,
        retry_handlers: Sequence[RetryHandler] | None = None,
    ) -> None:
        self._base_url = base_url
        self._timeout = timeout
        self._retry_handlers = list(retry_handlers) if retry_handlers is not None else None

    def post(self, token: str, channel: str, payload: Mapping[str, Any], thread_ts: str | None = None) -> str:
        client = self._client(token)
        arguments = {key: value for key, value in payload.items() if key not in ("channel", "thread_ts")}
        try:
            response = client.chat_postMessage(channel=channel, thread_ts=thread_ts, **arguments)
        except Exception as exc:  # noqa: BLE001 - API errors and network failures after retries
            raise _delivery_error(exc, token) from None
        ts = response.get("ts")
        if not isinstance(ts, str) or not ts:
            raise SlackDeliveryError(int(response.status_code), "chat.postMessage returned no ts")
        return ts

    def upload(
        self, token: str, channel: str, content: bytes, *, filename: str, title: str, thread_ts: str | None = None
    ) -> None:
        """files_upload_v2: getUploadURLExternal, the upload itself, completeUploadExternal."""
        client = self._client(token)
        try:
            client.files_upload_v2(
                channel=channel, thread_ts=thread_ts, content=content, filename=filename, title=title
            )
        except Exception as exc:  # noqa: BLE001 - API errors and network failures after retries
            raise _delivery_error(exc, token) from None

    def _client(self, token: str) -> WebClient:
        options: dict[str, Any] = {
            "token": token,
            "timeout": self._timeout,
            "retry_handlers": self._retry_handlers if self._retry_handlers is not None else default_retry_handlers(),
            "logger": _SDK_LOGGER,
        }
        if self._base_url:
            options["base_url"] = self._base_url
        return WebClient(**options)


def _delivery_error(exc: Exception, token: str) -> SlackDeliveryError:
    """A Web API failure as SlackDeliveryError, with the token scrubbed from every text."""
    if isinstance(exc, SlackApiError):
        answer = exc.response
        body = answer.data if isinstance(answer.data, dict) else {}
        return SlackDeliveryError(
            int(answer.status_code),
            _scrub(str(body.get("error") or answer.data), token),
            _retry_after(answer.headers or {}),
        )
    return SlackDeliveryError(0, _scrub(f"{type(exc).__name__}: {exc}", token))
