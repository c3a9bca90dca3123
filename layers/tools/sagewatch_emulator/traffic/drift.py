"""What one run of a Model Monitor data-quality schedule publishes to CloudWatch.

With CloudWatch metrics enabled, each run emits per feature ``feature_baseline_drift_<feature>``
(the distance from the baseline's distribution), ``feature_non_null_<feature>`` (completeness)
and, for numbers, ``feature_data_<feature>`` (SageMaker developer guide, "CloudWatch Metrics",
model-monitor-interpreting-cloudwatch). One point per run, stamped with the run's time.

Where: AWS's texts disagree (sagewatch.core.shared.namespaces). The emulated account publishes
where the SageMaker Python SDK's data-quality dashboard reads them — namespace
``aws/sagemaker/Endpoints/data-metrics``, dimensions Endpoint + MonitoringSchedule — unless a
test asks for the developer guide's spelling (``location``), so SageWatch's discovery is
exercised against both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sagewatch.core.monitoring.model_monitor import DRIFT_METRIC_LOCATIONS, DRIFT_METRIC_PREFIX, DriftLocation
from sagewatch_emulator.traffic.effects import effects_at
from sagewatch_emulator.traffic.model import Incident
from sagewatch_emulator.traffic.published import MetricKey, Published

# Model Monitor's constraint check flags a feature whose distance from the baseline exceeds
# distribution_constraints.comparison_threshold, 0.1 in the constraints it suggests ("Schema for
# Constraints (constraints.json file)", SageMaker developer guide, model-monitor-byoc-constraints).
COMPARISON_THRESHOLD = 0.1
QUIET_DRIFT = 0.02  # a feature's distance in a run no incident touches: well under the threshold

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


def run_drift(
    endpoint: str, features: Iterable[str], incidents: Iterable[Incident], scheduled: datetime
) -> dict[str, float]:
    """Each feature's distance from the baseline in the run of ``endpoint``'s schedule at
    ``scheduled`` (its ScheduledTime): quiet, unless a data-drift incident active then moves it."""
    drift = dict.fromkeys(features, QUIET_DRIFT)
    for feature, distance in effects_at(incidents, endpoint, None, scheduled).drifted:
        if feature in drift:
            drift[feature] = max(drift[feature], distance)
    return drift


def drifted_features(drift: Mapping[str, float]) -> tuple[str, ...]:
    """The features Model Monitor's baseline_drift_check would report as violations."""
    return tuple(sorted(feature for feature, distance in drift.items() if distance > COMPARISON_THRESHOLD))
