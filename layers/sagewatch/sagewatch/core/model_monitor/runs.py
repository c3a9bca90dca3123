"""Model Monitor runs: which EventBridge event says a monitoring run finished, and how it ended.

A monitoring schedule starts one *processing job* per run (Model Monitor user guide, "Support for
Your Own Containers": "when you create a MonitoringSchedule, Model Monitor ultimately kicks off
processing jobs"), so a finished run is a ``SageMaker Processing Job State Change`` event
(EventBridge reference, "Amazon SageMaker AI events") whose ``detail`` mirrors
DescribeProcessingJob. Not every processing job is a monitoring run: one is when its detail names
a schedule, either as ``MonitoringScheduleArn`` (a DescribeProcessingJob field) or through the
environment Model Monitor gives the container (``sagemaker_monitoring_schedule_name``,
``sagemaker_endpoint_name``: "Container Contract Inputs"). Either is enough.

AWS's only published example of this event ("Events that Amazon SageMaker AI sends to Amazon
EventBridge", "SageMaker processing job state change"; events/onboard/processing-job-aws-example.json)
carries neither, nor ``ExitMessage``. So the event decides only when it carries the container's
environment (a job whose environment names no schedule is no monitoring run); an event without
both is *unmarked*: :func:`parse_monitoring_job` returns it with ``schedule_name`` None and the use
case asks DescribeProcessingJob, whose answer :func:`with_description` folds in.

How the run ended is the *monitoring execution's* status (``Completed``,
``CompletedWithViolations``, ``Failed``: "Interpret results"), which the processing job does not
carry: its status is ``Completed`` even when violations were found. The authoritative value is
ListMonitoringExecutions' summary for this ProcessingJobArn (read by the use case); when that is
not final (or not listed), the job's ``ExitMessage`` decides, which Model Monitor containers start
with ``CompletedWithViolations:`` or ``Completed:`` (the message the container writes to
``/opt/ml/output/message``). A completed job with neither is not known yet (:func:`run_status`
says None): the run is looked at again later, never called clean.

SageMaker may send the same event more than once ("Events that Amazon SageMaker AI sends to
Amazon EventBridge"): :func:`execution_key` names the run, so one run is one alert.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sagewatch.core.model_monitor.schedules import DATA_QUALITY
from sagewatch.core.shared.errors import InvalidEventError
from sagewatch.core.shared.naming import is_valid_endpoint_name

SOURCE = "aws.sagemaker"
DETAIL_TYPE = "SageMaker Processing Job State Change"
# The processing job statuses that end a run (API reference, ProcessingJobSummary); the rule in
# template.yaml lets exactly these through.
FINISHED_JOB_STATUSES = ("Completed", "Failed", "Stopped")
# Monitoring execution statuses that need someone to look (MonitoringExecutionSummary).
ALERTING_STATUSES = ("CompletedWithViolations", "Failed")
# The execution statuses that end a run ("Interpret results": the terminal states, and Stopped).
FINAL_EXECUTION_STATUSES = ("Completed", "CompletedWithViolations", "Failed", "Stopped")
# What a data-quality run that publishes its metrics ends with: its drift metrics then exist.
RUN_PUBLISHED_METRICS = ("Completed", "CompletedWithViolations")
EXECUTION_STATUSES = (
    "Pending",
    "Completed",
    "CompletedWithViolations",
    "InProgress",
    "Failed",
    "Stopping",
    "Stopped",
)

_SCHEDULE_ENV = "sagemaker_monitoring_schedule_name"
_ENDPOINT_ENV = "sagemaker_endpoint_name"


@dataclass(frozen=True)
class MonitoringJobFinished:
    """A processing job of a monitoring schedule reached a final status."""

    job_name: str
    job_arn: str
    job_status: str  # Completed | Failed | Stopped (the processing job's own status)
    schedule_name: str | None  # None: the event does not say (unmarked); DescribeProcessingJob tells
    endpoint_name: str | None  # from the container environment, when the event carries it
    exit_message: str | None
    failure_reason: str | None
    output_uri: str | None  # the run's own S3 output (ProcessingOutputConfig), when carried
    region: str
    account: str
    event_id: str | None
    time: str | None


def is_processing_job_state_change(event: Any) -> bool:
    return isinstance(event, Mapping) and event.get("source") == SOURCE and event.get("detail-type") == DETAIL_TYPE


def is_scheduled_event(event: Any) -> bool:
    """EventBridge's own "Scheduled Event" (a rule's schedule, delivered as is, without Input)."""
    return (
        isinstance(event, Mapping)
        and event.get("source") == "aws.events"
        and event.get("detail-type") == "Scheduled Event"
    )


def parse_monitoring_job(event: Any) -> MonitoringJobFinished | None:
    """The finished monitoring run of a processing-job event; None for a job the event shows no
    schedule started (it carries the container's environment, without a schedule).

    An unmarked event (neither ``Environment`` nor ``MonitoringScheduleArn``) is returned with
    ``schedule_name`` None: whether it is a run is for DescribeProcessingJob to say.
    InvalidEventError names what is wrong with an event that is a monitoring job's but unreadable.
    """
    if not is_processing_job_state_change(event):
        raise InvalidEventError(f"not a SageMaker processing job state change: {event.get('detail-type')!r}")
    detail = event.get("detail")
    if not isinstance(detail, Mapping):
        raise InvalidEventError("event has no detail object")
    raw_environment = detail.get("Environment")
    environment: Mapping[str, Any] = raw_environment if isinstance(raw_environment, Mapping) else {}
    schedule = _schedule_name(detail.get("MonitoringScheduleArn")) or _text(environment.get(_SCHEDULE_ENV))
    marked = isinstance(raw_environment, Mapping) or "MonitoringScheduleArn" in detail
    if schedule is None and marked:
        return None
    arn = _text(detail.get("ProcessingJobArn"))
    name = _text(detail.get("ProcessingJobName")) or (arn.rsplit("/", 1)[-1] if arn else None)
    if not arn or not name:
        raise InvalidEventError("detail.ProcessingJobArn is missing")
    status = _text(detail.get("ProcessingJobStatus"))
    if status not in FINISHED_JOB_STATUSES:
        raise InvalidEventError(f"detail.ProcessingJobStatus {status!r} is not a final status")
    endpoint = _text(environment.get(_ENDPOINT_ENV))
    return MonitoringJobFinished(
        job_name=name,
        job_arn=arn,
        job_status=status,
        schedule_name=schedule,
        endpoint_name=endpoint if endpoint and is_valid_endpoint_name(endpoint) else None,
        exit_message=_text(detail.get("ExitMessage")),
        failure_reason=_text(detail.get("FailureReason")),
        output_uri=_output_uri(detail.get("ProcessingOutputConfig")),
        region=_text(event.get("region")) or (arn.split(":")[3] if arn.count(":") >= 5 else ""),
        account=_text(event.get("account")) or (arn.split(":")[4] if arn.count(":") >= 5 else ""),
        event_id=_text(event.get("id")),
        time=_text(event.get("time")),
    )


def with_description(job: MonitoringJobFinished, described: Mapping[str, Any]) -> MonitoringJobFinished | None:
    """An unmarked job completed by its DescribeProcessingJob answer; None when that names no
    schedule either (the job is no monitoring run)."""
    raw_environment = described.get("Environment")
    environment: Mapping[str, Any] = raw_environment if isinstance(raw_environment, Mapping) else {}
    schedule = _schedule_name(described.get("MonitoringScheduleArn")) or _text(environment.get(_SCHEDULE_ENV))
    if schedule is None:
        return None
    endpoint = _text(environment.get(_ENDPOINT_ENV))
    status = _text(described.get("ProcessingJobStatus"))
    return replace(
        job,
        schedule_name=schedule,
        job_status=status if status in FINISHED_JOB_STATUSES else job.job_status,
        endpoint_name=endpoint if endpoint and is_valid_endpoint_name(endpoint) else job.endpoint_name,
        exit_message=_text(described.get("ExitMessage")) or job.exit_message,
        failure_reason=_text(described.get("FailureReason")) or job.failure_reason,
        output_uri=_output_uri(described.get("ProcessingOutputConfig")) or job.output_uri,
    )


def run_status(job: MonitoringJobFinished, execution_status: str | None) -> str | None:
    """How the run ended: the execution's own status when ListMonitoringExecutions has a final
    one, else the processing job's status refined by its ExitMessage; None when neither tells yet
    (a completed job without ExitMessage whose execution is not final): look again later."""
    if execution_status in FINAL_EXECUTION_STATUSES:
        return execution_status
    message = (job.exit_message or "").lstrip()
    if job.job_status == "Completed" and message.startswith("CompletedWithViolations"):
        return "CompletedWithViolations"
    if job.job_status == "Completed" and message.startswith("Completed"):
        return "Completed"
    if job.job_status == "Completed":
        return None
    return job.job_status  # Failed | Stopped


def publishes_drift_metrics(monitoring_type: str, status: str | None) -> bool:
    """A data-quality run that completed has published its metrics ("CloudWatch Metrics",
    model-monitor-interpreting-cloudwatch): the endpoint's drift alarms are re-fitted to them."""
    return monitoring_type == DATA_QUALITY and status in RUN_PUBLISHED_METRICS


def needs_alert(status: str) -> bool:
    """A run with violations or a failed run is told; a clean or stopped one is not."""
    return status in ALERTING_STATUSES


def execution_key(job_arn: str) -> str:
    """The idempotency key of one run: its processing job's ARN (unique per run)."""
    return f"monitoring-run:{job_arn}"


def _schedule_name(arn: Any) -> str | None:
    text = _text(arn)
    if not text or ":monitoring-schedule/" not in text:
        return None
    return text.rsplit("/", 1)[-1] or None


def _output_uri(config: Any) -> str | None:
    """The first S3 output of the job: where this run wrote its reports."""
    if not isinstance(config, Mapping):
        return None
    for output in config.get("Outputs") or []:
        s3 = output.get("S3Output") if isinstance(output, Mapping) else None
        uri = _text(s3.get("S3Uri")) if isinstance(s3, Mapping) else None
        if uri and uri.startswith("s3://"):
            return uri
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def jobless_failures(summaries: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The failed executions that never started a processing job (``ProcessingJobArn`` is optional
    in MonitoringExecutionSummary: "Job inputs had no data" fails a run before any job exists).
    No processing-job event tells them, so a periodic ListMonitoringExecutions finds them; the
    failures that had a job are told by that job's event and are left out here."""
    return [
        s
        for s in summaries
        if s.get("MonitoringExecutionStatus") == "Failed"
        and not s.get("ProcessingJobArn")
        and _text(s.get("MonitoringScheduleName"))
        and isinstance(s.get("ScheduledTime"), datetime)
    ]


def jobless_execution_key(schedule: str, scheduled_time: datetime, scope: str = "") -> str:
    """The idempotency key of a run without a processing job: its schedule and ScheduledTime
    (one execution per schedule and scheduled hour), so each periodic look tells it once.
    ``scope``: a spoke's ``<account>/<region>/`` (schedule names repeat across accounts); the hub's
    own keys carry none, as they always did."""
    return f"monitoring-run:{scope}{schedule}@{scheduled_time.astimezone(UTC).strftime('%Y-%m-%dT%H:%MZ')}"
