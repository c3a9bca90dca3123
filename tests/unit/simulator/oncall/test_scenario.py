"""The week-on-call scenarios: what they contain and where their week lies in time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sagewatch_simulator.oncall.scenario import monday_before, one_day_on_call, week_on_call
from sagewatch_simulator.traffic import EndpointKind, IncidentKind

MONDAY = datetime(2026, 11, 2, tzinfo=UTC)


def test_the_week_starts_on_a_monday_eight_to_fourteen_days_back_so_it_ends_in_the_past() -> None:
    for hours in range(0, 24 * 7, 5):
        wall = datetime(2026, 11, 30, tzinfo=UTC) + timedelta(hours=hours)
        monday = monday_before(wall)
        assert monday.weekday() == 0 and (monday.hour, monday.minute) == (0, 0)
        assert timedelta(days=8) <= wall - monday < timedelta(days=15)


def test_the_week_has_every_kind_of_endpoint_incident_and_non_incident() -> None:
    week = week_on_call(MONDAY)
    assert (week.days, week.minutes) == (7, 7 * 24 * 60)
    assert len(week.fleet.endpoints) >= 10
    assert {e.kind for e in week.fleet.endpoints} == set(EndpointKind)
    assert any(e.update for e in week.fleet.endpoints) and any(e.deleted_at for e in week.fleet.endpoints)
    assert any(e.created_at for e in week.fleet.endpoints)
    assert len(week.paging) >= 8 and any(i.flap for i in week.paging)
    assert {i.kind for i in week.incidents} >= set(IncidentKind)
    [window] = week.maintenance  # Wednesday's planned maintenance, with an incident inside it
    assert any(window.covers(i.endpoint, i.start) and not i.pages for i in week.incidents)


def test_the_one_day_version_keeps_three_endpoints_three_incidents_and_two_non_incidents() -> None:
    day = one_day_on_call(MONDAY)
    assert day.days == 1 and len(day.fleet.endpoints) == 3 and len(day.paging) == 3
    # A bad minute, and a 5XX burst inside recommender's planned maintenance (muted: pages nobody).
    assert [i.kind for i in day.incidents if not i.pages] == [IncidentKind.BAD_MINUTE, IncidentKind.ERROR_5XX_BURST]
    [window] = day.maintenance
    [muted] = [i for i in day.incidents if i.label == "5XX during planned maintenance"]
    assert muted.endpoint == window.endpoint and window.start < muted.start < muted.end < window.end
    assert [e.name for e in day.fleet.endpoints if e.update] == ["fraud-scorer"]  # the day's deployment
    [fresh] = [e for e in day.fleet.endpoints if e.created_at is not None]  # the second non-incident
    assert fresh.created_at is not None
    assert day.start < fresh.created_at < min(i.start for i in day.paging if i.endpoint == fresh.name)


def test_the_week_hosts_inference_components_one_added_and_later_removed() -> None:
    week = week_on_call(MONDAY)
    hosting = week.components
    assert hosting is not None and len(hosting.components) == 2
    [added] = [s for s in hosting.steps if s.action == "create"]
    [removed] = [s for s in hosting.steps if s.action == "delete"]
    assert added.component == removed.component and added.component not in hosting.components
    assert week.start < added.at < removed.at < week.end
    assert hosting.endpoint not in {e.name for e in week.fleet.endpoints}  # no traffic of its own
    assert one_day_on_call(MONDAY).components is None  # the one-day scenario stays as it was


def test_the_weeks_drift_incident_is_seen_by_its_schedules_runs_as_drift_and_violations() -> None:
    """The data-drift incident moves one feature of fraud-scorer's hourly data-quality runs above
    Model Monitor's 0.1 threshold; those runs complete with a baseline_drift_check violation."""
    week = week_on_call(MONDAY)
    plan = week.model_monitor
    assert plan is not None
    [drift] = [i for i in week.paging if i.kind is IncidentKind.DATA_DRIFT]
    assert drift.endpoint == plan.endpoint and drift.feature in plan.features
    hours = [week.start + timedelta(hours=h) for h in range(7 * 24)]
    runs = {hour: plan.run_at(hour, week.incidents) for hour in hours}
    drifted = [hour for hour, run in runs.items() if run.drift.get(str(drift.feature), 0.0) > 0.1]
    assert drifted == [hour for hour in hours if drift.start <= hour < drift.end] and len(drifted) >= 2
    assert all(runs[hour].violations == ((drift.feature, "baseline_drift_check"),) for hour in drifted)
    assert all(runs[hour].status == "CompletedWithViolations" for hour in drifted)
    # The other runs publish quiet drift (a failed run publishes nothing), so no drift alarm is
    # raised that no incident explains, and the planned violations run is not a drift one.
    others = [run for hour, run in runs.items() if hour not in drifted]
    assert all(max(run.drift.values(), default=0.0) <= 0.1 for run in others)
    assert sorted(run.status for run in others if run.status != "Completed") == ["CompletedWithViolations", "Failed"]
    assert all(check != "baseline_drift_check" for run in others for _, check in run.violations)
