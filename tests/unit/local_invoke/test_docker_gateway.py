"""docker.sh's reading of the bridge gateway, on the answers of both Debian releases' docker.io.

Debian 12 (bookworm) ships docker.io 20.10, whose ``docker network inspect bridge`` leaves
``IPAM.Config[0].Gateway`` empty for the default bridge; Debian 13 (trixie) ships a newer one, which
fills it. Either way the relays must listen on docker0's own address, and nowhere else.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

DOCKER_SH = Path(__file__).resolve().parents[3] / "tests" / "local_invoke" / "docker.sh"
# `ip -4 -o addr show dev docker0` as both releases print it.
DOCKER0 = (
    "3: docker0    inet 172.17.0.1/16 brd 172.17.255.255 scope global docker0\\"
    "       valid_lft forever preferred_lft forever"
)


def pick(inspected: str, addresses: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(DOCKER_SH), "pick-gateway", inspected, addresses],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.parametrize(
    ("release", "inspected"),
    [("Debian 12, docker.io 20.10: Gateway empty", ""), ("Debian 13, a newer docker.io: Gateway filled", "172.17.0.1")],
)
def test_the_gateway_is_docker0s_address_on_both_releases(release: str, inspected: str) -> None:
    done = pick(inspected, DOCKER0)
    assert done.returncode == 0, (release, done.stderr)
    assert done.stdout.strip() == "172.17.0.1"


def test_a_gateway_that_is_not_docker0s_is_refused_with_both_addresses_named() -> None:
    done = pick("192.168.5.1", DOCKER0)
    assert done.returncode == 1
    assert done.stdout == ""
    assert "192.168.5.1" in done.stderr
    assert "172.17.0.1" in done.stderr


def test_a_docker0_without_ipv4_is_refused() -> None:
    done = pick("", "")
    assert done.returncode == 1
    assert done.stdout == ""
    assert "docker0 has no IPv4 address" in done.stderr
