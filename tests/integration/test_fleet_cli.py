"""`sagewatch plan | sync | remove` against the emulated account (through --endpoint-url)."""

from __future__ import annotations

from typing import Any

import pytest

from sagewatch_cli import main as cli
from sagewatch_emulator import EmulatedAccount, VariantSpec

pytestmark = pytest.mark.integration


def run(account: EmulatedAccount, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    where = ["--endpoint-url", account.endpoint_url, "--region", account.region]
    topic = ["--alert-topic-arn", account.physical_id("AlertTopic")]
    code = cli.main([*argv, *where, *topic])
    out, err = capsys.readouterr()
    return code, out, err


def alarm_names(account: EmulatedAccount, endpoint: str) -> set[str]:
    pages = (
        account.client("cloudwatch").get_paginator("describe_alarms").paginate(AlarmNamePrefix=f"SageWatch/{endpoint}/")
    )
    return {a["AlarmName"] for page in pages for a in page["MetricAlarms"]}


@pytest.fixture
def endpoints(account: EmulatedAccount) -> Any:
    account.create_endpoint(
        "fraud-scorer",
        variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 2)],
        tags={"sagewatch:alarm:model-latency-p99": "250"},
    )
    account.create_endpoint("chat", variants=[VariantSpec("AllTraffic", serverless_memory_mb=2048)])
    return account


def test_plan_shows_changes_in_human_units_and_cost_without_writing(
    endpoints: EmulatedAccount, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(endpoints, capsys, "plan", "fraud-scorer")
    assert code == cli.EXIT_OK
    assert "fraud-scorer (real-time): 6 to create" in out
    assert "+ SageWatch/fraud-scorer/AllTraffic/model-latency-p99: model-latency-p99 > 250 ms" in out
    assert "cpu-utilization > 90 %" in out  # per core, as people read it (the alarm says 360)
    assert "USD/month" in out
    assert alarm_names(endpoints, "fraud-scorer") == set()


def test_sync_applies_with_progress_and_a_second_plan_is_empty(
    endpoints: EmulatedAccount, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(endpoints, capsys, "sync", "--all", "--write-tps", "0")
    assert code == cli.EXIT_OK
    assert "[1/2] chat: onboarded" in err and "[2/2] fraud-scorer: onboarded" in err
    assert "synced 2 endpoint(s): 2 onboarded" in out
    assert len(alarm_names(endpoints, "fraud-scorer")) == 6
    code, out, _ = run(endpoints, capsys, "plan", "--all")
    assert code == cli.EXIT_OK
    assert "0 write call(s) to apply" in out


def test_sync_dry_run_writes_nothing(endpoints: EmulatedAccount, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(endpoints, capsys, "sync", "chat", "--dry-run")
    assert code == cli.EXIT_OK and "chat (serverless)" in out
    assert alarm_names(endpoints, "chat") == set()


def test_remove_takes_alarms_and_dashboard_away(endpoints: EmulatedAccount, capsys: pytest.CaptureFixture[str]) -> None:
    run(endpoints, capsys, "sync", "fraud-scorer", "--write-tps", "0")
    code, out, _ = run(endpoints, capsys, "remove", "fraud-scorer", "--write-tps", "0")
    assert code == cli.EXIT_OK
    assert "fraud-scorer: 6 alarm(s) and its dashboard removed" in out
    assert alarm_names(endpoints, "fraud-scorer") == set()


def test_clear_errors_and_exit_codes(endpoints: EmulatedAccount, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(endpoints, capsys, "plan", "nope")
    assert code == cli.EXIT_NOT_FOUND and "endpoint 'nope' does not exist" in err
    code, _, err = run(endpoints, capsys, "plan")
    assert code == cli.EXIT_USAGE and "--all" in err
    endpoints.inject_fault("sagemaker", "DescribeEndpoint", code="AccessDeniedException", message="not authorized")
    code, _, err = run(endpoints, capsys, "plan", "chat")
    assert code == cli.EXIT_ACCESS_DENIED and "access denied" in err


def test_no_credentials_is_a_clear_error(
    endpoints: EmulatedAccount, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    code, _, err = run(endpoints, capsys, "plan", "chat")
    assert code == cli.EXIT_NO_CREDENTIALS and "no AWS credentials" in err


def test_plan_shows_where_each_endpoints_alerts_go(
    endpoints: EmulatedAccount, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    endpoints.create_endpoint(
        "payments",
        variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 2)],
        tags={"sagewatch:team": "payments", "sagewatch:severity:cpu-utilization": "page"},
    )
    endpoints.create_endpoint(
        "ranker", variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 1)], tags={"sagewatch:team": "ml-platform"}
    )
    policy = tmp_path / "policy.json"
    policy.write_text(
        '{"routes": {"payments": {"pagerduty": "sagewatch/pd-payments", "slack": "sagewatch/slack-payments"},'
        ' "ml-platform": {"teams": "sagewatch/teams-ml"}}}'
    )
    code, out, _ = run(endpoints, capsys, "plan", "payments", "ranker", "fraud-scorer", "--policy-file", str(policy))
    assert code == cli.EXIT_OK, out
    lines = [line.strip() for line in out.splitlines() if "alerts go to" in line]
    assert lines == [
        "alerts go to: team payments: slack sagewatch/slack-payments; paging pagerduty sagewatch/pd-payments for "
        "cpu-utilization, disk-utilization, invocation-5xx-rate, model-latency-p99 and an endpoint failure",
        "alerts go to: team ml-platform: teams sagewatch/teams-ml",
        "alerts go to: the default route (the stack's Slack and e-mail destinations)",
    ]
    bad = tmp_path / "bad.json"
    bad.write_text('{"routes": {"payments": {"pager": "x", "slack": "y"}}}')
    code, _, err = run(endpoints, capsys, "plan", "payments", "--policy-file", str(bad))
    assert code == cli.EXIT_USAGE and "routes.payments: unknown field(s) pager" in err
    assert len(err.strip().splitlines()) == 1  # one line, no traceback
