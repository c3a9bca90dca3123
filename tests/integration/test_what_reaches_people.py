"""What reaches people (docs/alerts.md): one ALARM and one OK per incident and destination, through
the alarm engine → AlertTopic → AlertQueue → NotifyFunction → fake Slack, in webhook and bot mode."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest

from sagewatch.adapters.dynamodb.deliveries import DeliveryRecords
from sagewatch.core.alerting.delivery_record import Claim, Settlement
from sagewatch.core.alerting.incident import Action, Role, incident_key
from sagewatch.core.alerting.routing import Destinations
from sagewatch.usecases.notify.gate import Gate
from sagewatch.usecases.notify.incidents import IncidentRules
from sagewatch.usecases.notify.intake import Alert, Target, batch_item, route_batch
from sagewatch.usecases.notify.record import Recorder
from sagewatch_emulator import EmulatedAccount, VariantSpec
from sagewatch_simulator.traffic import MetricKey, Published

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


# -- two alarms of one endpoint: one incident ------------------------------------------------------

AVERAGE = "SageWatch/fraud-scorer/AllTraffic/model-latency-average"
MEDIUM = 600_000.0  # above the p99 alarm's 250 ms, below the average alarm's 1,000 ms


def add_average_alarm(account: EmulatedAccount) -> None:
    """A second alarm of the endpoint: average latency above 1,000 ms for 2 of 2 minutes, so it
    fires a minute after the p99 alarm and clears first."""
    topic = account.physical_id("AlertTopic")
    account.client("cloudwatch").put_metric_alarm(
        AlarmName=AVERAGE,
        AlarmDescription="[SageWatch] Model latency average of SageMaker endpoint fraud-scorer is above 1,000 ms.",
        Namespace="AWS/SageMaker",
        MetricName="ModelLatency",
        Dimensions=[{"Name": k, "Value": v} for k, v in DIMS.items()],
        Statistic="Average",
        Period=60,
        EvaluationPeriods=2,
        DatapointsToAlarm=2,
        Threshold=1_000_000.0,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="missing",
        AlarmActions=[topic],
        OKActions=[topic],
    )


def two_alarms(account: EmulatedAccount) -> list[dict[str, Any]]:
    """p99 ALARM, average ALARM a minute later, average OK, then p99 OK; each handled as it comes."""
    add_average_alarm(account)
    posted: list[dict[str, Any]] = []
    for value in [GOOD, GOOD, BAD, BAD, MEDIUM, GOOD]:
        feed(account, [value])
        posted += drain_now(account)
    states = [(n.alarm_name, n.new_state) for n in account.alarm_notifications if n.old_state != "INSUFFICIENT_DATA"]
    assert states == [(NAME, "ALARM"), (AVERAGE, "ALARM"), (AVERAGE, "OK"), (NAME, "OK")]
    return posted + drain(account)


def test_two_alarms_of_one_endpoint_in_webhook_mode_are_one_alarm_and_one_ok_listing_both(
    webhook: EmulatedAccount,
) -> None:
    posted = texts(two_alarms(webhook))
    assert [t.split(":")[0] for t in posted] == ["ALARM", "OK"]  # the second ALARM and the first OK folded
    assert "Model latency" in posted[0] and "2 alarms fired" in posted[1]
    [ok] = [m for m in webhook.slack.messages if str(m.get("text", "")).startswith("OK")]
    assert "fired: AllTraffic/model-latency-p99 once, AllTraffic/model-latency-average once" in ok["text"]


def test_two_alarms_of_one_endpoint_in_bot_mode_are_one_thread(bot: EmulatedAccount) -> None:
    two_alarms(bot)
    posts = [(p, r) for p, r, ok in bot.slack.replies() if ok and p.api == "chat.postMessage"]
    top = [(p, r) for p, r in posts if not p.body.get("thread_ts")]
    assert len(top) == 1 and str(top[0][0].body["text"]).startswith("ALARM")
    assert isinstance(top[0][1].body, dict)
    replies = [str(p.body["text"]) for p, _ in posts if p.body.get("thread_ts") == top[0][1].body["ts"]]
    assert len(replies) == len(posts) - 1 == 3
    assert replies[0].startswith("ALARM: Also firing:")
    assert replies[1].startswith("OK") and "still firing: AllTraffic/model-latency-p99" in replies[1]
    assert replies[2].startswith("OK: Resolved") and "2 alarms fired" in replies[2]


def pending(account: EmulatedAccount, alarm: str, state: str) -> Alert:
    """The alarm's latest ``state`` notification as NotifyFunction would take it from the queue."""
    sent = [n for n in account.alarm_notifications if n.alarm_name == alarm and n.new_state == state][-1]
    assert sent.message_id is not None
    sns = {"MessageId": sent.message_id, "Message": json.dumps(sent.message), "TopicArn": sent.action}
    [alert] = route_batch(
        [batch_item({"Sns": sns})],
        prefix="SageWatch",
        dashboards=True,
        defaults=Destinations(),
        emailing=False,
        digest_threshold=5,
    ).alerts
    return alert


def test_two_notify_invocations_deciding_two_alarms_of_one_endpoint_at_once_converge_on_one_incident(
    webhook: EmulatedAccount,
) -> None:
    """Concurrent NotifyFunction environments (MaximumConcurrency 2) may each take one alarm of an
    endpoint in the same instant: both claims answer "no incident". The settlement's condition lets
    the first one in; the second's refusal carries the fresh record, on which it decides again: its
    alarm joins the incident instead of overwriting it, so the final OK still waits for both alarms."""
    add_average_alarm(webhook)
    feed(webhook, [GOOD, GOOD, BAD, BAD])
    p99, average = pending(webhook, NAME, "ALARM"), pending(webhook, AVERAGE, "ALARM")
    records = DeliveryRecords(webhook.physical_id("DeliveryTable"), webhook.client("dynamodb"))
    rules = IncidentRules(remembers=True, settle_seconds=SETTLE, holds=False)
    gate, recorder = Gate(records, rules), Recorder(records, rules, queue=None, settle_seconds=SETTLE)
    key = "slack:bot:race"
    target = Target(key, key, threaded=True)
    first = gate.admit(p99, [target], remaining_ms=30_000).verdict(key)
    second = gate.admit(average, [target], remaining_ms=30_000).verdict(key)  # before the first writes
    decided_first, decided_second = first.decision, second.decision
    assert decided_first is not None and decided_second is not None
    assert decided_first.action is Action.POST and decided_second.action is Action.POST  # both saw nothing
    assert decided_first.record is not None and decided_second.record is not None
    for entry, decided, verdict, ts in (
        (p99, decided_first.record, first, "100.1"),
        (average, decided_second.record, second, "100.2"),  # conflicts, re-decides
    ):
        record = dataclasses.replace(decided, thread_ts=ts)
        recorder.write(entry, [Settlement(key, True, record, verdict.stored.token)], lease=None)
    scope = rules.scope(p99)
    assert scope == incident_key(p99.item.notification.alarm_arn, ENDPOINT, owned=True)  # type: ignore[union-attr]
    stored = records.claim(scope, "probe", [key], remaining_ms=1000).incident(key)
    assert stored.record is not None and stored.token == 2
    assert stored.record.firing == (NAME, AVERAGE)  # nothing lost
    assert stored.record.thread_ts == "100.1"  # the first thread kept
    feed(webhook, [MEDIUM, GOOD])
    ok = pending(webhook, NAME, "OK")
    decided_ok = gate.admit(ok, [target], remaining_ms=30_000).verdict(key).decision
    assert decided_ok is not None and decided_ok.role is Role.CLEARS  # the average alarm still fires: not resolved


def test_concurrent_duplicates_of_one_message_id_are_claimed_by_one_attempt(webhook: EmulatedAccount) -> None:
    """SNS or SQS may hand the same notification to two environments at once: one claim wins for
    every destination, the other is told "busy" (and retries from the queue), and once the first
    settled, a redelivery is skipped as done — in one call, the refusal carrying the item."""
    feed(webhook, [GOOD, GOOD, BAD, BAD])
    alarm = pending(webhook, NAME, "ALARM")
    records = DeliveryRecords(webhook.physical_id("DeliveryTable"), webhook.client("dynamodb"))
    rules = IncidentRules(remembers=True, settle_seconds=SETTLE, holds=False)
    gate = Gate(records, rules)
    targets = [Target("slack:a", "slack:a"), Target("email", "email")]
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: gate.admit(alarm, targets, remaining_ms=30_000), range(4)))
    winners = [a for a in answers if all(c is Claim.NEW for c in a.claims.values())]
    assert len(winners) == 1
    assert all(c is Claim.BUSY for a in answers if a is not winners[0] for c in a.claims.values())
    Recorder(records, rules, queue=None, settle_seconds=SETTLE).write(
        alarm, [Settlement("slack:a", True), Settlement("email", False)], lease=None
    )  # Slack went out, the e-mail failed
    again = gate.admit(alarm, targets, remaining_ms=30_000)
    assert again.claims == {"slack:a": Claim.DONE, "email": Claim.NEW}
