"""NotifyFunction end to end: SNS alarm notifications → enrichment from the emulated account →
Slack (fake, on loopback) and SES email, through the real boto3 and slack_sdk code paths."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sagewatch_emulator import EmulatedAccount, VariantSpec
from sagewatch_emulator.slack_blocks import validate_slack_message
from tests.integration.incident_support import told_alarm_first

pytestmark = pytest.mark.integration

EVENTS = Path(__file__).resolve().parents[2] / "events" / "notify"
FUNCTION = "NotifyFunction"
SECRET = "sagewatch/slack-webhook"
SENDER = "sagewatch@example.com"
ONCALL = "oncall@example.com"
# The samples say 03:12; the emulator only accepts log events near the real clock, so every
# test moves the sample's state change to "a minute ago" and puts its data around that time.
STATE_TIME = datetime.now(tz=UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)


def event(name: str, at: datetime = STATE_TIME) -> dict[str, Any]:
    sample = dict(json.loads((EVENTS / name).read_text()))
    message = json.loads(sample["Records"][0]["Sns"]["Message"])
    if "StateChangeTime" in message:
        message["StateChangeTime"] = at.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    if "time" in message:
        message["time"] = at.isoformat()
    sample["Records"][0]["Sns"]["Message"] = json.dumps(message)
    return sample


def with_message(name: str, **changes: Any) -> dict[str, Any]:
    sample = copy.deepcopy(event(name))
    message = json.loads(sample["Records"][0]["Sns"]["Message"])
    message.update(changes)
    sample["Records"][0]["Sns"]["Message"] = json.dumps(message)
    return sample


@pytest.fixture
def alerting() -> Iterator[EmulatedAccount]:
    parameters = {"SlackWebhookSecretName": SECRET, "EmailSender": SENDER, "EmailRecipients": ONCALL}
    with EmulatedAccount(parameters=parameters) as account:
        account.client("secretsmanager").create_secret(Name=SECRET, SecretString=account.slack_url)
        account.verify_email_identity(SENDER)
        account.create_endpoint("fraud-scorer", variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 2)])
        dims = {"EndpointName": "fraud-scorer", "VariantName": "AllTraffic"}
        latency = [120_000.0] * 50 + [900_000.0, 1_500_000.0, 1_840_213.0] + [1_700_000.0] * 7
        account.put_metric_series("AWS/SageMaker", "ModelLatency", dims, latency, end=STATE_TIME)
        account.put_metric_series("AWS/SageMaker", "Invocations", dims, [3000.0] * 60, end=STATE_TIME)
        account.put_metric_series(
            "AWS/SageMaker", "Invocation5XXErrors", dims, [0.0] * 55 + [150.0] * 5, end=STATE_TIME
        )
        account.put_metric_series("/aws/sagemaker/Endpoints", "CPUUtilization", dims, [240.0] * 60, end=STATE_TIME)
        account.put_log_lines(
            "/aws/sagemaker/Endpoints/fraud-scorer",
            [
                "INFO worker 3 started",
                "ERROR model inference timed out after 1800 ms",
                "Traceback (most recent call last): torch.cuda.OutOfMemoryError",
            ],
            at=STATE_TIME,
        )
        yield account


def slack_text(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)


def test_latency_alarm_becomes_one_actionable_slack_message_and_an_email(alerting: EmulatedAccount) -> None:
    result = alerting.invoke(FUNCTION, event("alarm-metric-latency-p99.json"))
    assert result.error is None, result.error
    assert len(result.slack_messages) == 1
    message = result.slack_messages[0]
    assert validate_slack_message(message) == []
    text = slack_text(message)
    assert message["text"]  # top-level fallback
    for expected in ("fraud-scorer", "AllTraffic", "1,840 ms", "250 ms", "Model latency p99", "CPU (per core)"):
        assert expected in text, expected
    assert "model inference timed out" in text  # recent error lines from the endpoint's logs
    assert "worker 3 started" not in text  # only error lines
    assert any(ch in text for ch in "▁▂▃▄▅▆▇█")  # sparklines
    buttons = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    urls = " ".join(b["url"] for b in buttons)
    assert "alarmsV2:alarm/SageWatch%2Ffraud-scorer" in urls
    assert "dashboards/dashboard/SageWatch_us-east-1_fraud-scorer" in urls
    assert "#/endpoints/fraud-scorer" in urls and "logsV2:log-groups" in urls
    # One GetMetricData for every series, one log read, one chart: three calls, nothing else.
    assert result.aws_calls.get("cloudwatch.GetMetricData") == 1
    assert result.aws_calls.get("logs.FilterLogEvents") == 1
    assert result.aws_calls.get("cloudwatch.GetMetricWidgetImage") == 1
    # An ALARM asks whether its endpoint is being deployed (docs/alerts.md, "Quiet hours and
    # deployments"): one DescribeEndpoint, concurrent with the reads above.
    assert result.aws_calls.get("sagemaker.DescribeEndpoint") == 1
    # One conditional write claims both destinations (Slack, email) and answers with their
    # incidents; the Slack request takes its channel's lease; one transaction settles both
    # destinations (incident opened, claims completed) and releases the lease (docs/delivery.md).
    dynamodb = {op: n for op, n in result.aws_calls.items() if op.startswith("dynamodb.")}
    assert dynamodb == {"dynamodb.UpdateItem": 2, "dynamodb.TransactWriteItems": 1}
    reads = {
        op: n for op, n in result.aws_calls.items() if not op.startswith(("secretsmanager.", "sesv2.", "dynamodb."))
    }
    assert sum(reads.values()) <= 4
    assert len(result.emails) == 1
    mail = result.emails[0]
    assert mail["to"] == [ONCALL] and "fraud-scorer" in mail["subject"]
    assert "1,840 ms" in mail["text"] and "1,840 ms" in mail["html"]
    assert "cid:alarm-chart" in mail["html"]
    assert any(a["content_type"] == "image/png" and a["content_id"] == "alarm-chart" for a in mail["attachments"])


def test_ok_says_resolved_and_how_long_it_lasted(alerting: EmulatedAccount) -> None:
    cloudwatch = alerting.client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName="SageWatch/fraud-scorer/AllTraffic/model-latency-p99",
        Namespace="AWS/SageMaker",
        MetricName="ModelLatency",
        ExtendedStatistic="p99",
        Dimensions=[{"Name": "EndpointName", "Value": "fraud-scorer"}, {"Name": "VariantName", "Value": "AllTraffic"}],
        Period=60,
        EvaluationPeriods=5,
        Threshold=250000.0,
        ComparisonOperator="GreaterThanThreshold",
    )
    cloudwatch.set_alarm_state(
        AlarmName="SageWatch/fraud-scorer/AllTraffic/model-latency-p99", StateValue="ALARM", StateReason="test"
    )
    later = datetime.now(tz=UTC) + timedelta(minutes=14)
    told_alarm_first(alerting, event("ok-metric-latency-p99.json", at=later), SECRET)
    result = alerting.invoke(FUNCTION, event("ok-metric-latency-p99.json", at=later))
    assert result.error is None, result.error
    message = result.slack_messages[0]
    assert validate_slack_message(message) == []
    text = slack_text(message)
    assert "Resolved" in text or "resolved" in text
    assert "lasted" in text
    assert "cloudwatch.GetMetricWidgetImage" not in result.aws_calls  # no chart for a resolution
    assert "logs.FilterLogEvents" not in result.aws_calls


SPARK = "▁▂▃▄▅▆▇█"
# sample → (text the Slack message must contain, is it about an endpoint, has sparklines)
KINDS: dict[str, tuple[tuple[str, ...], bool, bool]] = {
    "alarm-math-5xx-rate.json": (("llm-chat", "gpu-a10g", "12.5 %", "&gt; 5 %", "5XX error rate"), True, False),
    "ok-math-5xx-rate.json": (("llm-chat", "gpu-a10g", "Resolved", "5XX error rate"), True, False),
    "alarm-anomaly-invocations.json": (
        ("fraud-scorer", "AllTraffic", "98,211", "band", "ANOMALY_DETECTION_BAND"),
        True,
        True,
    ),
    "ok-anomaly-invocations.json": (("fraud-scorer", "AllTraffic", "Resolved"), True, False),  # OK is short
    "alarm-composite.json": (("fraud-scorer-degraded", "fraud-scorer", "Rule", "model-latency-p99"), True, True),
    "ok-composite-no-children.json": (("fraud-scorer-degraded", "Resolved"), False, False),
    "insufficient-data-metric.json": (("fraud-scorer", "AllTraffic", "Model latency p99", "&gt; 250 ms"), True, True),
    "alarm-generic-ec2.json": (("web-01 high CPU", "AWS/EC2", "93.4", "80"), False, False),
    "ok-generic-ec2.json": (("web-01 high CPU", "Resolved"), False, False),
    "endpoint-failed.json": (("image-embedder", "failed", "ping health check"), True, False),
    "monitoring-run-violations.json": (("churn-v2", "churn-v2-data-quality", "DataQuality"), True, False),
    "alarm-legacy-body.json": (("fraud-scorer", "AllTraffic", "1,840 ms", "250 ms", "eu-west-1"), True, True),
}


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_alarm_kind_is_delivered_within_slack_limits(alerting: EmulatedAccount, name: str) -> None:
    expected, about_endpoint, sparklines = KINDS[name]
    if name.startswith("ok-"):  # about rendering the OK: its ALARM was told first
        told_alarm_first(alerting, event(name), SECRET)
    result = alerting.invoke(FUNCTION, event(name))
    assert result.error is None, result.error
    assert len(result.slack_messages) == 1
    message = result.slack_messages[0]
    assert validate_slack_message(message) == []
    assert message["text"]
    text = slack_text(message)
    for fragment in expected:
        assert fragment in text, fragment
    urls = [e["url"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    if about_endpoint:
        assert any("sagemaker/home" in u and "#/endpoints/" in u for u in urls)
        assert any("logsV2:log-groups" in u for u in urls)
    else:
        assert not any("#/endpoints/" in u for u in urls)
    assert any(ch in text for ch in SPARK) is sparklines
    assert len(result.emails) == 1
    mail = result.emails[0]
    assert mail["text"] and mail["html"] and mail["subject"]
    assert "<script" not in mail["html"]
    assert expected[0].replace("&gt;", ">") in mail["text"]


def test_an_ok_whose_alarm_was_never_told_tells_nobody(alerting: EmulatedAccount) -> None:
    result = alerting.invoke(FUNCTION, event("ok-metric-latency-p99.json"))
    assert result.error is None, result.error
    assert result.slack_messages == [] and result.emails == []
    [outcome] = result.response["results"]
    assert len(outcome["suppressed"]) == 2 and all("no ALARM was told" in s for s in outcome["suppressed"])


def test_math_alarm_shows_the_rate_and_the_endpoint(alerting: EmulatedAccount) -> None:
    alerting.create_endpoint("llm-chat", variants=[VariantSpec("gpu-a10g", "ml.g5.12xlarge", 1)])
    text = slack_text(alerting.invoke(FUNCTION, event("alarm-math-5xx-rate.json")).slack_messages[0])
    for expected in ("llm-chat", "gpu-a10g", "12.5 %", "5 %", "5XX error rate"):
        assert expected in text, expected


def test_non_sagemaker_alarm_is_delivered_generically(alerting: EmulatedAccount) -> None:
    result = alerting.invoke(FUNCTION, event("alarm-generic-ec2.json"))
    text = slack_text(result.slack_messages[0])
    assert "web-01 high CPU" in text and "AWS/EC2" in text
    assert "Endpoint" not in [
        f.get("text", "").split("*")[1]
        for b in result.slack_messages[0]["blocks"]
        for f in b.get("fields", [])
        if "*" in f.get("text", "")
    ]
    assert "logs.FilterLogEvents" not in result.aws_calls


def test_hostile_description_cannot_ping_or_forge_links_and_is_truncated(alerting: EmulatedAccount) -> None:
    hostile = "<!channel> <!here> <@U123ABC> <https://evil.example|click here> & <script>alert(1)</script> " * 200
    assert len(hostile) > 12_000
    sample = with_message("alarm-metric-latency-p99.json", AlarmDescription=hostile)
    result = alerting.invoke(FUNCTION, sample)
    assert result.error is None, result.error
    message = result.slack_messages[0]
    assert validate_slack_message(message) == []
    raw = slack_text(message)
    for forbidden in ("<!channel>", "<!here>", "<@U123ABC>", "<https://evil"):
        assert forbidden not in raw
    assert "…" in raw
    html = result.emails[0]["html"]
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_enrichment_failure_never_blocks_delivery(alerting: EmulatedAccount) -> None:
    alerting.inject_fault("cloudwatch", "GetMetricData", code="AccessDeniedException", message="no", times=10)
    alerting.inject_fault("logs", "FilterLogEvents", code="AccessDeniedException", message="no", times=10)
    result = alerting.invoke(FUNCTION, event("alarm-metric-latency-p99.json"))
    assert result.error is None, result.error
    text = slack_text(result.slack_messages[0])
    assert "metrics unavailable" in text and "log lines unavailable" in text
    assert "1,840 ms" in text  # the value from the alarm itself still shows


def test_malformed_notifications_are_clear_errors_and_still_reach_people(alerting: EmulatedAccount) -> None:
    not_json = event("alarm-metric-latency-p99.json")
    not_json["Records"][0]["Sns"]["Message"] = "this is not json {"
    no_name = with_message("alarm-metric-latency-p99.json")
    message = json.loads(no_name["Records"][0]["Sns"]["Message"])
    del message["AlarmName"]
    no_name["Records"][0]["Sns"]["Message"] = json.dumps(message)
    bad_threshold = with_message("alarm-generic-ec2.json")
    message = json.loads(bad_threshold["Records"][0]["Sns"]["Message"])
    message["Trigger"]["Threshold"] = "eighty"
    bad_threshold["Records"][0]["Sns"]["Message"] = json.dumps(message)
    for index, (sample, error) in enumerate(
        (
            (not_json, "Message is not JSON"),
            (no_name, "AlarmName is missing"),
            (bad_threshold, "Trigger.Threshold must be a number, got 'eighty'"),
        )
    ):
        # Three different notifications: each needs its own MessageId (one message per MessageId).
        sample["Records"][0]["Sns"]["MessageId"] = f"malformed-{index}"
        result = alerting.invoke(FUNCTION, sample)
        assert result.error is None
        assert result.response["results"][0]["outcome"] == "invalid"
        assert error in result.response["results"][0]["error"]
        assert any(error in line for line in result.logs)
        assert len(result.slack_messages) == 1  # never a lost alert
        assert "cannot read" in slack_text(result.slack_messages[0])


def test_an_older_notification_body_is_an_alarm_with_its_endpoint_region_and_human_units(
    alerting: EmulatedAccount,
) -> None:
    # No AlarmArn, no action lists, Unit "", "- TreatMissingData:   missing", Region "EU (Ireland)".
    result = alerting.invoke(FUNCTION, event("alarm-legacy-body.json"))
    assert result.error is None, result.error
    assert result.response["results"][0]["outcome"] != "invalid"
    [message] = result.slack_messages
    assert validate_slack_message(message) == []
    header = next(b["text"]["text"] for b in message["blocks"] if b["type"] == "header")
    assert header.startswith("🔴 ALARM") and "fraud-scorer / AllTraffic" in header
    text = slack_text(message)
    assert "cannot read" not in text and "Insufficient data" not in text
    assert '\\"Trigger\\"' not in text and "TreatMissingData" not in text  # no raw JSON
    urls = " ".join(e["url"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/" in urls
    assert "#/endpoints/fraud-scorer" in urls
    assert "[1,840 ms (22/11/19 15:42:00), 1,502 ms (22/11/19 15:41:00), 990 ms (22/11/19 15:40:00)]" in text
    assert "the threshold (250 ms)" in text and "1840213.0" not in text
    mail = result.emails[0]
    assert "ALARM" in mail["subject"] and "fraud-scorer" in mail["subject"]
    assert "1,840 ms (22/11/19 15:42:00)" in mail["text"] and "eu-west-1" in mail["text"]


def test_an_unreadable_alarm_is_still_an_alarm_and_shows_fields_not_json(alerting: EmulatedAccount) -> None:
    sample = with_message("alarm-metric-latency-p99.json")
    message = json.loads(sample["Records"][0]["Sns"]["Message"])
    message["Trigger"]["Threshold"] = "high"
    sample["Records"][0]["Sns"]["Message"] = json.dumps(message)
    result = alerting.invoke(FUNCTION, sample)
    assert result.error is None, result.error
    assert result.response["results"][0]["outcome"] == "invalid"
    [slack] = result.slack_messages
    assert validate_slack_message(slack) == []
    header = next(b["text"]["text"] for b in slack["blocks"] if b["type"] == "header")
    assert header.startswith("🔴 ALARM") and "cannot read" in header
    text = slack_text(slack)
    assert "AlarmName: SageWatch/fraud-scorer/AllTraffic/model-latency-p99" in text
    assert "Trigger.Threshold: high" in text
    for raw in ('\\"AlarmName\\"', '\\"Trigger\\"', "AlarmConfigurationUpdatedTimestamp"):
        assert raw not in text, raw  # the raw JSON, as it would appear inside the payload
    mail = result.emails[0]
    assert "AlarmConfigurationUpdatedTimestamp" not in mail["text"] and '"AlarmName"' not in mail["text"]


def test_endpoint_tags_route_alerts_to_their_own_destinations(alerting: EmulatedAccount) -> None:
    alerting.client("secretsmanager").create_secret(
        Name="sagewatch/team-fraud", SecretString=json.dumps({"url": alerting.slack.webhook_url("team-fraud")})
    )
    alerting.verify_email_identity("fraud-team@example.com")
    alerting.create_endpoint(
        "fraud-v2",
        variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 1)],
        tags={"sagewatch:slack-webhook-secret": "sagewatch/team-fraud", "sagewatch:email": "fraud-team@example.com"},
    )
    onboard = alerting.invoke(
        "OnboardFunction",
        {
            "source": "aws.sagemaker",
            "detail-type": "SageMaker Endpoint State Change",
            "region": "us-east-1",
            "detail": {"EndpointName": "fraud-v2", "EndpointStatus": "IN_SERVICE"},
        },
    )
    assert onboard.error is None
    alarm = alerting.client("cloudwatch").describe_alarms(
        AlarmNames=["SageWatch/fraud-v2/AllTraffic/model-latency-p99"]
    )["MetricAlarms"][0]
    sample = with_message(
        "alarm-metric-latency-p99.json",
        AlarmName=alarm["AlarmName"],
        AlarmArn=alarm["AlarmArn"],
        AlarmDescription=alarm["AlarmDescription"],
    )
    result = alerting.invoke(FUNCTION, sample)
    assert result.error is None, result.error
    channels = [p.channel for p in alerting.slack.requests]
    assert channels[-1] == "team-fraud"
    assert result.emails[0]["to"] == ["fraud-team@example.com"]


def test_failed_endpoint_alert_travels_the_same_path(alerting: EmulatedAccount) -> None:
    sqs = alerting.client("sqs")
    queue = sqs.create_queue(QueueName="tap")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    alerting.client("sns").subscribe(TopicArn=alerting.physical_id("AlertTopic"), Protocol="sqs", Endpoint=queue_arn)
    failed = json.loads((EVENTS.parent / "onboard" / "failed.json").read_text())
    onboard = alerting.invoke("OnboardFunction", failed)
    assert onboard.error is None and onboard.response["outcome"] == "failed"
    assert onboard.aws_calls.get("sns.Publish") == 1
    body = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"][0]["Body"]
    sns_record = {"EventSource": "aws:sns", "Sns": json.loads(body)}
    result = alerting.invoke(FUNCTION, {"Records": [sns_record]})
    assert result.error is None, result.error
    text = slack_text(result.slack_messages[0])
    assert "image-embedder" in text and "failed" in text and "ping health check" in text


def test_slack_down_fails_the_invocation_so_it_is_retried(alerting: EmulatedAccount) -> None:
    from sagewatch_emulator.fake_slack import SlackReply

    alerting.slack.policies.append(lambda post: SlackReply(500, "internal_error"))
    # Every retry waits Slack's interval (one second): scaled down, as the delivery tests do.
    scaled = {"SAGEWATCH_SLACK_MIN_INTERVAL_SECONDS": "0.05"}
    result = alerting.invoke(FUNCTION, event("alarm-metric-latency-p99.json"), environment=scaled)
    assert result.error is not None and "not delivered" in result.error
    assert alerting.slack_url not in result.error  # the webhook URL is a secret


def test_an_alert_without_email_builds_only_the_clients_it_calls(constructed_clients: list[str]) -> None:
    # Slack only: the alert reads CloudWatch and Logs, the webhook secret, and records its delivery
    # and incident in DynamoDB, and asks SageMaker whether the endpoint is being deployed (an ALARM:
    # one DescribeEndpoint, its client built in an enrichment thread, ~30 ms once per environment).
    # No SES client (email is not configured), no SQS (nothing is held), no S3 (no Model Monitor report).
    with EmulatedAccount(parameters={"SlackWebhookSecretName": SECRET}) as account:
        account.client("secretsmanager").create_secret(Name=SECRET, SecretString=account.slack_url)
        account.create_endpoint("fraud-scorer", variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 2)])
        dims = {"EndpointName": "fraud-scorer", "VariantName": "AllTraffic"}
        account.put_metric_series("AWS/SageMaker", "ModelLatency", dims, [1_700_000.0] * 10, end=STATE_TIME)
        constructed_clients.clear()
        result = account.invoke(FUNCTION, event("alarm-metric-latency-p99.json"))
        assert result.error is None, result.error
        assert len(result.slack_messages) == 1 and result.emails == []
        assert sorted(constructed_clients) == ["cloudwatch", "dynamodb", "logs", "sagemaker", "secretsmanager"]
