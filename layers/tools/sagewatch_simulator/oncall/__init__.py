"""A week on call: play a fleet's week in the emulated account and count what people receive.

``run_scenario(week_on_call(monday_before(now)), mode="bot")`` plays it (:mod:`.runner`);
``score(run)`` maps every delivered message to an incident, a resolution or noise
(:mod:`.scoring`). See docs/alerts.md, "A week on call".
"""

from sagewatch_simulator.oncall.records import AlarmNotice, Delivery
from sagewatch_simulator.oncall.runner import ScenarioRun, SlackMode, run_scenario
from sagewatch_simulator.oncall.scenario import Scenario, monday_before, one_day_on_call, week_on_call

__all__ = [
    "AlarmNotice",
    "Delivery",
    "Scenario",
    "ScenarioRun",
    "SlackMode",
    "monday_before",
    "one_day_on_call",
    "run_scenario",
    "week_on_call",
]
