"""An alarm notification from a spoke reaches the hub's Slack naming the account (its alias,
with its ID) and region, enriched through the spoke role in that account-region, with console
links that say which account they open and the switch-role link. The hub's own alerts are
unchanged (tests/integration/test_notify.py). Against the emulated account's moto server, where
an assumed role's credentials act in the role's account."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sagewatch_emulator import EmulatedAccount
from tests.integration.test_spokes import EXTERNAL_ID, SPOKE, WEST, spoke_client

pytestmark = pytest.mark.integration

EVENTS = Path(__file__).resolve().parents[2] / "events" / "notify"
SECRET = "sagewatch/slack-webhook"
STATE_TIME = datetime.now(tz=UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
ALARM = "SageWatch/fraud-scorer/AllTraffic/model-latency-p99"


@pytest.fixture
def hub() -> Iterator[EmulatedAccount]:
    parameters = {
        "SlackWebhookSecretName": SECRET,
        "SpokeAccountIds": SPOKE,
        "SpokeExternalId": EXTERNAL_ID,
        "SpokeConsoleRoleName": "OnCall",
    }
    with EmulatedAccount(parameters=parameters) as account:
        account.client("secretsmanager").create_secret(Name=SECRET, SecretString=account.slack_url)
        yield account


def spoke_alarm(account: str, region: str) -> dict[str, Any]:
    """The sample latency alarm, as CloudWatch sends it from ``account`` in ``region``."""
    sample = dict(json.loads((EVENTS / "alarm-metric-latency-p99.json").read_text()))
    message = json.loads(sample["Records"][0]["Sns"]["Message"])
    topic = f"arn:aws:sns:{region}:{account}:SageWatch-spoke-alerts"
    message |= {
        "AWSAccountId": account,
        "Region": "Europe (Ireland)" if region == WEST else message["Region"],
        "AlarmArn": f"arn:aws:cloudwatch:{region}:{account}:alarm:{ALARM}",
        "StateChangeTime": STATE_TIME.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "AlarmActions": [topic],
        "OKActions": [topic],
    }
    sample["Records"][0]["Sns"]["Message"] = json.dumps(message)
    sample["Records"][0]["Sns"]["TopicArn"] = topic
    return sample


def test_a_spoke_alarm_names_its_account_and_region_and_is_read_in_the_spoke(hub: EmulatedAccount) -> None:
    spoke_client(hub, "iam", WEST).create_account_alias(AccountAlias="prod-ml")
    result = hub.invoke("NotifyFunction", spoke_alarm(SPOKE, WEST))
    assert result.error is None, result.error
    [message] = result.slack_messages
    text = json.dumps(message, ensure_ascii=False)
    assert f"eu-west-1 / prod-ml ({SPOKE})" in text
    buttons = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    labels = [b["text"]["text"] for b in buttons]
    assert labels[0] == f"Switch role to prod-ml ({SPOKE})"
    assert "signin.aws.amazon.com/switchrole?account=222222222222&roleName=OnCall" in buttons[0]["url"]
    assert all(label.endswith(f"in prod-ml ({SPOKE})") for label in labels[1:])
    # Read in the spoke: the role assumed (once), the alias read there, the metrics read there.
    assert result.aws_calls["sts.AssumeRole"] == 1
    assert result.aws_calls["iam.ListAccountAliases"] == 1
    assert result.aws_calls.get("cloudwatch.GetMetricData") == 1


def test_a_spoke_without_an_alias_is_named_by_its_id(hub: EmulatedAccount) -> None:
    result = hub.invoke("NotifyFunction", spoke_alarm(SPOKE, WEST))
    assert result.error is None, result.error
    [message] = result.slack_messages
    text = json.dumps(message, ensure_ascii=False)
    assert f"eu-west-1 / {SPOKE}" in text
    assert f"Alarm in {SPOKE}" in text
