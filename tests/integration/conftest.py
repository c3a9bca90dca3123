"""Integration tests run against the emulated AWS account on 127.0.0.1, and only there.

- ``account``: a fresh :class:`EmulatedAccount` of the repository's template.yaml per test.
  Function-scoped on purpose (each test starts from an empty account): after the first
  account of the session (~1 s, moto loading its backends) one opens in ~0.15-0.3 s.
- ``tiny_account``: the same over the small fixture stack in ``fixtures/tiny/``.
- ``world``: a fresh :class:`EmulatedWorld` (an organization, the hub; spokes added by the test).
- Every test runs with dummy AWS credentials, no AWS profile, and a socket guard that fails
  any connection to a non-loopback address, so nothing can reach real AWS or Slack.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sagewatch_emulator import EmulatedAccount
from sagewatch_emulator.world import EmulatedWorld

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TINY_TEMPLATE = FIXTURES / "tiny" / "template.yaml"

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def _is_loopback(host: object) -> bool:
    if not isinstance(host, str):
        return False
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False  # a hostname that is not loopback by name: refuse rather than resolve


class NetworkBlockedError(AssertionError):
    """Raised instead of connecting anywhere but 127.0.0.1 / ::1."""


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            raise NetworkBlockedError(f"integration tests may only connect to loopback, not {address!r}")

    def connect(sock: socket.socket, address: Any) -> None:
        check(sock, address)
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        check(sock, address)
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield


@pytest.fixture(autouse=True)
def _dummy_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """No real credentials or profile, even before an account opens."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def account() -> Iterator[EmulatedAccount]:
    """An emulated account provisioned from the repository's template.yaml."""
    with EmulatedAccount() as emulated:
        yield emulated


@pytest.fixture
def tiny_account() -> Iterator[EmulatedAccount]:
    """An emulated account provisioned from fixtures/tiny/template.yaml (stack "tiny")."""
    with EmulatedAccount(TINY_TEMPLATE, stack_name="tiny") as emulated:
        yield emulated


@pytest.fixture
def world() -> Iterator[EmulatedWorld]:
    """An emulated world: the repository's template as the hub (the organization's management
    account) with SpokeOrganizationId set; add accounts and spokes in the test
    (``world.add_spoke(world.create_account("team-a"), "eu-west-1")``)."""
    with EmulatedWorld() as opened:
        yield opened


@pytest.fixture
def constructed_clients(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The service of every botocore client constructed while the test runs, in order.

    Every client goes through ``botocore.session.Session.create_client`` (boto3's too), so this
    sees what a function's invocation builds, whoever builds it; clear it before the call measured.
    """
    import botocore.session

    built: list[str] = []
    create = botocore.session.Session.create_client

    def recording(self: botocore.session.Session, service_name: str, *args: Any, **kwargs: Any) -> Any:
        built.append(service_name)
        return create(self, service_name, *args, **kwargs)

    monkeypatch.setattr(botocore.session.Session, "create_client", recording)
    return built
