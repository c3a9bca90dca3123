"""How far each feature of an endpoint drifts in a Model Monitor run of the simulated week.

A run no incident touches keeps every feature at :data:`QUIET_DRIFT`; a data-drift incident active
at the run's ScheduledTime moves the features it names. What a run then *publishes* to CloudWatch
is the emulated account's (:func:`sagewatch_emulator.model_monitor.runs.data_quality_run`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sagewatch_simulator.traffic.effects import effects_at
from sagewatch_simulator.traffic.model import Incident

# Model Monitor's constraint check flags a feature whose distance from the baseline exceeds
# distribution_constraints.comparison_threshold, 0.1 in the constraints it suggests ("Schema for
# Constraints (constraints.json file)", SageMaker developer guide, model-monitor-byoc-constraints).
COMPARISON_THRESHOLD = 0.1
QUIET_DRIFT = 0.02  # a feature's distance in a run no incident touches: well under the threshold


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
