"""The week's inference-component endpoint, played on its own over a few simulated hours: the
runner creates it with two components, adds a third and removes it through their CloudTrail
events, and the figure the week reports (tests/bench/week.py) says the alarms followed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sagewatch_simulator.oncall import Scenario, monday_before, run_scenario
from sagewatch_simulator.oncall.component_scoring import component_lifecycle
from sagewatch_simulator.oncall.scoring import score
from sagewatch_simulator.traffic import Fleet
from sagewatch_simulator.traffic.components import ComponentHosting, ComponentStep

pytestmark = pytest.mark.integration

HOUR = timedelta(hours=1)


def test_a_component_added_then_removed_mid_scenario_gets_and_loses_its_alarms() -> None:
    start = monday_before(datetime.now(UTC))
    hosting = ComponentHosting(
        "llm-hub",
        "AllTraffic",
        "ml.g5.12xlarge",
        1,
        ("llama-ic", "mistral-ic"),
        (ComponentStep(start + HOUR, "create", "qwen-ic"), ComponentStep(start + 2 * HOUR, "delete", "qwen-ic")),
    )
    scenario = Scenario("components", Fleet((), 7), (), start, start + 3 * HOUR, components=hosting)
    run = run_scenario(scenario)
    assert run.onboard_errors == [] and run.notify_errors == []
    assert [(s.action, s.alarms_before, s.alarms_after) for s in run.component_steps] == [
        ("create", 0, 3),
        ("delete", 3, 0),
    ]
    assert component_lifecycle(run.component_steps) == {
        "components_added": 1,
        "components_removed": 1,
        "component_alarms_created": 3,
        "component_alarms_deleted": 3,
        "component_alarms_followed": True,
    }
    # The components serving from the start keep theirs; nobody was paged by alarms without data.
    assert sum(1 for name in run.final_states if name.endswith((".llama-ic", ".mistral-ic"))) == 6
    assert run.deliveries == []
    # The week's scorer takes the endpoint's notices (first-evaluation OKs) in its stride.
    result = score(scenario.fleet, scenario.incidents, run.notices, run.deliveries)
    assert result.noise == [] and result.messages == 0
