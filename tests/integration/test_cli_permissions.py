"""The read permissions docs/deploy.md lists for `sagewatch backtest` and `sagewatch doctor` are
exactly the calls the commands make.

Both commands run here in the emulated account through their real code, every AWS call they
make is recorded (botocore's client, whatever the command built it from), and each call is
mapped to the IAM action that authorizes it (the operation's name under the service's IAM
prefix: "Actions, resources, and condition keys" of the Service Authorization Reference). The
scenario takes every path that makes a call of its own: a stack name, both Slack secrets, SES
sender and recipient, the alert topic's key, the fleet policy parameter, an endpoint with a
Model Monitor schedule and drift metrics, and an inference-component endpoint. A documented
action the commands never call fails the test as surely as a call the documents forgot: a role
built from the list must neither fail (exit 5) nor grant more than needed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import botocore.client
import pytest

from sagewatch_cli import doctor
from sagewatch_cli import main as cli
from sagewatch_emulator import ComponentSpec, EmulatedAccount, VariantSpec

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
SECRET, BOT_SECRET = "sagewatch/slack-webhook", "sagewatch/slack-bot"
SENDER, ONCALL = "alerts@example.com", "oncall@example.com"
# boto3's service name → the IAM prefix of its actions, where they differ.
IAM_PREFIX = {"sesv2": "ses", "monitoring": "cloudwatch"}


@contextmanager
def recorded_actions() -> Iterator[set[str]]:
    """Every AWS call made in this process meanwhile, as ``<iam prefix>:<Operation>``."""
    calls: set[str] = set()
    client_class = botocore.client.BaseClient
    original: Callable[..., Any] = vars(client_class)["_make_api_call"]

    def record(self: Any, operation_name: str, api_params: Any) -> Any:
        service = self.meta.service_model.service_name
        calls.add(f"{IAM_PREFIX.get(service, service)}:{operation_name}")
        return original(self, operation_name, api_params)

    setattr(client_class, "_make_api_call", record)  # noqa: B010 - botocore declares it privately
    try:
        yield calls
    finally:
        setattr(client_class, "_make_api_call", original)  # noqa: B010


def documented(command: str) -> set[str]:
    """The IAM actions of the policy docs/deploy.md gives for ``command`` (its JSON block)."""
    text = DEPLOY_DOC.read_text(encoding="utf-8")
    match = re.search(rf"<!-- permissions: {command} -->\s*```json\n(.*?)```", text, re.DOTALL)
    assert match, f"docs/deploy.md has no policy block for {command}"
    policy = json.loads(match.group(1))
    return {action for statement in policy["Statement"] for action in statement["Action"]}


def documented_doctor_table() -> set[str]:
    """The IAM actions of the "read calls" column of the doctor's checks table."""
    text = DEPLOY_DOC.read_text(encoding="utf-8")
    section = text.split("## Check the account: `sagewatch doctor`", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| check")]
    return {action for row in rows for action in re.findall(r"`([a-z0-9-]+:[A-Za-z]+)`", row.split(" | ")[1])}


@pytest.fixture(scope="module")
def account() -> Iterator[EmulatedAccount]:
    parameters = {"SlackWebhookSecretName": SECRET, "EmailSender": SENDER, "EmailRecipients": ONCALL}
    with EmulatedAccount(parameters=parameters) as emulated:
        emulated.client("secretsmanager").create_secret(Name=SECRET, SecretString=emulated.slack_url)
        emulated.client("secretsmanager").create_secret(Name=BOT_SECRET, SecretString="xoxb-0000-example")
        emulated.verify_email_identity(SENDER)
        emulated.verify_email_identity(ONCALL)
        doctor.emulate_public_powertools_parameter(emulated)
        emulated.create_endpoint("fraud-scorer", variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 1)])
        # AWS's order: the schedule, then a run on the hour, which publishes the drift metrics
        # ("Interpret results", Model Monitor guide; the emulated account refuses them earlier).
        emulated.create_monitoring_schedule("fraud-scorer", "fraud-dq", created_at=emulated.now - timedelta(hours=2))
        emulated.run_monitoring_execution("fraud-dq", "Completed", drift={"amount": 0.02})
        emulated.create_endpoint(
            "llm-hub",
            variants=[VariantSpec("AllTraffic", "ml.g5.12xlarge", 1)],
            inference_components=[ComponentSpec("llama-ic", accelerators=1)],
        )
        emulated.advance(timedelta(minutes=5))
        topic = emulated.physical_id("AlertTopic")
        where = ["--endpoint-url", emulated.endpoint_url, "--region", emulated.region]
        assert cli.main(["sync", "--all", *where, "--alert-topic-arn", topic, "--write-tps", "0"]) == 0
        yield emulated


def policy_parameter(account: EmulatedAccount) -> str:
    """The fleet policy's SSM parameter, which the stack creates."""
    return str(account.stack.outputs["PolicyParameterName"])


def where(account: EmulatedAccount) -> list[str]:
    return ["--endpoint-url", account.endpoint_url, "--region", account.region]


def test_backtest_needs_exactly_the_documented_read_permissions(
    account: EmulatedAccount, capsys: pytest.CaptureFixture[str]
) -> None:
    with recorded_actions() as calls:
        for endpoint in ("fraud-scorer", "llm-hub"):  # drift metrics; inference components
            code = cli.main(
                ["backtest", endpoint, "--days", "1", *where(account), "--policy-parameter", policy_parameter(account)]
            )
            assert code == 0, capsys.readouterr()
    capsys.readouterr()
    assert documented("backtest") == calls


def test_doctor_needs_exactly_the_documented_read_permissions(
    account: EmulatedAccount, capsys: pytest.CaptureFixture[str]
) -> None:
    options = {
        "--stack": "sagewatch",
        "--alert-topic-arn": account.physical_id("AlertTopic"),
        "--slack-secret": SECRET,
        "--slack-bot-secret": BOT_SECRET,
        "--email-sender": SENDER,
        "--email-recipient": ONCALL,
        "--policy-parameter": policy_parameter(account),
    }
    with recorded_actions() as calls:
        cli.main(["doctor", *where(account), *[item for pair in options.items() for item in pair]])
    out, _ = capsys.readouterr()
    # Every check ran: only the two emulator gaps (lambda GetAccountSettings, sesv2 GetAccount, not
    # implemented by moto) answer "could not check", and their calls were made all the same.
    assert [line for line in out.splitlines() if "could not check" in line] == [
        line for line in out.splitlines() if "GetAccountSettings)" in line or "GetAccount)" in line
    ], out
    assert len([line for line in out.splitlines() if "could not check" in line]) == 2, out
    assert documented("doctor") == calls
    assert documented_doctor_table() == calls
