"""The Slack webhook URL is a secret: it must never appear in logs, responses, errors, Slack or
email payloads — not even at DEBUG level and not when delivery fails."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sagewatch_emulator import EmulatedAccount, Invocation, VariantSpec
from sagewatch_emulator.fake_slack import SlackReply

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SECRET_NAME = "sagewatch/slack-webhook"
TOKEN = "T0SAGEWATCH/B0HYGIENE/s3cr3tW3bh00kT0k3nZZ"
# Slack's one message per second per channel, scaled down at the fake and in the function's
# pacing (tests/integration/delivery_support.py): what is checked here is what the payloads say.
SLACK_INTERVAL = 0.05
SCALED_PACE = {"SAGEWATCH_SLACK_MIN_INTERVAL_SECONDS": f"{SLACK_INTERVAL * 1.2:g}"}


@pytest.fixture
def account() -> Iterator[EmulatedAccount]:
    parameters = {
        "SlackWebhookSecretName": SECRET_NAME,
        "EmailSender": "sagewatch@example.com",
        "EmailRecipients": "oncall@example.com",
        "LogLevel": "DEBUG",
    }
    with EmulatedAccount(parameters=parameters) as emulated:
        url = emulated.slack_url.rsplit("/services/", 1)[0] + f"/services/{TOKEN}"
        emulated.client("secretsmanager").create_secret(Name=SECRET_NAME, SecretString=url)
        emulated.slack.rate_limit_interval = SLACK_INTERVAL
        emulated.verify_email_identity("sagewatch@example.com")
        emulated.create_endpoint("fraud-scorer", variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 1)])
        emulated.create_endpoint(
            "llm-chat",
            variants=[VariantSpec("gpu-a10g", "ml.g5.12xlarge", 1), VariantSpec("cpu-canary", "ml.c5.2xlarge", 1)],
        )
        yield emulated


def captured(invocation: Invocation) -> str:
    parts: list[Any] = [
        invocation.response,
        invocation.error,
        invocation.logs,
        invocation.slack_messages,
        invocation.emails,
        getattr(invocation, "error_traceback", None),
    ]
    return json.dumps(parts, default=str)


def assert_clean(invocation: Invocation) -> None:
    text = captured(invocation)
    assert TOKEN not in text
    assert "s3cr3tW3bh00kT0k3n" not in text


def test_no_function_leaks_the_webhook_url(account: EmulatedAccount) -> None:
    invocations = []
    for sample in sorted((ROOT / "events" / "onboard").glob("*.json")):
        invocations.append(account.invoke("OnboardFunction", json.loads(sample.read_text())))
    for sample in sorted((ROOT / "events" / "notify").glob("*.json")):
        invocations.append(account.invoke("NotifyFunction", json.loads(sample.read_text()), environment=SCALED_PACE))
    assert any(inv.slack_messages for inv in invocations)  # the secret was really used
    assert any(line for inv in invocations for line in inv.logs)  # and logs were captured
    for invocation in invocations:
        assert_clean(invocation)


def test_failed_delivery_does_not_leak_it_either(account: EmulatedAccount) -> None:
    account.slack.policies.append(lambda post: SlackReply(500, f"internal_error for {post.path}"))
    sample = json.loads((ROOT / "events" / "notify" / "alarm-metric-latency-p99.json").read_text())
    invocation = account.invoke("NotifyFunction", sample, environment=SCALED_PACE)
    assert invocation.error is not None  # delivery failed, so the notification is retried
    assert_clean(invocation)


def test_secret_value_is_not_in_the_environment_or_template(account: EmulatedAccount) -> None:
    environment = account.function_environment("NotifyFunction")
    assert TOKEN not in json.dumps(environment)
    assert environment["SAGEWATCH_SLACK_WEBHOOK_SECRET"] == SECRET_NAME
    assert "hooks.slack.com/services/" not in (ROOT / "template.yaml").read_text()
