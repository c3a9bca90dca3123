"""Deployments, end to end in the emulated account: UPDATING holds the alarms a deployment moves
with a mute rule (errors and latency never), and an ALARM of an endpoint being deployed says so
and since when (docs/alerts.md, "Quiet hours and deployments")."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sagewatch_emulator import EmulatedAccount, VariantSpec

pytestmark = pytest.mark.integration

EVENTS = Path(__file__).resolve().parents[2] / "events"
SECRET = "sagewatch/slack-webhook"
ENDPOINT = "fraud-scorer"
STATE_TIME = datetime.now(tz=UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)


@pytest.fixture
def deployed() -> Iterator[EmulatedAccount]:
    with EmulatedAccount(parameters={"SlackWebhookSecretName": SECRET}) as account:
        account.client("secretsmanager").create_secret(Name=SECRET, SecretString=account.slack_url)
        account.create_endpoint(ENDPOINT, variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 2)])
        assert account.invoke("OnboardFunction", state_change("IN_SERVICE")).error is None
        yield account


def state_change(status: str, at: datetime = STATE_TIME) -> dict[str, Any]:
    event = json.loads((EVENTS / "onboard" / "updating.json").read_text())
    event["detail"]["EndpointStatus"] = status
    event["time"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return dict(event)


def test_updating_holds_the_alarms_a_deployment_moves_and_never_errors_or_latency(deployed: EmulatedAccount) -> None:
    result = deployed.invoke("OnboardFunction", state_change("UPDATING"))
    assert result.error is None, result.error
    assert result.response["outcome"] == "held"
    assert result.aws_calls.get("cloudwatch.PutAlarmMuteRule") == 1
    cloudwatch = deployed.client("cloudwatch")
    rule = cloudwatch.get_alarm_mute_rule(AlarmMuteRuleName=f"SageWatch-deploy-{ENDPOINT}")
    assert rule["Rule"]["Schedule"]["Expression"] == f"at({STATE_TIME:%Y-%m-%dT%H:%M})"
    assert rule["Rule"]["Schedule"]["Duration"] == "PT30M"
    held = {name.rsplit("/", 1)[1] for name in rule["MuteTargets"]["AlarmNames"]}
    assert held == {"cpu-utilization", "memory-utilization", "disk-utilization"}
    alarms = cloudwatch.describe_alarms(AlarmNamePrefix=f"SageWatch/{ENDPOINT}/")["MetricAlarms"]
    everything = {a["AlarmName"].rsplit("/", 1)[1] for a in alarms}
    assert {"invocation-5xx-rate", "invocation-4xx-rate", "model-latency-p99"} <= everything - held

    again = deployed.invoke("OnboardFunction", state_change("UPDATING", STATE_TIME + timedelta(hours=2)))
    assert again.response["outcome"] == "held"  # a new deployment replaces the window
    rules = cloudwatch.list_alarm_mute_rules()["AlarmMuteRuleSummaries"]
    assert len(rules) == 1


def test_an_alarm_during_a_deployment_says_so_and_since_when(deployed: EmulatedAccount) -> None:
    from moto.sagemaker.models import sagemaker_backends

    endpoint = sagemaker_backends[deployed.account_id][deployed.region].endpoints[ENDPOINT]
    endpoint.endpoint_status = "Updating"  # the emulator's UpdateEndpoint is instant; SageMaker's is not
    endpoint.last_modified_time = STATE_TIME
    sample = json.loads((EVENTS / "notify" / "alarm-metric-latency-p99.json").read_text())
    message = json.loads(sample["Records"][0]["Sns"]["Message"])
    message["StateChangeTime"] = STATE_TIME.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    sample["Records"][0]["Sns"]["Message"] = json.dumps(message)
    result = deployed.invoke("NotifyFunction", sample)
    assert result.error is None, result.error
    text = json.dumps(result.slack_messages[-1])
    assert "Deployment" in text
    assert f"Deployment in progress since {STATE_TIME:%Y-%m-%d %H:%M} UTC (endpoint Updating)" in text
    assert result.aws_calls.get("sagemaker.DescribeEndpoint") == 1


def test_update_rollback_failed_is_reported_like_a_failure(deployed: EmulatedAccount) -> None:
    event = state_change("UPDATE_ROLLBACK_FAILED")
    event["detail"]["FailureReason"] = "Both the rolling deployment and auto-rollback failed."
    result = deployed.invoke("OnboardFunction", event)
    assert result.error is None, result.error
    assert result.response["outcome"] == "failed"
    assert result.aws_calls.get("sns.Publish") == 1
