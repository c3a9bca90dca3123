"""A day on call, played in the emulated account: three endpoints, three incidents, two
non-incidents (a single bad minute; churn-v2 created at 09:00), idle nights. Endpoints are
onboarded from their EventBridge events, metrics published every simulated minute, alarms
evaluated by the account's engine, AlertQueue played into NotifyFunction, Slack is the fake.

Asserted hard: every incident alerts within its alarm's M x period + 2 minutes, its OK arrives
(threaded under the ALARM in bot mode), one ALARM and one OK message each, and the only noise
is the known kind, and no noise at all: a new alarm's first INSUFFICIENT_DATA -> OK evaluation
posts nothing, because nobody was told about an ALARM it would end (docs/alerts.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from sagewatch_simulator.oncall import ScenarioRun, SlackMode, monday_before, one_day_on_call, run_scenario
from sagewatch_simulator.oncall.scoring import NoiseCategory, Score, score

pytestmark = pytest.mark.integration

BACKTESTED = ("fraud-scorer", "recommender", "churn-v2")


@pytest.fixture(scope="module", params=["webhook", "bot"])
def day(request: pytest.FixtureRequest) -> Iterator[tuple[ScenarioRun, Score]]:
    mode: SlackMode = request.param
    backtest = BACKTESTED if mode == "webhook" else ()  # the data is the same in both modes: once is enough
    run = run_scenario(one_day_on_call(monday_before(datetime.now(UTC))), mode, backtest=backtest)
    scenario = run.scenario
    yield (
        run,
        score(
            scenario.fleet,
            scenario.incidents,
            run.notices,
            run.deliveries,
            threaded_mode=mode == "bot",
            monitor_runs=run.monitor_runs,
            muted=run.muted,
            maintenance=scenario.maintenance,
        ),
    )


def test_the_day_ran_through_the_real_wiring_without_errors(day: tuple[ScenarioRun, Score]) -> None:
    run, _ = day
    assert run.onboard_errors == [] and run.notify_errors == []
    assert run.evaluations > 0 and run.published_items > 0 and run.deliveries
    assert all(state in ("OK", "INSUFFICIENT_DATA") for state in run.final_states.values())  # all over by midnight


def test_every_latency_alarm_can_fire_at_its_traffic(day: tuple[ScenarioRun, Score]) -> None:
    # New endpoints without a day of history: the provisional class, which fires at any traffic
    # (docs/alarms.md, "The latency alarm, fitted to traffic"); `sagewatch doctor` names none.
    run, _ = day
    assert run.cannot_fire == []
    assert run.latency_alarms and all(
        rule.startswith("Average over 60 s, 3 of 5") for rule in run.latency_alarms.values()
    )


def test_every_incident_alerts_within_its_alarms_m_times_period_plus_two_minutes(
    day: tuple[ScenarioRun, Score],
) -> None:
    _, result = day
    assert len(result.incidents) == 3 and result.missed == []
    for incident in result.incidents:
        assert incident.within_target, incident.as_dict()


def test_every_incident_gets_one_alarm_and_one_ok_message_and_its_ok_arrives(day: tuple[ScenarioRun, Score]) -> None:
    _, result = day
    assert result.ok_delivered == len(result.incidents)
    assert result.not_one_alarm_one_ok() == []
    assert result.summary()["incidents_with_one_alarm_one_ok"] == len(result.incidents) == 3


def test_in_bot_mode_each_ok_lands_in_its_alarms_thread(day: tuple[ScenarioRun, Score]) -> None:
    run, result = day
    if run.mode == "webhook":  # incoming webhooks cannot start threads: every message is top level
        assert not any(d.thread_ts for d in run.deliveries)
        return
    assert all(d.ts for d in run.deliveries)
    assert [i.unthreaded_oks for i in result.incidents] == [0, 0, 0]


def test_the_non_incidents_page_nobody_and_the_only_noise_is_first_evaluation_oks(
    day: tuple[ScenarioRun, Score],
) -> None:
    _, result = day
    assert {message.category for message in result.noise} <= {NoiseCategory.FIRST_EVALUATION_OK}


def test_no_noise_at_all(day: tuple[ScenarioRun, Score]) -> None:
    _, result = day
    assert result.noise == []


def test_each_bad_model_monitor_run_is_one_message_and_the_clean_runs_none(day: tuple[ScenarioRun, Score]) -> None:
    """fraud-scorer's hourly data-quality runs: 11:00 finds violations, 17:00 fails (each event sent
    twice, as SageMaker may); the other 21 runs are clean and tell nobody. The schedule is created
    at 00:00, so its first run is at 01:00, the next hour boundary ("Interpret results")."""
    run, result = day
    assert len(run.monitor_runs) == 23
    assert min(r.at for r in run.monitor_runs).hour == 1
    assert sorted(r.status for r in run.monitor_runs if r.bad) == ["CompletedWithViolations", "Failed"]
    assert len(result.monitor_runs) == 2
    for scored in result.monitor_runs:
        assert scored.alerted and scored.one_message(result.destinations), scored
    assert not any(m.category is NoiseCategory.CLEAN_MONITORING_RUN for m in result.noise)


def test_sagewatch_backtest_over_the_day_fires_as_the_alarm_engine_did(day: tuple[ScenarioRun, Score]) -> None:
    """The day's own metrics as the backtest's data: same evaluator, same datapoints, so every
    alarm's replayed fires equal the ALARM transitions the engine published that day."""
    run, _ = day
    if run.mode != "webhook":
        pytest.skip("the backtest runs once, on the webhook run")
    for comparison in run.backtests:
        print(comparison.table)
    by_endpoint = {c.endpoint: c for c in run.backtests}
    assert set(by_endpoint) == set(BACKTESTED)
    for comparison in run.backtests:
        assert comparison.exit_codes == (0, 0) and comparison.alarms
        assert [a for a in comparison.alarms if not a.agrees] == [], comparison.endpoint
    latency = next(a for a in by_endpoint["fraud-scorer"].alarms if a.alarm == "AllTraffic/model-latency-p99")
    assert latency.backtest_fires == latency.engine_fires == 1 and latency.seconds_in_alarm > 0


def test_planned_maintenance_mutes_its_incident_and_nobody_hears_of_it(day: tuple[ScenarioRun, Score]) -> None:
    """recommender's maintenance (19:00-21:00, alarm mute rules put 15 minutes ahead) has a 5XX
    burst inside it: the alarm fires and recovers muted, the OK CloudWatch runs when the window
    ends tells nobody (no ALARM was told), and nothing about recommender is delivered meanwhile."""
    run, result = day
    summary = result.summary()
    in_window = [m for m in run.muted if m.rule == "SageWatch-quiet-maintenance-recommender"]
    assert {m.alarm.rsplit("/", 1)[1] for m in in_window if m.new_state == "ALARM"} >= {"invocation-5xx-rate"}
    assert summary["muted_messages"] == len(run.muted) >= len(in_window) >= 2
    assert summary["messages_during_maintenance"] == 0
    assert summary["missed"] == 0 and summary["noise_messages"] == 0


def test_the_deployment_holds_utilization_alarms_and_nothing_else(day: tuple[ScenarioRun, Score]) -> None:
    """fraud-scorer is deployed at 18:00: its UPDATING event puts SageWatch-deploy-fraud-scorer
    over the alarms a deployment moves; errors and latency stay unmuted."""
    run, _ = day
    assert run.onboard_errors == []
    held = {m.alarm for m in run.muted if m.rule == "SageWatch-deploy-fraud-scorer"}
    assert not any(name.endswith(("5xx-rate", "4xx-rate", "model-latency-p99")) for name in held)
