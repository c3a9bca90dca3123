"""What reaches people (docs/alerts.md): one ALARM and one OK per incident and destination, through
the alarm engine → AlertTopic → AlertQueue → NotifyFunction → fake Slack, in webhook and bot mode."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from sagewatch_emulator import EmulatedAccount, VariantSpec
from sagewatch_emulator.traffic import MetricKey, Published

pytestmark = pytest.mark.integration

SECRET = "sagewatch/slack-webhook"
BOT_SECRET = "sagewatch/slack-bot"
ENDPOINT = "fraud-scorer"
DIMS = {"EndpointName": ENDPOINT, "VariantName": "AllTraffic"}
LATENCY = MetricKey.of("AWS/SageMaker", "ModelLatency", "Microseconds", DIMS)
NAME = "SageWatch/fraud-scorer/AllTraffic/model-latency-p99"
MINUTE = timedelta(minutes=1)
GOOD, BAD = 120_000.0, 1_800_000.0
SETTLE = 180  # seconds an OK waits for a re-ALARM (900 deployed): SQS DelaySeconds, on the simulated clock


def open_account(*, bot: bool) -> EmulatedAccount:
    # Bot mode holds nothing (OKs go in the thread at once), so it keeps the deployed 15 minutes:
    # the window in which a re-ALARM after its OK still joins the thread, in simulated time.
    parameters = {"SlackWebhookSecretName": SECRET, "OkSettleSeconds": "900" if bot else str(SETTLE)}
    if bot:
        parameters |= {"SlackBotTokenSecretName": BOT_SECRET, "SlackChannel": "C0ALERTS"}
    account = EmulatedAccount(parameters=parameters)
    account.__enter__()
    account.client("secretsmanager").create_secret(Name=SECRET, SecretString=account.slack_url)
    if bot:
        account.client("secretsmanager").create_secret(Name=BOT_SECRET, SecretString="xoxb-test-token")
    account.create_endpoint(ENDPOINT, variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 2)])
    assert account.now
    account.advance(MINUTE)
    account.alarm_engine.notifications.clear()
    topic = account.physical_id("AlertTopic")
    account.client("cloudwatch").put_metric_alarm(
        AlarmName=NAME,
        AlarmDescription="[SageWatch] Model latency p99 of SageMaker endpoint fraud-scorer is above 250 ms.",
        Namespace="AWS/SageMaker",
        MetricName="ModelLatency",
        Dimensions=[{"Name": k, "Value": v} for k, v in DIMS.items()],
        ExtendedStatistic="p99",
        Period=60,
        EvaluationPeriods=1,
        DatapointsToAlarm=1,
        Threshold=250_000.0,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="missing",
        AlarmActions=[topic],
        OKActions=[topic],
        InsufficientDataActions=[topic],
    )
    return account


@pytest.fixture
def webhook() -> Iterator[EmulatedAccount]:
    account = open_account(bot=False)
    try:
        yield account
    finally:
        account.__exit__(None, None, None)


@pytest.fixture
def bot() -> Iterator[EmulatedAccount]:
    account = open_account(bot=True)
    try:
        yield account
    finally:
        account.__exit__(None, None, None)


def feed(account: EmulatedAccount, values: list[float | None]) -> None:
    """One minute per value (None: no data that minute)."""
    for value in values:
        if value is not None:
            account.publish_metrics([Published(LATENCY, account.now, (value,), (300.0,))])
        account.advance(MINUTE)


def drain(account: EmulatedAccount) -> list[dict[str, Any]]:
    """Everything NotifyFunction posts, including OKs that waited out the settle window."""
    posted: list[dict[str, Any]] = []
    for _ in range(4):
        invocations = account.drain_queue(
            "AlertQueue",
            "NotifyFunction",
            max_rounds=20,
            max_seconds=60,
            environment={"SAGEWATCH_SLACK_API_URL": account.slack_api_url},
        )
        assert all(i.error is None for i in invocations), [i.error for i in invocations]
        assert all(i.response == {"batchItemFailures": []} for i in invocations)
        posted += [m for i in invocations for m in i.slack_messages]
        if not account.alarm_engine.holding and account.queue_depth("AlertQueue")["visible"] == 0:
            break
        # A held OK waits out the settle window in simulated time; the metric stays healthy meanwhile.
        feed(account, [GOOD] * (SETTLE // 60 + 1))
    return posted


def flap(account: EmulatedAccount) -> list[dict[str, Any]]:
    """ALARM / OK / ALARM / OK a minute apart, each transition handled as it comes (as the
    queue's 5-second batching window does), the OKs waiting out the settle window."""
    posted: list[dict[str, Any]] = []
    for value in [GOOD, BAD, GOOD, BAD, GOOD]:
        feed(account, [value])
        posted += drain_now(account)  # a held OK is still waiting in the queue
    return posted + drain(account)


def drain_now(account: EmulatedAccount) -> list[dict[str, Any]]:
    invocations = account.drain_queue(
        "AlertQueue", "NotifyFunction", environment={"SAGEWATCH_SLACK_API_URL": account.slack_api_url}
    )
    assert all(i.error is None for i in invocations), [i.error for i in invocations]
    return [m for i in invocations for m in i.slack_messages]


def texts(posted: list[dict[str, Any]]) -> list[str]:
    return [str(m.get("text", "")) for m in posted]


def transitions(account: EmulatedAccount) -> list[tuple[str | None, str]]:
    return [(n.old_state, n.new_state) for n in account.alarm_notifications if n.alarm_name == NAME]


def test_a_new_alarms_first_ok_tells_nobody(webhook: EmulatedAccount) -> None:
    feed(webhook, [GOOD])
    assert transitions(webhook) == [("INSUFFICIENT_DATA", "OK")]
    assert drain(webhook) == []


def test_alarm_then_ok_is_one_alarm_and_one_ok(webhook: EmulatedAccount) -> None:
    feed(webhook, [GOOD, BAD])
    first = drain(webhook)
    assert [t.split(":")[0] for t in texts(first)] == ["ALARM"]
    feed(webhook, [GOOD])
    [ok] = drain(webhook)  # told after the settle window
    assert ok["text"].startswith("OK: Resolved") and "flapped" not in ok["text"]
    assert transitions(webhook) == [("INSUFFICIENT_DATA", "OK"), ("OK", "ALARM"), ("ALARM", "OK")]


def test_alarm_insufficient_data_ok_still_resolves_and_the_gap_does_not_page(webhook: EmulatedAccount) -> None:
    feed(webhook, [GOOD, BAD, None, None, None, None])  # all of the evaluation range missing
    assert transitions(webhook)[-2:] == [("OK", "ALARM"), ("ALARM", "INSUFFICIENT_DATA")]
    feed(webhook, [GOOD])
    assert transitions(webhook)[-1] == ("INSUFFICIENT_DATA", "OK")
    posted = texts(drain(webhook))
    assert [t.split(":")[0] for t in posted] == ["ALARM", "OK"]
    assert "Resolved" in posted[1]


def test_flapping_in_webhook_mode_is_one_alarm_and_one_ok_that_says_it_flapped(webhook: EmulatedAccount) -> None:
    posted = texts(flap(webhook))
    assert transitions(webhook)[1:] == [("OK", "ALARM"), ("ALARM", "OK"), ("OK", "ALARM"), ("ALARM", "OK")]
    assert [t.split(":")[0] for t in posted] == ["ALARM", "OK"]
    assert "flapped 1 time" in posted[1]


def test_flapping_in_bot_mode_is_one_top_level_message_and_replies_in_its_thread(bot: EmulatedAccount) -> None:
    flap(bot)
    posts = [(p, r) for p, r, ok in bot.slack.replies() if ok and p.api == "chat.postMessage"]
    top = [(p, r) for p, r in posts if not p.body.get("thread_ts")]
    assert len(top) == 1 and str(top[0][0].body["text"]).startswith("ALARM")
    assert isinstance(top[0][1].body, dict)
    thread = top[0][1].body["ts"]
    replies = [p for p, _ in posts if p.body.get("thread_ts") == thread]
    assert len(replies) == len(posts) - 1
    assert [str(p.body["text"]).split(":")[0] for p in replies] == ["OK", "ALARM", "OK"]
    assert "firing again (2nd time)" in str(replies[1].body["text"])
    assert "flapped 1 time" in str(replies[2].body["text"])


def test_duplicate_sns_deliveries_of_a_transition_still_make_one_message(webhook: EmulatedAccount) -> None:
    feed(webhook, [GOOD, BAD])
    [alarm] = [n for n in webhook.alarm_notifications if n.new_state == "ALARM"]
    # CloudWatch may run the action twice (a second SNS message, another MessageId) and SNS may
    # deliver one message twice: both are one message.
    webhook.publish_alert(json.loads(json.dumps(alarm.message)))
    posted = drain(webhook)
    assert [t.split(":")[0] for t in texts(posted)] == ["ALARM"]
