"""A finished Model Monitor run → one alert notice on the alert topic when it failed or found violations.

OnboardFunction receives the run's processing-job event (``core.monitoring.monitor_runs``), reads
the schedule (endpoint, monitor type, output location) and the run's execution summary (its
authoritative status), and publishes a monitoring-run notice to AlertTopic, routed like the
endpoint's alarms (its ``sagewatch:slack`` / ``sagewatch:email`` tags). NotifyFunction reads the
violation report and tells it.

Duplicates: SageMaker may send a run's event more than once. Each notice carries the run's key
(its ProcessingJobArn), which NotifyFunction uses as the delivery id, so the delivery ledger tells
a run once per destination however many notices it was published in.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sagewatch.core.alerting.notification import monitoring_run_notice_message
from sagewatch.core.alerting.violation_report import run_output_uri
from sagewatch.core.monitoring.monitor_runs import MonitoringJobFinished, execution_key, needs_alert, run_status
from sagewatch.core.monitoring.tags import overrides_from_tags
from sagewatch.core.shared.errors import EndpointNotFoundError

log = logging.getLogger(__name__)


class MonitoringScheduleNotFoundError(LookupError):
    """The schedule named by a run's event does not exist (any more)."""


class ExecutionsPort(Protocol):
    def find_execution(self, schedule: str, processing_job_arn: str) -> dict[str, Any] | None: ...


class EndpointsPort(Protocol):
    def describe_monitoring_schedule(self, name: str) -> dict[str, Any] | None: ...
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

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class MonitoringRunAlerts:
    def __init__(self, executions: ExecutionsPort, endpoints: EndpointsPort, notices: PublisherPort | None) -> None:
        self._executions = executions
        self._endpoints = endpoints
        self._notices = notices

    def handle(self, job: MonitoringJobFinished) -> RunResult:
        schedule = self._endpoints.describe_monitoring_schedule(job.schedule_name)
        if schedule is None:
            raise MonitoringScheduleNotFoundError(job.schedule_name)
        execution = self._executions.find_execution(job.schedule_name, job.job_arn)
        status = run_status(job, execution.get("MonitoringExecutionStatus") if execution else None)
        endpoint = str(schedule.get("EndpointName") or job.endpoint_name or "")
        result = RunResult(job.schedule_name, "clean", status, endpoint)
        if execution is None:
            result.notes.append("execution not listed yet: status taken from the processing job")
        if not needs_alert(status):
            log.info("monitoring run %s of %s: %s, nothing to tell", job.job_name, job.schedule_name, status)
            return result
        if not endpoint:
            result.outcome, result.notes = "ignored", [*result.notes, "the schedule names no endpoint"]
            log.warning("monitoring run %s: schedule %s has no endpoint", job.job_name, job.schedule_name)
            return result
        scheduled = _time(execution.get("ScheduledTime")) if execution else None
        message = monitoring_run_notice_message(
            run_key=execution_key(job.job_arn),
            endpoint=endpoint,
            schedule=job.schedule_name,
            monitoring_type=str(schedule.get("MonitoringType") or "DataQuality"),
            status=status,
            region=job.region,
            account=job.account,
            time=_time(job.time) or datetime.now(tz=UTC),
            processing_job_arn=job.job_arn,
            failure_reason=(execution or {}).get("FailureReason") or job.failure_reason,
            exit_message=job.exit_message,
            output_uri=job.output_uri or _derived_output(schedule, endpoint, job.schedule_name, scheduled),
            scheduled_time=scheduled,
            **self._routing(endpoint),
        )
        result.outcome = "alerted"
        log.warning("monitoring run %s of %s on %s: %s", job.job_name, job.schedule_name, endpoint, status)
        if self._notices is not None:
            what = "failed" if status == "Failed" else "found violations"
            message_id = self._notices.publish(f"Model Monitor {job.schedule_name} {what} on {endpoint}", message)
            result.notes.append(f"run alert published ({message_id})")
        return result

    def _routing(self, endpoint: str) -> dict[str, Any]:
        """The endpoint's own Slack/email routing, as its alarms carry it; none if it is gone."""
        try:
            overrides = overrides_from_tags(self._endpoints.endpoint_tags(endpoint))
        except EndpointNotFoundError:
            return {}
        return {"slack": overrides.slack_secret, "email": overrides.email}


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
