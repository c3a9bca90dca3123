"""Which account the scenario runs in, and the teardown that runs whatever happened.

- By default (``make test``, ``pytest tests/e2e``): the emulated account on 127.0.0.1, with dummy
  credentials and a socket guard that fails any connection beyond loopback, as in
  tests/integration.
- ``SAGEWATCH_E2E_ACCOUNT=aws`` (``make e2e REGION=… CONFIRM=yes [PROFILE=…]``): a real account,
  only when :class:`tests.e2e.settings.AwsSettings` accepts the environment; otherwise pytest
  stops at once with the reason (exit code 2) and nothing is created.

The ``driver`` fixture's teardown removes everything of the run (``clean_up``) after a pass, a
failure or an interrupt, and prints the ``make e2e-clean`` command when something could not be
removed.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.e2e.driver import AccountDriver
from tests.e2e.naming import RunNames, new_prefix
from tests.e2e.settings import AwsSettings, RefusedError, boto3_has_credentials
from tests.integration.conftest import NetworkBlockedError, _is_loopback

EMULATED_REGION = "us-east-1"


def _target() -> str:
    target = os.environ.get("SAGEWATCH_E2E_ACCOUNT", "emulated").strip() or "emulated"
    if target not in ("emulated", "aws"):
        pytest.exit(f"SAGEWATCH_E2E_ACCOUNT must be 'emulated' or 'aws', not {target!r}", returncode=2)
    return target


@pytest.fixture(autouse=True)
def _emulated_stays_on_loopback(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Against the emulated account nothing may leave the machine, nor any real credential be used."""
    if _target() == "aws":
        yield
        return
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", EMULATED_REGION)
    real_connect = socket.socket.connect

    def connect(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            raise NetworkBlockedError(f"the emulated scenario may only connect to loopback, not {address!r}")
        real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    yield


@pytest.fixture
def driver() -> Iterator[AccountDriver]:
    now = datetime.now(tz=UTC)
    account: AccountDriver
    if _target() == "aws":
        try:
            settings = AwsSettings.from_environ(os.environ, has_credentials=boto3_has_credentials)
        except RefusedError as refused:
            pytest.exit(str(refused), returncode=2)
        from tests.e2e.aws import AwsDriver

        account = AwsDriver(settings, RunNames(new_prefix(now), settings.region))
    else:
        from tests.e2e.emulated import EmulatedDriver

        account = EmulatedDriver(RunNames(new_prefix(now), EMULATED_REGION))
    print(f"\nrun {account.names.prefix} in the {account.kind} account ({account.names.region})")
    try:
        yield account
    finally:
        failed = account.clean_up()
        left = account.leftovers()
        close = getattr(account, "close", None)
        if close is not None:
            close()
        if failed or left:
            print(f"cleanup of {account.names.prefix} incomplete: {failed + left}")
            if account.kind == "aws":
                print(f"sweep it with: make e2e-clean PREFIX={account.names.prefix} REGION={account.names.region}")
