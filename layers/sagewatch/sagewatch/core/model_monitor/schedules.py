"""An endpoint's Model Monitor schedules and the drift metrics they publish (pure, no I/O).

Model Monitor is closed to new customers since 30 July 2026 (existing ones keep it): SageWatch
creates no schedules, it watches the ones that exist. A data-quality schedule with CloudWatch
metrics enabled publishes, per feature, ``feature_baseline_drift_<feature>`` (the distance of
the feature's distribution from the baseline's) — plus ``feature_data_*`` and
``feature_non_null_*`` — once per run. Feature names are the user's columns, so they are
discovered with ListMetrics rather than guessed (:data:`DRIFT_METRIC_LOCATIONS`), and the alarm
count per schedule is capped by the policy (``drift_features_per_schedule``).

Sources: SageMaker developer guide "CloudWatch Metrics" (model-monitor-interpreting-cloudwatch),
"Schema for Constraints (constraints.json file)" (model-monitor-byoc-constraints), API reference
MonitoringScheduleSummary / DescribeMonitoringSchedule; the SageMaker Python SDK's
``sagemaker/dashboard/data_quality_dashboard.py``. Where they disagree, see
``core.shared.namespaces``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sagewatch.core.shared.namespaces import DATA_QUALITY_NAMESPACES

DRIFT_METRIC_PREFIX = "feature_baseline_drift_"
DATA_QUALITY = "DataQuality"
DEFAULT_TYPE = DATA_QUALITY  # schedules created before MonitoringType existed are data quality

Dimensions = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class DriftLocation:
    """One documented (namespace, endpoint dimension, schedule dimension) of the drift metrics."""

    namespace: str
    endpoint_dimension: str
    schedule_dimension: str

    def filter(self, endpoint: str, schedule: str) -> Dimensions:
        return ((self.endpoint_dimension, endpoint), (self.schedule_dimension, schedule))


# Tried in this order; discovery stops at the first that holds drift metrics (one ListMetrics
# call in the common case). The SDK's spelling first: it is what the SDK's own dashboards query.
DRIFT_METRIC_LOCATIONS: tuple[DriftLocation, ...] = tuple(
    DriftLocation(namespace, endpoint_dim, schedule_dim)
    for endpoint_dim, schedule_dim in (("Endpoint", "MonitoringSchedule"), ("EndpointName", "ScheduleName"))
    for namespace in DATA_QUALITY_NAMESPACES
)


@dataclass(frozen=True)
class DriftMetric:
    """One ``feature_baseline_drift_<feature>`` metric exactly as ListMetrics returned it."""

    feature: str
    namespace: str
    name: str
    dimensions: Dimensions  # all of them, sorted: ListMetrics may add Feature to the documented pair


@dataclass(frozen=True)
class MonitoringSchedule:
    name: str
    monitoring_type: str  # DataQuality | ModelQuality | ModelBias | ModelExplainability
    status: str  # Pending | Failed | Scheduled | Stopped
    last_run_status: str | None = None
    last_run_time: datetime | None = None
    drift_metrics: tuple[DriftMetric, ...] = ()  # the alarmed ones (capped), sorted by feature
    left_out: tuple[str, ...] = ()  # features found beyond the cap, sorted

    @property
    def is_data_quality(self) -> bool:
        return self.monitoring_type == DATA_QUALITY


def schedule_from_api(summary: Mapping[str, Any], described: Mapping[str, Any] | None = None) -> MonitoringSchedule:
    """From a ListMonitoringSchedules summary, completed by DescribeMonitoringSchedule when given.

    The summary has no last run (``LastMonitoringExecutionSummary`` is Describe's), and a schedule
    created with an inline job definition may lack ``MonitoringType`` in either: data quality then.
    """
    merged: dict[str, Any] = {**summary, **(described or {})}
    last = merged.get("LastMonitoringExecutionSummary") or {}
    run_time = last.get("ScheduledTime") or last.get("CreationTime")
    return MonitoringSchedule(
        name=str(merged["MonitoringScheduleName"]),
        monitoring_type=str(merged.get("MonitoringType") or DEFAULT_TYPE),
        status=str(merged.get("MonitoringScheduleStatus") or ""),
        last_run_status=str(last["MonitoringExecutionStatus"]) if last.get("MonitoringExecutionStatus") else None,
        last_run_time=run_time if isinstance(run_time, datetime) else None,
    )


def drift_metrics_from_listing(metrics: Iterable[Mapping[str, Any]], namespace: str) -> list[DriftMetric]:
    """ListMetrics entries → drift metrics (other data-quality metrics of the schedule are skipped)."""
    found: dict[tuple[str, Dimensions], DriftMetric] = {}
    for metric in metrics:
        name = str(metric.get("MetricName", ""))
        if not name.startswith(DRIFT_METRIC_PREFIX) or len(name) == len(DRIFT_METRIC_PREFIX):
            continue
        dims = tuple(sorted((str(d["Name"]), str(d["Value"])) for d in metric.get("Dimensions") or []))
        found[(name, dims)] = DriftMetric(name[len(DRIFT_METRIC_PREFIX) :], namespace, name, dims)
    return sorted(found.values(), key=lambda m: (m.feature, m.dimensions))


def cap_features(metrics: Sequence[DriftMetric], cap: int) -> tuple[tuple[DriftMetric, ...], tuple[str, ...]]:
    """(the first ``cap`` features by name, the names of the rest): deterministic whatever the listing order.

    One metric per feature: should a feature appear under two dimension sets, the first sorted wins.
    """
    by_feature: dict[str, DriftMetric] = {}
    for metric in sorted(metrics, key=lambda m: (m.feature, m.dimensions)):
        by_feature.setdefault(metric.feature, metric)
    features = sorted(by_feature)
    kept = tuple(by_feature[f] for f in features[: max(cap, 0)])
    return kept, tuple(features[max(cap, 0) :])


def schedules_fingerprint(
    schedules: Iterable[tuple[str, str, str]], features: Mapping[str, Iterable[str]] | None = None
) -> str:
    """Digest of (name, type, status) per schedule, and the drift features each has published;
    "" when there is none, as in older state records.

    The reconcile compares it with what onboarding recorded, so an endpoint whose schedules came,
    went or changed status, or whose schedules published a feature not alarmed yet (the first run
    after a schedule's creation, a column added later), is re-fitted even when its own
    LastModifiedTime did not move. A schedule without published features digests as before.
    """
    found = features or {}
    items = sorted(
        {(str(n), str(t or DEFAULT_TYPE), str(s), *sorted(set(found.get(str(n), ())))) for n, t, s in schedules}
    )
    if not items:
        return ""
    return hashlib.sha256(json.dumps(items).encode()).hexdigest()[:16]


def fingerprints_from_summaries(
    summaries: Iterable[Mapping[str, Any]], features: Mapping[tuple[str, str], Iterable[str]] | None = None
) -> dict[str, str]:
    """Endpoint → fingerprint, from one account-wide ListMonitoringSchedules (the reconcile's bulk
    read) and the drift features found per (endpoint, schedule) (:func:`features_by_schedule`)."""
    by_endpoint: dict[str, list[tuple[str, str, str]]] = {}
    for summary in summaries:
        endpoint = summary.get("EndpointName")
        if not endpoint:
            continue  # batch-transform schedules monitor no endpoint
        by_endpoint.setdefault(str(endpoint), []).append(
            (
                str(summary["MonitoringScheduleName"]),
                str(summary.get("MonitoringType") or DEFAULT_TYPE),
                str(summary.get("MonitoringScheduleStatus") or ""),
            )
        )
    found = features or {}
    return {
        endpoint: schedules_fingerprint(items, {n: found.get((endpoint, n), ()) for n, _, _ in items})
        for endpoint, items in by_endpoint.items()
    }


def schedule_features(schedule: MonitoringSchedule) -> tuple[str, ...]:
    """Every drift feature onboarding found for the schedule: the alarmed and the left-out ones."""
    return tuple(sorted({m.feature for m in schedule.drift_metrics} | set(schedule.left_out)))


def features_by_schedule(listed: Mapping[str, Iterable[Mapping[str, Any]]]) -> dict[tuple[str, str], tuple[str, ...]]:
    """(endpoint, schedule) → drift features, from ListMetrics of whole namespaces (namespace →
    entries): per schedule, the features at the first documented location that holds any, as
    onboarding's discovery picks them (``usecases.model_monitor.drift_metrics.find_drift_metrics``)."""
    found: dict[tuple[str, str], dict[int, set[str]]] = {}
    for index, location in enumerate(DRIFT_METRIC_LOCATIONS):
        for metric in drift_metrics_from_listing(listed.get(location.namespace, ()), location.namespace):
            dims = dict(metric.dimensions)
            endpoint, schedule = dims.get(location.endpoint_dimension), dims.get(location.schedule_dimension)
            if endpoint and schedule:
                found.setdefault((endpoint, schedule), {}).setdefault(index, set()).add(metric.feature)
    return {key: tuple(sorted(by_location[min(by_location)])) for key, by_location in found.items()}
