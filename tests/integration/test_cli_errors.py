"""The command line when AWS cannot be reached, and ``--region`` with ``--emulated``.

An unreachable endpoint ends in one line naming it and what to check, with exit 6, after bounded
attempts that each say what they wait for (sagewatch_cli/connection.py). Only 127.0.0.1 is used:
a closed port refuses at once; a listener whose accept queue is full drops the handshake, as a
network without a route (VPN off) does, so the connect timeout is what ends each attempt.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sagewatch_cli import main as cli

pytestmark = pytest.mark.integration

EVENTS = Path(__file__).resolve().parents[2] / "events"
# The documented bound on a connection failure (README, docs/fleet.md); the configuration gives
# at most 3 attempts of 2 s here, so the margin is for a slow, shared machine.
CONNECTION_FAILURE_BOUND_S = 15


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def _unanswered_port() -> Iterator[int]:
    """A port on 127.0.0.1 whose handshakes go unanswered: its accept queue (backlog 0) is full."""
    server = socket.socket()
    fillers: list[socket.socket] = []
    try:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        port = int(server.getsockname()[1])
        for _ in range(3):
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", port))
            fillers.append(filler)
        yield port
    finally:
        for filler in fillers:
            filler.close()
        server.close()


ACCOUNT_COMMANDS = {
    "plan": ["plan", "fraud-scorer"],
    "sync": ["sync", "fraud-scorer"],
    "remove": ["remove", "fraud-scorer"],
    "backtest": ["backtest", "fraud-scorer"],
    "doctor": ["doctor"],
}


@pytest.mark.parametrize("argv", list(ACCOUNT_COMMANDS.values()), ids=list(ACCOUNT_COMMANDS))
def test_a_refused_connection_is_one_line_and_exit_6(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    code = cli.main([*argv, "--region", "eu-west-1", "--endpoint-url", url])
    err = capsys.readouterr().err
    assert code == cli.EXIT_UNREACHABLE == 6
    assert "Traceback" not in err
    failures = [line for line in err.splitlines() if not line.startswith("sagewatch: waiting for")]
    assert failures == [
        f"sagewatch: cannot reach {url}/ (Connection refused; 3 attempts); "
        "check the network (VPN, proxy), --region and --endpoint-url"
    ]


def test_an_unanswered_connection_says_what_it_waits_for_and_gives_up_within_15_seconds() -> None:
    entry_point = Path(sys.executable).with_name("sagewatch")  # the console script pip installed
    with _unanswered_port() as port:
        url = f"http://127.0.0.1:{port}"
        started = time.monotonic()
        done = subprocess.run(
            [str(entry_point), "plan", "fraud-scorer", "--region", "eu-west-1", "--endpoint-url", url],
            capture_output=True,
            text=True,
            env={**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"},
            timeout=60,
            check=False,
        )
        elapsed = time.monotonic() - started
    lines = done.stderr.splitlines()
    assert done.returncode == cli.EXIT_UNREACHABLE, done.stderr
    assert "Traceback" not in done.stderr
    assert lines[:-1] == [
        f"sagewatch: waiting for {url}/ (no connection within 2 s): attempt {n} of 3, up to 2 s to connect"
        for n in (2, 3)
    ]
    assert lines[-1].startswith(f"sagewatch: cannot reach {url}/ (no connection within 2 s; 3 attempts)")
    assert elapsed < CONNECTION_FAILURE_BOUND_S, f"{elapsed:.1f} s"


# -- --region with --emulated is honoured -----------------------------------------------------------


@pytest.mark.parametrize("region", ["cn-north-1", "us-gov-west-1"])
def test_the_emulated_account_opens_in_the_region_given(capsys: pytest.CaptureFixture[str], region: str) -> None:
    code = cli.main(["plan", "llm-chat", "--emulated", "--region", region])
    out, err = capsys.readouterr()
    assert code == cli.EXIT_OK, err
    assert f"emulated account in {region} on http://127.0.0.1:" in err
    assert "llm-chat (" in out


def test_doctor_s_emulated_account_opens_in_the_region_given(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["doctor", "--emulated", "--region", "eu-west-1"])
    _, err = capsys.readouterr()
    assert code in (0, 3), err  # all ok, or warnings only (new endpoints have no metrics yet)
    assert "emulated account in eu-west-1 on http://127.0.0.1:" in err


def test_invoke_runs_in_a_partition_without_ses(capsys: pytest.CaptureFixture[str]) -> None:
    """SES is not offered in aws-cn (botocore's endpoints data): the account has no sent mail to
    read there, rather than failing with moto's KeyError for the region."""
    event = str(EVENTS / "onboard" / "in-service-cpu.json")
    code = cli.main(["invoke", "OnboardFunction", "--event", event, "--emulated", "--region", "cn-north-1"])
    out, err = capsys.readouterr()
    assert code == cli.EXIT_OK, err
    outcome = json.loads(out)
    assert outcome["error"] is None and outcome["emails"] == []
    assert "Traceback" not in err
