"""Model Monitor as a test drives it (``account.model_monitor``): schedules, runs, what a run emits.

On top of :mod:`sagewatch_emulator.model_monitor.service` (moto's missing schedules and executions),
:class:`ModelMonitorRuns` creates schedules and records runs; a run
(:meth:`ModelMonitorRuns.run_monitoring_execution`):

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

Delivering the event is the caller's choice (``account.invoke("OnboardFunction", run.event)``, as
EventBridge → Lambda would): SageMaker may send it more than once, and tests do.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sagewatch.core.model_monitor.schedules import DRIFT_METRIC_LOCATIONS, DRIFT_METRIC_PREFIX, DriftLocation
from sagewatch.core.shared.partitions import partition
from sagewatch_emulator.cloudwatch.published import MetricKey, Published
from sagewatch_emulator.model_monitor.service import drift_metric_refusal, monitoring_store, record_execution

__all__ = [
    "GUIDE_LOCATION",
    "SDK_LOCATION",
    "ModelMonitorRuns",
    "MonitoringRun",
    "data_quality_run",
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


class ModelMonitorRuns:
    """Model Monitor in one open account: ``account.model_monitor``.

    ``client`` gives the account's boto3 clients, ``now`` the simulated time and ``publish`` the
    alarm engine's direct metric path (a run's drift metrics).
    """

    def __init__(
        self,
        client: Callable[[str], Any],
        *,
        region: str,
        account_id: str,
        now: Callable[[], datetime],
        publish: Callable[[Iterable[Published]], int],
    ) -> None:
        self._client = client
        self._region = region
        self._account_id = account_id
        self._now = now
        self._publish = publish

    def backend(self) -> Any:
        """moto's SageMaker backend of this account and region (where the monitoring store lives)."""
        from moto.sagemaker.models import sagemaker_backends

        return sagemaker_backends[self._account_id][self._region]

    def metric_gate(self, namespace: str, name: str, dimensions: Mapping[str, str], at: datetime) -> str | None:
        """The account's metric gate: no Model Monitor metric before a run published it."""
        return drift_metric_refusal(self.backend(), namespace, name, dimensions, at)

    def create_monitoring_schedule(
        self,
        endpoint: str,
        name: str,
        monitoring_type: str = "DataQuality",
        *,
        schedule_expression: str = "cron(0 * ? * * *)",
        output_s3_uri: str | None = None,
        created_at: datetime | None = None,
    ) -> str:
        """CreateMonitoringSchedule for ``endpoint`` (hourly by default, an inline job definition
        writing its reports under ``output_s3_uri``), created at the simulated time (or at
        ``created_at``: a schedule that has existed for a while); returns the schedule's ARN.
        Its first run is at the next hour boundary (sagewatch_emulator.model_monitor.service)."""
        region, account_id = self._region, self._account_id
        output = output_s3_uri or f"s3://sagemaker-{region}-{account_id}/monitoring/{endpoint}/{name}"
        response = self._client("sagemaker").create_monitoring_schedule(
            MonitoringScheduleName=name,
            MonitoringScheduleConfig={
                "ScheduleConfig": {"ScheduleExpression": schedule_expression},
                "MonitoringType": monitoring_type,
                "MonitoringJobDefinition": {
                    "MonitoringInputs": [
                        {"EndpointInput": {"EndpointName": endpoint, "LocalPath": "/opt/ml/processing/input"}}
                    ],
                    "MonitoringOutputConfig": {
                        "MonitoringOutputs": [{"S3Output": {"S3Uri": output, "LocalPath": "/opt/ml/processing/output"}}]
                    },
                    "MonitoringResources": {
                        "ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge", "VolumeSizeInGB": 20}
                    },
                    "MonitoringAppSpecification": {
                        "ImageUri": f"156813124566.dkr.ecr.{region}.amazonaws.com/sagemaker-model-monitor-analyzer"
                    },
                    "RoleArn": f"arn:{partition(region)}:iam::{account_id}:role/model-monitor",
                },
            },
        )
        created = created_at or self._now()
        monitoring_store(self.backend()).schedules[name].update(CreationTime=created, LastModifiedTime=created)
        return str(response["MonitoringScheduleArn"])

    def delete_monitoring_schedule(self, name: str) -> None:
        self._client("sagemaker").delete_monitoring_schedule(MonitoringScheduleName=name)

    def record_monitoring_execution(
        self,
        schedule: str,
        status: str,
        *,
        scheduled_time: datetime | None = None,
        failure_reason: str | None = None,
        processing_job_arn: str | None = None,
        at: datetime | None = None,
    ) -> dict[str, Any]:
        """Record one run of ``schedule`` as SageMaker's scheduler would (see
        :func:`sagewatch_emulator.model_monitor.service.record_execution`), at the simulated time (or
        ``at``, without starting the simulation)."""
        now = at or self._now()
        return record_execution(
            self.backend(),
            schedule,
            status,
            scheduled_time=scheduled_time or now.replace(minute=0, second=0, microsecond=0),
            failure_reason=failure_reason,
            processing_job_arn=processing_job_arn,
            now=now,
        )

    def run_monitoring_execution(
        self,
        schedule: str,
        status: str,
        *,
        violations: Sequence[Mapping[str, str]] = (),
        failure_reason: str | None = None,
        drift: Mapping[str, float] | None = None,
        location: DriftLocation | None = None,
        job_name: str | None = None,
        at: datetime | None = None,
    ) -> MonitoringRun:
        """One Model Monitor run of this hour (ScheduledTime: the hour, at the simulated time, or
        ``at``): recorded, its drift metrics published (``drift``: feature → distance, data
        quality only), its reports written to S3, and the processing-job event SageMaker would
        send built (not delivered). ``job_name`` names its processing job (SageMaker's own naming
        else)."""
        described = self._client("sagemaker").describe_monitoring_schedule(MonitoringScheduleName=schedule)
        endpoint = str(described["EndpointName"])
        now = at or self._now()
        scheduled = now.replace(minute=0, second=0, microsecond=0)
        digest = hashlib.sha256(f"{schedule}/{scheduled.isoformat()}".encode()).hexdigest()[:24]
        job_name = job_name or f"model-monitoring-{scheduled:%Y%m%d%H%M}-{digest}"
        region, account_id = self._region, self._account_id
        job_arn = f"arn:{partition(region)}:sagemaker:{region}:{account_id}:processing-job/{job_name}"
        if status == "Failed" and not failure_reason:
            failure_reason = "AlgorithmError: Job inputs had no data"
        self.record_monitoring_execution(
            schedule,
            status,
            scheduled_time=scheduled,
            failure_reason=failure_reason,
            processing_job_arn=job_arn,
            at=now,
        )
        completed = status in ("Completed", "CompletedWithViolations")
        if drift and completed and described.get("MonitoringType", "DataQuality") == "DataQuality":
            self._publish(data_quality_run(endpoint, schedule, scheduled, drift, location=location or SDK_LOCATION))
        definition = described["MonitoringScheduleConfig"].get("MonitoringJobDefinition") or {}
        base = definition["MonitoringOutputConfig"]["MonitoringOutputs"][0]["S3Output"]["S3Uri"].rstrip("/")
        output_uri = f"{base}/{endpoint}/{schedule}/{scheduled:%Y}/{scheduled:%m}/{scheduled:%d}/{scheduled:%H}"
        report_key = (
            None
            if status in ("Failed", "Stopped")
            else _write_reports(self._client("s3"), region, output_uri, [dict(v) for v in violations])
        )
        event = _event(
            region, account_id, described, job_name, job_arn, status, output_uri, scheduled, now, failure_reason
        )
        # DescribeProcessingJob's answer: the event's detail and the times of the job.
        monitoring_store(self.backend()).processing_jobs[job_name] = {
            **{k: v for k, v in event["detail"].items() if k != "Tags"},
            "CreationTime": scheduled,
            "ProcessingStartTime": scheduled,
            "ProcessingEndTime": now,
            "LastModifiedTime": now,
        }
        return MonitoringRun(schedule, endpoint, status, job_arn, scheduled, output_uri, report_key, event)


def _write_reports(s3: Any, region: str, output_uri: str, violations: Sequence[dict[str, str]]) -> str:
    bucket, _, prefix = output_uri[len("s3://") :].partition("/")
    try:
        s3.head_bucket(Bucket=bucket)
    except Exception:  # noqa: BLE001 - moto answers 404 as a ClientError: create it
        kwargs: dict[str, Any] = {}
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        s3.create_bucket(Bucket=bucket, **kwargs)
    key = f"{prefix}/constraint_violations.json"
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps({"violations": list(violations)}, indent=2).encode())
    statistics = {"version": 0.0, "dataset": {"item_count": 1000}, "features": []}
    s3.put_object(Bucket=bucket, Key=f"{prefix}/statistics.json", Body=json.dumps(statistics).encode())
    return key


def _event(
    region: str,
    account_id: str,
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
        "account": account_id,
        "time": now.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "region": region,
        "resources": [job_arn],
        "detail": detail,
    }
