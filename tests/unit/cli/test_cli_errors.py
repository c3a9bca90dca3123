"""Mistakes on the command line end in one readable line and exit 2, before anything starts.

Every case runs the real entry point (``sagewatch_cli.main.main``) with the emulated account made
unopenable: a usage error that reached the account (seconds of startup) would fail the test
instead of printing its line. Unit tests cannot open sockets either (tests/unit/conftest.py), so
none of these reaches AWS.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
)

from sagewatch.core.shared.errors import AwsCallError
from sagewatch_cli import arguments, connection, errors
from sagewatch_cli.main import main
from sagewatch_emulator import EmulatedAccount

REPO = Path(__file__).resolve().parents[3]
EVENT = str(REPO / "events" / "onboard" / "in-service-cpu.json")


@pytest.fixture(autouse=True)
def _no_emulated_account(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("the emulated account was started before the usage error was reported")

    monkeypatch.setattr(EmulatedAccount, "__init__", refuse)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    code = main(list(argv))
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err.splitlines()


USAGE_ERRORS = {
    "unknown region": (["plan", "x", "--region", "mars-1"], "unknown AWS region 'mars-1'"),
    "unknown region, emulated": (["plan", "x", "--region", "mars-1", "--emulated"], "unknown AWS region 'mars-1'"),
    "region typo, doctor": (["doctor", "--region", "us-est-1"], "did you mean"),
    "region, backtest": (["backtest", "x", "--region", "mars-1", "--emulated"], "unknown AWS region"),
    "region, sync": (["sync", "x", "--region", "mars-1"], "unknown AWS region"),
    "region, remove": (["remove", "x", "--region", "mars-1"], "unknown AWS region"),
    "region, invoke": (
        ["invoke", "OnboardFunction", "--event", EVENT, "--emulated", "--region", "mars-1"],
        "unknown AWS region",
    ),
    "malformed endpoint url": (["plan", "x", "--endpoint-url", "notaurl"], "--endpoint-url: expected an http://"),
    "endpoint url, doctor": (["doctor", "--endpoint-url", "ftp://example.com"], "--endpoint-url"),
    "endpoint url, bad port": (["backtest", "x", "--endpoint-url", "http://localhost:99999"], "--endpoint-url"),
    "days out of range": (["backtest", "x", "--days", "99", "--emulated"], "--days: expected a whole number from 1 to"),
    "days zero": (["backtest", "x", "--days", "0", "--emulated"], "--days"),
    "max datapoints zero": (["backtest", "x", "--max-datapoints", "0", "--emulated"], "--max-datapoints"),
    "max datapoints negative": (["backtest", "x", "--max-datapoints", "-5"], "--max-datapoints"),
    "bad end": (["backtest", "x", "--end", "yesterday", "--emulated"], "--end: expected an ISO 8601 time"),
    "negative write tps": (["sync", "x", "--write-tps", "-1", "--emulated"], "--write-tps"),
    "not a number write tps": (["remove", "x", "--write-tps", "nan", "--emulated"], "--write-tps"),
    "no endpoint named": (["plan", "--emulated"], "name at least one endpoint, or pass --all"),
    "names and --all": (["sync", "x", "--all", "--emulated"], "not both"),
    "bad prefix": (["plan", "x", "--prefix", "9-lives", "--emulated"], "--prefix"),
    "unreadable policy": (["plan", "x", "--policy-file", "no-such-policy.json", "--emulated"], "--policy-file"),
    "emulated with endpoint url": (
        ["plan", "x", "--emulated", "--endpoint-url", "http://127.0.0.1:5000"],
        "--endpoint-url cannot be used with it",
    ),
    "missing event file": (
        ["invoke", "OnboardFunction", "--event", "no-such-event.json", "--emulated"],
        "cannot read no-such-event.json",
    ),
    "event not json": (["invoke", "OnboardFunction", "--event", str(REPO / "README.md"), "--emulated"], "not JSON"),
    "parameter without =": (
        ["invoke", "OnboardFunction", "--event", EVENT, "--emulated", "--parameter", "EmailSender"],
        "expected KEY=VALUE",
    ),
    "spoke not an account": (["doctor", "--spoke", "team-a", "--emulated"], "--spoke: expected a 12-digit account ID"),
    "spoke without region": (["doctor", "--spoke", "222222222222:", "--emulated"], "no region after ':'"),
    "spoke unknown region": (["doctor", "--spoke", "222222222222:mars-1", "--emulated"], "unknown AWS region"),
    "external id without spoke": (["doctor", "--external-id", "x" * 16, "--emulated"], "go with --spoke"),
    "demo into a file": (["demo", "--emulated", "--out", str(REPO / "README.md")], "is not a directory"),
    "demo under a file": (["demo", "--emulated", "--out", str(REPO / "README.md" / "demo")], "is not a directory"),
}


@pytest.mark.parametrize("argv, says", list(USAGE_ERRORS.values()), ids=list(USAGE_ERRORS))
def test_a_usage_error_is_one_line_and_exit_2_before_anything_starts(
    capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    code, lines = run(capsys, *argv)
    assert code == errors.EXIT_USAGE == 2
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"sagewatch {argv[0]}:") and says in lines[0]


def test_a_demo_out_that_cannot_be_written_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    if os.geteuid() == 0:  # root writes anywhere a mode allows: use a file system that refuses it
        out = Path("/sys/sagewatch-demo")
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        out = locked / "demo"
    code, lines = run(capsys, "demo", "--emulated", "--out", str(out))
    assert code == errors.EXIT_USAGE
    assert len(lines) == 1 and lines[0].startswith("sagewatch demo:") and str(out) in lines[0], lines


def test_help_still_shows_the_usage_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--help"]) == 0
    assert "--region" in capsys.readouterr().out


def test_a_region_from_the_environment_is_checked_too(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "mars-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    code, lines = run(capsys, "plan", "x")
    assert code == errors.EXIT_USAGE
    assert lines == [lines[0]] and "unknown AWS region 'mars-1'" in lines[0] and "AWS_DEFAULT_REGION" in lines[0]


# -- the argument types ---------------------------------------------------------------------------


@pytest.mark.parametrize("region", ["us-east-1", "eu-central-2", "cn-north-1", "us-gov-west-1", "us-iso-east-1"])
def test_every_partition_s_regions_are_accepted(region: str) -> None:
    assert arguments.region(region) == region


@pytest.mark.parametrize("text", ["mars-1", "us-east-99", "aws-global", "US-EAST-1", ""])
def test_names_botocore_does_not_know_are_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        arguments.region(text)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:5000", "https://sagemaker.eu-west-1.amazonaws.com", "http://[::1]:4566"]
)
def test_endpoint_urls_with_a_scheme_and_a_host_are_accepted(url: str) -> None:
    assert arguments.endpoint_url(url) == url


@pytest.mark.parametrize(
    "url", ["notaurl", "localhost:4566", "ftp://example.com", "http://", "http://a b", "http://h:1x"]
)
def test_anything_else_is_not_an_endpoint_url(url: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        arguments.endpoint_url(url)


def test_rates_may_be_zero_but_counts_may_not() -> None:
    assert arguments.rate("0") == 0.0
    assert arguments.positive_int("1") == 1
    for parse, text in ((arguments.rate, "-0.5"), (arguments.rate, "inf"), (arguments.positive_int, "0")):
        with pytest.raises(argparse.ArgumentTypeError):
            parse(text)


# -- known failures: one line and a documented code; anything else keeps its traceback ------------


def _client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "nope"}}, "DescribeEndpoint")


FAILURES = {
    "connection refused": (
        EndpointConnectionError(
            endpoint_url="https://api.sagemaker.eu-west-1.amazonaws.com/",
            error="<AWSHTTPSConnection object at 0x7f>: Failed to establish a new connection: "
            "[Errno 111] Connection refused",
        ),
        errors.EXIT_UNREACHABLE,
        "cannot reach https://api.sagemaker.eu-west-1.amazonaws.com/ (Connection refused",
    ),
    "connect timeout": (
        ConnectTimeoutError(endpoint_url="https://monitoring.us-east-1.amazonaws.com/", error="timed out"),
        errors.EXIT_UNREACHABLE,
        "no connection within 2 s",
    ),
    "no credentials": (NoCredentialsError(), errors.EXIT_NO_CREDENTIALS, "no AWS credentials"),
    "no region": (NoRegionError(), errors.EXIT_USAGE, "pass --region"),
    "access denied": (_client_error("AccessDeniedException"), errors.EXIT_ACCESS_DENIED, "access denied"),
    "access denied, translated": (
        AwsCallError("cloudwatch.PutMetricAlarm", "AccessDenied", "not authorized"),
        errors.EXIT_ACCESS_DENIED,
        "access denied",
    ),
    "other AWS error": (_client_error("ValidationException"), errors.EXIT_FAILED, "ValidationException"),
}


@pytest.mark.parametrize("exc, code, says", list(FAILURES.values()), ids=list(FAILURES))
def test_a_known_failure_is_one_line_with_its_exit_code(
    capsys: pytest.CaptureFixture[str], exc: Exception, code: int, says: str
) -> None:
    def command() -> int:
        raise exc

    assert errors.run_reported(command) == code
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("sagewatch: ") and says in lines[0], lines


def test_an_unexpected_exception_keeps_its_traceback() -> None:
    def command() -> int:
        raise KeyError("a bug")

    with pytest.raises(KeyError):
        errors.run_reported(command)


# -- bounded connection attempts ------------------------------------------------------------------


def test_the_command_s_clients_give_up_on_an_unreachable_endpoint_within_15_seconds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What botocore is configured to do, read back from a real client (no call is made): the
    attempts, each bounded by the connect timeout, plus the longest backoff between them."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")  # not the instance metadata service: no network
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    clients, region = connection.open_session(None, "eu-west-1", "http://127.0.0.1:1")
    config = clients("sagemaker").meta.config
    attempts = config.retries["total_max_attempts"]
    longest_backoffs = sum(min(2 ** (i - 1), 20) for i in range(1, attempts))  # botocore's cap, base 1 s
    assert region == "eu-west-1"
    assert attempts * config.connect_timeout + longest_backoffs <= 15


def test_a_retry_after_a_connection_failure_says_what_it_waits_for(capsys: pytest.CaptureFixture[str]) -> None:
    failure = EndpointConnectionError(endpoint_url="http://127.0.0.1:1/", error="[Errno 111] Connection refused")
    connection.say_when_waiting(caught_exception=failure, attempts=1)
    connection.say_when_waiting(caught_exception=failure, attempts=connection.MAX_ATTEMPTS)  # the last: no retry
    connection.say_when_waiting(caught_exception=None, attempts=1)  # an answer, not a failure
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        f"sagewatch: waiting for http://127.0.0.1:1/ (Connection refused): attempt 2 of {connection.MAX_ATTEMPTS}, "
        f"up to {connection.CONNECT_TIMEOUT_S} s to connect"
    ]
