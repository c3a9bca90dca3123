"""The emulated account's clock and alarm engine, end to end: metric data → evaluation every
simulated minute → state, history and CloudWatch's notification → AlertTopic → AlertQueue →
``drain_queue`` → NotifyFunction → Slack (fake, on loopback).

Each test pins the clock first (``account.now``), so every timestamp is simulated time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sagewatch_emulator import EmulatedAccount, VariantSpec
from sagewatch_evaluation import AlarmConfig, Datapoint, evaluate
from sagewatch_simulator.traffic import MetricKey, Published

pytestmark = pytest.mark.integration

EVENTS = Path(__file__).resolve().parents[2] / "events" / "notify"
SECRET = "sagewatch/slack-webhook"
ENDPOINT = "fraud-scorer"
DIMS = {"EndpointName": ENDPOINT, "VariantName": "AllTraffic"}
LATENCY = MetricKey.of("AWS/SageMaker", "ModelLatency", "Microseconds", DIMS)
ERRORS = MetricKey.of("AWS/SageMaker", "Invocation5XXErrors", "None", DIMS)
INVOCATIONS = MetricKey.of("AWS/SageMaker", "Invocations", "None", DIMS)
P99 = "SageWatch/fraud-scorer/AllTraffic/model-latency-p99"
MINUTE = timedelta(minutes=1)
GOOD, BAD = 120_000.0, 1_800_000.0  # µs, threshold 250 ms


def sample_message(name: str) -> dict[str, Any]:
    sample = json.loads((EVENTS / name).read_text())
    return dict(json.loads(sample["Records"][0]["Sns"]["Message"]))


@pytest.fixture
def account() -> Iterator[EmulatedAccount]:
    # OkSettleSeconds 0: an OK is told at once (the flapping tests below hold it for a moment)
    with EmulatedAccount(parameters={"SlackWebhookSecretName": SECRET, "OkSettleSeconds": "0"}) as emulated:
        emulated.client("secretsmanager").create_secret(Name=SECRET, SecretString=emulated.slack_url)
        emulated.create_endpoint(ENDPOINT, variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 2)])
        assert emulated.now  # pin the simulated clock before any alarm exists
        emulated.advance(MINUTE)  # the stack's own alarms leave INSUFFICIENT_DATA here, not in the tests
        emulated.alarm_engine.notifications.clear()
        yield emulated


def put_latency_alarm(account: EmulatedAccount, name: str = P99, **overrides: Any) -> None:
    """The catalogue's p99 alarm (events/notify/alarm-metric-latency-p99.json), actions on AlertTopic."""
    topic = account.physical_id("AlertTopic")
    kwargs: dict[str, Any] = {
        "AlarmName": name,
        "AlarmDescription": "[SageWatch] Model latency p99 of SageMaker endpoint fraud-scorer is above 250 ms.",
        "Namespace": "AWS/SageMaker",
        "MetricName": "ModelLatency",
        "Dimensions": [{"Name": k, "Value": v} for k, v in DIMS.items()],
        "ExtendedStatistic": "p99",
        "Period": 60,
        "EvaluationPeriods": 5,
        "DatapointsToAlarm": 3,
        "Threshold": 250_000.0,
        "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": "notBreaching",
        "EvaluateLowSampleCountPercentile": "ignore",
        "AlarmActions": [topic],
        "OKActions": [topic],
        **overrides,
    }
    account.client("cloudwatch").put_metric_alarm(**kwargs)


def latency(at: datetime, value: float, count: float = 300.0) -> Published:
    return Published(LATENCY, at, (value,), (count,))


def feed(account: EmulatedAccount, values: list[float]) -> None:
    """One minute per value: publish the current minute's data, then let the clock end that minute."""
    for value in values:
        account.publish_metrics([latency(account.now, value)])
        account.advance(MINUTE)


def state(account: EmulatedAccount, name: str = P99) -> str:
    return account.alarm_states()[name]


def test_new_alarm_starts_insufficient_and_its_first_ok_reaches_notify_but_tells_nobody(
    account: EmulatedAccount,
) -> None:
    put_latency_alarm(account)
    described = account.client("cloudwatch").describe_alarms(AlarmNames=[P99])["MetricAlarms"][0]
    assert described["StateValue"] == "INSUFFICIENT_DATA"
    assert described["StateReason"] == "Unchecked: Initial alarm creation"

    account.publish_metrics(latency(account.now - MINUTE * back, GOOD) for back in range(1, 6))
    account.advance(MINUTE)

    assert state(account) == "OK"
    [sent] = account.alarm_notifications
    assert (sent.old_state, sent.new_state) == ("INSUFFICIENT_DATA", "OK")
    assert sent.message["OldStateValue"] == "INSUFFICIENT_DATA"
    assert sent.subject == f'OK: "{P99}" in US East (N. Virginia)'
    assert account.queue_depth("AlertQueue")["visible"] == 1  # AlertTopic -> AlertQueue subscription

    [invocation] = account.drain_queue("AlertQueue", "NotifyFunction", max_rounds=5, max_seconds=60)
    assert invocation.error is None, invocation.error
    assert invocation.response == {"batchItemFailures": []}
    # Nothing was ever wrong, and nobody was told of an ALARM: the first OK is acknowledged silently.
    assert invocation.slack_messages == []
    assert any("no ALARM was told" in line for line in invocation.logs)
    history = account.client("cloudwatch").describe_alarm_history(AlarmName=P99)["AlarmHistoryItems"]
    assert [json.loads(item["HistoryData"])["oldState"]["stateValue"] for item in history] == ["INSUFFICIENT_DATA"]


def test_latency_spike_alarms_after_m_of_n_with_cloudwatchs_body_and_reason_then_recovers(
    account: EmulatedAccount,
) -> None:
    put_latency_alarm(account)
    feed(account, [GOOD] * 5)
    assert state(account) == "OK"
    account.alarm_engine.notifications.clear()

    feed(account, [BAD, BAD])
    assert state(account) == "OK"  # 2 of 5 breaching: not yet
    feed(account, [BAD])
    assert state(account) == "ALARM"  # the third breaching minute of five
    [sent] = account.alarm_notifications
    sample = sample_message("alarm-metric-latency-p99.json")
    assert list(sent.message) == list(sample)
    assert list(sent.message["Trigger"]) == list(sample["Trigger"])
    assert sent.message["OldStateValue"] == "OK"
    assert sent.message["StateChangeTime"] == account.now.strftime("%Y-%m-%dT%H:%M:00.000+0000")

    # The reason is the pure evaluator's, over the same minutes.
    described = account.client("cloudwatch").describe_alarms(AlarmNames=[P99])["MetricAlarms"][0]
    config = AlarmConfig.from_describe_alarms(described)
    values = [GOOD] * 5 + [BAD] * 3
    points = [Datapoint(account.now - MINUTE * (len(values) - i), v, 300.0) for i, v in enumerate(values)]
    expected = evaluate(config, points, account.now)
    assert sent.message["NewStateReason"] == expected.reason == described["StateReason"]
    assert "3 out of the last 5 datapoints" in expected.reason

    feed(account, [BAD] * 4)  # still in ALARM: nothing is sent again
    assert state(account) == "ALARM" and len(account.alarm_notifications) == 1

    feed(account, [GOOD] * 3)  # 3 good of 5: ALARM -> OK needs N - M + 1 = 3
    assert state(account) == "OK"
    assert [(n.old_state, n.new_state) for n in account.alarm_notifications] == [("OK", "ALARM"), ("ALARM", "OK")]

    invocations = account.drain_queue("AlertQueue", "NotifyFunction", max_rounds=10, max_seconds=120)
    assert all(i.error is None for i in invocations)
    posted = [m for i in invocations for m in i.slack_messages]
    assert len(posted) == 2  # the ALARM and its resolution (the new alarm's first OK told nobody)
    assert "1,800" in json.dumps(posted[0], ensure_ascii=False) or "1800" in json.dumps(posted[0])
    assert "esolved" in json.dumps(posted[1], ensure_ascii=False)


def test_late_data_inside_the_range_counts(account: EmulatedAccount) -> None:
    put_latency_alarm(account, EvaluationPeriods=3, DatapointsToAlarm=3, EvaluateLowSampleCountPercentile="evaluate")
    start = account.now
    account.publish_metrics([latency(start - 3 * MINUTE, BAD), latency(start - MINUTE, BAD)])
    account.advance(MINUTE)
    assert state(account) == "OK"  # 2 real breaching + 1 missing (notBreaching) of 3

    late = latency(start - 2 * MINUTE, BAD)  # its minute ended two minutes ago
    account.publish_metrics([late])
    account.advance(MINUTE)
    assert state(account) == "ALARM"
    assert late.timestamp.strftime("(%d/%m/%y %H:%M:00)") in account.alarm_notifications[-1].message["NewStateReason"]


def test_set_alarm_state_runs_actions_and_the_next_evaluation_restores_the_real_state(
    account: EmulatedAccount,
) -> None:
    put_latency_alarm(account)
    feed(account, [GOOD] * 5)
    account.alarm_engine.notifications.clear()

    cloudwatch = account.client("cloudwatch")
    cloudwatch.set_alarm_state(AlarmName=P99, StateValue="ALARM", StateReason="testing the pager")
    described = cloudwatch.describe_alarms(AlarmNames=[P99])["MetricAlarms"][0]
    assert described["StateValue"] == "ALARM" and described["StateReason"] == "testing the pager"
    assert described["StateUpdatedTimestamp"] == account.now
    [manual] = account.alarm_notifications
    assert (manual.old_state, manual.new_state, manual.message["NewStateReason"]) == (
        "OK",
        "ALARM",
        "testing the pager",
    )

    feed(account, [GOOD])
    assert state(account) == "OK"
    assert [(n.old_state, n.new_state) for n in account.alarm_notifications] == [("OK", "ALARM"), ("ALARM", "OK")]
    cloudwatch.set_alarm_state(AlarmName=P99, StateValue="OK", StateReason="same state")
    assert len(account.alarm_notifications) == 2  # no change, no action


def test_composite_alarm_follows_its_children(account: EmulatedAccount) -> None:
    put_latency_alarm(account)
    other = "SageWatch/fraud-scorer/AllTraffic/model-latency-p99-copy"
    put_latency_alarm(account, other, AlarmActions=[], OKActions=[])
    topic = account.physical_id("AlertTopic")
    cloudwatch = account.client("cloudwatch")
    rule = f'ALARM("{P99}") OR ALARM("{other}")'
    cloudwatch.put_composite_alarm(
        AlarmName="fraud-scorer-degraded", AlarmRule=rule, AlarmActions=[topic], OKActions=[topic]
    )
    composite = cloudwatch.describe_alarms(AlarmTypes=["CompositeAlarm"])["CompositeAlarms"][0]
    assert composite["StateValue"] == "INSUFFICIENT_DATA" and composite["AlarmRule"] == rule

    feed(account, [GOOD] * 5)
    assert state(account, "fraud-scorer-degraded") == "OK"
    feed(account, [BAD] * 3)
    assert state(account, "fraud-scorer-degraded") == "ALARM"
    sent = [n for n in account.alarm_notifications if n.alarm_name == "fraud-scorer-degraded"]
    assert [(n.old_state, n.new_state) for n in sent] == [("INSUFFICIENT_DATA", "OK"), ("OK", "ALARM")]
    alarm_body = sent[-1].message
    sample = sample_message("alarm-composite.json")
    assert list(alarm_body) == list(sample)
    arns = {child["Arn"] for child in alarm_body["TriggeringChildren"]}
    assert arns == {f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:{name}" for name in (P99, other)}
    assert alarm_body["NewStateReason"].endswith(" UTC") and "transitioned to ALARM at" in alarm_body["NewStateReason"]

    feed(account, [GOOD] * 3)
    assert state(account, "fraud-scorer-degraded") == "OK"
    resolved = [n for n in account.alarm_notifications if n.alarm_name == "fraud-scorer-degraded"][-1].message
    assert (resolved["OldStateValue"], resolved["NewStateValue"]) == ("ALARM", "OK")
    assert resolved["NewStateReason"] == "All child alarms are OK"  # as in ok-composite-no-children.json
    assert resolved["TriggeringChildren"] == []
    with pytest.raises(cloudwatch.exceptions.ClientError):
        cloudwatch.put_composite_alarm(AlarmName="broken", AlarmRule='ALARM("no-such-alarm")')


def test_math_and_anomaly_alarms_notify_in_cloudwatchs_shape(account: EmulatedAccount) -> None:
    topic = account.physical_id("AlertTopic")
    cloudwatch = account.client("cloudwatch")
    dims = [{"Name": k, "Value": v} for k, v in DIMS.items()]

    def metric(query_id: str, name: str, stat: str = "Sum") -> dict[str, Any]:
        return {
            "Id": query_id,
            "MetricStat": {
                "Metric": {"Namespace": "AWS/SageMaker", "MetricName": name, "Dimensions": dims},
                "Period": 60,
                "Stat": stat,
            },
            "ReturnData": False,
        }

    cloudwatch.put_metric_alarm(
        AlarmName="rate",
        Metrics=[
            metric("errors", "Invocation5XXErrors"),
            metric("invocations", "Invocations"),
            {"Id": "rate", "Expression": "IF(invocations > 0, 100 * errors / invocations)", "Label": "5XX rate"},
        ],
        EvaluationPeriods=5,
        DatapointsToAlarm=3,
        Threshold=5.0,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching",
        AlarmActions=[topic],
    )
    cloudwatch.put_metric_alarm(
        AlarmName="traffic-anomaly",
        Metrics=[
            {**metric("m1", "Invocations"), "ReturnData": True},
            {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m1, 2)", "Label": "expected"},
        ],
        ThresholdMetricId="ad1",
        EvaluationPeriods=3,
        DatapointsToAlarm=3,
        ComparisonOperator="GreaterThanUpperThreshold",
        AlarmActions=[topic],
    )
    for minute in range(20):
        at = account.now
        requests = 300.0 + (minute % 3) if minute < 17 else 3000.0
        failed = 0.0 if minute < 17 else 600.0
        account.publish_metrics(
            [
                Published(INVOCATIONS, at, (1.0,), (requests,)),
                Published(ERRORS, at, (1.0, 0.0), (failed, requests - failed) if failed else (0.0 + 1, requests - 1)),
            ]
        )
        account.advance(MINUTE)
    assert account.alarm_states()["rate"] == "ALARM"
    assert account.alarm_states()["traffic-anomaly"] == "ALARM"
    by_name = {n.alarm_name: n.message for n in account.alarm_notifications if n.new_state == "ALARM"}

    math_sample, math_body = sample_message("alarm-math-5xx-rate.json"), by_name["rate"]
    assert list(math_body) == list(math_sample)
    assert list(math_body["Trigger"]) == list(math_sample["Trigger"])
    assert [list(q) for q in math_body["Trigger"]["Metrics"]] == [
        [k for k in q if k in ("Id", "MetricStat", "Expression", "Label", "ReturnData")]
        for q in math_body["Trigger"]["Metrics"]
    ]
    assert "MetricName" not in math_body["Trigger"]

    anomaly_sample, anomaly_body = sample_message("alarm-anomaly-invocations.json"), by_name["traffic-anomaly"]
    assert list(anomaly_body["Trigger"]) == list(anomaly_sample["Trigger"])
    assert "Threshold" not in anomaly_body["Trigger"] and anomaly_body["Trigger"]["ThresholdMetricId"] == "ad1"
    assert anomaly_body["NewStateReason"].startswith("Thresholds Crossed:")

    # GetMetricData (what NotifyFunction asks) sees the directly published data at simulated times.
    answer = cloudwatch.get_metric_data(
        MetricDataQueries=[{**metric("m", "Invocations"), "ReturnData": True}],
        StartTime=account.now - 5 * MINUTE,
        EndTime=account.now,
    )["MetricDataResults"][0]
    assert answer["Values"][:3] == [3000.0, 3000.0, 3000.0]
