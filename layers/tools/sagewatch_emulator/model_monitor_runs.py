"""What one Model Monitor run *emits* in the emulated account: its reports and its event.

On top of :mod:`sagewatch_emulator.model_monitor` (schedules, recorded executions), a run here:

1. is recorded as an execution of its schedule, with the ProcessingJobArn of its processing job,
   which DescribeProcessingJob then answers for (MonitoringScheduleArn, Environment, ExitMessage);
   a data-quality run that completes publishes its drift metrics, stamped with its ScheduledTime
   ("CloudWatch Metrics": the account refuses them from anywhere else, and before a first run);
2. writes its reports where the prebuilt container does, in the run's folder
   ``<MonitoringOutputConfig S3Uri>/<endpoint>/<schedule>/<yyyy>/<mm>/<dd>/<hh>`` of its
   ScheduledTime: ``constraint_violations.json`` ("Schema for Violations",
   model-monitor-interpreting-violations) and ``statistics.json``; a failed run writes nothing;
3. builds the ``SageMaker Processing Job State Change`` event SageMaker sends when the job ends
   (EventBridge reference "Amazon SageMaker AI events"; the detail mirrors DescribeProcessingJob,
   with the environment Model Monitor sets for its container, "Container Contract Inputs"). The
   processing job's status is ``Completed`` for a run with violations, which only its
   ExitMessage ("CompletedWithViolations: ...") and the execution's status tell apart.

The drift metrics (:func:`data_quality_run`): with CloudWatch metrics enabled, each run emits per
feature ``feature_baseline_drift_<feature>`` (the distance from the baseline's distribution),
``feature_non_null_<feature>`` (completeness) and, for numbers, ``feature_data_<feature>``
(SageMaker developer guide, "CloudWatch Metrics", model-monitor-interpreting-cloudwatch), one
point per run stamped with the run's time. Where: AWS's texts disagree
(sagewatch.core.shared.namespaces). The account publishes where the SageMaker Python SDK's
data-quality dashboard reads them (:data:`SDK_LOCATION`) unless a test asks for the developer
guide's spelling (:data:`GUIDE_LOCATION`), so SageWatch's discovery is exercised against both.

Delivering the event is the caller's choice (``account.invoke("OnboardFunction", event)``, as
EventBridge → Lambda would): SageMaker may send it more than once, and tests do.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sagewatch.core.monitoring.model_monitor import DRIFT_METRIC_LOCATIONS, DRIFT_METRIC_PREFIX, DriftLocation
from sagewatch.core.shared.partitions import partition
from sagewatch_emulator.cloudwatch.published import MetricKey, Published
from sagewatch_emulator.model_monitor import monitoring_store

if TYPE_CHECKING:
    from sagewatch_emulator.account import EmulatedAccount

__all__ = [
    "GUIDE_LOCATION",
    "SDK_LOCATION",
    "MonitoringRun",
    "data_quality_run",
    "run_monitoring_execution",
    "violation",
]

SDK_LOCATION = DRIFT_METRIC_LOCATIONS[0]  # aws/sagemaker/Endpoints/data-metrics, Endpoint + MonitoringSchedule
GUIDE_LOCATION = next(
    loc
    for loc in DRIFT_METRIC_LOCATIONS
    if loc.namespace == "/aws/sagemaker/Endpoints/data-metric" and loc.endpoint_dimension == "EndpointName"
)


def data_quality_run(
    endpoint: str,
    schedule: str,
    at: datetime,
    drift: Mapping[str, float],
    *,
    location: DriftLocation = SDK_LOCATION,
) -> list[Published]:
    """The metrics of one run at ``at``: drift, completeness and the mean of each feature."""
    dims = dict(location.filter(endpoint, schedule))
    items: list[Published] = []
    for feature, distance in sorted(drift.items()):
        for name, value in (
            (f"{DRIFT_METRIC_PREFIX}{feature}", distance),
            (f"feature_non_null_{feature}", 1.0),
            (f"feature_data_{feature}", 1.0),
        ):
            items.append(Published(MetricKey.of(location.namespace, name, "None", dims), at, (value,), (1.0,)))
    return items


@dataclass(frozen=True)
class MonitoringRun:
    schedule: str
    endpoint: str
    status: str  # the execution's: Completed | CompletedWithViolations | Failed | Stopped
    processing_job_arn: str
    scheduled_time: datetime
    output_uri: str
    report_key: str | None  # s3 key of constraint_violations.json, when one was written
    event: dict[str, Any]


def violation(feature: str, check: str = "baseline_drift_check", description: str = "") -> dict[str, str]:
    """One entry of constraint_violations.json."""
    return {
        "feature_name": feature,
        "constraint_check_type": check,
        "description": description or f"Baseline drift distance for {feature} exceeds threshold",
    }


def run_monitoring_execution(
    account: EmulatedAccount,
    schedule: str,
    status: str,
    *,
    violations: Sequence[dict[str, str]] = (),
    failure_reason: str | None = None,
    drift: Mapping[str, float] | None = None,
    location: DriftLocation | None = None,
    job_name: str | None = None,
    at: datetime | None = None,
) -> MonitoringRun:
    """Record one run of ``schedule`` at the simulated time (or ``at``), publish its drift metrics,
    write its reports, build its event. ``job_name`` names its processing job (SageMaker's own
    naming else)."""
    sagemaker = account.client("sagemaker")
    described = sagemaker.describe_monitoring_schedule(MonitoringScheduleName=schedule)
    endpoint = str(described["EndpointName"])
    now = at or account.now
    scheduled = now.replace(minute=0, second=0, microsecond=0)
    digest = hashlib.sha256(f"{schedule}/{scheduled.isoformat()}".encode()).hexdigest()[:24]
    job_name = job_name or f"model-monitoring-{scheduled:%Y%m%d%H%M}-{digest}"
    region = account.region
    job_arn = f"arn:{partition(region)}:sagemaker:{region}:{account.account_id}:processing-job/{job_name}"
    if status == "Failed" and not failure_reason:
        failure_reason = "AlgorithmError: Job inputs had no data"
    account.record_monitoring_execution(
        schedule, status, scheduled_time=scheduled, failure_reason=failure_reason, processing_job_arn=job_arn, at=now
    )
    completed = status in ("Completed", "CompletedWithViolations")
    if drift and completed and described.get("MonitoringType", "DataQuality") == "DataQuality":
        account.publish_metrics(
            data_quality_run(endpoint, schedule, scheduled, drift, location=location or SDK_LOCATION)
        )
    definition = described["MonitoringScheduleConfig"].get("MonitoringJobDefinition") or {}
    base = definition["MonitoringOutputConfig"]["MonitoringOutputs"][0]["S3Output"]["S3Uri"].rstrip("/")
    output_uri = f"{base}/{endpoint}/{schedule}/{scheduled:%Y}/{scheduled:%m}/{scheduled:%d}/{scheduled:%H}"
    report_key = None if status in ("Failed", "Stopped") else _write_reports(account, output_uri, violations)
    event = _event(account, described, job_name, job_arn, status, output_uri, scheduled, now, failure_reason)
    # DescribeProcessingJob's answer: the event's detail and the times of the job.
    monitoring_store(account._sagemaker_backend()).processing_jobs[job_name] = {
        **{k: v for k, v in event["detail"].items() if k != "Tags"},
        "CreationTime": scheduled,
        "ProcessingStartTime": scheduled,
        "ProcessingEndTime": now,
        "LastModifiedTime": now,
    }
    return MonitoringRun(schedule, endpoint, status, job_arn, scheduled, output_uri, report_key, event)


def _write_reports(account: EmulatedAccount, output_uri: str, violations: Sequence[dict[str, str]]) -> str:
    bucket, _, prefix = output_uri[len("s3://") :].partition("/")
    s3 = account.client("s3")
    try:
        s3.head_bucket(Bucket=bucket)
    except Exception:  # noqa: BLE001 - moto answers 404 as a ClientError: create it
        kwargs: dict[str, Any] = {}
        if account.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": account.region}
        s3.create_bucket(Bucket=bucket, **kwargs)
    key = f"{prefix}/constraint_violations.json"
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps({"violations": list(violations)}, indent=2).encode())
    statistics = {"version": 0.0, "dataset": {"item_count": 1000}, "features": []}
    s3.put_object(Bucket=bucket, Key=f"{prefix}/statistics.json", Body=json.dumps(statistics).encode())
    return key


def _event(
    account: EmulatedAccount,
    schedule: dict[str, Any],
    job_name: str,
    job_arn: str,
    status: str,
    output_uri: str,
    scheduled: datetime,
    now: datetime,
    failure_reason: str | None,
) -> dict[str, Any]:
    endpoint = str(schedule["EndpointName"])
    name = str(schedule["MonitoringScheduleName"])
    job_status = {"CompletedWithViolations": "Completed"}.get(status, status)
    detail: dict[str, Any] = {
        "ProcessingJobName": job_name,
        "ProcessingJobArn": job_arn,
        "ProcessingJobStatus": job_status,
        "ProcessingOutputConfig": {
            "Outputs": [
                {
                    "OutputName": "result",
                    "S3Output": {"S3Uri": output_uri, "LocalPath": "/opt/ml/processing/resultdata"},
                }
            ]
        },
        "Environment": {
            "sagemaker_endpoint_name": endpoint,
            "sagemaker_monitoring_schedule_name": name,
            "output_path": "/opt/ml/processing/resultdata",
            "start_time": (scheduled.replace(microsecond=0)).isoformat().replace("+00:00", "Z"),
        },
        "MonitoringScheduleArn": schedule["MonitoringScheduleArn"],
        "Tags": {},
    }
    if status == "CompletedWithViolations":
        detail["ExitMessage"] = "CompletedWithViolations: Job completed successfully with violations."
    elif status == "Completed":
        detail["ExitMessage"] = "Completed: Job completed successfully with no violations."
    if failure_reason and status == "Failed":
        detail["FailureReason"] = failure_reason
    return {
        "version": "0",
        "id": hashlib.sha256(f"{job_arn}/{job_status}".encode()).hexdigest()[:32],
        "detail-type": "SageMaker Processing Job State Change",
        "source": "aws.sagemaker",
        "account": account.account_id,
        "time": now.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "region": account.region,
        "resources": [job_arn],
        "detail": detail,
    }
