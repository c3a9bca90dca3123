"""PagerDuty and Teams as destinations in the emulated account: alarm engine → AlertTopic →
AlertQueue → NotifyFunction → the runtime's urllib senders → the fake PagerDuty (Events API v2
checked, incidents per dedup_key) and the fake Teams (every card checked against Adaptive Card 1.4).

Two teams route by the policy parameter's table: ``payments`` pages PagerDuty and tells a Slack
webhook, ``ml-platform`` is told in Teams (docs/alerts.md, "Severity and routing")."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sagewatch_emulator import EmulatedAccount, VariantSpec
from sagewatch_simulator.traffic import MetricKey, Published

pytestmark = pytest.mark.integration

EVENTS = Path(__file__).resolve().parents[2] / "events" / "notify"
SLACK = "sagewatch/slack-webhook"
PD_SECRET = "sagewatch/pagerduty-payments"
TEAMS_SECRET = "sagewatch/teams-ml-platform"
ROUTES = {
    "routes": {
        "payments": {"pagerduty": PD_SECRET, "slack": SLACK},
        "ml-platform": {"teams": TEAMS_SECRET},
    }
}
ENDPOINT = "fraud-scorer"
DIMS = {"EndpointName": ENDPOINT, "VariantName": "AllTraffic"}
LATENCY = MetricKey.of("AWS/SageMaker", "ModelLatency", "Microseconds", DIMS)
NAME = "SageWatch/fraud-scorer/AllTraffic/model-latency-p99"
MINUTE = timedelta(minutes=1)
GOOD, BAD = 120_000.0, 1_800_000.0
SETTLE = 180
HOSTILE = (
    "[click here](https://evil.example/phish) **URGENT** <at>oncall</at> <b>bold</b> @channel "
    "<script>alert(1)</script> \u202eeviL"
)


@pytest.fixture
def account() -> Iterator[EmulatedAccount]:
    account = EmulatedAccount(parameters={"SlackWebhookSecretName": SLACK, "OkSettleSeconds": str(SETTLE)})
    account.__enter__()
    try:
        account.client("secretsmanager").create_secret(Name=SLACK, SecretString=account.slack_url)
        account.pagerduty_secret(PD_SECRET, "payments")
        account.teams_secret(TEAMS_SECRET, "ml-platform")
        account.client("ssm").put_parameter(
            Name=account.physical_id("PolicyParameter"), Value=json.dumps(ROUTES), Type="String", Overwrite=True
        )
        yield account
    finally:
        account.__exit__(None, None, None)


def latency_alarm(account: EmulatedAccount, *, team: str, description: str = "Model latency p99 is high.") -> None:
    account.create_endpoint(ENDPOINT, variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 2)])
    assert account.now
    account.advance(MINUTE)
    topic = account.physical_id("AlertTopic")
    account.client("cloudwatch").put_metric_alarm(
        AlarmName=NAME,
        AlarmDescription=f"{description} [sagewatch kind=real-time unit=ms scale=0.001 team={team}]",
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
    )


def feed(account: EmulatedAccount, values: list[float]) -> None:
    for value in values:
        account.publish_metrics([Published(LATENCY, account.now, (value,), (300.0,))])
        account.advance(MINUTE)


def drain(account: EmulatedAccount) -> None:
    """Everything NotifyFunction does, including OKs that waited out the settle window."""
    for _ in range(4):
        invocations = account.drain_queue("AlertQueue", "NotifyFunction", max_rounds=20, max_seconds=60)
        assert all(i.error is None for i in invocations), [i.error for i in invocations]
        assert all(i.response == {"batchItemFailures": []} for i in invocations), [i.logs for i in invocations]
        if not account.alarm_engine.holding and account.queue_depth("AlertQueue")["visible"] == 0:
            return
        feed(account, [GOOD] * (SETTLE // 60 + 1))


def test_trigger_refire_and_resolve_are_one_pagerduty_incident_resolved(account: EmulatedAccount) -> None:
    latency_alarm(account, team="payments")
    feed(account, [GOOD, BAD])
    drain(account)
    [alert] = account.pagerduty.alerts("payments")
    assert alert.status == "triggered" and alert.severity == "critical"
    event = account.pagerduty.events[0]
    assert event["payload"]["source"] == f"aws:sagemaker:us-east-1:{account.account_id}:endpoint/{ENDPOINT}"
    assert event["payload"]["summary"].startswith("ALARM: ")
    assert {link["text"] for link in event["links"]} >= {"Alarm", "Dashboard"}
    assert event["dedup_key"].startswith(f"sagewatch/arn:aws:cloudwatch:us-east-1:{account.account_id}:endpoint/")
    # A re-fire inside the settle window: the OK waits, the ALARM comes back, the incident stays open.
    feed(account, [GOOD])
    account.drain_queue("AlertQueue", "NotifyFunction")  # the OK is held for the settle window
    feed(account, [BAD])
    account.drain_queue("AlertQueue", "NotifyFunction")
    assert len(account.pagerduty.alerts()) == 1 and account.pagerduty.alerts()[0].status == "triggered"
    drain(account)  # healthy from here: the held OKs come back after the settle window
    [alert] = account.pagerduty.alerts("payments")
    assert (alert.status, alert.triggers) == ("resolved", 2)
    assert [e["event_action"] for e in account.pagerduty.events] == ["trigger", "trigger", "resolve"]
    assert account.pagerduty.rejected == []
    texts = [m["text"].split(":")[0] for m in account.slack_messages]
    assert texts == ["ALARM", "OK"]  # the team's Slack: the incident and its resolution


def test_a_redelivered_sqs_message_is_still_one_pagerduty_event(account: EmulatedAccount) -> None:
    record = sqs_record(sample("alarm-metric-latency-p99", team="payments"))
    reads = []
    for _ in range(3):  # at-least-once: the same SQS message three times
        invocation = account.invoke("NotifyFunction", {"Records": [record]})
        assert invocation.error is None and invocation.response == {"batchItemFailures": []}
        reads.append(invocation.aws_calls.get("ssm.GetParameter", 0))
    assert reads == [1, 0, 0]  # the routing table: read once, then kept for a minute
    assert [e["event_action"] for e in account.pagerduty.events] == ["trigger"]
    assert len(account.pagerduty.alerts()) == 1 and len(account.slack_messages) == 1


def test_an_untagged_endpoint_keeps_the_stacks_slack_and_reads_no_table(account: EmulatedAccount) -> None:
    sns = json.loads((EVENTS / "alarm-metric-latency-p99.json").read_text())["Records"][0]["Sns"]
    invocation = account.invoke("NotifyFunction", {"Records": [sqs_record(sns)]})
    assert invocation.error is None and invocation.response == {"batchItemFailures": []}
    assert not any(call.startswith("ssm.") for call in invocation.aws_calls)
    assert len(invocation.slack_messages) == 1 and account.pagerduty.events == [] and account.teams.messages() == []


@pytest.mark.parametrize(
    ("event", "kind"),
    [
        ("alarm-metric-latency-p99", "metric"),
        ("alarm-math-5xx-rate", "math"),
        ("alarm-composite", "composite"),
        ("alarm-anomaly-invocations", "anomaly"),
        ("monitoring-run-violations", "monitoring run"),
        ("endpoint-failed", "endpoint failure"),
    ],
)
def test_every_notification_kind_is_a_valid_teams_card(account: EmulatedAccount, event: str, kind: str) -> None:
    invocation = account.invoke("NotifyFunction", {"Records": [sqs_record(sample(event, team="ml-platform"))]})
    assert invocation.error is None and invocation.response == {"batchItemFailures": []}, invocation.logs
    [message] = account.teams.messages("ml-platform")  # the fake answered 202: valid against the 1.4 schema
    assert account.teams.invalid == []
    card = message["attachments"][0]["content"]
    assert card["version"] == "1.4" and card["body"], kind
    assert account.slack_messages == [] and account.pagerduty.events == []  # ml-platform has Teams only


def test_a_hostile_description_is_plain_text_in_the_card_and_in_pagerduty(account: EmulatedAccount) -> None:
    account.client("ssm").put_parameter(
        Name=account.physical_id("PolicyParameter"),
        Value=json.dumps({"routes": {"both": {"pagerduty": PD_SECRET, "teams": TEAMS_SECRET}}}),
        Type="String",
        Overwrite=True,
    )
    latency_alarm(account, team="both", description=HOSTILE)
    feed(account, [GOOD, BAD])
    drain(account)
    [message] = account.teams.messages("ml-platform")
    card = json.dumps(message, ensure_ascii=False)
    assert '"TextBlock"' not in card and '"FactSet"' not in card  # TextRuns: no markdown parsed
    assert "](" not in card and "\u202e" not in card  # no link can form; bidi override dropped
    assert "msteams" not in card  # no mention entity
    assert all("evil.example" not in a.get("url", "") for a in message["attachments"][0]["content"]["actions"])
    assert "**URGENT**" in card  # shown as typed
    [event] = account.pagerduty.events
    summary = event["payload"]["summary"]
    assert "evil.example" not in summary and "<" not in summary and "\u202e" not in json.dumps(event)
    assert all("evil.example" not in link["href"] for link in event["links"])
    assert event["payload"]["custom_details"]["Description"].startswith("[click here]")  # plain text, as typed


def sample(name: str, *, team: str) -> dict[str, Any]:
    """A sample SNS notification of events/notify/, routed to ``team``."""
    sns: dict[str, Any] = copy.deepcopy(json.loads((EVENTS / f"{name}.json").read_text())["Records"][0]["Sns"])
    message = json.loads(sns["Message"])
    if "AlarmName" in message:
        description = message.get("AlarmDescription") or ""
        if "[sagewatch " in description:
            message["AlarmDescription"] = description.replace("[sagewatch ", f"[sagewatch team={team} ", 1)
        else:
            message["AlarmDescription"] = f"{description} [sagewatch team={team}]".strip()
    else:
        message["team"] = team
    sns["Message"] = json.dumps(message)
    return sns


def sqs_record(sns: dict[str, Any]) -> dict[str, Any]:
    envelope = {
        "Type": "Notification",
        "MessageId": sns["MessageId"],
        "TopicArn": sns.get("TopicArn", "arn:aws:sns:us-east-1:123456789012:alerts"),
        "Subject": sns.get("Subject"),
        "Message": sns["Message"],
        "Timestamp": sns.get("Timestamp", "2026-11-28T03:12:05.000Z"),
    }
    return {
        "messageId": f"sqs-{sns['MessageId']}",
        "receiptHandle": "handle",
        "body": json.dumps(envelope),
        "attributes": {"ApproximateReceiveCount": "1"},
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:AlertQueue",
        "awsRegion": "us-east-1",
    }


def test_pagerduty_down_returns_the_message_and_the_retry_pages_once(account: EmulatedAccount) -> None:
    from sagewatch_emulator.http_fake import Reply

    record = sqs_record(sample("alarm-metric-latency-p99", team="payments"))
    account.pagerduty.inject(*[Reply(503, {"status": "unavailable"})] * 4)  # every attempt of one send
    first = account.invoke("NotifyFunction", {"Records": [record]})
    # Every record of the batch failed: the invocation raises (handlers/notify.py), the message returns.
    assert first.error is not None and "PagerDuty answered 503" in first.error
    assert account.pagerduty.routing_key("payments") not in first.error + "".join(first.logs)
    assert len(first.slack_messages) == 1 and account.pagerduty.events == []  # Slack went out
    second = account.invoke("NotifyFunction", {"Records": [record]})  # the queue's redelivery
    assert second.response == {"batchItemFailures": []}
    assert second.slack_messages == []  # already done: skipped
    assert [e["event_action"] for e in account.pagerduty.events] == ["trigger"]
    statuses = [reply.status for _request, reply in account.pagerduty.requests]
    assert statuses == [503, 503, 503, 503, 202]
