"""Pure parts of the alarm engine: the clock, the metric store, subjects and notification bodies."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sagewatch_emulator.alarm_engine import MetricStore, SimulatedClock, default_origin
from sagewatch_emulator.alarm_engine.clock import ClockError, minute_boundaries
from sagewatch_emulator.alarm_engine.evaluate import ChildState, evaluate_composite_alarm, evaluate_metric_alarm
from sagewatch_emulator.alarm_engine.store import series_key
from sagewatch_emulator.cloudwatch.alarm_notifications import alarm_message, notification_subject, region_display_name
from sagewatch_evaluation import AlarmConfig, CompositeRule, evaluate, parse_rule
from sagewatch_simulator.traffic import MetricKey, Published

EVENTS = Path(__file__).resolve().parents[3] / "events" / "notify"
T0 = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
DIMS = {"EndpointName": "fraud-scorer", "VariantName": "AllTraffic"}
LATENCY = MetricKey.of("AWS/SageMaker", "ModelLatency", "Microseconds", DIMS)
P99 = "SageWatch/fraud-scorer/AllTraffic/model-latency-p99"
KEY = (LATENCY.namespace, LATENCY.name, LATENCY.dimensions)


def sample(name: str) -> dict[str, Any]:
    record = json.loads((EVENTS / name).read_text())["Records"][0]["Sns"]
    return {"Subject": record["Subject"], **json.loads(record["Message"])}


# -- clock ----------------------------------------------------------------------------------------


def test_clock_follows_the_wall_until_pinned_then_moves_only_when_advanced() -> None:
    wall = [T0 + timedelta(seconds=42)]
    clock = SimulatedClock(lambda: wall[0])
    assert clock.now == wall[0] and not clock.pinned
    origin = clock.pin()
    assert origin == default_origin(wall[0]) == datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    wall[0] += timedelta(hours=1)
    assert clock.now == origin
    assert clock.advance(timedelta(minutes=3)) == (origin, origin + 3 * MINUTE)
    with pytest.raises(ClockError):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ClockError):
        clock.pin(T0)


def test_minute_boundaries_are_every_whole_minute_crossed() -> None:
    assert minute_boundaries(T0, T0 + 3 * MINUTE) == [T0 + MINUTE, T0 + 2 * MINUTE, T0 + 3 * MINUTE]
    assert minute_boundaries(T0 + timedelta(seconds=30), T0 + timedelta(seconds=59)) == []
    assert minute_boundaries(T0 + timedelta(seconds=30), T0 + timedelta(seconds=60)) == [T0 + MINUTE]
    assert len(minute_boundaries(T0, T0 + timedelta(days=7))) == 10_080


# -- store ----------------------------------------------------------------------------------------


def test_store_aggregates_a_period_with_the_evaluator_statistics_and_counts() -> None:
    store = MetricStore()
    store.ingest_published([Published(LATENCY, T0, (100.0, 900.0), (98.0, 2.0))])
    point = store.datapoint(KEY, "p99", 60, T0)
    assert (point.value, point.sample_count) == (900.0, 100.0)
    assert store.datapoint(KEY, "Average", 60, T0).value == pytest.approx(116.0)
    assert store.datapoint(KEY, "Maximum", 60, T0 + MINUTE).value is None


def test_late_data_invalidates_every_cached_period_that_contains_it() -> None:
    store = MetricStore()
    store.ingest_published([Published(LATENCY, T0, (1.0,), (1.0,))])
    assert store.datapoint(KEY, "Sum", 300, T0 - 2 * MINUTE).value == 1.0
    assert store.datapoint(KEY, "Sum", 60, T0 + MINUTE).value is None
    store.ingest_published([Published(LATENCY, T0 + MINUTE, (5.0,), (1.0,))])  # late, for a cached minute
    assert store.datapoint(KEY, "Sum", 300, T0 - 2 * MINUTE).value == 6.0
    assert store.datapoint(KEY, "Sum", 60, T0 + MINUTE).value == 5.0


def test_store_refuses_sub_minute_periods() -> None:
    with pytest.raises(ValueError, match="whole minutes"):
        MetricStore().datapoint(KEY, "Sum", 10, T0)


def test_moto_view_repeats_each_value_by_its_count_inside_the_window_only() -> None:
    pytest.importorskip("moto")
    store = MetricStore()
    store.ingest_published(
        [Published(LATENCY, T0, (1.0, 0.0), (2.0, 3.0)), Published(LATENCY, T0 + MINUTE, (7.0,), (1.0,))]
    )
    datums = store.moto_view(lambda key: key == KEY, T0, T0 + MINUTE)
    assert sorted(d.value for d in datums) == [0.0, 0.0, 0.0, 1.0, 1.0]
    assert {(d.name, d.unit) for d in datums} == {("ModelLatency", "Microseconds")}
    assert [d.value for d in store.moto_view(lambda key: True)] == [7.0]  # ListMetrics: one per series
    assert store.moto_view(lambda key: False, T0, T0 + MINUTE) == []


def test_metric_alarm_evaluation_reads_the_store_like_the_evaluator_reads_datapoints() -> None:
    store = MetricStore()
    values = [100.0, 100.0, 900.0, 900.0, 900.0]
    store.ingest_published(Published(LATENCY, T0 + MINUTE * i, (v,), (1.0,)) for i, v in enumerate(values))
    config = AlarmConfig.from_describe_alarms(
        {
            "Period": 60,
            "EvaluationPeriods": 5,
            "DatapointsToAlarm": 3,
            "Threshold": 250.0,
            "ComparisonOperator": "GreaterThanThreshold",
            "ExtendedStatistic": "p99",
        }
    )
    now = T0 + 5 * MINUTE
    outcome = evaluate_metric_alarm(config, series_key(*KEY[:2], KEY[2]), store, now)
    expected = evaluate(config, store.series(KEY, "p99", 60, (T0 + MINUTE * i for i in range(5))), now)
    assert outcome.state == expected.state == "ALARM"
    assert outcome.reason == expected.reason
    assert outcome.reason_data()["recentDatapoints"] == values
    assert outcome.reason_data()["threshold"] == 250.0


# -- composite reasons ------------------------------------------------------------------------------


def test_composite_reason_names_the_triggering_child_or_says_all_are_ok() -> None:
    rule: CompositeRule = parse_rule('ALARM("a") OR ALARM(b)')
    arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:"
    children = {"a": ChildState(arn + "a", "ALARM", T0), "b": ChildState(arn + "b", "OK", T0)}
    outcome = evaluate_composite_alarm(rule, children)
    assert outcome.state == "ALARM" and outcome.triggering_children == (arn + "a",)
    assert outcome.reason == f"{arn}a transitioned to ALARM at Saturday 28 November, 2026 03:00:00 UTC"
    calm = evaluate_composite_alarm(rule, {**children, "a": ChildState(arn + "a", "OK", T0)})
    assert (calm.state, calm.reason, calm.triggering_children) == ("OK", "All child alarms are OK", ())


# -- notifications --------------------------------------------------------------------------------


def test_subject_is_ascii_and_cut_below_100_characters() -> None:
    assert (
        notification_subject("ALARM", "fraud-scorer-degraded", "us-east-1") == sample("alarm-composite.json")["Subject"]
    )
    assert notification_subject("OK", "latência-p99", "sa-east-1") == 'OK: "lat_ncia-p99" in South America (Sao Paulo)'
    long = notification_subject("INSUFFICIENT_DATA", "x" * 120, "eu-west-1")
    assert len(long) == 99 and long.startswith('INSUFFICIENT_DATA: "xxx')
    assert region_display_name("us-west-2") == "US West (Oregon)"
    assert region_display_name("xx-nowhere-1") == "xx-nowhere-1"


def _described_metric_alarm() -> dict[str, Any]:
    return {
        "AlarmName": P99,
        "AlarmArn": f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:{P99}",
        "AlarmDescription": None,
        "AlarmConfigurationUpdatedTimestamp": T0,
        "OKActions": [],
        "AlarmActions": [],
        "InsufficientDataActions": [],
        "Namespace": "AWS/SageMaker",
        "MetricName": "ModelLatency",
        "Dimensions": [{"Name": k, "Value": v} for k, v in DIMS.items()],
        "ExtendedStatistic": "p99",
        "Period": 60,
        "EvaluationPeriods": 5,
        "DatapointsToAlarm": 3,
        "Threshold": 250000.0,
        "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": "notBreaching",
        "EvaluateLowSampleCountPercentile": "ignore",
    }


def test_metric_body_has_the_captured_keys_in_order() -> None:
    message = alarm_message(_described_metric_alarm(), new_state="ALARM", old_state="OK", reason="r", at=T0)
    captured = sample("alarm-metric-latency-p99.json")
    assert list(message) == [key for key in captured if key != "Subject"]
    assert list(message["Trigger"]) == list(captured["Trigger"])
    assert message["StateChangeTime"] == "2026-11-28T03:00:00.000+0000"
    assert message["Region"] == "US East (N. Virginia)"


def test_composite_body_has_rule_and_triggering_children_and_no_trigger() -> None:
    described = {
        **{
            k: v
            for k, v in _described_metric_alarm().items()
            if not k[0].isupper() or k.startswith(("Alarm", "OK", "Ins"))
        },
        "AlarmName": "fraud-scorer-degraded",
        "AlarmRule": 'ALARM("a")',
    }
    child = {"Arn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:a", "State": {"Value": "ALARM", "Timestamp": "t"}}
    message = alarm_message(
        described, new_state="ALARM", old_state="OK", reason="r", at=T0, triggering_children=[child]
    )
    assert list(message) == [key for key in sample("alarm-composite.json") if key != "Subject"]
    assert message["TriggeringChildren"] == [child]
    assert "Trigger" not in message
