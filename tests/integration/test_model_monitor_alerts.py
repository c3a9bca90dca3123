"""Model Monitor run alerts end to end in the emulated account: a run's processing-job event →
OnboardFunction → AlertTopic → AlertQueue → NotifyFunction → one Slack message.

"Done when": a violation run produces one actionable alert — naming the endpoint, the schedule
and the monitor type, listing what violated (read from the run's constraint_violations.json
where SageWatch may read it), linking the report and the schedule — and SageMaker sending the
run's event twice still tells it once. A failed run says why; a clean run tells nobody.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from sagewatch_emulator import EmulatedAccount
from sagewatch_emulator.model_monitor_runs import violation
from sagewatch_emulator.slack_blocks import validate_slack_message

pytestmark = pytest.mark.integration

SECRET = "sagewatch/slack-webhook"
SCHEDULE = "churn-v2-data-quality"
FEATURES = [f"feature_{i:02d}" for i in range(12)]


def open_account(*, reports_readable: bool) -> EmulatedAccount:
    parameters = {"SlackWebhookSecretName": SECRET}
    if reports_readable:
        # The default output bucket of the emulator's schedules (account.create_monitoring_schedule).
        parameters["MonitoringReportsBucket"] = "sagemaker-us-east-1-123456789012/monitoring"
    account = EmulatedAccount(parameters=parameters).start()
    account.client("secretsmanager").create_secret(Name=SECRET, SecretString=account.slack_url)
    account.create_endpoint("churn-v2")
    account.create_monitoring_schedule("churn-v2", SCHEDULE)
    return account


@pytest.fixture
def monitored() -> Iterator[EmulatedAccount]:
    account = open_account(reports_readable=True)
    try:
        yield account
    finally:
        account.close()


@pytest.fixture
def monitored_without_report_access() -> Iterator[EmulatedAccount]:
    account = open_account(reports_readable=False)
    try:
        yield account
    finally:
        account.close()


def deliver(account: EmulatedAccount) -> list[dict[str, Any]]:
    """Drain AlertQueue into NotifyFunction; the Slack messages it sent."""
    drained = account.drain_queue("AlertQueue", "NotifyFunction")
    assert all(i.error is None for i in drained), [i.error for i in drained]
    return [m for i in drained for m in i.slack_messages]


def urls(message: dict[str, Any]) -> list[str]:
    return [e["url"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_a_violations_run_is_one_actionable_alert_even_when_its_event_comes_twice(monitored: EmulatedAccount) -> None:
    run = monitored.run_monitoring_execution(
        SCHEDULE, "CompletedWithViolations", violations=[violation(f) for f in FEATURES]
    )
    first = monitored.invoke("OnboardFunction", run.event)
    assert first.error is None, first.error
    assert first.response["outcome"] == "alerted" and first.response["status"] == "CompletedWithViolations"
    assert first.aws_calls.get("sagemaker.DescribeMonitoringSchedule") == 1
    assert first.aws_calls.get("sagemaker.ListMonitoringExecutions") == 1
    assert first.aws_calls.get("sns.Publish") == 1
    again = monitored.invoke("OnboardFunction", run.event)  # SageMaker may send an event twice
    assert again.error is None and again.aws_calls.get("sns.Publish") == 1

    messages = deliver(monitored)
    assert len(messages) == 1
    [message] = messages
    assert validate_slack_message(message) == []
    text = json.dumps(message, ensure_ascii=False)
    for expected in ("churn-v2", SCHEDULE, "DataQuality", "12 violations", "baseline\\\\_drift\\\\_check"):
        assert expected in text or expected.replace("\\\\_", "_") in text, expected
    assert "feature\\\\_00" in text or "feature_00" in text
    assert "and 2 more in the report" in text
    links = " ".join(urls(message))
    assert f"#/monitoring-schedules/{SCHEDULE}" in links and "#/endpoints/churn-v2" in links
    assert "s3.console.aws.amazon.com/s3/object/sagemaker-us-east-1-123456789012" in links
    assert run.report_key is not None and run.report_key.replace("/", "/") in links.replace("%2F", "/")


def test_a_failed_run_says_why(monitored: EmulatedAccount) -> None:
    run = monitored.run_monitoring_execution(SCHEDULE, "Failed", failure_reason="AlgorithmError: Encoding mismatch")
    result = monitored.invoke("OnboardFunction", run.event)
    assert result.error is None and result.response["outcome"] == "alerted"
    [message] = deliver(monitored)
    text = json.dumps(message, ensure_ascii=False)
    assert "Model Monitor run failed on churn-v2" in text and "Encoding mismatch" in text
    assert "logsV2:log-groups" in " ".join(urls(message))


def test_a_clean_run_tells_nobody(monitored: EmulatedAccount) -> None:
    run = monitored.run_monitoring_execution(SCHEDULE, "Completed")
    result = monitored.invoke("OnboardFunction", run.event)
    assert result.error is None and result.response["outcome"] == "clean"
    assert result.aws_calls.get("sns.Publish") is None
    assert deliver(monitored) == []


def test_without_report_access_the_alert_links_the_report_and_says_so(
    monitored_without_report_access: EmulatedAccount,
) -> None:
    account = monitored_without_report_access
    run = account.run_monitoring_execution(SCHEDULE, "CompletedWithViolations", violations=[violation("tenure")])
    assert account.invoke("OnboardFunction", run.event).error is None
    drained = account.drain_queue("AlertQueue", "NotifyFunction")
    assert all(i.error is None for i in drained)
    assert not any(i.aws_calls.get("s3.GetObject") for i in drained)  # no permission, no read
    [message] = [m for i in drained for m in i.slack_messages]
    text = json.dumps(message, ensure_ascii=False)
    assert "MonitoringReportsBucket" in text
    assert any("/s3/buckets/sagemaker-us-east-1-123456789012" in u for u in urls(message))


def test_a_processing_job_no_schedule_started_is_ignored(monitored: EmulatedAccount) -> None:
    from pathlib import Path

    sample = Path(__file__).resolve().parents[2] / "events" / "onboard" / "processing-job-not-monitoring.json"
    result = monitored.invoke("OnboardFunction", json.loads(sample.read_text()))
    assert result.error is None and result.response["outcome"] == "ignored"
    assert not any(op.startswith("sagemaker.") for op in result.aws_calls)
