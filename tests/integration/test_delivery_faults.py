"""Never lost, never doubled, never a flood: SNS → SQS → NotifyFunction → (fake) Slack under
faults, crashes, duplicates, storms and outages, with the emulator playing the SQS event source
mapping (``drain_queue``: batches, partial batch responses, visibility, redrive to the DLQ).

Loopback only, every loop bounded. Time is scaled (Slack's one message per second per channel
becomes 0.02-0.1 s at the fake and in the function's pacing), and the runs are as large as what
they prove needs: the full-size runs (300-alert storms at Slack's real pace, 200 alerts with a
crash for three seeds) are ``make bench``'s (tests/bench/delivery.py), reported as counts.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import sagewatch.usecases.notify.render as notify_render
from sagewatch_emulator import EmulatedAccount
from sagewatch_emulator.slack_blocks import validate_slack_message
from tests.integration.delivery_support import (
    DLQ,
    EVENTS,
    FUNCTION,
    QUEUE,
    STORM_INTERVAL,
    CrashOnce,
    alarm_message,
    closest_requests,
    delivery_account,
    dlq_message_ids,
    ids_in,
)

pytestmark = pytest.mark.integration


def publish(account: EmulatedAccount, count: int, **kwargs: Any) -> list[str]:
    return [account.publish_alert(alarm_message(i, **kwargs)) for i in range(count)]


def rejected_for_rate(account: EmulatedAccount) -> int:
    return sum(1 for _post, reply, _ok in account.slack.replies() if reply.status == 429 and reply.fault is None)


def test_every_alert_is_delivered_exactly_once_despite_slack_faults_and_a_crash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # One crash point (an unexpected error in the middle of a batch) under every kind of Slack
    # fault; make bench runs 200 alerts for three seeds (three crash points of the same kind).
    alerts, seed = 40, 1
    with delivery_account(interval=0.02) as (account, environment):
        account.slack.inject_faults(rate=0.15, seed=seed, timeout_seconds=0.6)
        crash = CrashOnce(nth=25 + seed)
        monkeypatch.setattr(notify_render, "render_slack", crash)
        published = publish(account, alerts)
        invocations = account.drain_queue(QUEUE, FUNCTION, max_rounds=400, max_seconds=240, environment=environment)

        assert crash.crashed == 1
        assert any(i.error and "simulated crash" in i.error for i in invocations)
        faults = Counter(reply.status for _p, reply, ok in account.slack.replies() if not ok)
        assert faults[429] + faults[500] + faults[503] > 0 and faults[504] + faults[502] > 0  # timeouts, resets
        delivered = ids_in(account.slack.messages)
        assert set(published) <= set(delivered), "an alert was lost"
        assert all(delivered[mid] == 1 for mid in published), "an alert was sent twice"
        assert len(account.slack.messages) == alerts
        assert account.queue_depth(QUEUE) == {"visible": 0, "not_visible": 0, "delayed": 0}
        assert account.queue_depth(DLQ)["visible"] == 0
        assert rejected_for_rate(account) == 0  # pacing kept to the channel's limit
        assert all(validate_slack_message(m) == [] for m in account.slack.messages)


def test_slack_permanently_down_dead_letters_every_alert_and_pages_operators() -> None:
    alerts = 12
    # Every request answers 500, so the pace is all the time there is: scaled to 0.01 s.
    with delivery_account(interval=0.01, max_receive_count=3) as (account, environment):
        account.slack.inject_faults(when=lambda post: True, kinds=("500",))
        published = publish(account, alerts)
        assert account.cloudwatch.evaluate_queue_alarm("NotifyDeadLetterAlarm") == "OK"
        invocations = account.drain_queue(QUEUE, FUNCTION, max_rounds=100, max_seconds=120, environment=environment)

        assert account.slack.messages == []
        # Each alert was tried on each of its three receives, then SQS moved it to the DLQ.
        assert 3 * alerts // 10 <= len(invocations) <= 3 * alerts
        assert account.queue_depth(QUEUE)["visible"] == 0
        # The emulator computes ApproximateNumberOfMessagesVisible and sets the alarm as CloudWatch would.
        assert account.cloudwatch.evaluate_queue_alarm("NotifyDeadLetterAlarm") == "ALARM"
        alarm = account.client("cloudwatch").describe_alarms(AlarmNames=[account.physical_id("NotifyDeadLetterAlarm")])[
            "MetricAlarms"
        ][0]
        assert alarm["AlarmActions"] == [account.physical_id("OpsTopic")]  # e-mail, not Slack
        assert sorted(dlq_message_ids(account)) == sorted(published)  # nothing vanished


def test_duplicate_sns_deliveries_make_one_slack_message() -> None:
    with delivery_account() as (account, environment):
        sqs = account.client("sqs")
        url = account.physical_id(QUEUE)
        message_id = account.publish_alert(alarm_message(1))
        body = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"][0]["Body"]
        sqs.send_message(QueueUrl=url, MessageBody=body)  # same MessageId, same batch
        first = account.drain_queue(QUEUE, FUNCTION, environment=environment)
        assert len(first) == 1 and len(first[0].slack_messages) == 1
        sqs.send_message(QueueUrl=url, MessageBody=body)  # and again later, in another batch
        second = account.drain_queue(QUEUE, FUNCTION, environment=environment)
        assert second[0].error is None and second[0].response == {"batchItemFailures": []}
        assert ids_in(account.slack.messages) == Counter({message_id: 1})


def test_storm_becomes_digests_at_slacks_pace_and_names_every_alarm() -> None:
    """80 alarm notifications within a minute for one channel, at Slack's pace (scaled: 0.1 s;
    make bench runs 300 at the real 1 msg/s)."""
    alerts = 80
    with delivery_account(interval=STORM_INTERVAL, digest_threshold=5) as (account, environment):
        environment["SAGEWATCH_SLACK_MIN_INTERVAL_SECONDS"] = f"{STORM_INTERVAL:g}"
        published: list[str] = []
        for i in range(alerts // 2):
            published.append(account.publish_alert(alarm_message(i, host="db")))
        for i in range(alerts // 4):  # some alarms resolve within the minute: ALARM then OK
            published.append(account.publish_alert(alarm_message(i, "OK", host="db")))
        for i in range(alerts // 4):
            published.append(account.publish_alert(alarm_message(500 + i, host="cache")))
        account.drain_queue(QUEUE, FUNCTION, max_rounds=100, max_seconds=240, environment=environment)

        messages = account.slack.messages
        assert len(messages) <= alerts // 8, len(messages)  # a small fraction of the alerts
        assert rejected_for_rate(account) == 0
        assert min(closest_requests(account).values()) >= STORM_INTERVAL  # one request per interval
        assert all(validate_slack_message(m) == [] for m in messages)
        assert ids_in(messages) == Counter(dict.fromkeys(published, 1))  # every alarm, once
        text = "\n".join(json.dumps(m, ensure_ascii=False) for m in messages)
        # An ALARM and its OK are two lines (in order), never merged away.
        alarm_at, ok_at = text.index(published[0]), text.index(published[alerts // 2])
        assert alarm_at < ok_at


def test_sqs_batch_sample_event_is_accepted_like_sam_local_invoke() -> None:
    sample = json.loads((EVENTS / "sqs-batch.json").read_text())
    assert len(sample["Records"]) >= 2
    with delivery_account() as (account, environment):
        result = account.invoke(FUNCTION, sample, environment=environment | {"SAGEWATCH_OK_SETTLE_SECONDS": "0"})
        assert result.error is None, result.error
        assert result.response == {"batchItemFailures": []}
        # The batch is the ALARM and its OK: both told (the ALARM opens the incident its OK ends).
        assert len(result.slack_messages) == len(sample["Records"])
        expected = {json.loads(r["body"])["MessageId"] for r in sample["Records"]}
        assert set(ids_in(result.slack_messages)) == expected


def test_sqs_batch_sample_holds_the_ok_for_the_settle_window_by_default() -> None:
    sample = json.loads((EVENTS / "sqs-batch.json").read_text())
    with delivery_account() as (account, environment):
        result = account.invoke(FUNCTION, sample, environment=environment)
        assert result.error is None and result.response == {"batchItemFailures": []}
        [alarm] = result.slack_messages  # the OK waits in AlertQueue (DelaySeconds) for a re-ALARM
        assert str(alarm["text"]).startswith("ALARM")
        assert account.queue_depth(QUEUE)["delayed"] == 1


def test_direct_sns_sample_events_keep_working() -> None:
    sample = json.loads(Path(EVENTS / "alarm-generic-ec2.json").read_text())
    with delivery_account() as (account, environment):
        result = account.invoke(FUNCTION, sample, environment=environment)
        assert result.error is None, result.error
        assert result.response["results"][0]["outcome"] == "delivered"


def test_bot_mode_threads_the_ok_under_its_alarm_and_uploads_the_chart_there() -> None:
    bot = {"SlackBotTokenSecretName": "sagewatch/slack-bot", "SlackChannel": "C0ALERTS"}
    with delivery_account(parameters=bot) as (account, environment):
        account.client("secretsmanager").create_secret(
            Name="sagewatch/slack-bot", SecretString=json.dumps({"token": "xoxb-fake-token"})
        )
        environment["SAGEWATCH_SLACK_API_URL"] = account.slack_api_url
        alarm_id = account.publish_alert(alarm_message(7))
        first = account.drain_queue(QUEUE, FUNCTION, environment=environment)
        ok_id = account.publish_alert(alarm_message(7, "OK"))
        second = account.drain_queue(QUEUE, FUNCTION, environment=environment)
        assert [i.error for i in first + second] == [None, None]

        posts = [(p, r) for p, r, ok in account.slack.replies() if ok and p.api == "chat.postMessage"]
        assert len(posts) == 2
        (alarm_post, alarm_reply), (ok_post, _ok_reply) = posts
        assert isinstance(alarm_reply.body, dict)
        alarm_ts = alarm_reply.body["ts"]
        assert alarm_post.channel == "C0ALERTS" and "thread_ts" not in alarm_post.body
        assert ok_post.body["thread_ts"] == alarm_ts  # the OK is a reply in the ALARM's thread
        assert ids_in([alarm_post.body]) == Counter({alarm_id: 1}) and ids_in([ok_post.body]) == Counter({ok_id: 1})
        assert all(p.headers.get("authorization") == "Bearer xoxb-fake-token" for p, _ in posts)
        # files_upload_v2: getUploadURLExternal, the upload to the returned URL, completeUploadExternal.
        apis = [p.api for p in account.slack.requests]
        assert apis.count("files.getUploadURLExternal") == 1 and apis.count("files.completeUploadExternal") == 1
        assert len(account.slack.uploads) == 1
        upload = account.slack.uploads[0]
        assert upload["channel"] == "C0ALERTS" and upload["thread_ts"] == alarm_ts
        assert upload["content"].startswith(b"\x89PNG")
        assert account.slack.messages_since(0) and not any(p.api == "webhook" for p in account.slack.requests)


def test_fake_slack_limits_each_channel_and_rejects_invalid_blocks_like_slack(account: EmulatedAccount) -> None:
    from slack_sdk.webhook import WebhookClient

    assert account.slack.rate_limit_interval == 1.0  # on by default
    first = WebhookClient(account.slack.webhook_url("ops")).send_dict({"text": "one"})
    second = WebhookClient(account.slack.webhook_url("ops")).send_dict({"text": "two"})
    other = WebhookClient(account.slack.webhook_url("dev")).send_dict({"text": "elsewhere"})
    assert (first.status_code, other.status_code) == (200, 200)
    assert second.status_code == 429 and second.headers["Retry-After"] == "1"
    too_many = {"blocks": [{"type": "divider"}] * 51}  # no top-level text: Slack accepts that, not 51 blocks
    account.slack.rate_limit_interval = None
    assert WebhookClient(account.slack.webhook_url("x")).send_dict(too_many).body == "invalid_blocks"
    assert WebhookClient(account.slack.webhook_url("x")).send_dict({"blocks": [{"type": "divider"}]}).body == "ok"
