"""Model Monitor: schedules, drift metric discovery results, drift alarms and schedule events."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sagewatch.core.fleet.plan import AppliedState, ListedEndpoint, plan_fleet
from sagewatch.core.model_monitor.drift_alarms import drift_alarm_name
from sagewatch.core.model_monitor.schedule_events import is_schedule_state_change, parse_schedule_change
from sagewatch.core.model_monitor.schedules import (
    DRIFT_METRIC_LOCATIONS,
    MonitoringSchedule,
    cap_features,
    drift_metrics_from_listing,
    features_by_schedule,
    fingerprints_from_summaries,
    schedule_features,
    schedule_from_api,
    schedules_fingerprint,
)
from sagewatch.core.monitoring.alarms import desired_alarms
from sagewatch.core.monitoring.policy import Policy
from sagewatch.core.monitoring.tags import overrides_from_tags
from sagewatch.core.shared.errors import InvalidEventError, InvalidPolicyError
from sagewatch.core.shared.naming import parse_alarm_name
from tests.unit.factories import profile

EVENTS = Path(__file__).resolve().parents[4] / "events" / "onboard"
NS = "aws/sagemaker/Endpoints/data-metrics"


def listed(feature: str, *, extra: tuple[tuple[str, str], ...] = ()) -> dict[str, Any]:
    dims = [("Endpoint", "fraud"), ("MonitoringSchedule", "dq"), *extra]
    return {"MetricName": f"feature_baseline_drift_{feature}", "Dimensions": [{"Name": k, "Value": v} for k, v in dims]}


def with_schedule(features: list[str], cap: int = 10, monitoring_type: str = "DataQuality") -> Any:
    kept, left_out = cap_features(drift_metrics_from_listing([listed(f) for f in features], NS), cap)
    schedule = MonitoringSchedule("dq", monitoring_type, "Scheduled", drift_metrics=kept, left_out=left_out)
    return replace(profile(name="fraud"), monitoring_schedules=(schedule,))


def test_every_documented_location_is_tried_sdk_spelling_first() -> None:
    first = DRIFT_METRIC_LOCATIONS[0]
    assert (first.namespace, first.endpoint_dimension, first.schedule_dimension) == (
        NS,
        "Endpoint",
        "MonitoringSchedule",
    )
    pairs = {(loc.endpoint_dimension, loc.schedule_dimension) for loc in DRIFT_METRIC_LOCATIONS}
    assert pairs == {("Endpoint", "MonitoringSchedule"), ("EndpointName", "ScheduleName")}
    assert "/aws/sagemaker/Endpoints/data-metric" in {loc.namespace for loc in DRIFT_METRIC_LOCATIONS}


def test_listing_keeps_only_drift_metrics_with_their_full_dimensions() -> None:
    metrics = [
        listed("age", extra=(("Feature", "_"),)),
        {"MetricName": "feature_data_age", "Dimensions": []},
        {"MetricName": "feature_non_null_age", "Dimensions": []},
        {"MetricName": "feature_baseline_drift_", "Dimensions": []},
    ]
    found = drift_metrics_from_listing(metrics, NS)
    assert [m.feature for m in found] == ["age"]
    assert ("Feature", "_") in found[0].dimensions


def test_cap_is_deterministic_and_names_what_is_left_out() -> None:
    features = [f"f{i:02d}" for i in range(15)]
    kept, left = cap_features(drift_metrics_from_listing([listed(f) for f in reversed(features)], NS), 10)
    assert [m.feature for m in kept] == features[:10]
    assert left == tuple(features[10:])


def test_data_quality_schedule_gets_one_drift_alarm_per_feature_at_0_1() -> None:
    desired = desired_alarms(with_schedule(["amount", "age"]), Policy(), "SageWatch")
    drift = [a for a in desired.alarms if a.key == "feature-drift"]
    assert [a.name for a in drift] == [
        "SageWatch/fraud/_endpoint/feature-drift.dq.age",
        "SageWatch/fraud/_endpoint/feature-drift.dq.amount",
    ]
    alarm = drift[0]
    kwargs = alarm.put_kwargs(["arn:topic"])
    assert kwargs["Namespace"] == NS and kwargs["MetricName"] == "feature_baseline_drift_age"
    assert kwargs["Threshold"] == 0.1 and kwargs["ComparisonOperator"] == "GreaterThanThreshold"
    assert kwargs["TreatMissingData"] == "ignore" and kwargs["Period"] == 3600
    assert "Data drift on feature age" in alarm.description and "schedule dq" in alarm.description
    assert parse_alarm_name("SageWatch", alarm.name) == ("fraud", None, "feature-drift.dq.age")


def test_cap_left_out_is_a_note_and_policy_and_tags_override() -> None:
    fitted = with_schedule([f"f{i}" for i in range(5)], cap=3)
    desired = desired_alarms(fitted, Policy(), "SageWatch")
    assert sum(a.key == "feature-drift" for a in desired.alarms) == 3
    assert any("2 left out" in n and "f3, f4" in n for n in desired.notes)
    tagged = overrides_from_tags({"sagewatch:alarm:feature-drift": "0.25"}).apply(Policy())
    assert {a.threshold for a in desired_alarms(fitted, tagged, "SageWatch").alarms if a.key == "feature-drift"} == {
        0.25
    }
    off = overrides_from_tags({"sagewatch:alarm:feature-drift": "off"}).apply(Policy())
    assert not [a for a in desired_alarms(fitted, off, "SageWatch").alarms if a.key == "feature-drift"]


def test_model_quality_schedule_is_graphed_not_alarmed() -> None:
    desired = desired_alarms(with_schedule(["x"], monitoring_type="ModelQuality"), Policy(), "SageWatch")
    assert not [a for a in desired.alarms if a.key == "feature-drift"]
    assert any("ModelQuality" in n and "no alarm" in n for n in desired.notes)


def test_policy_cap_is_validated() -> None:
    assert Policy.from_document({"drift_features_per_schedule": 3}).drift_features_per_schedule == 3
    assert Policy.from_document({}).drift_features_per_schedule == 10
    for bad in (-1, 101, "5", True):
        with pytest.raises(InvalidPolicyError, match="drift_features_per_schedule"):
            Policy.from_document({"drift_features_per_schedule": bad})


def test_long_or_slashed_feature_names_stay_valid_alarm_names() -> None:
    assert drift_alarm_name("SageWatch", "e", "s", "a/b").endswith("feature-drift.s.a-b")
    long_a, long_b = (drift_alarm_name("SageWatch", "e" * 63, "s" * 63, "f" * 200 + t) for t in "ab")
    assert len(long_a) == 255 and long_a != long_b


def test_schedule_from_summary_and_description() -> None:
    run = datetime(2026, 11, 28, 10, tzinfo=UTC)
    summary = {"MonitoringScheduleName": "dq", "MonitoringScheduleStatus": "Scheduled"}
    described = {"LastMonitoringExecutionSummary": {"MonitoringExecutionStatus": "Completed", "ScheduledTime": run}}
    schedule = schedule_from_api(summary, described)
    assert (schedule.monitoring_type, schedule.last_run_status, schedule.last_run_time) == (
        "DataQuality",
        "Completed",
        run,
    )


def test_fingerprint_changes_with_schedules_and_is_empty_without() -> None:
    assert schedules_fingerprint([]) == ""
    one = fingerprints_from_summaries(
        [{"MonitoringScheduleName": "dq", "EndpointName": "fraud", "MonitoringScheduleStatus": "Scheduled"}]
    )
    stopped = fingerprints_from_summaries(
        [{"MonitoringScheduleName": "dq", "EndpointName": "fraud", "MonitoringScheduleStatus": "Stopped"}]
    )
    assert one["fraud"] and one["fraud"] != stopped["fraud"]


def test_the_fingerprint_changes_when_a_schedule_publishes_a_feature_and_matches_onboarding() -> None:
    """No drift metric exists before a schedule's first run ("Interpret results"): the run that
    publishes them, or a later one adding a feature, changes what the reconcile compares."""
    summary = {"MonitoringScheduleName": "dq", "EndpointName": "fraud", "MonitoringScheduleStatus": "Scheduled"}
    guide = next(loc for loc in DRIFT_METRIC_LOCATIONS if loc.endpoint_dimension == "EndpointName")

    def entry(feature: str, location: Any = DRIFT_METRIC_LOCATIONS[0]) -> dict[str, Any]:
        dims = location.filter("fraud", "dq")
        return {
            "MetricName": f"feature_baseline_drift_{feature}",
            "Dimensions": [{"Name": k, "Value": v} for k, v in dims],
        }

    before_first_run = fingerprints_from_summaries([summary], features_by_schedule({}))
    listed = {NS: [entry("amount"), {"MetricName": "feature_data_amount", "Dimensions": []}]}
    after = fingerprints_from_summaries([summary], features_by_schedule(listed))
    more = fingerprints_from_summaries([summary], features_by_schedule({NS: [entry("amount"), entry("zip")]}))
    assert len({before_first_run["fraud"], after["fraud"], more["fraud"]}) == 3
    assert before_first_run == fingerprints_from_summaries([summary])  # older state records still match
    # The first documented location holding any wins, as in onboarding's discovery.
    assert guide.namespace == NS
    both = features_by_schedule({NS: [entry("other", guide), entry("amount")]})
    assert both == {("fraud", "dq"): ("amount",)}
    # Onboarding's side: the alarmed and the left-out features of its schedule.
    [kept] = drift_metrics_from_listing([entry("amount")], NS)
    fitted = MonitoringSchedule("dq", "DataQuality", "Scheduled", drift_metrics=(kept,), left_out=("zip",))
    assert (
        schedules_fingerprint([("dq", "DataQuality", "Scheduled")], {"dq": schedule_features(fitted)}) == more["fraud"]
    )


def test_reconcile_refits_an_endpoint_whose_schedules_changed() -> None:
    endpoint = ListedEndpoint("fraud", "InService", "t")
    state = AppliedState("fraud", "t", "p")
    unchanged = plan_fleet("SW", [endpoint], {"fraud": state}, {}, [], "p", region="r", schedules={})
    assert unchanged.unchanged == 1
    changed = plan_fleet("SW", [endpoint], {"fraud": state}, {}, [], "p", region="r", schedules={"fraud": "abc"})
    assert [(w.kind, w.reasons) for w in changed.work] == [("changed", ("Model Monitor schedules changed",))]
    roundtrip = AppliedState.from_item(replace(state, schedules="abc", monitoring_schedules=("dq",)).to_item())
    assert (roundtrip.schedules, roundtrip.monitoring_schedules) == ("abc", ("dq",))


def test_schedule_events_parse_with_or_without_the_endpoint() -> None:
    created = json.loads((EVENTS / "monitoring-schedule-scheduled.json").read_text())
    deleted = json.loads((EVENTS / "monitoring-schedule-deleted.json").read_text())
    assert is_schedule_state_change(created) and is_schedule_state_change(deleted)
    change = parse_schedule_change(created)
    assert (change.schedule_name, change.endpoint_name, change.status) == (
        "fraud-data-quality",
        "fraud-detector",
        "SCHEDULED",
    )
    gone = parse_schedule_change(deleted)
    assert (gone.schedule_name, gone.endpoint_name) == ("fraud-data-quality", None)
    with pytest.raises(InvalidEventError):
        parse_schedule_change({**created, "detail": {}, "resources": []})


def test_dashboard_has_a_model_quality_section_with_a_drift_search() -> None:
    from sagewatch.core.monitoring.dashboard import build_dashboard

    fitted = with_schedule([f"f{i}" for i in range(4)], cap=2)
    body = build_dashboard(fitted, desired_alarms(fitted, Policy(), "SageWatch").alarms, prefix="SageWatch")
    texts = [w["properties"]["markdown"] for w in body["widgets"] if w["type"] == "text"]
    section = next(t for t in texts if "Model quality (Model Monitor)" in t)
    assert "| dq | DataQuality | Scheduled | none yet | f0, f1 | f2, f3 |" in section
    searches = [
        m[0]["expression"]
        for w in body["widgets"]
        if w["type"] == "metric"
        for m in w["properties"]["metrics"]
        if isinstance(m, list) and isinstance(m[0], dict) and "SEARCH" in m[0].get("expression", "")
    ]
    assert searches == ["SEARCH('%^feature_baseline_drift_.*% \"fraud\" \"dq\"', 'Maximum', 3600)"]
    plain = build_dashboard(profile(name="fraud"), (), prefix="SageWatch")
    assert not any("Model Monitor" in json.dumps(w) for w in plain["widgets"])


def _notification(name: str, namespace: str, metric: str, dims: dict[str, str]) -> Any:
    from sagewatch.core.alerting.notification import parse_alarm_message

    body = {
        "AlarmName": name,
        "AlarmDescription": None,
        "AWSAccountId": "123456789012",
        "NewStateValue": "ALARM",
        "OldStateValue": "OK",
        "NewStateReason": "Threshold Crossed",
        "StateChangeTime": "2026-11-28T10:02:00.000+0000",
        "Region": "US East (N. Virginia)",
        "AlarmArn": f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:{name}",
        "Trigger": {
            "MetricName": metric,
            "Namespace": namespace,
            "StatisticType": "Statistic",
            "Statistic": "MAXIMUM",
            "Dimensions": [{"name": k, "value": v} for k, v in dims.items()],
            "Period": 3600,
            "EvaluationPeriods": 1,
            "ComparisonOperator": "GreaterThanThreshold",
            "Threshold": 0.1,
            "TreatMissingData": "ignore",
        },
    }
    return parse_alarm_message(body, message_id="m-1")


def test_alert_target_of_a_drift_alarm_names_schedule_and_feature_not_a_component() -> None:
    from sagewatch.core.alerting.alert_target import resolve_target

    ours = _notification(
        "SageWatch/fraud/_endpoint/feature-drift.dq.amount.v2",
        NS,
        "feature_baseline_drift_amount.v2",
        {"Endpoint": "fraud", "MonitoringSchedule": "dq"},
    )
    target = resolve_target(ours, "SageWatch")
    assert (target.endpoint, target.component, target.schedule, target.feature) == ("fraud", None, "dq", "amount.v2")
    hand_made = _notification(
        "my-drift",
        "/aws/sagemaker/Endpoints/data-metric",
        "feature_baseline_drift_age",
        {"EndpointName": "fraud", "ScheduleName": "dq"},
    )
    target = resolve_target(hand_made, "SageWatch")
    assert (target.endpoint, target.variant, target.schedule, target.feature) == ("fraud", None, "dq", "age")


def test_count_cost_and_cap_notes_are_information_an_unknown_instance_type_is_a_problem() -> None:
    from sagewatch.core.monitoring.notes import is_problem

    fitted = with_schedule([f"f{i}" for i in range(5)], cap=3)
    desired = desired_alarms(fitted, Policy(), "SageWatch")
    assert desired.notes and not [n for n in desired.notes if is_problem(n)]  # count/cost, left out
    unknown = replace(fitted, variants=tuple(replace(v, instance_type="ml.nope.xlarge") for v in fitted.variants))
    problems = [n for n in desired_alarms(unknown, Policy(), "SageWatch").notes if is_problem(n)]
    assert len(problems) == 1 and "not in the catalogue" in problems[0]
