"""Fleet change detection: pure functions over plain data."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sagewatch.core.fleet.plan import (
    AppliedState,
    FleetPlan,
    ListedEndpoint,
    alarm_digest,
    group_alarms,
    plan_fleet,
    policy_version,
    timestamp,
)
from sagewatch.core.monitoring.policy import Policy

PREFIX = "SageWatch"
REGION = "us-east-1"
T1 = "2026-01-01T10:00:00.000+00:00"
T2 = "2026-01-02T10:00:00.000+00:00"
ALARM = {
    "AlarmName": "SageWatch/a/AllTraffic/cpu-utilization",
    "Namespace": "/aws/sagemaker/Endpoints",
    "MetricName": "CPUUtilization",
    "Dimensions": [{"Name": "EndpointName", "Value": "a"}, {"Name": "VariantName", "Value": "AllTraffic"}],
    "Statistic": "Average",
    "Period": 300,
    "EvaluationPeriods": 3,
    "Threshold": 360.0,
    "ComparisonOperator": "GreaterThanThreshold",
}


def state(name: str = "a", modified: str = T1, policy: str = "p1", **kw: object) -> AppliedState:
    alarms = kw.pop("alarms", {ALARM["AlarmName"]: alarm_digest(ALARM)})
    return AppliedState(name, modified, policy, alarms=alarms, dashboard=kw.pop("dashboard", "d"))  # type: ignore[arg-type]


def plan(
    endpoints: list[ListedEndpoint],
    states: dict[str, AppliedState],
    alarms: list[dict[str, Any]],
    boards: list[str],
    policy: str = "p1",
    full: bool = False,
) -> FleetPlan:
    return plan_fleet(PREFIX, endpoints, states, group_alarms(PREFIX, alarms), boards, policy, region=REGION, full=full)


def test_unchanged_endpoint_needs_no_work() -> None:
    result = plan([ListedEndpoint("a", "InService", T1)], {"a": state()}, [ALARM], ["SageWatch_us-east-1_a"])
    assert result.work == ()
    assert result.unchanged == 1


@pytest.mark.parametrize(
    ("listed", "stored", "alarms", "boards", "kind", "reason"),
    [
        (ListedEndpoint("a", "InService", T1), None, [], [], "new", "no record"),
        (
            ListedEndpoint("a", "InService", T2),
            state(),
            [ALARM],
            ["SageWatch_us-east-1_a"],
            "changed",
            "LastModifiedTime",
        ),
        (
            ListedEndpoint("a", "InService", T1),
            state(policy="p0"),
            [ALARM],
            ["SageWatch_us-east-1_a"],
            "policy",
            "p0 -> p1",
        ),
        (
            ListedEndpoint("a", "InService", T1),
            state(),
            [],
            ["SageWatch_us-east-1_a"],
            "drift",
            "cpu-utilization deleted",
        ),
        (
            ListedEndpoint("a", "InService", T1),
            state(),
            [ALARM | {"Threshold": 1.0}],
            ["SageWatch_us-east-1_a"],
            "drift",
            "cpu-utilization changed",
        ),
        (ListedEndpoint("a", "InService", T1), state(), [ALARM], [], "drift", "dashboard deleted"),
        (
            ListedEndpoint("a", "InService", T1),
            state(),
            [ALARM, ALARM | {"AlarmName": "SageWatch/a/AllTraffic/extra"}],
            ["SageWatch_us-east-1_a"],
            "drift",
            "extra not SageWatch's",
        ),
    ],
)
def test_what_needs_work_and_why(listed, stored, alarms, boards, kind, reason) -> None:
    result = plan([listed], {"a": stored} if stored else {}, alarms, boards)
    assert [w.kind for w in result.work] == [kind]
    assert reason in "; ".join(result.work[0].reasons)


def test_orphans_are_everything_managed_whose_endpoint_is_not_listed() -> None:
    alarms = [ALARM | {"AlarmName": "SageWatch/gone/AllTraffic/cpu-utilization"}]
    result = plan(
        [ListedEndpoint("a", "InService", T1)],
        {"a": state(), "stale": state("stale")},
        [ALARM, *alarms, {"AlarmName": "Other/x/y/z"}, {"AlarmName": "SageWatch-fleet-thing"}],
        ["SageWatch_us-east-1_a", "SageWatch_us-east-1_board-only", "SageWatch-fleet"],
    )
    assert [(w.endpoint, w.kind) for w in result.work] == [
        ("board-only", "orphan"),
        ("gone", "orphan"),
        ("stale", "orphan"),
    ]


def test_another_regions_dashboards_and_old_style_names_are_never_orphans() -> None:
    # Dashboards are account-wide: a second regional stack's "SageWatch_eu-west-1_b" is not ours.
    result = plan(
        [ListedEndpoint("a", "InService", T1)],
        {"a": state()},
        [ALARM],
        ["SageWatch_us-east-1_a", "SageWatch_eu-west-1_a", "SageWatch_eu-west-1_b", "SageWatch_c"],
    )
    assert result.work == () and result.unchanged == 1


def test_endpoints_not_in_service_are_left_to_their_events_and_full_enqueues_all() -> None:
    endpoints = [ListedEndpoint("a", "InService", T1), ListedEndpoint("b", "Updating", T1)]
    result = plan(endpoints, {"a": state()}, [ALARM], ["SageWatch_us-east-1_a"])
    assert result.work == () and result.skipped == ("b",)
    full = plan(endpoints, {"a": state()}, [ALARM], ["SageWatch_us-east-1_a"], full=True)
    assert [(w.endpoint, w.kind) for w in full.work] == [("a", "full")]


def test_state_round_trips_through_a_table_item() -> None:
    original = state(dashboard=None)
    assert AppliedState.from_item(original.to_item()) == original


def test_policy_version_changes_with_what_changes_the_output() -> None:
    base = {"prefix": PREFIX, "create_alarms": True, "create_dashboards": True, "actions": ["arn:t"]}
    v1 = policy_version(Policy(), **base)  # type: ignore[arg-type]
    assert v1 == policy_version(Policy(), **base)  # type: ignore[arg-type]
    assert v1 != policy_version(Policy.from_document({"thresholds": {"cpu-utilization": 70}}), **base)  # type: ignore[arg-type]
    assert v1 != policy_version(Policy(), **(base | {"create_dashboards": False}))  # type: ignore[arg-type]


def test_timestamps_compare_equal_whatever_their_form() -> None:
    moment = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
    assert timestamp(moment) == timestamp(moment.isoformat()) == T1
    assert timestamp(None) == ""


def _with_components(components: tuple[str, ...] | None) -> AppliedState:
    return AppliedState(
        "a", T1, "p1", alarms={str(ALARM["AlarmName"]): alarm_digest(ALARM)}, dashboard="d", components=components
    )


@pytest.mark.parametrize(
    ("applied", "listed", "reason"),
    [
        (("ic-a",), ("ic-a", "ic-b"), "inference components [ic-a] -> [ic-a, ic-b]"),
        (("ic-a", "ic-b"), ("ic-a",), "inference components [ic-a, ic-b] -> [ic-a]"),
        (("ic-a",), (), "inference components [ic-a] -> []"),
    ],
)
def test_a_component_added_or_removed_is_a_change(
    applied: tuple[str, ...], listed: tuple[str, ...], reason: str
) -> None:
    # Adding or removing a component leaves the endpoint's LastModifiedTime as it was.
    result = plan(
        [ListedEndpoint("a", "InService", T1, listed)],
        {"a": _with_components(applied)},
        [ALARM],
        ["SageWatch_us-east-1_a"],
    )
    assert [(w.endpoint, w.kind, w.reasons) for w in result.work] == [("a", "changed", (reason,))]


@pytest.mark.parametrize(("applied", "listed"), [(("ic-a",), ("ic-a",)), (None, ("ic-a",)), (("ic-a",), None)])
def test_same_or_unknown_components_are_no_change(
    applied: tuple[str, ...] | None, listed: tuple[str, ...] | None
) -> None:
    # None: a record written before components were recorded, or a plan made without listing them.
    result = plan(
        [ListedEndpoint("a", "InService", T1, listed)],
        {"a": _with_components(applied)},
        [ALARM],
        ["SageWatch_us-east-1_a"],
    )
    assert result.work == () and result.unchanged == 1


@pytest.mark.parametrize("components", [None, (), ("ic-a", "ic-b")])
def test_components_round_trip_through_a_table_item(components: tuple[str, ...] | None) -> None:
    original = _with_components(components)
    assert AppliedState.from_item(original.to_item()) == original
