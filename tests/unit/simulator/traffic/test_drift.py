"""A data-drift incident as the data-quality runs of its endpoint's schedule see it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sagewatch_simulator.traffic import Incident, IncidentKind
from sagewatch_simulator.traffic.drift import COMPARISON_THRESHOLD, QUIET_DRIFT, drifted_features, run_drift
from sagewatch_simulator.traffic.effects import NONE, effects_at

MONDAY = datetime(2026, 11, 2, tzinfo=UTC)
HOUR = timedelta(hours=1)
DRIFT = Incident(IncidentKind.DATA_DRIFT, "fraud", MONDAY + 9 * HOUR, MONDAY + 11 * HOUR, 0.35, feature="amount")


def test_runs_scheduled_while_the_incident_lasts_see_its_feature_drifted_and_only_that_feature() -> None:
    features = ("amount", "card_age_days")
    assert run_drift("fraud", features, [DRIFT], MONDAY + 8 * HOUR) == dict.fromkeys(features, QUIET_DRIFT)
    assert run_drift("fraud", features, [DRIFT], MONDAY + 9 * HOUR) == {"amount": 0.35, "card_age_days": QUIET_DRIFT}
    assert run_drift("fraud", features, [DRIFT], MONDAY + 10 * HOUR)["amount"] == 0.35
    assert run_drift("fraud", features, [DRIFT], MONDAY + 11 * HOUR)["amount"] == QUIET_DRIFT  # [start, end)
    assert run_drift("other", features, [DRIFT], MONDAY + 9 * HOUR) == dict.fromkeys(features, QUIET_DRIFT)


def test_only_features_beyond_model_monitors_threshold_are_violations() -> None:
    assert QUIET_DRIFT < COMPARISON_THRESHOLD == 0.1
    assert drifted_features({"a": 0.35, "b": 0.1, "c": 0.02}) == ("a",)


def test_drift_leaves_the_request_and_instance_metrics_alone() -> None:
    effects = effects_at([DRIFT], "fraud", "AllTraffic", MONDAY + 9 * HOUR)
    assert effects.drifted == (("amount", 0.35),)
    assert (effects.latency, effects.error_5xx, effects.disk_add) == (NONE.latency, NONE.error_5xx, NONE.disk_add)
