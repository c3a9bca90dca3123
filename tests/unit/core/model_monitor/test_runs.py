"""Which processing-job events are Model Monitor runs, and how a run ended."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sagewatch.core.model_monitor.runs import (
    FINISHED_JOB_STATUSES,
    MonitoringJobFinished,
    execution_key,
    is_processing_job_state_change,
    jobless_execution_key,
    jobless_failures,
    needs_alert,
    parse_monitoring_job,
    publishes_drift_metrics,
    run_status,
    with_description,
)
from sagewatch.core.shared.errors import InvalidEventError

EVENTS = Path(__file__).resolve().parents[4] / "events" / "onboard"


def load(name: str) -> dict[str, Any]:
    return dict(json.loads((EVENTS / name).read_text()))


def job(name: str) -> MonitoringJobFinished:
    parsed = parse_monitoring_job(load(name))
    assert parsed is not None
    return parsed


@pytest.mark.parametrize(
    ("name", "status", "alert"),
    [
        ("monitoring-run-violations.json", "CompletedWithViolations", True),
        ("monitoring-run-failed.json", "Failed", True),
        ("monitoring-run-completed.json", "Completed", False),
    ],
)
def test_every_monitoring_run_sample_is_a_run_of_its_schedule(name: str, status: str, alert: bool) -> None:
    run = job(name)
    assert run.schedule_name == "churn-v2-data-quality" and run.endpoint_name == "churn-v2"
    assert run.region == "us-east-1" and run.account == "123456789012"
    assert run.output_uri and run.output_uri.startswith("s3://sagemaker-us-east-1-123456789012/monitoring/")
    # Without an execution summary, the job's status and ExitMessage decide.
    assert run_status(run, None) == status
    assert needs_alert(status) is alert


def test_a_processing_job_no_schedule_started_is_not_a_run() -> None:
    event = load("processing-job-not-monitoring.json")
    assert is_processing_job_state_change(event)
    assert parse_monitoring_job(event) is None


def test_the_schedule_is_found_from_the_environment_alone() -> None:
    event = load("monitoring-run-violations.json")
    del event["detail"]["MonitoringScheduleArn"]
    assert job_from(event).schedule_name == "churn-v2-data-quality"


def test_the_schedule_is_found_from_its_arn_alone() -> None:
    event = load("monitoring-run-violations.json")
    del event["detail"]["Environment"]
    run = job_from(event)
    assert run.schedule_name == "churn-v2-data-quality" and run.endpoint_name is None


def job_from(event: dict[str, Any]) -> MonitoringJobFinished:
    parsed = parse_monitoring_job(event)
    assert parsed is not None
    return parsed


def test_the_execution_status_wins_over_the_exit_message() -> None:
    run = job("monitoring-run-completed.json")
    assert run_status(run, "CompletedWithViolations") == "CompletedWithViolations"
    # A summary not yet final says nothing: the job's own status decides.
    assert run_status(run, "InProgress") == "Completed"
    assert run_status(job("monitoring-run-violations.json"), "Completed") == "Completed"


def test_stopped_runs_are_not_told() -> None:
    event = load("monitoring-run-failed.json")
    event["detail"]["ProcessingJobStatus"] = "Stopped"
    assert run_status(job_from(event), None) == "Stopped" and not needs_alert("Stopped")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("ProcessingJobArn"), "ProcessingJobArn is missing"),
        (lambda d: d.__setitem__("ProcessingJobStatus", "InProgress"), "not a final status"),
    ],
)
def test_a_broken_run_event_names_what_is_wrong(mutate: Any, message: str) -> None:
    event = copy.deepcopy(load("monitoring-run-violations.json"))
    mutate(event["detail"])
    with pytest.raises(InvalidEventError, match=message):
        parse_monitoring_job(event)


def test_every_final_status_is_one_the_rule_lets_through() -> None:
    assert FINISHED_JOB_STATUSES == ("Completed", "Failed", "Stopped")


def test_one_run_has_one_key_whatever_event_carried_it() -> None:
    first = job("monitoring-run-violations.json")
    again = load("monitoring-run-violations.json")
    again["id"] = "another-delivery-of-the-same-change"
    assert execution_key(job_from(again).job_arn) == execution_key(first.job_arn)


# "Events that Amazon SageMaker AI sends to Amazon EventBridge", section "SageMaker processing job
# state change": AWS's only published example carries no Environment, MonitoringScheduleArn or
# ExitMessage. events/onboard/processing-job-aws-example.json has exactly its keys.
AWS_EXAMPLE = "processing-job-aws-example.json"
DESCRIBED = {  # DescribeProcessingJob of that job (API reference: DescribeProcessingJob)
    "ProcessingJobStatus": "Completed",
    "MonitoringScheduleArn": "arn:aws:sagemaker:us-east-1:123456789012:monitoring-schedule/churn-v2-data-quality",
    "Environment": {
        "sagemaker_endpoint_name": "churn-v2",
        "sagemaker_monitoring_schedule_name": "churn-v2-data-quality",
    },
    "ExitMessage": "CompletedWithViolations: Job completed successfully with violations.",
}


def test_awss_published_example_carries_nothing_that_marks_a_monitoring_run() -> None:
    detail = load(AWS_EXAMPLE)["detail"]
    assert not {"Environment", "MonitoringScheduleArn", "ExitMessage"} & set(detail)
    unmarked = job(AWS_EXAMPLE)  # neither a run nor not one: DescribeProcessingJob decides
    assert unmarked.schedule_name is None and unmarked.job_status == "Completed"
    assert run_status(unmarked, None) is None  # completed, but how is not known: never "clean"


def test_the_description_makes_an_unmarked_job_a_run_of_its_schedule() -> None:
    run = with_description(job(AWS_EXAMPLE), DESCRIBED)
    assert run is not None
    assert run.schedule_name == "churn-v2-data-quality" and run.endpoint_name == "churn-v2"
    assert run_status(run, None) == "CompletedWithViolations"
    assert with_description(job(AWS_EXAMPLE), {"ProcessingJobStatus": "Completed", "Environment": {}}) is None


def test_a_run_whose_execution_is_not_final_and_says_nothing_is_not_known_yet() -> None:
    event = load("monitoring-run-completed.json")
    del event["detail"]["ExitMessage"]
    run = job_from(event)
    assert run_status(run, "InProgress") is None and run_status(run, None) is None
    assert run_status(run, "Completed") == "Completed"


def test_only_completed_data_quality_runs_published_drift_metrics() -> None:
    assert publishes_drift_metrics("DataQuality", "Completed")
    assert publishes_drift_metrics("DataQuality", "CompletedWithViolations")
    assert not publishes_drift_metrics("DataQuality", "Failed")
    assert not publishes_drift_metrics("ModelQuality", "Completed")


def test_failed_executions_without_a_processing_job_are_the_ones_no_event_tells() -> None:
    at = datetime(2026, 11, 28, 7, tzinfo=UTC)
    summaries = [
        {"MonitoringScheduleName": "dq", "ScheduledTime": at, "MonitoringExecutionStatus": "Failed"},
        {
            "MonitoringScheduleName": "dq",
            "ScheduledTime": at,
            "MonitoringExecutionStatus": "Failed",
            "ProcessingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:processing-job/j",
        },
        {"MonitoringScheduleName": "dq", "ScheduledTime": at, "MonitoringExecutionStatus": "Completed"},
    ]
    assert jobless_failures(summaries) == [summaries[0]]
    assert jobless_execution_key("dq", at) == "monitoring-run:dq@2026-11-28T07:00Z"
