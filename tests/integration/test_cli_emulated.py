"""`sagewatch plan|sync|remove --emulated`: the operator commands in a throwaway emulated account."""

from __future__ import annotations

import pytest

from sagewatch_cli.main import main

pytestmark = pytest.mark.integration


def test_plan_shows_without_writing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--all", "--emulated"]) == 0
    out = capsys.readouterr().out
    assert "SageWatch/llm-chat/gpu-a10g/gpu-utilization" in out
    assert "4 endpoint(s)" in out and "USD/month" in out
    # Thresholds as alerts, the demo and the backtest print them.
    assert "model-latency-p99 > 1,000 ms" in out and "async-invocation-failures ≥ 5 requests" in out


def test_sync_applies_and_summarises(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", "fraud-scorer", "video-tagger", "--emulated"]) == 0
    captured = capsys.readouterr()
    assert "synced 2 endpoint(s): 2 onboarded" in captured.out
    assert "[2/2] video-tagger: onboarded" in captured.err


def test_remove_removes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["remove", "fraud-scorer", "--emulated"]) == 0
    assert "fraud-scorer: 6 alarm(s) and its dashboard removed" in capsys.readouterr().out


def test_missing_endpoint_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "nope", "--emulated"]) != 0
    assert "endpoint 'nope' does not exist" in capsys.readouterr().err
