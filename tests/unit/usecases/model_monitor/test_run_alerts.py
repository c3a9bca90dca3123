"""A finished run → one notice when it failed or found violations; routing from the endpoint's tags."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sagewatch.core.alerting.notification import MonitoringRunNotice, parse_sns_record
from sagewatch.core.model_monitor.runs import MonitoringJobFinished, parse_monitoring_job
from sagewatch.core.shared.errors import EndpointNotFoundError
from sagewatch.usecases.model_monitor.run_alerts import MonitoringRunAlerts

EVENTS = Path(__file__).resolve().parents[4] / "events" / "onboard"
SCHEDULE_ARN = "arn:aws:sagemaker:us-east-1:123456789012:monitoring-schedule/churn-v2-data-quality"
SCHEDULE = {
    "MonitoringScheduleName": "churn-v2-data-quality",
    "EndpointName": "churn-v2",
    "MonitoringType": "DataQuality",
    "MonitoringScheduleConfig": {
        "MonitoringJobDefinition": {
            "MonitoringOutputConfig": {"MonitoringOutputs": [{"S3Output": {"S3Uri": "s3://reports/mon"}}]}
        }
    },
}


class Schedules:
    def __init__(self, execution: dict[str, Any] | None, failed: list[dict[str, Any]] | None = None) -> None:
        self.execution = execution
        self.failed = failed or []
        self.windows: list[datetime] = []

    def find_execution(self, schedule: str, processing_job_arn: str) -> dict[str, Any] | None:
        return self.execution

    def failed_executions(self, created_after: datetime) -> list[dict[str, Any]]:
        self.windows.append(created_after)
        return self.failed


class Tags:
    """The endpoints reader: the schedule (always there) and the endpoint's tags."""

    def __init__(self, tags: Mapping[str, str] | None) -> None:
        self.tags = tags

    described_jobs: dict[str, dict[str, Any]] = {}  # noqa: RUF012 - replaced per test

    def describe_monitoring_schedule(self, name: str) -> dict[str, Any] | None:
        return dict(SCHEDULE)

    def describe_processing_job(self, name: str) -> dict[str, Any] | None:
        return self.described_jobs.get(name)

    def endpoint_tags(self, endpoint_name: str) -> Mapping[str, str]:
        if self.tags is None:
            raise EndpointNotFoundError(endpoint_name)
        return self.tags


class Topic:
    def __init__(self) -> None:
        self.published: list[tuple[str, dict[str, Any]]] = []

    def publish(self, subject: str, message: Mapping[str, Any]) -> str:
        self.published.append((subject, dict(message)))
        return f"sns-{len(self.published)}"


def run(name: str) -> MonitoringJobFinished:
    parsed = parse_monitoring_job(json.loads((EVENTS / name).read_text()))
    assert parsed is not None
    return parsed


def published_notice(topic: Topic, index: int = 0) -> MonitoringRunNotice:
    message = topic.published[index][1]
    parsed = parse_sns_record({"MessageId": f"sns-{index}", "Message": json.dumps(message)})
    assert isinstance(parsed, MonitoringRunNotice)
    return parsed


def test_a_violations_run_publishes_one_notice_routed_by_the_endpoint_tags() -> None:
    topic = Topic()
    execution = {"MonitoringExecutionStatus": "CompletedWithViolations", "ScheduledTime": datetime(2026, 11, 28, 5)}
    alerts = MonitoringRunAlerts(Schedules(execution), Tags({"sagewatch:slack-webhook-secret": "ml-team"}), topic)
    result = alerts.handle(run("monitoring-run-violations.json"))
    assert result.outcome == "alerted" and result.status == "CompletedWithViolations"
    [(subject, _)] = topic.published
    assert subject == "Model Monitor churn-v2-data-quality found violations on churn-v2"
    notice = published_notice(topic)
    assert notice.endpoint_name == "churn-v2" and notice.monitoring_type == "DataQuality"
    assert notice.slack_secret == "ml-team"
    assert notice.scheduled_time == datetime(2026, 11, 28, 5, tzinfo=UTC)
    assert notice.output_uri and notice.output_uri.endswith("/2026/11/28/05")  # the event's own output


def test_the_same_run_sent_twice_gives_notices_with_one_delivery_id() -> None:
    topic = Topic()
    alerts = MonitoringRunAlerts(Schedules(None), Tags({}), topic)
    alerts.handle(run("monitoring-run-violations.json"))
    alerts.handle(run("monitoring-run-violations.json"))
    assert published_notice(topic, 0).message_id == published_notice(topic, 1).message_id


def test_a_failed_run_carries_the_execution_failure_reason() -> None:
    topic = Topic()
    execution = {"MonitoringExecutionStatus": "Failed", "FailureReason": "Job inputs had no data"}
    result = MonitoringRunAlerts(Schedules(execution), Tags(None), topic).handle(run("monitoring-run-failed.json"))
    assert result.outcome == "alerted"
    notice = published_notice(topic)
    assert notice.status == "Failed" and notice.failure_reason == "Job inputs had no data"
    assert notice.slack_secret is None  # the endpoint is gone: the default destinations


def test_a_clean_run_publishes_nothing() -> None:
    topic = Topic()
    execution = {"MonitoringExecutionStatus": "Completed"}
    result = MonitoringRunAlerts(Schedules(execution), Tags({}), topic).handle(run("monitoring-run-completed.json"))
    assert result.outcome == "clean" and topic.published == []


def test_the_report_folder_is_derived_from_the_schedule_when_the_event_lacks_it() -> None:
    topic = Topic()
    job = run("monitoring-run-violations.json")
    bare = MonitoringJobFinished(**{**job.__dict__, "output_uri": None})
    execution = {"MonitoringExecutionStatus": "CompletedWithViolations", "ScheduledTime": datetime(2026, 11, 28, 5)}
    MonitoringRunAlerts(Schedules(execution), Tags({}), topic).handle(bare)
    assert published_notice(topic).output_uri == "s3://reports/mon/churn-v2/churn-v2-data-quality/2026/11/28/05"


def test_a_run_of_a_schedule_that_is_gone_raises_so_the_event_is_retried_then_dead_lettered() -> None:
    import pytest

    from sagewatch.usecases.model_monitor.run_alerts import MonitoringScheduleNotFoundError

    class Gone(Tags):
        def describe_monitoring_schedule(self, name: str) -> dict[str, Any] | None:
            return None

    topic = Topic()
    with pytest.raises(MonitoringScheduleNotFoundError):
        MonitoringRunAlerts(Schedules(None), Gone({}), topic).handle(run("monitoring-run-violations.json"))
    assert topic.published == []


def test_an_unmarked_event_is_told_from_the_job_describeprocessingjob_returns() -> None:
    """AWS's published example (events/onboard/processing-job-aws-example.json, "Events that Amazon
    SageMaker AI sends to Amazon EventBridge") says nothing of a schedule: the job's description does."""
    topic = Topic()
    job = run("processing-job-aws-example.json")
    endpoints = Tags({})
    endpoints.described_jobs = {
        job.job_name: {
            "ProcessingJobStatus": "Completed",
            "MonitoringScheduleArn": SCHEDULE_ARN,
        }
    }
    execution = {"MonitoringExecutionStatus": "CompletedWithViolations"}
    result = MonitoringRunAlerts(Schedules(execution), endpoints, topic).handle(job)
    assert result.outcome == "alerted" and result.schedule == "churn-v2-data-quality"
    assert result.published_drift_metrics  # a completed data-quality run: the drift alarms follow
    endpoints.described_jobs = {job.job_name: {"ProcessingJobStatus": "Completed", "Environment": {"STAGE": "x"}}}
    assert MonitoringRunAlerts(Schedules(None), endpoints, Topic()).handle(job).outcome == "ignored"


def test_a_run_not_final_yet_raises_so_it_is_looked_at_again_never_called_clean() -> None:
    import pytest

    from sagewatch.usecases.model_monitor.run_alerts import MonitoringRunNotFinalError

    event = json.loads((EVENTS / "monitoring-run-completed.json").read_text())
    del event["detail"]["ExitMessage"]
    job = parse_monitoring_job(event)
    assert job is not None
    topic = Topic()
    with pytest.raises(MonitoringRunNotFinalError):
        MonitoringRunAlerts(Schedules({"MonitoringExecutionStatus": "InProgress"}), Tags({}), topic).handle(job)
    assert topic.published == []


def test_each_execution_that_failed_without_a_processing_job_is_one_notice_keyed_by_schedule_and_hour() -> None:
    at = datetime(2026, 11, 28, 7, tzinfo=UTC)
    failed = [
        {
            "MonitoringScheduleName": "churn-v2-data-quality",
            "EndpointName": "churn-v2",
            "ScheduledTime": at,
            "MonitoringExecutionStatus": "Failed",
            "FailureReason": "Job inputs had no data",
        },
        {  # told by its processing job's event
            "MonitoringScheduleName": "churn-v2-data-quality",
            "ScheduledTime": at,
            "MonitoringExecutionStatus": "Failed",
            "ProcessingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:processing-job/j",
        },
    ]
    topic, executions = Topic(), Schedules(None, failed)
    now = at.replace(hour=8)
    result = MonitoringRunAlerts(executions, Tags({}), topic).check_failed_executions(
        now, region="us-east-1", account="123456789012"
    )
    assert result.found == 1 and result.alerted == ["monitoring-run:churn-v2-data-quality@2026-11-28T07:00Z"]
    assert executions.windows == [now.replace(hour=5)]
    notice = published_notice(topic)
    assert notice.message_id == result.alerted[0] and notice.processing_job_arn is None
    assert notice.status == "Failed" and notice.failure_reason == "Job inputs had no data"
