"""How the command line reaches AWS: one boto3 session per command, with bounded connection
attempts and a line on stderr whenever it waits for an endpoint that does not answer.

The functions' own client settings (``sagewatch.adapters.aws.CLIENT_CONFIG``: one attempt, as
``sagewatch.adapters.aws.call`` retries throttled and transient answers) would fail a command at
the first network blip. Here a connection failure answers within
15 s: ``MAX_ATTEMPTS`` attempts (``total_max_attempts`` counts the first call) of at most
``CONNECT_TIMEOUT_S`` each, plus botocore's backoff between them (Boto3 guide "Retries":
standard and adaptive modes; tests/unit/cli/test_cli_errors.py reads the bound back from a
client). Name resolution is the system resolver's: a DNS server that never answers is bounded
by its own timeout, not botocore's. Throttling still gets its retries:
``sagewatch.adapters.aws.call`` retries throttled calls itself, and the adaptive mode paces
requests client-side.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from botocore.config import Config
from botocore.exceptions import ConnectionError as BotocoreConnectionError
from botocore.exceptions import HTTPClientError, ProfileNotFound

from sagewatch.adapters.aws import CLIENT_CONFIG
from sagewatch_cli import arguments
from sagewatch_cli.errors import EXIT_NO_CREDENTIALS, EXIT_USAGE, CommandError, unreachable_endpoint

CONNECT_TIMEOUT_S = 2  # a TCP (and TLS) handshake with AWS takes well under a second
READ_TIMEOUT_S = 20  # as the functions': GetMetricData pages of 100,800 points take seconds
MAX_ATTEMPTS = 3
CLI_CLIENT_CONFIG = CLIENT_CONFIG.merge(
    Config(
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        retries={"mode": "adaptive", "total_max_attempts": MAX_ATTEMPTS},
    )
)

Clients = Callable[[str], Any]


def say_when_waiting(*, caught_exception: BaseException | None = None, attempts: int = 0, **_: Any) -> None:
    """botocore ``needs-retry`` handler: one stderr line per retry after a connection failure,
    naming the endpoint it waits for. Returns None, so botocore's own retry handler decides."""
    if not isinstance(caught_exception, BotocoreConnectionError | HTTPClientError):
        return
    if attempts >= MAX_ATTEMPTS:
        return  # no retry follows: the failure itself is reported once, by sagewatch_cli.errors
    url, reason = unreachable_endpoint(caught_exception)
    print(
        f"sagewatch: waiting for {url} ({reason}): attempt {attempts + 1} of {MAX_ATTEMPTS}, "
        f"up to {CONNECT_TIMEOUT_S} s to connect",
        file=sys.stderr,
        flush=True,
    )


def open_session(profile: str | None, region: str | None, endpoint_url: str | None) -> tuple[Clients, str]:
    """(a client factory for the command, the region) from ``--profile``/``--region`` and the
    default chain; every client goes to ``endpoint_url`` when it is given.

    Raises ``CommandError``: an unknown profile (exit 4), no region or a region botocore does not
    know, e.g. from AWS_DEFAULT_REGION or the profile (exit 2; ``--region`` itself is checked while parsing).
    """
    import boto3

    try:
        session = boto3.session.Session(profile_name=profile, region_name=region)
    except ProfileNotFound as exc:
        raise CommandError(f"sagewatch: {exc}", EXIT_NO_CREDENTIALS) from exc
    chosen = session.region_name
    if chosen is None:
        raise CommandError("sagewatch: no region: pass --region or set AWS_DEFAULT_REGION", EXIT_USAGE)
    problem = arguments.unknown_region_message(chosen)
    if problem is not None:
        raise CommandError(f"sagewatch: {problem} (from the profile or AWS_DEFAULT_REGION)", EXIT_USAGE)
    # Registered on the session before any client exists: each client copies the session's handlers.
    session.events.register("needs-retry", say_when_waiting)

    def client(service: str) -> Any:
        return session.client(service, endpoint_url=endpoint_url, config=CLI_CLIENT_CONFIG)  # type: ignore[call-overload]

    return client, chosen
