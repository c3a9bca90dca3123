"""Model Monitor in the emulated account: monitoring schedules and their executions.

moto 5.2.x has no monitoring schedules. This extension keeps a minimal store with the calls
SageWatch makes, in the shapes of the SageMaker API reference:

- CreateMonitoringSchedule / DescribeMonitoringSchedule / DeleteMonitoringSchedule
  (DescribeMonitoringSchedule carries ``EndpointName``, ``MonitoringType`` and
  ``LastMonitoringExecutionSummary`` once a run has been recorded);
- ListMonitoringSchedules with ``EndpointName``, ``MonitoringTypeEquals``, ``StatusEquals`` and
  ``NameContains`` filters, ``SortBy``/``SortOrder`` (default CreationTime, Descending) and
  ``MaxResults`` 1-100 (default 10) with NextToken paging;
- ListMonitoringExecutions with ``MonitoringScheduleName``/``EndpointName``/``StatusEquals``
  filters, ``SortBy`` (CreationTime, ScheduledTime, Status; default CreationTime), ``SortOrder``
  (default Descending) and the same paging.

- DescribeProcessingJob for the processing job of a run (with ``MonitoringScheduleArn``, the
  container's ``Environment`` and ``ExitMessage``); any other job is moto's.

Schedules are made through :meth:`EmulatedAccount.create_monitoring_schedule` (which calls
CreateMonitoringSchedule with an inline job definition) and runs are recorded with
:func:`record_execution` — what SageMaker's scheduler does once an hour; what a run *emits*
(events, metrics, reports) is built on top of it.

AWS's order, enforced here: a schedule's runs start on the hour, from the first hour boundary
after it was created ("Interpret results": "you might have to wait until you cross the hour
boundary (in UTC) to see the executions start ... ON the hour (plus 0 - 20 min buffer)"), so
:func:`record_execution` refuses a ScheduledTime off the hour or not after the schedule's
creation. No drift metric exists before a schedule's first run: the container publishes them
with a run ("CloudWatch Metrics", model-monitor-interpreting-cloudwatch), and
:func:`drift_metric_refusal` makes the account refuse a data-quality metric of a schedule stamped
before any of its runs that completed.

Sources: API reference CreateMonitoringSchedule, DescribeMonitoringSchedule,
ListMonitoringSchedules, ListMonitoringExecutions, MonitoringExecutionSummary,
MonitoringScheduleSummary, DescribeProcessingJob.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sagewatch.core.model_monitor.runs import EXECUTION_STATUSES
from sagewatch.core.shared.namespaces import DATA_QUALITY_NAMESPACES
from sagewatch.core.shared.partitions import partition
from sagewatch_emulator.sagemaker import list_page

if TYPE_CHECKING:
    from sagewatch_emulator.extensions import MotoExtensions

__all__ = [
    "EXECUTION_STATUSES",
    "MONITORING_TYPES",
    "drift_metric_refusal",
    "install_model_monitor",
    "monitoring_store",
    "record_execution",
]

MONITORING_TYPES = ("DataQuality", "ModelQuality", "ModelBias", "ModelExplainability")
_PUBLISHING = ("Completed", "CompletedWithViolations")  # the runs that published their metrics


class MonitoringStore:
    """Schedules by name, and each schedule's executions in the order they were recorded."""

    def __init__(self) -> None:
        self.schedules: dict[str, dict[str, Any]] = {}
        self.executions: dict[str, list[dict[str, Any]]] = {}
        self.processing_jobs: dict[str, dict[str, Any]] = {}  # a run's job: DescribeProcessingJob's answer


def monitoring_store(backend: Any) -> MonitoringStore:
    """The store kept on one moto SageMaker backend (one account and region)."""
    store = getattr(backend, "_sagewatch_monitoring", None)
    if store is None:
        store = MonitoringStore()
        backend._sagewatch_monitoring = store
    return store


def schedule_arn(region: str, account_id: str, name: str) -> str:
    return f"arn:{partition(region)}:sagemaker:{region}:{account_id}:monitoring-schedule/{name}"


def record_execution(
    backend: Any,
    schedule_name: str,
    status: str,
    *,
    scheduled_time: datetime,
    failure_reason: str | None = None,
    processing_job_arn: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Record one monitoring execution (a MonitoringExecutionSummary) and make it the schedule's
    LastMonitoringExecutionSummary. Returns the summary."""
    if status not in EXECUTION_STATUSES:
        raise ValueError(f"monitoring execution status {status!r} is not one of {', '.join(EXECUTION_STATUSES)}")
    store = monitoring_store(backend)
    schedule = store.schedules.get(schedule_name)
    if schedule is None:
        raise KeyError(f"no monitoring schedule {schedule_name!r}")
    at = now or datetime.now(UTC)
    if scheduled_time != scheduled_time.replace(minute=0, second=0, microsecond=0):
        raise ValueError(
            f"a run of {schedule_name} starts on the hour, not at {scheduled_time:%H:%M} (Interpret results)"
        )
    if scheduled_time <= schedule["CreationTime"]:
        raise ValueError(
            f"{schedule_name} was created at {schedule['CreationTime']:%Y-%m-%d %H:%M}: its first run is at the next "
            f"hour boundary, not {scheduled_time:%Y-%m-%d %H:%M} (Interpret results)"
        )
    if scheduled_time > at:
        raise ValueError(f"a run scheduled at {scheduled_time:%H:%M} cannot be recorded at {at:%H:%M}")
    summary: dict[str, Any] = {
        "MonitoringScheduleName": schedule_name,
        "ScheduledTime": scheduled_time,
        "CreationTime": at,
        "LastModifiedTime": at,
        "MonitoringExecutionStatus": status,
        "EndpointName": schedule["EndpointName"],
        "MonitoringType": schedule["MonitoringType"],
    }
    if processing_job_arn:
        summary["ProcessingJobArn"] = processing_job_arn
    if failure_reason:
        summary["FailureReason"] = failure_reason
    definition = schedule["MonitoringScheduleConfig"].get("MonitoringJobDefinitionName")
    if definition:
        summary["MonitoringJobDefinitionName"] = definition
    store.executions.setdefault(schedule_name, []).append(summary)
    schedule["LastMonitoringExecutionSummary"] = summary
    schedule["LastModifiedTime"] = at
    return summary


def drift_metric_refusal(
    backend: Any, namespace: str, name: str, dimensions: Mapping[str, str], at: datetime
) -> str | None:
    """Why the account refuses this data-quality metric, or None: Model Monitor publishes a
    schedule's ``feature_*`` metrics only with a run that completed, stamped with that run."""
    if namespace not in DATA_QUALITY_NAMESPACES or not name.startswith("feature_"):
        return None
    schedule = dimensions.get("MonitoringSchedule") or dimensions.get("ScheduleName")
    if not schedule:
        return None
    runs = monitoring_store(backend).executions.get(schedule, [])
    if any(r["MonitoringExecutionStatus"] in _PUBLISHING and r["ScheduledTime"] <= at for r in runs):
        return None
    return (
        f"{namespace} {name} of schedule {schedule} at {at:%Y-%m-%d %H:%M}: no run of the schedule had completed by "
        "then, and Model Monitor publishes its metrics only with a run (CloudWatch Metrics; runs start on the hour "
        "after the schedule is created, Interpret results)"
    )


def _sorted(items: list[dict[str, Any]], sort_by: str, order: str | None) -> list[dict[str, Any]]:
    """Sorted by ``sort_by``; equal values keep recording order, so "Descending" puts the later
    one first (two runs recorded in one simulated minute)."""
    present = [(i, item) for i, item in enumerate(items) if item.get(sort_by) is not None]
    absent = [item for item in items if item.get(sort_by) is None]
    ranked = sorted(present, key=lambda pair: (pair[1][sort_by], pair[0]))
    ordered = [item for _, item in ranked] + absent
    return ordered[::-1] if (order or "Descending") == "Descending" else ordered


def install_model_monitor(extensions: MotoExtensions) -> None:
    """Create/Describe/List/DeleteMonitoringSchedule and ListMonitoringExecutions."""
    from moto.core.responses import ActionResult, EmptyResult
    from moto.sagemaker.exceptions import ValidationError
    from moto.sagemaker.responses import SageMakerResponse

    def _not_found(backend: Any, name: str) -> Exception:
        return ValidationError(
            message=f"Monitoring Schedule {schedule_arn(backend.region_name, backend.account_id, name)} not found"
        )

    def create_monitoring_schedule(self: Any) -> Any:
        backend = self.sagemaker_backend
        name = self._get_param("MonitoringScheduleName")
        store = monitoring_store(backend)
        if name in store.schedules:
            raise ValidationError(message=f"Monitoring Schedule {name} already exists")
        config = self._get_param("MonitoringScheduleConfig") or {}
        monitoring_type = config.get("MonitoringType") or "DataQuality"
        if monitoring_type not in MONITORING_TYPES:
            raise ValidationError(
                message=f"MonitoringType {monitoring_type!r} is not one of {', '.join(MONITORING_TYPES)}"
            )
        definition = config.get("MonitoringJobDefinition") or {}
        endpoint = (definition.get("MonitoringInputs") or [{}])[0].get("EndpointInput", {}).get("EndpointName")
        endpoint = endpoint or config.get("EndpointName")  # the named-definition form: see account
        if not endpoint or endpoint not in backend.endpoints:
            raise ValidationError(message=f"Could not find endpoint '{endpoint}'.")
        now = datetime.now(UTC)
        arn = schedule_arn(backend.region_name, backend.account_id, name)
        store.schedules[name] = {
            "MonitoringScheduleArn": arn,
            "MonitoringScheduleName": name,
            "MonitoringScheduleStatus": "Scheduled",
            "MonitoringType": monitoring_type,
            "CreationTime": now,
            "LastModifiedTime": now,
            "MonitoringScheduleConfig": {k: v for k, v in config.items() if k != "EndpointName"},
            "EndpointName": endpoint,
            "Tags": self._get_param("Tags") or [],
        }
        return ActionResult({"MonitoringScheduleArn": arn})

    def _get(self: Any) -> dict[str, Any]:
        name = self._get_param("MonitoringScheduleName")
        schedule = monitoring_store(self.sagemaker_backend).schedules.get(name)
        if schedule is None:
            raise _not_found(self.sagemaker_backend, name)
        return schedule

    def describe_monitoring_schedule(self: Any) -> Any:
        return ActionResult({k: v for k, v in _get(self).items() if k != "Tags"})

    def delete_monitoring_schedule(self: Any) -> Any:
        schedule = _get(self)
        store = monitoring_store(self.sagemaker_backend)
        del store.schedules[schedule["MonitoringScheduleName"]]
        store.executions.pop(schedule["MonitoringScheduleName"], None)
        return EmptyResult()

    def list_monitoring_schedules(self: Any) -> Any:
        filters = {
            "EndpointName": self._get_param("EndpointName"),
            "MonitoringType": self._get_param("MonitoringTypeEquals"),
            "MonitoringScheduleStatus": self._get_param("StatusEquals"),
        }
        contains = self._get_param("NameContains")
        schedules = [
            s
            for s in monitoring_store(self.sagemaker_backend).schedules.values()
            if all(value is None or s.get(key) == value for key, value in filters.items())
            and (not contains or contains in s["MonitoringScheduleName"])
        ]
        sort_by = {"Name": "MonitoringScheduleName", "Status": "MonitoringScheduleStatus"}.get(
            self._get_param("SortBy") or "CreationTime", "CreationTime"
        )
        page, token = list_page(
            _sorted(schedules, sort_by, self._get_param("SortOrder")),
            self._get_param("NextToken"),
            self._get_param("MaxResults"),
        )
        keys = (
            "MonitoringScheduleName",
            "MonitoringScheduleArn",
            "CreationTime",
            "LastModifiedTime",
            "MonitoringScheduleStatus",
            "EndpointName",
            "MonitoringType",
        )
        summaries = [{k: s[k] for k in keys if k in s} for s in page]
        for summary, schedule in zip(summaries, page, strict=True):
            definition = schedule["MonitoringScheduleConfig"].get("MonitoringJobDefinitionName")
            if definition:
                summary["MonitoringJobDefinitionName"] = definition
        result: dict[str, Any] = {"MonitoringScheduleSummaries": summaries}
        if token:
            result["NextToken"] = token
        return ActionResult(result)

    def list_monitoring_executions(self: Any) -> Any:
        store = monitoring_store(self.sagemaker_backend)
        schedule = self._get_param("MonitoringScheduleName")
        endpoint = self._get_param("EndpointName")
        status = self._get_param("StatusEquals")
        executions = [
            e
            for name, runs in store.executions.items()
            if schedule is None or name == schedule
            for e in runs
            if (endpoint is None or e["EndpointName"] == endpoint)
            and (status is None or e["MonitoringExecutionStatus"] == status)
        ]
        sort_by = {"Status": "MonitoringExecutionStatus"}.get(
            self._get_param("SortBy") or "CreationTime", self._get_param("SortBy") or "CreationTime"
        )
        page, token = list_page(
            _sorted(executions, sort_by, self._get_param("SortOrder")),
            self._get_param("NextToken"),
            self._get_param("MaxResults"),
        )
        result: dict[str, Any] = {"MonitoringExecutionSummaries": page}
        if token:
            result["NextToken"] = token
        return ActionResult(result)

    original_describe_job = SageMakerResponse.describe_processing_job

    def describe_processing_job(self: Any) -> Any:
        job = monitoring_store(self.sagemaker_backend).processing_jobs.get(self._get_param("ProcessingJobName"))
        return ActionResult(dict(job)) if job is not None else original_describe_job(self)

    extensions.patch(SageMakerResponse, "describe_processing_job", describe_processing_job)

    handlers: dict[str, Callable[[Any], Any]] = {
        "create_monitoring_schedule": create_monitoring_schedule,
        "describe_monitoring_schedule": describe_monitoring_schedule,
        "delete_monitoring_schedule": delete_monitoring_schedule,
        "list_monitoring_schedules": list_monitoring_schedules,
        "list_monitoring_executions": list_monitoring_executions,
    }
    for name, handler in handlers.items():
        if name not in SageMakerResponse.__dict__:
            extensions.patch(SageMakerResponse, name, handler)
    extensions.installed.append(
        "sagemaker: Model Monitor schedules, executions and their processing jobs (Create/Describe/List/Delete)"
    )
