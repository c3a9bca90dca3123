"""SageMaker AI Insights linked, end to end: an endpoint config with detailed observability onboards
with the link on its dashboard, and an alarm of that endpoint reaches Slack and email with it; an
endpoint config that switched it off gets neither. The emulator keeps MetricsConfig (moto 5.2.5
drops it), so DescribeEndpointConfig answers as SageMaker does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sagewatch_emulator import EmulatedAccount, VariantSpec

pytestmark = pytest.mark.integration

EVENTS = Path(__file__).resolve().parents[2] / "events" / "notify"
SECRET = "sagewatch/slack-webhook"
SENDER = "sagewatch@example.com"
LABEL = "SageMaker endpoint · AI Insights"  # the endpoint link, saying its page holds the view
STATE_TIME = datetime.now(tz=UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)


@pytest.fixture
def alerting() -> Iterator[EmulatedAccount]:
    parameters = {"SlackWebhookSecretName": SECRET, "EmailSender": SENDER, "EmailRecipients": "oncall@example.com"}
    with EmulatedAccount(parameters=parameters) as account:
        account.client("secretsmanager").create_secret(Name=SECRET, SecretString=account.slack_url)
        account.verify_email_identity(SENDER)
        variants = [VariantSpec("AllTraffic", "ml.g5.xlarge", 1)]
        account.create_endpoint("llm-chat", variants=variants, detailed_observability=True)
        account.create_endpoint("llm-legacy", variants=variants, detailed_observability=False)
        yield account


def onboard(account: EmulatedAccount, endpoint: str) -> dict[str, Any]:
    result = account.invoke(
        "OnboardFunction",
        {
            "source": "aws.sagemaker",
            "detail-type": "SageMaker Endpoint State Change",
            "region": account.region,
            "detail": {"EndpointName": endpoint, "EndpointStatus": "IN_SERVICE"},
        },
    )
    assert result.error is None, result.error
    body = account.client("cloudwatch").get_dashboard(DashboardName=f"SageWatch_{account.region}_{endpoint}")
    return dict(json.loads(body["DashboardBody"]))


def alarm_notification(account: EmulatedAccount, endpoint: str) -> dict[str, Any]:
    """The latency sample, re-addressed to ``endpoint``'s real alarm (with its real description)."""
    alarm = account.client("cloudwatch").describe_alarms(
        AlarmNames=[f"SageWatch/{endpoint}/AllTraffic/model-latency-p99"]
    )["MetricAlarms"][0]
    sample = dict(json.loads((EVENTS / "alarm-metric-latency-p99.json").read_text()))
    message = json.loads(sample["Records"][0]["Sns"]["Message"])
    message.update(
        AlarmName=alarm["AlarmName"],
        AlarmArn=alarm["AlarmArn"],
        AlarmDescription=alarm["AlarmDescription"],
        StateChangeTime=STATE_TIME.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
    )
    for dimension in message["Trigger"]["Dimensions"]:
        if dimension["name"] == "EndpointName":
            dimension["value"] = endpoint
    sample["Records"][0]["Sns"]["Message"] = json.dumps(message)
    sample["Records"][0]["Sns"]["MessageId"] = f"insights-{endpoint}"
    return sample


def test_the_emulator_describes_metrics_config_as_sagemaker_does(alerting: EmulatedAccount) -> None:
    sagemaker = alerting.client("sagemaker")
    for endpoint, expected in (("llm-chat", True), ("llm-legacy", False)):
        config = sagemaker.describe_endpoint(EndpointName=endpoint)["EndpointConfigName"]
        described = sagemaker.describe_endpoint_config(EndpointConfigName=config)
        assert described["MetricsConfig"]["EnableDetailedObservability"] is expected
    # No MetricsConfig sent: a config created now is a new one, on by default.
    alerting.create_endpoint("llm-default", variants=[VariantSpec("AllTraffic", "ml.g5.xlarge", 1)])
    config = sagemaker.describe_endpoint(EndpointName="llm-default")["EndpointConfigName"]
    assert sagemaker.describe_endpoint_config(EndpointConfigName=config)["MetricsConfig"] == {
        "EnableDetailedObservability": True
    }


def test_an_endpoint_with_detailed_observability_links_to_ai_insights_from_dashboard_and_alerts(
    alerting: EmulatedAccount,
) -> None:
    header = onboard(alerting, "llm-chat")["widgets"][0]["properties"]["markdown"]
    page = (
        f"https://{alerting.region}.console.aws.amazon.com/sagemaker/home?region={alerting.region}#/endpoints/llm-chat"
    )
    assert f"[{LABEL}]({page})" in header and header.count(page) == 1

    result = alerting.invoke("NotifyFunction", alarm_notification(alerting, "llm-chat"))
    assert result.error is None, result.error
    message = result.slack_messages[-1]
    buttons = {e["text"]["text"]: e["url"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]}
    assert buttons[LABEL] == page and list(buttons.values()).count(page) == 1
    assert f"{LABEL}: {page}" in result.emails[-1]["text"]
    assert LABEL in result.emails[-1]["html"]
    # Known from the alarm's description: the alert path's only SageMaker call is the deployment
    # status every ALARM asks for (docs/alerts.md, "Quiet hours and deployments").
    assert [op for op in result.aws_calls if op.startswith("sagemaker.")] == ["sagemaker.DescribeEndpoint"]


def test_an_endpoint_that_switched_it_off_gets_no_ai_insights_link(alerting: EmulatedAccount) -> None:
    header = onboard(alerting, "llm-legacy")["widgets"][0]["properties"]["markdown"]
    assert "AI Insights" not in header
    result = alerting.invoke("NotifyFunction", alarm_notification(alerting, "llm-legacy"))
    assert result.error is None, result.error
    assert "AI Insights" not in json.dumps(result.slack_messages[-1], ensure_ascii=False)
    assert "AI Insights" not in result.emails[-1]["text"]
