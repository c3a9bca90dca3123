"""Comparing `sagewatch backtest` with the alarm engine: the CLI table read back, differences explained."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sagewatch_simulator.oncall.backtest_check import AlarmComparison, Comparison, _table_rows, explain_differences
from sagewatch_simulator.traffic import Endpoint, EndpointKind, TrafficProfile, Variant
from sagewatch_simulator.traffic.model import Update

TABLE = """fraud-scorer (real-time): 2 alarm(s) replayed over a week

alarm                           threshold   fires  in ALARM  longest  once a week
AllTraffic/invocation-5xx-rate  > 5 %       6      1 h       20 min   > 30.2 %
AllTraffic/model-latency-p99    > 1,000 ms  1      1 h       1 h      > 5,384 ms

once a week: the most sensitive threshold that would have fired at most 1 time(s) in 7 days"""
START = datetime(2026, 11, 16, tzinfo=UTC)


def _comparison(
    backtest: int, engine: int, key: str = "invocation-5xx-rate", notes: tuple[str, ...] = ()
) -> Comparison:
    alarm = AlarmComparison(f"AllTraffic/{key}", f"SageWatch/x/AllTraffic/{key}", backtest, engine, 0.0, "> 5 %", None)
    return Comparison("x", 7, 2, [alarm], TABLE, (0, 0), notes)


def test_the_cli_table_is_read_back_by_alarm_with_its_printed_units() -> None:
    rows = _table_rows(TABLE)
    assert rows["AllTraffic/model-latency-p99"]["threshold"] == "> 1,000 ms"
    assert rows["AllTraffic/invocation-5xx-rate"]["once a week"] == "> 30.2 %"
    assert _table_rows("sagewatch: endpoint 'x' does not exist") == {}


def test_a_difference_is_explained_only_by_a_life_event_inside_the_window() -> None:
    steady = Endpoint("x", EndpointKind.REALTIME, (Variant("AllTraffic", "ml.m5.xlarge"),), TrafficProfile(peak_rpm=10))
    comparison = _comparison(6, 5)
    explain_differences(comparison, steady, START, START + timedelta(days=7))
    assert comparison.explained == {}
    assert not comparison.agrees
    deployed = Endpoint(
        "x",
        EndpointKind.REALTIME,
        (Variant("AllTraffic", "ml.m5.xlarge"),),
        TrafficProfile(peak_rpm=10),
        update=Update(START + timedelta(days=3), (Variant("AllTraffic", "ml.c5.xlarge"),)),
    )
    explained = _comparison(6, 5)
    explain_differences(explained, deployed, START, START + timedelta(days=7))
    assert "re-fitted" in explained.explained["AllTraffic/invocation-5xx-rate"]
    assert explained.agrees
    assert _comparison(1, 1).agrees and _comparison(1, 1).as_dict()["fires_match_the_alarm_engine"]


def test_a_percentile_that_fires_only_in_the_backtest_is_a_disagreement() -> None:
    # The backtest applies the low-sample rule (SampleCount read with the history), so 26 fires
    # against the engine's none are no longer explained away: they would be phantom fires.
    steady = Endpoint("x", EndpointKind.REALTIME, (Variant("AllTraffic", "ml.m5.xlarge"),), TrafficProfile(peak_rpm=3))
    note = "percentile alarms with EvaluateLowSampleCountPercentile=ignore keep their state ..."
    phantom = _comparison(26, 0, "model-latency-p99", (note,))
    explain_differences(phantom, steady, START, START + timedelta(days=7))
    assert phantom.explained == {} and not phantom.agrees


def test_a_reconcile_refit_inside_the_window_explains_a_difference() -> None:
    steady = Endpoint("x", EndpointKind.REALTIME, (Variant("AllTraffic", "ml.m5.xlarge"),), TrafficProfile(peak_rpm=3))
    refitted = _comparison(2, 1, "model-latency-p99")
    refitted.reconfigured["AllTraffic/model-latency-p99"] = START + timedelta(days=2, minutes=30)
    explain_differences(refitted, steady, START, START + timedelta(days=7))
    assert "re-fitted to its traffic at Wed 00:30" in refitted.explained["AllTraffic/model-latency-p99"]
