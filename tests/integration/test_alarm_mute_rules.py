"""Alarm mute rules in the emulated account, through real boto3: the four calls, their checks,
and the alarm engine honouring them (a muted alarm changes state and runs no action; a window
ending while the alarm is still in the muted state runs that state's actions, as the CloudWatch
User Guide's "How alarm mute rules work" describes)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sagewatch_emulator import EmulatedAccount, VariantSpec
from sagewatch_simulator.traffic import MetricKey, Published

pytestmark = pytest.mark.integration

DIMS = {"EndpointName": "fraud-scorer", "VariantName": "AllTraffic"}
LATENCY = MetricKey.of("AWS/SageMaker", "ModelLatency", "Microseconds", DIMS)
P99 = "SageWatch/fraud-scorer/AllTraffic/model-latency-p99"
MINUTE = timedelta(minutes=1)
GOOD, BAD = 120_000.0, 1_800_000.0


@pytest.fixture
def account() -> Iterator[EmulatedAccount]:
    with EmulatedAccount() as emulated:
        assert emulated.now  # simulated time from here on
        topic = emulated.client("sns").create_topic(Name="alerts")["TopicArn"]
        put_p99(emulated, topic)
        feed(emulated, [GOOD] * 3)
        assert emulated.alarm_states()[P99] == "OK"
        emulated.alarm_engine.notifications.clear()
        yield emulated


def put_p99(account: EmulatedAccount, topic: str, **extra: Any) -> None:
    """fraud-scorer's p99 latency alarm: 3 of 3 minutes over 250 ms, ALARM and OK to ``topic``."""
    account.client("cloudwatch").put_metric_alarm(
        AlarmName=P99,
        Namespace="AWS/SageMaker",
        MetricName="ModelLatency",
        Dimensions=[{"Name": k, "Value": v} for k, v in DIMS.items()],
        ExtendedStatistic="p99",
        Period=60,
        EvaluationPeriods=3,
        DatapointsToAlarm=3,
        Threshold=250_000.0,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching",
        AlarmActions=[topic],
        OKActions=[topic],
        **extra,
    )


def feed(account: EmulatedAccount, values: list[float]) -> None:
    for value in values:
        account.publish_metrics([Published(LATENCY, account.now, (value,), (300.0,))])
        account.advance(MINUTE)


def at_expression(moment: datetime) -> str:
    return f"at({moment:%Y-%m-%dT%H:%M})"


def mute(account: EmulatedAccount, name: str, start: datetime, duration: str = "PT30M", **extra: Any) -> None:
    account.client("cloudwatch").put_alarm_mute_rule(
        Name=name,
        Rule={"Schedule": {"Expression": at_expression(start), "Duration": duration}},
        MuteTargets={"AlarmNames": [P99]},
        **extra,
    )


def sent(account: EmulatedAccount) -> list[tuple[str, str]]:
    return [(n.new_state, n.message["StateChangeTime"]) for n in account.alarm_notifications]


def test_put_get_list_delete_round_trip(account: EmulatedAccount) -> None:
    cloudwatch = account.client("cloudwatch")
    start = account.now + timedelta(hours=1)
    mute(account, "night", start, "PT2H", Description="planned")
    cloudwatch.put_alarm_mute_rule(
        Name="weekly",
        Rule={"Schedule": {"Expression": "cron(0 2 * * SUN)", "Duration": "PT4H", "Timezone": "Europe/Paris"}},
        MuteTargets={"AlarmNames": [P99]},
        ExpireDate=account.now + timedelta(days=30),
    )

    rule = cloudwatch.get_alarm_mute_rule(AlarmMuteRuleName="night")
    assert rule["Rule"]["Schedule"] == {"Expression": at_expression(start), "Duration": "PT2H"}
    assert rule["MuteTargets"]["AlarmNames"] == [P99]
    assert (rule["Status"], rule["MuteType"], rule["Description"]) == ("SCHEDULED", "ONE_TIME", "planned")
    assert rule["AlarmMuteRuleArn"].endswith(":alarm-mute-rule:night")

    summaries = cloudwatch.list_alarm_mute_rules(AlarmName=P99)["AlarmMuteRuleSummaries"]
    assert [(s["AlarmMuteRuleArn"].rsplit(":", 1)[1], s["MuteType"]) for s in summaries] == [
        ("night", "ONE_TIME"),
        ("weekly", "RECURRING"),
    ]
    assert "ExpireDate" not in summaries[0] and "ExpireDate" in summaries[1]  # only when configured
    assert cloudwatch.list_alarm_mute_rules(Statuses=["ACTIVE"])["AlarmMuteRuleSummaries"] == []
    page = cloudwatch.list_alarm_mute_rules(MaxRecords=1)
    assert len(page["AlarmMuteRuleSummaries"]) == 1
    assert len(cloudwatch.list_alarm_mute_rules(NextToken=page["NextToken"])["AlarmMuteRuleSummaries"]) == 1

    account.advance(timedelta(hours=1, minutes=1))
    assert cloudwatch.get_alarm_mute_rule(AlarmMuteRuleName="night")["Status"] == "ACTIVE"
    account.advance(timedelta(hours=2))
    assert cloudwatch.get_alarm_mute_rule(AlarmMuteRuleName="night")["Status"] == "EXPIRED"

    cloudwatch.delete_alarm_mute_rule(AlarmMuteRuleName="night")
    cloudwatch.delete_alarm_mute_rule(AlarmMuteRuleName="night")  # idempotent, as documented
    with pytest.raises(ClientError) as missing:
        cloudwatch.get_alarm_mute_rule(AlarmMuteRuleName="night")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"


@pytest.mark.parametrize(
    ("change", "code", "words"),
    [
        ({"Expression": "cron(0 2 * *)"}, "InvalidParameterValue", "5 fields"),
        ({"Expression": "cron(0 25 * * *)"}, "InvalidParameterValue", "hours"),
        ({"Expression": "cron(*/5 2 * * *)"}, "InvalidParameterValue", "only *, - and ,"),
        ({"Expression": "rate(5 minutes)"}, "InvalidParameterValue", "cron(...) or at("),
        ({"Duration": "PT30S"}, "InvalidParameterValue", "between PT1M and P15D"),
        ({"Duration": "P16D"}, "InvalidParameterValue", "between PT1M and P15D"),
        ({"Timezone": "Mars/Olympus"}, "InvalidParameterValue", "time zone"),
    ],
)
def test_put_refuses_a_schedule_aws_refuses(
    account: EmulatedAccount, change: dict[str, str], code: str, words: str
) -> None:
    schedule = {"Expression": "cron(0 2 * * *)", "Duration": "PT1H", **change}
    with pytest.raises(ClientError) as refused:
        account.client("cloudwatch").put_alarm_mute_rule(
            Name="bad", Rule={"Schedule": schedule}, MuteTargets={"AlarmNames": [P99]}
        )
    assert refused.value.response["Error"]["Code"] == code
    assert words in refused.value.response["Error"]["Message"]


def test_put_refuses_over_100_targets_and_unknown_alarms(account: EmulatedAccount) -> None:
    cloudwatch = account.client("cloudwatch")
    schedule = {"Schedule": {"Expression": "cron(0 2 * * *)", "Duration": "PT1H"}}
    with pytest.raises(ClientError) as too_many:
        cloudwatch.put_alarm_mute_rule(Name="big", Rule=schedule, MuteTargets={"AlarmNames": [P99] * 101})
    assert too_many.value.response["Error"]["Code"] == "ValidationError"
    assert "less than or equal to 100" in too_many.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as unknown:
        cloudwatch.put_alarm_mute_rule(Name="x", Rule=schedule, MuteTargets={"AlarmNames": ["no-such-alarm"]})
    assert unknown.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_muted_alarm_changes_state_silently_and_notifies_when_the_window_ends_still_in_alarm(
    account: EmulatedAccount,
) -> None:
    mute(account, "maintenance", account.now, "PT30M")
    feed(account, [BAD] * 3)
    assert account.alarm_states()[P99] == "ALARM"  # still evaluated ...
    assert sent(account) == []  # ... its action muted
    [muted] = account.alarm_engine.muted
    assert (muted.new_state, muted.muted_by) == ("ALARM", "maintenance")
    fired = account.client("cloudwatch").describe_alarms(AlarmNames=[P99])["MetricAlarms"][0]["StateUpdatedTimestamp"]

    feed(account, [BAD] * 28)  # the window ends (30 minutes) with the alarm still in ALARM
    [(state, changed)] = sent(account)
    assert state == "ALARM"
    # The message is the muted change's: its StateChangeTime is when the alarm fired, in the window.
    assert changed == fired.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:00.000+0000")


def test_an_alarm_back_to_ok_before_the_window_ends_sends_no_alarm(account: EmulatedAccount) -> None:
    mute(account, "maintenance", account.now, "PT20M")
    feed(account, [BAD] * 3 + [GOOD] * 3)
    assert account.alarm_states()[P99] == "OK"
    feed(account, [GOOD] * 16)  # past the window's end
    # No ALARM action ever ran; the OK it was muted in runs its OK action (the note of "How alarm
    # mute rules work": the behaviours apply to the actions of every state).
    assert [state for state, _ in sent(account)] == ["OK"]
    assert [t.new_state for t in account.alarm_engine.muted] == ["ALARM", "OK"]


def test_deleting_the_rule_unmutes_at_once(account: EmulatedAccount) -> None:
    mute(account, "maintenance", account.now, "PT2H")
    feed(account, [BAD] * 3)
    assert sent(account) == []
    account.client("cloudwatch").delete_alarm_mute_rule(AlarmMuteRuleName="maintenance")
    assert [state for state, _ in sent(account)] == ["ALARM"]
    message = account.alarm_notifications[0].message
    assert json.dumps(message)  # CloudWatch's own message shape, unchanged


def test_recurring_window_in_a_time_zone(account: EmulatedAccount) -> None:
    now = account.now
    paris = now.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    start = paris + timedelta(minutes=2)
    account.client("cloudwatch").put_alarm_mute_rule(
        Name="daily",
        Rule={
            "Schedule": {
                "Expression": f"cron({start.minute} {start.hour} * * *)",
                "Duration": "PT10M",
                "Timezone": "Europe/Paris",
            }
        },
        MuteTargets={"AlarmNames": [P99]},
    )
    feed(account, [GOOD])
    assert account.client("cloudwatch").get_alarm_mute_rule(AlarmMuteRuleName="daily")["Status"] == "SCHEDULED"
    feed(account, [GOOD, BAD, BAD, BAD])
    assert account.client("cloudwatch").get_alarm_mute_rule(AlarmMuteRuleName="daily")["Status"] == "ACTIVE"
    assert account.alarm_states()[P99] == "ALARM" and sent(account) == []


SECRET = "sagewatch/slack-webhook"


@pytest.fixture
def stack() -> Iterator[EmulatedAccount]:
    """The stack with a Slack destination, an endpoint, and the simulated clock pinned."""
    with EmulatedAccount(parameters={"SlackWebhookSecretName": SECRET, "OkSettleSeconds": "0"}) as emulated:
        emulated.client("secretsmanager").create_secret(Name=SECRET, SecretString=emulated.slack_url)
        emulated.create_endpoint("fraud-scorer", variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 2)])
        assert emulated.now
        emulated.advance(MINUTE)
        yield emulated


def test_an_alarm_released_when_its_window_ends_says_it_fired_during_the_window(
    stack: EmulatedAccount,
) -> None:
    topic = stack.physical_id("AlertTopic")
    description = "[SageWatch] Model latency p99 of SageMaker endpoint fraud-scorer is above 250 ms."
    put_p99(stack, topic, AlarmDescription=description)
    feed(stack, [GOOD] * 3)
    stack.drain_queue("AlertQueue", "NotifyFunction", max_rounds=5, max_seconds=60)
    mark = stack.slack.mark()
    stack.client("cloudwatch").put_alarm_mute_rule(
        Name="SageWatch-quiet-fraud-scorer",
        Rule={"Schedule": {"Expression": at_expression(stack.now), "Duration": "PT30M"}},
        MuteTargets={"AlarmNames": [P99]},
    )
    feed(stack, [BAD] * 3)
    assert stack.alarm_states()[P99] == "ALARM"
    assert stack.queue_depth("AlertQueue")["visible"] == 0  # muted: nothing reached anyone
    feed(stack, [BAD] * 28)  # the window ends with the alarm still firing
    [invocation] = stack.drain_queue("AlertQueue", "NotifyFunction", max_rounds=5, max_seconds=60)
    assert invocation.error is None, invocation.error
    [message] = invocation.slack_messages
    text = json.dumps(message)
    assert "Quiet window" in text
    assert "during a quiet window (SageWatch-quiet-fraud-scorer)" in text
    assert stack.slack.replies()[mark:]  # it was posted
