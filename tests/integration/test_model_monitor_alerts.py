"""Model Monitor run alerts end to end in the emulated account: a run's processing-job event →
OnboardFunction → AlertTopic → AlertQueue → NotifyFunction → one Slack message.

"Done when": a violation run produces one actionable alert — naming the endpoint, the schedule
and the monitor type, listing what violated (read from the run's constraint_violations.json
where SageWatch may read it), linking the report and the schedule — and SageMaker sending the
run's event twice still tells it once. A failed run says why; a clean run tells nobody.

In AWS's order: the schedule's first run is at the hour boundary after its creation ("Interpret
results"), which the emulated account enforces; an event shaped like AWS's only published
example ("Events that Amazon SageMaker AI sends to Amazon EventBridge") is still a run; a run not
final yet is looked at again; an execution that failed before any processing job is told once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sagewatch_emulator import EmulatedAccount
from sagewatch_emulator.model_monitor.runs import violation
from sagewatch_emulator.slack_blocks import validate_slack_message

pytestmark = pytest.mark.integration

SECRET = "sagewatch/slack-webhook"
EVENTS = Path(__file__).resolve().parents[2] / "events" / "onboard"
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
    to_the_next_run(account)
    return account


def to_the_next_run(account: EmulatedAccount) -> None:
    """To 25 minutes past the next hour: runs start on the hour (plus a 0-20 minute buffer),
    from the first hour boundary after the schedule was created ("Interpret results")."""
    now = account.now
    account.advance(now.replace(minute=25, second=0, microsecond=0) + timedelta(hours=1) - now)


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
    assert first.aws_calls.get("sagemaker.ListMonitoringExecutions") == 1
    assert first.aws_calls.get("sagemaker.DescribeProcessingJob") is None  # the event said it all
    assert first.aws_calls.get("sns.Publish") == 1
    assert first.response["refit"]["outcome"] == "onboarded"  # a completed data-quality run: re-fitted
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
    sample = EVENTS / "processing-job-not-monitoring.json"
    result = monitored.invoke("OnboardFunction", json.loads(sample.read_text()))
    assert result.error is None and result.response["outcome"] == "ignored"
    assert not any(op.startswith("sagemaker.") for op in result.aws_calls)


def aws_shaped(event: dict[str, Any]) -> dict[str, Any]:
    """The run's event with only the keys of AWS's published example ("Events that Amazon
    SageMaker AI sends to Amazon EventBridge", SageMaker processing job state change; the sample
    events/onboard/processing-job-aws-example.json): no Environment, MonitoringScheduleArn or
    ExitMessage."""
    sample = json.loads((EVENTS / "processing-job-aws-example.json").read_text())
    detail = {k: v for k, v in event["detail"].items() if k in sample["detail"]}
    assert not {"Environment", "MonitoringScheduleArn", "ExitMessage"} & set(detail)
    return {**event, "detail": detail}


def test_an_event_shaped_like_awss_published_example_is_still_recognised_as_a_monitoring_run(
    monitored: EmulatedAccount,
) -> None:
    run = monitored.run_monitoring_execution(SCHEDULE, "CompletedWithViolations", violations=[violation("tenure")])
    result = monitored.invoke("OnboardFunction", aws_shaped(run.event))
    assert result.error is None, result.error_traceback
    assert result.aws_calls.get("sagemaker.DescribeProcessingJob") == 1  # what the event did not say
    assert result.response["outcome"] == "alerted" and result.response["schedule"] == SCHEDULE
    [message] = deliver(monitored)
    assert "churn-v2" in json.dumps(message) and SCHEDULE in json.dumps(message)


def test_a_run_whose_execution_is_not_final_yet_is_retried_not_called_clean(monitored: EmulatedAccount) -> None:
    from sagewatch_emulator.model_monitor.service import monitoring_store

    run = monitored.run_monitoring_execution(SCHEDULE, "CompletedWithViolations", violations=[violation("tenure")])
    event = aws_shaped(run.event)
    # The job's event arrived before SageMaker marked the execution final, and the job's
    # description has no ExitMessage yet: nothing tells how the run ended.
    [execution] = monitoring_store(monitored.model_monitor.backend()).executions[SCHEDULE]
    execution["MonitoringExecutionStatus"] = "InProgress"
    del monitoring_store(monitored.model_monitor.backend()).processing_jobs[run.processing_job_arn.rsplit("/", 1)[-1]][
        "ExitMessage"
    ]
    early = monitored.invoke("OnboardFunction", event)
    assert early.error is not None and "MonitoringRunNotFinalError" in early.error  # Lambda retries the event
    assert early.aws_calls.get("sns.Publish") is None
    execution["MonitoringExecutionStatus"] = "CompletedWithViolations"
    retried = monitored.invoke("OnboardFunction", event)
    assert retried.error is None and retried.response["outcome"] == "alerted"
    assert len(deliver(monitored)) == 1


def test_an_execution_that_failed_without_a_processing_job_is_alerted_once(monitored: EmulatedAccount) -> None:
    """ProcessingJobArn is optional in MonitoringExecutionSummary (API reference): "Job inputs had
    no data" fails a run before any job, so no processing-job event exists. The hourly check finds
    it (ListMonitoringExecutions, StatusEquals=Failed) and tells it once, however often it looks."""
    monitored.record_monitoring_execution(SCHEDULE, "Failed", failure_reason="Job inputs had no data")
    monitored.advance(timedelta(hours=1))
    with_job = monitored.run_monitoring_execution(SCHEDULE, "Failed")  # told by its own job's event
    assert with_job.processing_job_arn
    check = {
        "version": "0",
        "id": "check",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": monitored.account_id,
        "time": monitored.now.isoformat(),
        "region": monitored.region,
        "resources": [],
        "detail": {},
    }
    first = monitored.invoke("OnboardFunction", check)
    assert first.error is None, first.error_traceback
    assert first.response["found"] == 1 and first.aws_calls.get("sns.Publish") == 1
    monitored.advance(timedelta(hours=1))
    again = monitored.invoke("OnboardFunction", {**check, "id": "check-2", "time": monitored.now.isoformat()})
    assert again.error is None and again.response["alerted"] == first.response["alerted"]
    [message] = deliver(monitored)  # two looks, one alert: the delivery ledger keys it by schedule + hour
    text = json.dumps(message, ensure_ascii=False)
    assert "Model Monitor run failed on churn-v2" in text and "Job inputs had no data" in text
    assert "logsV2:log-groups" not in text  # no job, no job logs
