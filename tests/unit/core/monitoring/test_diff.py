from __future__ import annotations

import copy
from typing import Any

from sagewatch.core.monitoring.alarm_spec import AlarmSpec
from sagewatch.core.monitoring.alarms import desired_alarms
from sagewatch.core.monitoring.diff import DashboardAction, plan_changes
from sagewatch.core.monitoring.policy import Policy
from tests.unit.factories import profile

ACTIONS = ["arn:aws:sns:us-east-1:123456789012:alerts"]


def as_described(spec: AlarmSpec) -> dict[str, Any]:
    """What DescribeAlarms returns for an alarm put with spec.put_kwargs (floats, no Tags, reordered)."""
    described = spec.put_kwargs(ACTIONS)
    described.pop("Tags")
    described["Threshold"] = float(described["Threshold"])
    if "Dimensions" in described:
        described["Dimensions"] = list(reversed(described["Dimensions"]))
    described["StateValue"] = "OK"
    described["AlarmArn"] = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:" + spec.name
    return described


def specs() -> tuple[AlarmSpec, ...]:
    return desired_alarms(profile(), Policy(), "SageWatch").alarms


def test_everything_missing_is_created() -> None:
    plan = plan_changes(specs(), [], ACTIONS, "{}", None)
    assert len(plan.create) == len(specs()) and not plan.update and not plan.delete
    assert plan.dashboard is DashboardAction.CREATE
    assert plan.write_count == len(specs()) + 1


def test_identical_state_is_a_noop() -> None:
    existing = [as_described(s) for s in specs()]
    plan = plan_changes(specs(), existing, ACTIONS, '{"widgets": []}', '{"widgets":[]}')
    assert plan.is_noop and plan.write_count == 0
    assert len(plan.unchanged) == len(specs())


def test_changed_threshold_is_an_update_naming_the_field() -> None:
    existing = [as_described(s) for s in specs()]
    drifted = copy.deepcopy(existing)
    drifted[0]["Threshold"] = 1.0
    plan = plan_changes(specs(), drifted, ACTIONS, None, None)
    assert [c.spec.name for c in plan.update] == [existing[0]["AlarmName"]]
    assert plan.update[0].reason == "update: Threshold"


def test_changed_math_expression_is_an_update() -> None:
    existing = [as_described(s) for s in specs()]
    for alarm in existing:
        for query in alarm.get("Metrics", []):
            if "Expression" in query:
                query["Expression"] = "100 * errors / invocations"
    plan = plan_changes(specs(), existing, ACTIONS, None, None)
    assert {c.spec.key for c in plan.update} == {"invocation-5xx-rate", "invocation-4xx-rate"}


def test_alarms_no_longer_desired_are_deleted() -> None:
    existing = [as_described(s) for s in specs()]
    gone = copy.deepcopy(existing[0])
    gone["AlarmName"] = "SageWatch/fraud-scorer/OldVariant/cpu-utilization"
    plan = plan_changes(specs(), [*existing, gone], ACTIONS, None, None)
    assert plan.delete == ("SageWatch/fraud-scorer/OldVariant/cpu-utilization",)
    assert plan.write_count == 1


def test_dashboard_actions() -> None:
    assert plan_changes([], [], ACTIONS, None, "{}").dashboard is DashboardAction.DELETE
    assert plan_changes([], [], ACTIONS, None, None).dashboard is DashboardAction.ABSENT
    assert plan_changes([], [], ACTIONS, '{"a": 1}', '{"a": 2}').dashboard is DashboardAction.UPDATE
