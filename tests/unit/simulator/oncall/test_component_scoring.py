"""The week's inference component figure: components added/removed and their alarms."""

from __future__ import annotations

from datetime import UTC, datetime

from sagewatch_simulator.oncall.component_scoring import component_lifecycle
from sagewatch_simulator.oncall.records import ComponentStepRecord

AT = datetime(2026, 11, 4, 11, tzinfo=UTC)


def test_alarms_that_came_and_went_with_their_component() -> None:
    steps = [
        ComponentStepRecord(AT, "create", "qwen-ic", 0, 3, "onboarded"),
        ComponentStepRecord(AT, "delete", "qwen-ic", 3, 0, "onboarded"),
    ]
    assert component_lifecycle(steps) == {
        "components_added": 1,
        "components_removed": 1,
        "component_alarms_created": 3,
        "component_alarms_deleted": 3,
        "component_alarms_followed": True,
    }


def test_a_component_whose_alarms_stayed_is_reported() -> None:
    steps = [
        ComponentStepRecord(AT, "create", "qwen-ic", 0, 3, "onboarded"),
        ComponentStepRecord(AT, "delete", "qwen-ic", 3, 3, "skipped"),
    ]
    assert component_lifecycle(steps)["component_alarms_followed"] is False
