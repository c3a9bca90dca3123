"""The doctor's pure parts: the stack's defaults, policy reading, secret shapes, exit codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from sagewatch.core.shared.places import WORK_LANES
from sagewatch_cli import doctor
from sagewatch_cli.doctor import Finding, Status

TEMPLATE = (Path(__file__).resolve().parents[3] / "template.yaml").read_text()


def test_the_doctor_checks_the_parameter_and_concurrency_the_template_uses() -> None:
    powertools = re.search(r"PowertoolsLayerArn:.*?Default: (\S+)", TEMPLATE, re.S)
    assert powertools is not None and powertools.group(1) == doctor.POWERTOOLS_PARAMETER
    assert re.findall(r"ReservedConcurrentExecutions: (\d+)", TEMPLATE) == []  # nothing reserved
    maxima = [int(m) for m in re.findall(r"MaximumConcurrency: (\d+)", TEMPLATE)]
    assert sum(maxima) == doctor.QUEUE_WORKER_CONCURRENCY_WITH_SPOKES
    # One account: NotifyFunction's maximum plus OnboardQueue's message groups of one place (FIFO).
    assert min(maxima) + WORK_LANES == doctor.QUEUE_WORKER_CONCURRENCY


@pytest.mark.parametrize(
    ("statement", "allowed"),
    [
        (
            {
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            },
            True,
        ),
        ({"Effect": "Allow", "Principal": {"Service": ["cloudwatch.amazonaws.com"]}, "Action": "kms:*"}, True),
        ({"Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"}, "Action": "kms:Decrypt"}, False),
        ({"Effect": "Deny", "Principal": {"Service": "cloudwatch.amazonaws.com"}, "Action": "kms:*"}, False),
        ({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*"}, False),
    ],
)
def test_key_policy_statements_that_let_cloudwatch_publish(statement: dict[str, object], allowed: bool) -> None:
    assert doctor._allows(statement, "cloudwatch.amazonaws.com", ("kms:Decrypt", "kms:GenerateDataKey")) is allowed


@pytest.mark.parametrize(
    ("value", "kind", "problem"),
    [
        ("https://hooks.slack.com/services/T/B/x", "webhook", None),
        ('{"url": "https://hooks.slack.com/services/T/B/x"}', "webhook", None),
        ('{"webhook_url": "https://hooks.slack.com/services/T/B/x"}', "webhook", None),
        ("hooks.slack.com/services/T/B/x", "webhook", "does not hold an http(s) webhook URL"),
        ('{"hook": "x"}', "webhook", "holds a JSON object without url or webhook_url"),
        ("{not json", "webhook", "looks like JSON but does not parse"),
        ("", "webhook", "holds no text value"),
        (None, "webhook", "holds no text value"),
        ("xoxb-1-2-abc", "bot token", None),
        ('{"token": "xoxb-1-2-abc"}', "bot token", None),
        ("abc", "bot token", "does not hold a Slack token (xoxb-...)"),
    ],
)
def test_secret_shapes(value: object, kind: str, problem: str | None) -> None:
    assert doctor._secret_shape_problem(value, kind) == problem


def test_exit_codes_and_report() -> None:
    ok = Finding(Status.OK, "a", "fine")
    warn = Finding(Status.WARN, "b", "unsure", "look")
    fail = Finding(Status.FAIL, "c", "broken", "mend it")
    assert doctor.exit_code([ok]) == 0
    assert doctor.exit_code([ok, warn]) == 3
    assert doctor.exit_code([warn, fail]) == 1
    text = doctor.report([ok, warn, fail])
    assert "[ ok ] a: fine" in text and "[FAIL] c: broken\n       fix: mend it" in text
    assert text.endswith("1 ok, 1 warning(s), 1 failure(s)")


def test_target_from_a_stack_reads_its_parameters_and_outputs() -> None:
    target = doctor.target_from_stack(
        "sagewatch",
        {
            "NamePrefix": "Watch",
            "SlackWebhookSecretName": "sagewatch/hook",
            "SlackBotTokenSecretName": "",
            "EmailSender": "a@example.com",
            "EmailRecipients": "b@example.com, c@example.com",
            "PowertoolsLayerArn": "/aws/service/powertools/python/arm64/python3.13/3.30.0",
        },
        {"AlertTopicArn": "arn:aws:sns:us-east-1:123456789012:t", "PolicyParameterName": "/sagewatch/policy"},
        found=True,
    )
    assert target.prefix == "Watch" and target.stack_found
    assert target.slack_webhook_secret == "sagewatch/hook" and target.slack_bot_secret is None
    assert target.email_recipients == ("b@example.com", "c@example.com")
    assert target.powertools_parameter.endswith("/3.30.0")
    assert target.alert_topic_arn == "arn:aws:sns:us-east-1:123456789012:t"
    assert target.policy_parameter == "/sagewatch/policy"


def _client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "..."}}, "GetAccountSettings")


def test_a_check_the_service_does_not_implement_is_an_emulator_gap_without_permission_advice() -> None:
    finding = doctor._could_not_check("lambda-concurrency", "the concurrency", _client_error("404"))
    assert finding.status is Status.WARN
    assert "does not implement it (404; an emulator gap, not a finding about the account)" in finding.what
    assert "permission" not in finding.fix


def test_only_access_denied_asks_for_a_permission() -> None:
    denied = doctor._could_not_check("ses", "SES", _client_error("AccessDeniedException"))
    assert "access denied (AccessDeniedException)" in denied.what and "grant the read permission" in denied.fix
    other = doctor._could_not_check("ses", "SES", _client_error("ThrottlingException"))
    assert other.what.endswith("ThrottlingException") and "permission" not in other.fix
