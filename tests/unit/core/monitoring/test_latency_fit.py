"""The latency alarm fitted to traffic (core.monitoring.latency_fit): every class meets CloudWatch's
low-sample rule per period at its floor ("Percentile-based alarms and low data samples", CloudWatch
user guide: fewer than 10/(1-p) samples for 0.5 <= p < 1, 10/p below 0.5), hysteresis between
classes, and the provisional class of an endpoint whose traffic is not known yet."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from sagewatch.core.monitoring.alarms import desired_alarms
from sagewatch.core.monitoring.latency_fit import (
    BY_NAME,
    CLASSES,
    MIN_ACTIVE_HOURS,
    PROVISIONAL,
    class_of_alarm,
    fit_latency,
    quiet_hour_rate,
    samples_needed,
)
from sagewatch.core.monitoring.policy import Policy
from sagewatch_evaluation import AlarmConfig
from sagewatch_evaluation.replay import PeriodSeries, replay
from tests.unit.factories import profile

TARGET = (("EndpointName", "fraud-scorer"), ("VariantName", "AllTraffic"))


def test_the_sample_bound_is_the_user_guides() -> None:
    assert samples_needed(99) == pytest.approx(1000)
    assert samples_needed(90) == pytest.approx(100)
    assert samples_needed(50) == pytest.approx(20)
    assert samples_needed(10) == pytest.approx(100)  # 10/p below the median
    assert samples_needed(100) is None


@pytest.mark.parametrize("klass", CLASSES, ids=lambda c: c.name)
def test_every_period_meets_the_rule_at_the_class_floor(klass: object) -> None:
    from sagewatch.core.monitoring.latency_fit import LatencyClass

    assert isinstance(klass, LatencyClass)
    needed = klass.samples_per_period
    if needed is None:
        assert klass.statistic == "Average"  # no sample rule at all: it fires at any traffic
        return
    per_period = klass.floor_per_minute * klass.period / 60
    assert per_period >= needed


@pytest.mark.parametrize(
    ("rate", "chosen"),
    [
        (5000.0, "busy"),
        (1000.0, "busy"),
        (999.0, "steady"),
        (100.0, "steady"),
        (50.0, "light"),
        (20.0, "light"),
        (19.0, "quiet"),
        (4.0, "quiet"),
        (3.0, "sparse"),
        (0.01, "sparse"),
    ],
)
def test_a_new_alarm_gets_the_most_sensitive_class_its_quiet_hour_can_feed(rate: float, chosen: str) -> None:
    assert fit_latency(rate).chosen.name == chosen


def test_hysteresis_keeps_a_class_near_its_boundary() -> None:
    # A steady target (floor 100/min) at 1,200/min: not yet 1.5 x the busy floor, so it stays.
    assert fit_latency(1200.0, "steady").chosen.name == "steady"
    assert fit_latency(1500.0, "steady").chosen.name == "busy"
    # A busy target sliding to 990/min can no longer fill a 60 s p99: it must leave at once.
    assert fit_latency(990.0, "busy").chosen.name == "steady"
    # ...and once steady, coming back to 1,100/min does not flip it back.
    assert fit_latency(1100.0, "steady").chosen.name == "steady"
    fit = fit_latency(1500.0, "steady")
    assert fit.changed and "was steady" in fit.reason()


def test_the_quiet_hour_ignores_idle_hours_and_needs_a_days_history() -> None:
    assert quiet_hour_rate([600.0] * (MIN_ACTIVE_HOURS - 1)) is None
    nights_idle = [0.0] * 100 + [6000.0] * 90 + [600.0] * 10  # 10 % of active hours at 10/min
    assert quiet_hour_rate(nights_idle) == pytest.approx(10.0)


def test_unknown_traffic_is_provisional_and_an_earlier_fit_is_kept() -> None:
    assert fit_latency(None).chosen is PROVISIONAL and fit_latency(None).provisional
    assert fit_latency(None, "steady").chosen.name == "steady"
    assert "kept from its last fit" in fit_latency(None, "steady").reason()


def test_the_class_is_read_back_from_the_alarm() -> None:
    for klass in CLASSES:
        fitted = replace(profile(), latency_fits={TARGET: fit_latency(klass.floor_per_minute * 2, klass.name)})
        alarm = next(a for a in desired_alarms(fitted, Policy(), "SageWatch").alarms if a.key == "model-latency-p99")
        assert class_of_alarm(alarm.put_kwargs([])) == klass.name


def test_the_description_and_the_plan_say_the_choice_and_why() -> None:
    fitted = replace(profile(), latency_fits={TARGET: fit_latency(150.0)})
    result = desired_alarms(fitted, Policy(), "SageWatch")
    alarm = next(a for a in result.alarms if a.key == "model-latency-p99")
    kwargs = alarm.put_kwargs([])
    assert kwargs["ExtendedStatistic"] == "p90" and kwargs["Period"] == 60
    assert kwargs["EvaluateLowSampleCountPercentile"] == "ignore"
    assert "Model latency p90" in alarm.description and "quiet-hour traffic 150 requests/min" in alarm.description
    assert "10/(1-0.9) = 100 samples" in alarm.description
    assert any("latency alarm of variant AllTraffic" in note and "steady" in note for note in result.notes)


def test_a_tag_threshold_still_wins() -> None:
    tagged = replace(profile(), latency_fits={TARGET: fit_latency(150.0)})
    policy = Policy.from_document({"thresholds": {"model-latency-p99": 60000}})
    alarm = next(a for a in desired_alarms(tagged, policy, "SageWatch").alarms if a.key == "model-latency-p99")
    assert alarm.threshold == 60_000_000 and alarm.metric is not None and alarm.metric.stat == "p90"


# --- the provisional alarm, replayed over simulated minutes ---------------------------------------

_START = datetime(2026, 3, 2, tzinfo=UTC)
_THRESHOLD_MS = 1000.0


def _minutes(
    rate: float, median_ms: float, minutes: int, seed: int, slow_from: int | None = None
) -> list[float | None]:
    """Per-minute Average latency (µs) of Poisson(rate) requests, log-normal (sigma 0.5); from
    ``slow_from`` on every request is 4 x slower (a regression)."""
    rng = random.Random(seed)
    values: list[float | None] = []
    for minute in range(minutes):
        count = _poisson(rng, rate)
        factor = 4.0 if slow_from is not None and minute >= slow_from else 1.0
        samples = [median_ms * factor * math.exp(rng.gauss(0, 0.5)) * 1000 for _ in range(count)]
        values.append(sum(samples) / len(samples) if samples else None)
    return values


def _poisson(rng: random.Random, rate: float) -> int:
    if rate > 50:
        return max(0, round(rng.gauss(rate, math.sqrt(rate))))
    limit, k, p = math.exp(-rate), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _provisional_config() -> AlarmConfig:
    alarm = next(a for a in desired_alarms(profile(), Policy(), "SageWatch").alarms if a.key == "model-latency-p99")
    assert class_of_alarm(alarm.put_kwargs([])) == PROVISIONAL.name
    return AlarmConfig.from_describe_alarms(alarm.put_kwargs([]))


@pytest.mark.parametrize("rate", [0.5, 3.0, 40.0, 2000.0])
def test_the_provisional_alarm_does_not_page_on_jitter(rate: float) -> None:
    # A day of ordinary traffic (median 300 ms, a p99 near 1 s): never in ALARM.
    series = PeriodSeries(_START, 60, tuple(_minutes(rate, 300.0, 1440, seed=int(rate * 10))))
    assert replay(_provisional_config(), series).fires == 0


@pytest.mark.parametrize("rate", [0.5, 3.0, 40.0, 2000.0])
def test_the_provisional_alarm_fires_through_a_regression_at_any_traffic(rate: float) -> None:
    # Latency x 4 for the last hour of three: ALARM, within its M x period (5 minutes) of traffic.
    # (At a request every other minute the alarm may leave ALARM in a quiet stretch and fire
    # again: idle minutes are not breaching.)
    series = PeriodSeries(_START, 60, tuple(_minutes(rate, 300.0, 180, seed=7, slow_from=120)))
    result = replay(_provisional_config(), series)
    assert result.fires >= 1 and result.episodes[0].start >= _START + 120 * (series.at(1) - _START)
    entered = (result.episodes[0].start - _START).total_seconds() / 60
    if rate >= 1:  # a request a minute or more: within 5 minutes; sparser, once 3 slow minutes of 5 came
        assert entered - 120 <= PROVISIONAL.evaluation_periods


def test_every_class_is_named_once() -> None:
    assert len(BY_NAME) == len(CLASSES)


def test_the_reconcile_refits_what_changed_class_and_provisional_alarms_once_traffic_is_known() -> None:
    from sagewatch.core.monitoring.latency_fit import NOT_KNOWN_YET, latency_targets, refit_reasons

    def alarm(statistic: str, period: int, description: str = "") -> dict[str, object]:
        stat = {"ExtendedStatistic": statistic} if statistic.startswith("p") else {"Statistic": statistic}
        dims = [{"Name": "EndpointName", "Value": "e"}, {"Name": "VariantName", "Value": statistic}]
        return {**stat, "Period": period, "Dimensions": dims, "AlarmDescription": description}

    alarms = {
        "e": {
            "SageWatch/e/p99/model-latency-p99": alarm("p99", 60),
            "SageWatch/e/p90/model-latency-p99": alarm("p90", 60),
            "SageWatch/e/Average/model-latency-p99": alarm(
                "Average", 60, f"... Fitted to traffic: {NOT_KNOWN_YET} ..."
            ),
            "SageWatch/e/p90/cpu-utilization": alarm("Average", 300),
        }
    }
    targets = latency_targets(alarms, "model-latency-p99")
    assert [t.current for t in targets] == ["sparse", "steady", "busy"]  # sorted by alarm name
    rates = {t.dimensions: 2.0 for t in targets}  # 2 requests a minute in the quiet hour
    rates[targets[1].dimensions] = 150.0  # still steady
    reasons = refit_reasons(targets, rates)["e"]
    assert len(reasons) == 2  # the p99 (cannot fire at 2/min) and the provisional one (now known)
    assert any("busy -> quiet-hour traffic 2 requests/min: sparse" in r for r in reasons)
    assert any("provisional sparse -> quiet-hour traffic" in r for r in reasons)
