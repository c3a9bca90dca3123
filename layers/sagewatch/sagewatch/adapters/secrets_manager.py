"""Secrets (Slack webhook URL, bot token, PagerDuty routing key, Teams webhook URL) from Secrets
Manager, cached across invocations.

Powertools' ``get_secret`` keeps the value in memory for ``max_age`` seconds, so a warm Lambda
reads Secrets Manager at most once per five minutes, and a rotated secret is picked up soon.

A secret holds either the value itself or a JSON object naming it (``{"url": …}``,
``{"webhook_url": …}``, ``{"token": …}``, ``{"routing_key": …}``). Secret values are never logged and never appear in
an exception: errors name the secret id and what was wrong, nothing more.

The functions keep a warm environment's secrets in the provider they are given (the wiring passes
one over its own Secrets Manager client, built on first use with the other clients); without one,
Powertools' process-wide default provider, which builds a boto3 session of its own.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools.utilities import parameters
from botocore.exceptions import ClientError

from sagewatch.core.shared.errors import SageWatchError

DEFAULT_MAX_AGE = 300

WEBHOOK_URL_KEYS = ("url", "webhook_url")
BOT_TOKEN_KEYS = ("token",)
ROUTING_KEY_KEYS = ("routing_key", "integration_key")


class SecretUnavailableError(SageWatchError):
    """A secret cannot be read or does not hold what it should; names the secret, never its value."""

    def __init__(self, secret_id: str, reason: str) -> None:
        super().__init__(f"secret {secret_id!r} is unavailable: {reason}")
        self.secret_id = secret_id
        self.reason = reason


def _reason(exc: BaseException) -> str:
    """The AWS error code behind a Powertools error (its text may quote more than we want)."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ClientError):
            return str(cause.response.get("Error", {}).get("Code", "ClientError"))
        cause = cause.__cause__ or cause.__context__
    return type(exc).__name__


def secrets_provider(client: Any) -> parameters.SecretsProvider:
    """A provider (and cache) of secrets read through ``client``, a Secrets Manager client."""
    return parameters.SecretsProvider(boto3_client=client)


def read_secret(
    secret_id: str, *, max_age: int = DEFAULT_MAX_AGE, provider: parameters.SecretsProvider | None = None
) -> str:
    """The secret's string value (SecretString, or SecretBinary decoded as UTF-8)."""
    try:
        if provider is None:
            value: Any = parameters.get_secret(secret_id, max_age=max_age)
        else:
            value = provider.get(secret_id, max_age=max_age)
    except Exception as exc:  # noqa: BLE001 - every failure becomes one error that hides the value
        raise SecretUnavailableError(secret_id, _reason(exc)) from None
    if isinstance(value, bytes | bytearray):
        try:
            value = bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise SecretUnavailableError(secret_id, "its binary value is not UTF-8 text") from None
    if not isinstance(value, str):
        raise SecretUnavailableError(secret_id, f"unexpected value type {type(value).__name__}")
    return value


def _extract(
    secret_id: str, keys: Sequence[str], what: str, *, max_age: int, provider: parameters.SecretsProvider | None
) -> str:
    raw = read_secret(secret_id, max_age=max_age, provider=provider).strip()
    if raw.startswith(("{", "[")):
        try:
            document = json.loads(raw)
        except json.JSONDecodeError:
            # The decoder's message quotes the text around the error: do not pass it on.
            raise SecretUnavailableError(secret_id, "it looks like JSON but does not parse") from None
        if not isinstance(document, dict):
            raise SecretUnavailableError(secret_id, "its JSON value is not an object")
        found = next((document[key] for key in keys if isinstance(document.get(key), str) and document[key]), None)
        if found is None:
            raise SecretUnavailableError(secret_id, f"its JSON object has no {what} under {' or '.join(keys)}")
        raw = str(found).strip()
    if not raw:
        raise SecretUnavailableError(secret_id, f"it holds no {what}")
    return raw


def slack_webhook_url(
    secret_id: str, *, max_age: int = DEFAULT_MAX_AGE, provider: parameters.SecretsProvider | None = None
) -> str:
    """The incoming-webhook URL: the plain value, or ``url`` / ``webhook_url`` of a JSON object."""
    url = _extract(secret_id, WEBHOOK_URL_KEYS, "webhook URL", max_age=max_age, provider=provider)
    if not url.startswith(("https://", "http://")):
        raise SecretUnavailableError(secret_id, "its webhook URL is not an http(s) URL")
    return url


def slack_bot_token(
    secret_id: str, *, max_age: int = DEFAULT_MAX_AGE, provider: parameters.SecretsProvider | None = None
) -> str:
    """The bot token (``xoxb-…``): the plain value, or ``token`` of a JSON object."""
    return _extract(secret_id, BOT_TOKEN_KEYS, "bot token", max_age=max_age, provider=provider)


def pagerduty_routing_key(
    secret_id: str, *, max_age: int = DEFAULT_MAX_AGE, provider: parameters.SecretsProvider | None = None
) -> str:
    """An Events API v2 routing (integration) key: the plain value, or ``routing_key`` /
    ``integration_key`` of a JSON object. PagerDuty's keys are 32 characters ("Events API v2
    Overview"); one with blanks inside is refused here rather than by PagerDuty."""
    key = _extract(secret_id, ROUTING_KEY_KEYS, "routing key", max_age=max_age, provider=provider)
    if any(ch.isspace() for ch in key):
        raise SecretUnavailableError(secret_id, "its routing key contains blanks")
    return key


def teams_webhook_url(
    secret_id: str, *, max_age: int = DEFAULT_MAX_AGE, provider: parameters.SecretsProvider | None = None
) -> str:
    """A Teams Workflows webhook URL (its ``sig=`` is the secret): the plain value, or ``url`` /
    ``webhook_url`` of a JSON object."""
    url = _extract(secret_id, WEBHOOK_URL_KEYS, "webhook URL", max_age=max_age, provider=provider)
    if not url.startswith(("https://", "http://")):
        raise SecretUnavailableError(secret_id, "its webhook URL is not an http(s) URL")
    return url
