"""Discover the drift metrics an endpoint's data-quality schedules publish (ListMetrics).

Feature names are the user's columns, so the drift alarms are fitted to what CloudWatch holds,
not to a guess. AWS documents more than one namespace spelling and dimension pair for these
metrics (core.shared.namespaces): each is tried in turn, and the first that holds drift metrics
is used — one ListMetrics call when metrics exist under the SDK's spelling, at most
``len(DRIFT_METRIC_LOCATIONS)`` (8) paged calls when a schedule publishes none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Protocol

from sagewatch.core.model_monitor.schedules import (
    DRIFT_METRIC_LOCATIONS,
    DriftMetric,
    MonitoringSchedule,
    cap_features,
    drift_metrics_from_listing,
    features_by_schedule,
    schedule_features,
    schedules_fingerprint,
)
from sagewatch.core.monitoring.profile import EndpointProfile
from sagewatch.core.shared.namespaces import DATA_QUALITY_NAMESPACES


class MetricCatalogPort(Protocol):
    """CloudWatch's list of metrics (ListMetrics, every page)."""

    def list_metrics(self, namespace: str, dimensions: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
        """Every metric in ``namespace`` carrying at least these dimensions, with its full dimension set."""
        ...


def find_drift_metrics(cloudwatch: MetricCatalogPort, endpoint: str, schedule: str) -> list[DriftMetric]:
    """Every drift metric of one schedule, at the first documented location that has any."""
    for location in DRIFT_METRIC_LOCATIONS:
        listed = cloudwatch.list_metrics(location.namespace, location.filter(endpoint, schedule))
        found = drift_metrics_from_listing(listed, location.namespace)
        if found:
            return found
    return []


def with_drift_metrics(cloudwatch: MetricCatalogPort, profile: EndpointProfile, cap: int) -> EndpointProfile:
    """The profile with each data-quality schedule's drift metrics (the first ``cap`` features)."""
    if not any(s.is_data_quality for s in profile.monitoring_schedules):
        return profile
    schedules: list[MonitoringSchedule] = []
    for schedule in profile.monitoring_schedules:
        if schedule.is_data_quality:
            kept, left_out = cap_features(find_drift_metrics(cloudwatch, profile.name, schedule.name), cap)
            schedule = replace(schedule, drift_metrics=kept, left_out=left_out)
        schedules.append(schedule)
    # What the reconcile compares: the schedules and the features they have published so far.
    fingerprint = schedules_fingerprint(
        [(s.name, s.monitoring_type, s.status) for s in schedules], {s.name: schedule_features(s) for s in schedules}
    )
    return replace(profile, monitoring_schedules=tuple(schedules), monitoring_fingerprint=fingerprint)


def discovered_features(cloudwatch: MetricCatalogPort) -> dict[tuple[str, str], tuple[str, ...]]:
    """(endpoint, schedule) → the drift features the account's schedules have published: one paged
    ListMetrics per data-quality namespace (every schedule at once, whatever the fleet's size: a
    bounded number of calls per 500 metrics), for the reconcile's fingerprints."""
    listed = {namespace: cloudwatch.list_metrics(namespace, ()) for namespace in DATA_QUALITY_NAMESPACES}
    return features_by_schedule(listed)
