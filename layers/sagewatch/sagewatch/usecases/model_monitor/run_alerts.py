"""A finished Model Monitor run → one alert notice on the alert topic when it failed or found violations.

OnboardFunction receives the run's processing-job event (``core.model_monitor.runs``), reads
the schedule (endpoint, monitor type, output location) and the run's execution summary (its
authoritative status), and publishes a monitoring-run notice to AlertTopic, routed like the
endpoint's alarms (its ``sagewatch:slack`` / ``sagewatch:email`` tags). NotifyFunction reads the
violation report and tells it.

An event that does not say whether its job is a monitoring run (AWS's published example carries
no ``Environment``, ``MonitoringScheduleArn`` or ``ExitMessage``) is completed by
DescribeProcessingJob. A run whose outcome is not known yet (its execution not final, no
ExitMessage) raises :class:`MonitoringRunNotFinalError`: Lambda retries the event (twice, then the
dead-letter queue), so the run is looked at again rather than called clean.

Executions that failed before starting a processing job send no event at all:
:meth:`MonitoringRunAlerts.check_failed_executions` finds them with ListMonitoringExecutions
(``StatusEquals=Failed``, a creation-time window) on a schedule and tells each once.

Duplicates: SageMaker may send a run's event more than once. Each notice carries the run's key
(its ProcessingJobArn), which NotifyFunction uses as the delivery id, so the delivery ledger tells
a run once per destination however many notices it was published in.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sagewatch.core.alerting.notification import monitoring_run_notice_message
from sagewatch.core.model_monitor.runs import (
    MonitoringJobFinished,
    execution_key,
    jobless_execution_key,
    jobless_failures,
    needs_alert,
    publishes_drift_metrics,
    run_status,
    with_description,
)
from sagewatch.core.model_monitor.schedules import DEFAULT_TYPE
from sagewatch.core.model_monitor.violation_report import run_output_uri
from sagewatch.core.monitoring.tags import overrides_from_tags
from sagewatch.core.shared.errors import EndpointNotFoundError

log = logging.getLogger(__name__)

# The failed-executions check runs hourly (template.yaml); runs start on the hour plus a 0-20
# minute buffer ("Interpret results"). Three hours of creation times give every failure at least
# two looks, well inside the delivery ledger's one-day memory of what was told.
FAILED_EXECUTIONS_WINDOW = timedelta(hours=3)


class MonitoringScheduleNotFoundError(LookupError):
    """The schedule named by a run's event does not exist (any more)."""


class MonitoringRunNotFinalError(RuntimeError):
    """The run's outcome is not known yet: raised so that the event is retried, later."""


class ExecutionsPort(Protocol):
    def find_execution(self, schedule: str, processing_job_arn: str) -> dict[str, Any] | None: ...
    def failed_executions(self, created_after: datetime) -> list[dict[str, Any]]: ...


class EndpointsPort(Protocol):
    def describe_monitoring_schedule(self, name: str) -> dict[str, Any] | None: ...
    def describe_processing_job(self, name: str) -> dict[str, Any] | None: ...
    def endpoint_tags(self, endpoint_name: str) -> Mapping[str, str]: ...


class PublisherPort(Protocol):
    def publish(self, subject: str, message: Mapping[str, Any]) -> str: ...


@dataclass
class RunResult:
    schedule: str
    outcome: str  # alerted | clean | ignored
    status: str = ""
    endpoint: str = ""
    notes: list[str] = field(default_factory=list)
    monitoring_type: str = ""

    @property
    def published_drift_metrics(self) -> bool:
        """The run published its drift metrics: the endpoint's drift alarms follow them."""
        return bool(self.endpoint) and publishes_drift_metrics(self.monitoring_type, self.status)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CheckResult:
    """What one look for failed executions without a processing job found and told."""

    outcome: str = "checked"
    found: int = 0
    alerted: list[str] = field(default_factory=list)  # the run keys published
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class MonitoringRunAlerts:
    def __init__(self, executions: ExecutionsPort, endpoints: EndpointsPort, notices: PublisherPort | None) -> None:
        self._executions = executions
        self._endpoints = endpoints
        self._notices = notices

    def handle(self, job: MonitoringJobFinished) -> RunResult:
        if job.schedule_name is None:
            described = self._endpoints.describe_processing_job(job.job_name)
            resolved = with_description(job, described) if described is not None else None
            if resolved is None or resolved.schedule_name is None:
                why = "no such processing job" if described is None else "DescribeProcessingJob names no schedule"
                log.info("processing job %s is not a Model Monitor run: %s", job.job_name, why)
                return RunResult("", "ignored", notes=[f"not a Model Monitor run ({why})"])
            job = resolved
        name = str(job.schedule_name)
        schedule = self._endpoints.describe_monitoring_schedule(name)
        if schedule is None:
            raise MonitoringScheduleNotFoundError(name)
        execution = self._executions.find_execution(name, job.job_arn)
        execution_status = execution.get("MonitoringExecutionStatus") if execution else None
        status = run_status(job, execution_status)
        if status is None:
            log.warning(
                "monitoring run %s of %s: execution %s and no ExitMessage; looked at again later",
                job.job_name,
                name,
                execution_status or "not listed yet",
            )
            raise MonitoringRunNotFinalError(
                f"run {job.job_name} of {name}: execution {execution_status or 'not listed'}"
            )
        endpoint = str(schedule.get("EndpointName") or job.endpoint_name or "")
        monitoring_type = str(schedule.get("MonitoringType") or DEFAULT_TYPE)
        result = RunResult(name, "clean", status, endpoint, monitoring_type=monitoring_type)
        if execution is None:
            result.notes.append("execution not listed yet: status taken from the processing job")
        if not needs_alert(status):
            log.info("monitoring run %s of %s: %s, nothing to tell", job.job_name, name, status)
            return result
        if not endpoint:
            result.outcome, result.notes = "ignored", [*result.notes, "the schedule names no endpoint"]
            log.warning("monitoring run %s: schedule %s has no endpoint", job.job_name, name)
            return result
        scheduled = _time(execution.get("ScheduledTime")) if execution else None
        message = monitoring_run_notice_message(
            run_key=execution_key(job.job_arn),
            endpoint=endpoint,
            schedule=name,
            monitoring_type=monitoring_type,
            status=status,
            region=job.region,
            account=job.account,
            time=_time(job.time) or datetime.now(tz=UTC),
            processing_job_arn=job.job_arn,
            failure_reason=(execution or {}).get("FailureReason") or job.failure_reason,
            exit_message=job.exit_message,
            output_uri=job.output_uri or _derived_output(schedule, endpoint, name, scheduled),
            scheduled_time=scheduled,
            **self._routing(endpoint),
        )
        result.outcome = "alerted"
        log.warning("monitoring run %s of %s on %s: %s", job.job_name, name, endpoint, status)
        if self._notices is not None:
            what = "failed" if status == "Failed" else "found violations"
            message_id = self._notices.publish(f"Model Monitor {name} {what} on {endpoint}", message)
            result.notes.append(f"run alert published ({message_id})")
        return result

    def check_failed_executions(
        self, now: datetime, *, region: str, account: str, window: timedelta = FAILED_EXECUTIONS_WINDOW
    ) -> CheckResult:
        """Tell every execution created in the last ``window`` that failed without a processing job.

        Each is published under its schedule + ScheduledTime key, which NotifyFunction's delivery
        ledger keeps for a day: the overlapping windows of consecutive checks tell it once.
        """
        result = CheckResult()
        for summary in jobless_failures(self._executions.failed_executions(now - window)):
            result.found += 1
            name = str(summary["MonitoringScheduleName"])
            scheduled = _time(summary["ScheduledTime"]) or now
            # The summary names the endpoint and type (MonitoringExecutionSummary); else the schedule.
            schedule = None if summary.get("EndpointName") else self._endpoints.describe_monitoring_schedule(name)
            endpoint = str(summary.get("EndpointName") or (schedule or {}).get("EndpointName") or "")
            if not endpoint:
                result.notes.append(f"{name}: the execution names no endpoint")
                continue
            key = jobless_execution_key(name, scheduled)
            message = monitoring_run_notice_message(
                run_key=key,
                endpoint=endpoint,
                schedule=name,
                monitoring_type=str(
                    summary.get("MonitoringType") or (schedule or {}).get("MonitoringType") or DEFAULT_TYPE
                ),
                status="Failed",
                region=region,
                account=account,
                time=_time(summary.get("LastModifiedTime")) or now,
                processing_job_arn=None,
                failure_reason=summary.get("FailureReason") or "the execution failed before starting a processing job",
                scheduled_time=scheduled,
                **self._routing(endpoint),
            )
            log.warning("monitoring execution of %s at %s failed without a processing job", name, scheduled)
            if self._notices is not None:
                self._notices.publish(f"Model Monitor {name} failed on {endpoint}", message)
            result.alerted.append(key)
        return result

    def _routing(self, endpoint: str) -> dict[str, Any]:
        """The endpoint's own Slack/email routing, as its alarms carry it; none if it is gone."""
        try:
            overrides = overrides_from_tags(self._endpoints.endpoint_tags(endpoint))
        except EndpointNotFoundError:
            return {}
        return {"slack": overrides.slack_secret, "email": overrides.email, "team": overrides.team}


def _derived_output(schedule: Mapping[str, Any], endpoint: str, name: str, scheduled: datetime | None) -> str | None:
    """The run's output folder from the schedule's inline job definition, when the event lacked it."""
    if scheduled is None:
        return None
    definition = (schedule.get("MonitoringScheduleConfig") or {}).get("MonitoringJobDefinition") or {}
    outputs = (definition.get("MonitoringOutputConfig") or {}).get("MonitoringOutputs") or []
    uri = next((o.get("S3Output", {}).get("S3Uri") for o in outputs if isinstance(o, Mapping)), None)
    return run_output_uri(uri, endpoint, name, scheduled) if isinstance(uri, str) and uri.startswith("s3://") else None


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None
