"""The backtest's pure part: which series to read, each alarm's series, human units, the report."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sagewatch.core.monitoring.alarms import desired_alarms
from sagewatch.core.monitoring.policy import Policy
from sagewatch_cli.backtest.report import (
    BacktestReport,
    backtest_alarm,
    history_queries,
    max_fires,
    render_table,
    window,
)
from tests.unit.factories import profile

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def minute(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


def test_each_series_is_read_once_and_every_alarm_finds_its_own() -> None:
    alarms = desired_alarms(profile(), Policy(), "SageWatch").alarms
    queries, readings = history_queries(alarms)
    names = sorted((q.stat.metric_name, q.stat.stat, q.stat.period) for q in queries)
    # 5XX and 4XX rates share Invocations: 7 series for 6 alarms.
    assert names == [
        ("CPUUtilization", "Average", 300),
        ("DiskUtilization", "Maximum", 300),
        ("Invocation4XXErrors", "Sum", 60),
        ("Invocation5XXErrors", "Sum", 60),
        ("Invocations", "Sum", 60),
        ("MemoryUtilization", "Average", 300),
        ("ModelLatency", "Average", 60),  # no traffic known: the provisional latency class
    ]
    by_key = {r.spec.key: r for r in readings}
    assert set(by_key["invocation-5xx-rate"].inputs) == {"errors", "invocations"}
    assert by_key["invocation-5xx-rate"].inputs["invocations"] == by_key["invocation-4xx-rate"].inputs["invocations"]
    query = next(q for q in queries if q.stat.metric_name == "ModelLatency").as_query()
    assert query["MetricStat"]["Metric"]["Dimensions"] == [
        {"Name": "EndpointName", "Value": "fraud-scorer"},
        {"Name": "VariantName", "Value": "AllTraffic"},
    ]
    assert query["ReturnData"] is True and query["Id"].startswith("q")


def test_a_math_alarm_is_evaluated_from_its_component_metrics() -> None:
    alarms = desired_alarms(profile(), Policy(), "SageWatch").alarms
    _, readings = history_queries(alarms)
    reading = next(r for r in readings if r.spec.key == "invocation-5xx-rate")
    errors, invocations = reading.inputs["errors"], reading.inputs["invocations"]
    # 10 minutes; 50 % errors in minutes 3-6; idle (no Invocations datapoint) in minute 8.
    history = {
        invocations: [(minute(i), 10.0) for i in range(10) if i != 8],
        errors: [(minute(i), 5.0 if 3 <= i <= 6 else 0.0) for i in range(10) if i != 8],
    }
    result = backtest_alarm(reading, history, T0, minute(10), days=2)
    assert result.periods_with_data == 9
    assert result.replay.fires == 1  # 3 of 5 minutes above 5 %
    assert result.suggestion is not None and result.suggestion.threshold == 50.0  # never fires above 50 %
    document = result.as_dict()
    assert document["threshold"] == 5.0 and document["unit"] == "%"
    # The idle minute 8 is a missing point, and with 6 real points in the range CloudWatch takes
    # the newest 5 real ones (4, 5, 6, 7, 9): still 3 breaching at the end of the history.
    assert document["episodes"] == [{"start": minute(6).isoformat(), "end": minute(10).isoformat(), "ongoing": True}]


def test_thresholds_are_reported_in_human_units() -> None:
    alarms = desired_alarms(profile(), Policy(), "SageWatch").alarms
    _, readings = history_queries(alarms)
    latency = next(r for r in readings if r.spec.key == "model-latency-p99")
    cpu = next(r for r in readings if r.spec.key == "cpu-utilization")
    history = {
        latency.inputs["m"]: [(minute(i), 2_500_000.0 if i in (4, 5, 6) else 80_000.0) for i in range(10)],
        cpu.inputs["m"]: [(minute(5 * i), 4 * 30.0) for i in range(2)],
    }
    slow = backtest_alarm(latency, history, T0, minute(10), days=2).as_dict()
    assert slow["threshold"] == 1000.0 and slow["unit"] == "ms" and slow["fires"] == 1
    assert slow["suggested_threshold"] == 2500.0  # the spike's p99, in ms
    busy = backtest_alarm(cpu, history, T0, minute(10), days=2).as_dict()
    assert busy["threshold"] == 90.0 and busy["suggested_threshold"] == 30.0  # per core on 4 vCPUs


def test_the_report_is_stable_json_and_a_readable_table() -> None:
    alarms = desired_alarms(profile(), Policy(), "SageWatch").alarms
    _, readings = history_queries(alarms)
    latency = next(r for r in readings if r.spec.key == "model-latency-p99")
    start, end = window(datetime(2026, 3, 4, 0, 0, 42, tzinfo=UTC), 2)
    assert (start, end) == (datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 4, tzinfo=UTC))
    history = {latency.inputs["m"]: [(start + timedelta(minutes=i), 2e6) for i in range(60, 100)]}
    report = BacktestReport(
        "fraud-scorer", "real-time", start, end, 2, 3, (backtest_alarm(latency, history, start, end, 2),), ("a note",)
    )
    document = json.loads(json.dumps(report.as_dict()))
    assert sorted(document) == [
        "alarms",
        "days",
        "end",
        "endpoint",
        "get_metric_data_calls",
        "kind",
        "max_fires_per_window",
        "notes",
        "start",
    ]
    assert document["max_fires_per_window"] == max_fires(2)
    # In ALARM from the third breaching minute (63) until fewer than 5 real points remain in the
    # 7-minute range after the data stops at minute 100 (105): the newest real points count.
    assert document["alarms"][0]["seconds_in_alarm"] == 42 * 60 and document["alarms"][0]["fires"] == 1
    table = render_table(report)
    assert "3 GetMetricData call(s)" in table
    assert "AllTraffic/model-latency-p99  > 1,000 ms  1      42 min    42 min   > 2,000 ms" in table
    assert table.endswith("! a note")


def test_rows_keep_per_component_and_per_feature_alarms_apart() -> None:
    from sagewatch_cli.backtest.report import row_label

    assert row_label("SageWatch/llm-hub/AllTraffic/invocation-5xx-rate.llama-ic", "llm-hub") == (
        "AllTraffic/invocation-5xx-rate.llama-ic"
    )
    assert row_label("SageWatch/fraud-scorer/_endpoint/feature-drift.dq.amount", "fraud-scorer") == (
        "feature-drift.dq.amount"
    )
    assert row_label("SageWatch/fraud-scorer/_endpoint/async-backlog-size", "fraud-scorer") == "async-backlog-size"
    assert row_label("someone-elses-alarm", "fraud-scorer") == "someone-elses-alarm"


def test_a_flag_alarm_gets_no_threshold_suggestion() -> None:
    from tests.unit.factories import async_endpoint

    alarms = desired_alarms(async_endpoint(), Policy(), "SageWatch").alarms
    _, readings = history_queries(alarms)
    flag = next(r for r in readings if r.spec.key == "async-backlog-without-capacity")
    (series,) = flag.inputs.values()
    start, end = window(minute(60 * 24 * 2), 2)
    history = {series: [(start + timedelta(minutes=i), 0.0) for i in range(2 * 24 * 60)]}
    result = backtest_alarm(flag, history, start, end, 2)
    assert result.replay.fires == 0 and result.suggestion is None
    assert result.as_dict()["suggested_threshold"] is None
    report = BacktestReport("video-tagger", "async", start, end, 2, 1, (result,))
    row = next(line for line in render_table(report).splitlines() if "async-backlog-without-capacity" in line)
    assert row.split() == ["async-backlog-without-capacity", "≥", "1", "flag", "0", "0", "s", "0", "s", "n/a", "(flag)"]
