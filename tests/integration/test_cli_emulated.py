"""The CLI's ``--emulated`` commands in a throwaway sample account (sagewatch_simulator.sample_account):
plan, sync and remove, and ``invoke`` with the sample events, which find the endpoints and
schedule they name and deliver to the account's fake Slack and SES."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sagewatch_cli.main import main
from sagewatch_simulator.sample_account import open_sample_account

pytestmark = pytest.mark.integration

EVENTS = Path(__file__).resolve().parents[2] / "events"


def _invoke(
    capsys: pytest.CaptureFixture[str], function: str, event: str, *more: str
) -> tuple[int, dict[str, Any], str]:
    code = main(["invoke", function, "--event", str(EVENTS / event), "--emulated", *more])
    captured = capsys.readouterr()
    outcome: dict[str, Any] = json.loads(captured.out)  # off a terminal: only the JSON outcome on stdout
    return code, outcome, captured.err


def test_plan_shows_without_writing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--all", "--emulated"]) == 0
    out = capsys.readouterr().out
    assert "SageWatch/llm-chat/gpu-a10g/gpu-utilization" in out
    assert "7 endpoint(s)" in out and "USD/month" in out
    # Thresholds as alerts, the demo and the backtest print them.
    assert "model-latency-p99 > 1,000 ms" in out and "async-invocation-failures ≥ 5 requests" in out


def test_sync_applies_and_summarises(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", "fraud-scorer", "video-tagger", "--emulated"]) == 0
    captured = capsys.readouterr()
    assert "synced 2 endpoint(s): 2 onboarded" in captured.out
    # Off a terminal: one plain line per endpoint, no status line, no INFO log lines.
    progress = [line for line in captured.err.splitlines() if line.startswith("[")]
    assert progress == [
        "[1/2] fraud-scorer: onboarded (+6 ~0 -0, dashboard create)",
        "[2/2] video-tagger: onboarded (+10 ~0 -0, dashboard create)",
    ]
    assert "\r" not in captured.err and '"level":"INFO"' not in captured.err


def test_sync_shows_the_runtime_json_logs_only_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", "fraud-scorer", "--emulated", "--log-json"]) == 0
    err = capsys.readouterr().err
    info = [json.loads(line) for line in err.splitlines() if line.startswith('{"level":"INFO"')]
    assert info and all("message" in record for record in info)
    assert "[1/1] fraud-scorer: onboarded" in err


def test_remove_removes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["remove", "fraud-scorer", "--emulated"]) == 0
    assert "fraud-scorer: 6 alarm(s) and its dashboard removed" in capsys.readouterr().out


def test_missing_endpoint_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "nope", "--emulated"]) != 0
    assert "endpoint 'nope' does not exist" in capsys.readouterr().err


def test_the_readme_invoke_example_onboards(capsys: pytest.CaptureFixture[str]) -> None:
    code, outcome, err = _invoke(capsys, "OnboardFunction", "onboard/in-service-cpu.json")
    assert code == 0 and outcome["error"] is None
    assert outcome["response"]["outcome"] == "onboarded" and outcome["response"]["endpoint"] == "fraud-scorer"
    # The fraud-scorer tag of the sample account applies: p99 above 250 ms, not the default.
    assert "SageWatch/fraud-scorer/AllTraffic/model-latency-p99" in outcome["response"]["created"]
    assert outcome["writes"]["cloudwatch.PutMetricAlarm"] == 6
    assert '"level":"INFO"' not in err  # the function's INFO lines only with --log-json


@pytest.mark.parametrize(
    ("event", "outcome"),
    [
        ("monitoring-run-completed.json", "clean"),
        ("monitoring-run-failed.json", "alerted"),
        ("monitoring-run-violations.json", "alerted"),
    ],
)
def test_the_monitoring_run_samples_find_their_schedule(
    capsys: pytest.CaptureFixture[str], event: str, outcome: str
) -> None:
    code, result, _ = _invoke(capsys, "OnboardFunction", f"onboard/{event}")
    assert code == 0 and result["error"] is None, result["error"]
    assert result["response"]["schedule"] == "churn-v2-data-quality"
    assert result["response"]["outcome"] == outcome


def test_the_notify_sample_posts_to_the_fake_slack_and_mails(capsys: pytest.CaptureFixture[str]) -> None:
    code, outcome, _ = _invoke(capsys, "NotifyFunction", "notify/alarm-metric-latency-p99.json")
    assert code == 0 and outcome["error"] is None
    (post,) = outcome["slack_posts"]
    assert post["accepted"] and post["reply"] == "ok" and post["block_kit_problems"] == []
    (message,) = outcome["slack_messages"]
    assert "fraud-scorer" in message["text"] and message["blocks"]
    (mail,) = outcome["emails"]
    assert mail["to"] == ["oncall@example.com"] and "fraud-scorer" in mail["subject"]


def test_the_sample_account_has_what_every_onboarding_sample_names() -> None:
    """Each onboarding sample finds its endpoint (and schedule, component): only DELETING removes."""
    with contextlib.closing(open_sample_account()) as account:
        for event in sorted((EVENTS / "onboard").glob("*.json")):
            invocation = account.invoke("OnboardFunction", json.loads(event.read_text()))
            assert invocation.error is None, (event.name, invocation.error)
            outcome = invocation.response["outcome"]
            assert (outcome == "removed") == (event.name == "deleting.json"), (event.name, outcome)


def test_invoke_log_json_shows_every_line_of_the_function(capsys: pytest.CaptureFixture[str]) -> None:
    _, _, quiet = _invoke(capsys, "OnboardFunction", "onboard/in-service-cpu.json")
    _, _, everything = _invoke(capsys, "OnboardFunction", "onboard/in-service-cpu.json", "--log-json")
    assert '"level":"INFO"' in everything and '"level":"INFO"' not in quiet


def _on_a_terminal(*argv: str) -> str:
    """Run ``sagewatch ARGV`` with stdout and stderr on a pseudo-terminal; what it displayed."""
    controller, terminal = pty.openpty()
    command = [sys.executable, "-m", "sagewatch_cli.main", *argv]
    with subprocess.Popen(command, stdout=terminal, stderr=terminal, cwd=EVENTS.parent) as process:
        os.close(terminal)
        chunks: list[bytes] = []
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal closed: the command ended
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=120) == 0, b"".join(chunks).decode(errors="replace")[-2000:]
    os.close(controller)
    return b"".join(chunks).decode("utf-8", errors="replace").replace("\r\n", "\n")


def test_on_a_terminal_invoke_shows_the_slack_message_and_the_email() -> None:
    shown = _on_a_terminal(
        "invoke", "NotifyFunction", "-e", "events/notify/alarm-metric-latency-p99.json", "--emulated"
    )
    assert "Slack #alerts via incoming webhook: accepted; Block Kit ok" in shown
    assert "ALARM: Model latency p99 > 250 ms on fraud-scorer" in shown  # Slack's &gt; undone for reading
    assert "email to oncall@example.com:" in shown
    assert '"level"' not in shown and '"slack_messages"' not in shown  # for reading, not JSON


def test_on_a_terminal_sync_counts_under_its_progress_lines() -> None:
    shown = _on_a_terminal("sync", "fraud-scorer", "llm-chat", "--emulated")
    assert "\x1b[Ksyncing: 1/2 endpoint(s) done" in shown
    assert "[1/2] fraud-scorer: onboarded (+6 ~0 -0, dashboard create)\n" in shown
    assert "synced 2 endpoint(s): 2 onboarded" in shown
    assert '"level":"INFO"' not in shown
