"""Every command in a README.md or docs/*.md code block runs here, as written, or says why not.

A command is a line of a ``bash``/``sh``/``shell``/``console`` block (continued with ``\\``), or a
``$ `` line of any other block (a console transcript). Each one is either in :data:`RUNS_HERE`
(run with bash, as written, in a temporary copy of the repository that shares its ``.venv``,
without AWS credentials; it must answer one of its documented exit codes, without a traceback)
or in :data:`CANNOT_RUN_HERE` with the reason. A command added to a doc that is in neither fails
:func:`test_every_documented_command_is_classified`; an entry whose command left the docs fails
:func:`test_no_stale_classification`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
DOCS = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))
SHELL_BLOCKS = frozenset({"bash", "sh", "shell", "console"})
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.DOTALL | re.MULTILINE)

# Commands that run here without AWS credentials or Docker, each with the exit codes it may
# answer (the documented ones): each runs in the test below.
OK = frozenset({0})
RUNS_HERE: dict[str, frozenset[int]] = {
    "make demo": OK,
    # 3: warnings only (docs/deploy.md): the fresh account's endpoints have served no traffic yet.
    ".venv/bin/sagewatch doctor --emulated": frozenset({0, 3}),
    ".venv/bin/sagewatch invoke OnboardFunction --event events/onboard/in-service-cpu.json --emulated": OK,
    ".venv/bin/sagewatch invoke NotifyFunction --event events/notify/alarm-metric-latency-p99.json --emulated": OK,
    ".venv/bin/sagewatch invoke OnboardFunction -e events/onboard/in-service-cpu.json --emulated | grep "
    "'\"outcome\"'": OK,
    ".venv/bin/sagewatch backtest fraud-scorer --emulated --days 2": OK,
    ".venv/bin/sagewatch doctor --spoke 222222222222:eu-west-1 --emulated": OK,
    # 1: failures: the sample world's spoke 333333333333 trusts another external ID (on purpose).
    ".venv/bin/sagewatch doctor --spoke 333333333333 --emulated": frozenset({1}),
}

_AWS = "needs AWS credentials: it calls a real account"
_DOCKER = "needs Docker and the local Lambda images: make local-invoke runs it where an engine can run"
_SAM = "runs sam (SAM CLI's own virtualenv, python3.13): make test's template target runs it"
_REAL = "a real account's fleet: tests/integration/test_fleet_cli.py runs it against an emulated one"
_MUTE = "a real account's alarms: tests/integration/test_mute_cli.py runs it against an emulated one"

# Commands that cannot run here as written, each with the reason (reviewed: keep it short).
CANNOT_RUN_HERE: dict[str, str] = {
    # the whole suite and the long targets: run by CI, not inside it
    "make test": "the whole suite itself (this test is part of it)",
    "make local-invoke": _DOCKER,
    "LOCAL_INVOKE_ARCH_OVERRIDE=none make local-invoke": _DOCKER + " (the arm64 matrix, ~10 min more under qemu)",
    "make build": _SAM,
    "make validate": _SAM,
    ".venv-sam/bin/sam build": _SAM,
    # Docker
    ".venv/bin/python -m tests.local_invoke.harness OnboardFunction -e events/onboard/in-service-cpu.json": _DOCKER,
    ".venv/bin/python -m tests.local_invoke.harness NotifyFunction -e events/notify/alarm-metric-latency-p99.json": (
        _DOCKER
    ),
    ".venv/bin/python -m tests.local_invoke.harness NotifyFunction -e events/notify/alarm-metric-latency-p99.json "
    "--architecture x86_64": _DOCKER,
    "sam local invoke NotifyFunction -e events/notify/alarm-metric-latency-p99.json": _DOCKER + " and " + _AWS,
    ".venv-sam/bin/sam local invoke OnboardFunction -e events/onboard/creating.json --parameter-overrides "
    "PowertoolsLayerArn=$POWERTOOLS_LAYER_ARN --skip-pull-image": _DOCKER + " and " + _AWS,
    ".venv-sam/bin/sam local invoke OnboardFunction -e events/onboard/in-service-cpu.json --parameter-overrides "
    "PowertoolsLayerArn=$POWERTOOLS": _DOCKER + " and " + _AWS,
    # AWS
    ".venv-sam/bin/sam deploy --guided": _AWS + " (deploys the stack)",
    "sam deploy --parameter-overrides SlackWebhookSecretName=sagewatch/slack-webhook EmailSender=alerts@example.com "
    "EmailRecipients=oncall@example.com": _AWS + " (deploys the stack)",
    ".venv-sam/bin/sam delete --stack-name sagewatch": _AWS + " (deletes the stack)",
    "POWERTOOLS_LAYER_ARN=$(aws ssm get-parameter --name /aws/service/powertools/python/arm64/python3.13/3.37.0 "
    "--query Parameter.Value --output text)": _AWS,
    "POWERTOOLS=$(aws ssm get-parameter --name /aws/service/powertools/python/arm64/python3.13/3.37.0 "
    "--query Parameter.Value --output text)": _AWS,
    "aws secretsmanager create-secret --name sagewatch/slack-webhook --secret-string "
    '"https://hooks.slack.com/services/..."': _AWS,
    "aws cloudwatch describe-alarms --alarm-name-prefix SageWatch/ --query 'MetricAlarms[].AlarmName'": _AWS,
    "aws cloudwatch list-dashboards --dashboard-name-prefix SageWatch_us-east-1_ --query "
    "'DashboardEntries[].DashboardName'": _AWS,
    ".venv/bin/sagewatch doctor --region eu-west-1 --profile prod": _AWS + " (profile prod); --emulated runs here",
    ".venv/bin/sagewatch doctor --spoke 222222222222:eu-west-1 --external-id choose-a-long-random-value": _AWS
    + " (the hub's credentials; the spoke read through its OrganizationAccountAccessRole)",
    'aws secretsmanager create-secret --name sagewatch/slack-bot --secret-string "xoxb-..."': _AWS,
    "aws sesv2 create-email-identity --email-identity alerts@example.com": _AWS,
    "aws cloudwatch describe-alarms --alarm-name-prefix SageWatch/ --query 'MetricAlarms[].AlarmName' --output text "
    "| tr '\\t' '\\n' | cut -d/ -f2 | sort -u": _AWS,
    ".venv/bin/sagewatch remove --region us-east-1 fraud-scorer llm-chat": _REAL,
    # the acceptance scenario against a real account (make e2e-emulated runs it in make test)
    "make e2e REGION=eu-west-1 CONFIRM=yes PROFILE=sandbox": _AWS + " (deploys a stack and an endpoint)",
    "make e2e-clean PREFIX=sw-e2e-12071405-a1b2 REGION=eu-west-1 DRY_RUN=1": _AWS,
    "make e2e-clean PREFIX=sw-e2e-12071405-a1b2 REGION=eu-west-1": _AWS,
    "sagewatch sync --all": _REAL,
    # quiet windows (docs/alerts.md): a real account's alarms; tests/integration/test_mute_cli.py runs them emulated
    "sagewatch mute add fraud-scorer --start 2026-06-01T22:00 --duration 2h --timezone Europe/Paris": _MUTE,
    'sagewatch mute add --team payments --cron "0 2 * * SUN" --duration 4h --timezone America/New_York': _MUTE,
    "sagewatch mute list": _MUTE,
    "sagewatch mute end fraud-scorer": _MUTE,
    "sagewatch sync --all --dry-run": _REAL,
    "sagewatch remove fraud-scorer": _REAL,
    # a spoke (docs/hub-and-spokes.md): needs an AWS organization, the hub's account and a member account
    "aws cloudformation create-stack-set --stack-set-name sagewatch-spoke --template-body file://docs/spoke/spoke.yaml "
    "--permission-model SERVICE_MANAGED --auto-deployment Enabled=true,RetainStacksOnAccountRemoval=false "
    "--capabilities CAPABILITY_NAMED_IAM --parameters ParameterKey=HubAccountId,ParameterValue=111111111111 "
    "ParameterKey=HubEventBusArn,ParameterValue=arn:aws:events:us-east-1:111111111111:event-bus/default "
    "ParameterKey=HubAlertQueueArn,ParameterValue=arn:aws:sqs:us-east-1:111111111111:sagewatch-AlertQueue-abc "
    "ParameterKey=HubFunctionRoleArns,ParameterValue='arn:aws:iam::111111111111:role/a\\,"
    "arn:aws:iam::111111111111:role/b' ParameterKey=ExternalId,ParameterValue=choose-a-long-random-value "
    "ParameterKey=OrganizationId,ParameterValue=o-abcdefghij": _AWS + " (an organization's management account)",
    "aws cloudformation create-stack-instances --stack-set-name sagewatch-spoke --deployment-targets "
    "OrganizationalUnitIds=ou-abcd-11111111 --regions eu-west-1 us-east-1": _AWS + " (an organization)",
    "aws sns subscribe --region eu-west-1 --topic-arn arn:aws:sns:eu-west-1:222222222222:SageWatch-spoke-alerts "
    "--protocol sqs --notification-endpoint arn:aws:sqs:us-east-1:111111111111:sagewatch-AlertQueue-abc": _AWS
    + " (the hub's account)",
    "aws cloudformation deploy --stack-name sagewatch-spoke --template-file docs/spoke/spoke.yaml --capabilities "
    "CAPABILITY_NAMED_IAM --parameter-overrides HubAccountId=111111111111 "
    "HubEventBusArn=arn:aws:events:us-east-1:111111111111:event-bus/default "
    "HubAlertQueueArn=arn:aws:sqs:us-east-1:111111111111:sagewatch-AlertQueue-abc "
    "HubFunctionRoleArns=arn:aws:iam::111111111111:role/a,arn:aws:iam::111111111111:role/b "
    "ExternalId=choose-a-long-random-value": _AWS + " (a member account)",
    # placeholders to fill in
    "aws sns list-subscriptions-by-topic --topic-arn <OpsTopicArn>": "placeholder <OpsTopicArn>; " + _AWS,
    ".venv/bin/sagewatch doctor --region eu-west-1 [--profile P] [--stack sagewatch]": "usage synopsis ([optional] "
    "arguments); " + _AWS,
    "sagewatch plan fraud-scorer --alert-topic-arn arn:aws:sns:…:sagewatch-alerts "
    "--policy-parameter /sagewatch/policy": "placeholder ARN (…); " + _REAL,
    "sagewatch backtest fraud-scorer --days 7 --end 2026-11-23T00:00:00+00:00 --endpoint-url http://127.0.0.1:<port>": (
        "placeholder <port> of the played week's account: python -m tests.bench.week runs it (week report 'backtest')"
    ),
}


@dataclass(frozen=True)
class Documented:
    command: str  # as written, continuation lines joined
    where: str  # doc file and line

    @property
    def key(self) -> str:
        """The command without a trailing comment and with single spaces, as the lists name it."""
        return " ".join(_without_comment(self.command).split())


def _without_comment(command: str) -> str:
    """``cmd  # why`` -> ``cmd``; a ``#`` inside quotes or a word is kept."""
    quote = ""
    for index, char in enumerate(command):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or command[index - 1].isspace()):
            return command[:index].rstrip()
    return command


def _commands(doc: Path) -> Iterator[Documented]:
    return _commands_in(doc, ROOT)


def _commands_in(doc: Path, root: Path) -> Iterator[Documented]:
    text = doc.read_text(encoding="utf-8")
    for block in _FENCE.finditer(text):
        language, body = block.group(1), block.group(2)
        first_line = text.count("\n", 0, block.start()) + 2
        lines = body.splitlines()
        index = 0
        while index < len(lines):
            line, number = lines[index], first_line + index
            index += 1
            if language not in SHELL_BLOCKS:
                if not line.startswith("$ "):
                    continue  # a transcript's output, or not a shell block at all
                line = line[2:]
            elif not line.strip() or line.lstrip().startswith("#"):
                continue
            while line.endswith("\\") and index < len(lines):
                line = line[:-1].rstrip() + " " + lines[index].strip()
                index += 1
            yield Documented(line.strip(), f"{doc.relative_to(root)}:{number}")


DOCUMENTED = [command for doc in DOCS for command in _commands(doc)]


def test_every_documented_command_is_classified() -> None:
    unknown = [f"{c.where}: {c.key}" for c in DOCUMENTED if c.key not in RUNS_HERE and c.key not in CANNOT_RUN_HERE]
    assert not unknown, (
        "commands in the docs that neither run in this test (RUNS_HERE) nor say why they cannot "
        "(CANNOT_RUN_HERE):\n" + "\n".join(unknown)
    )


def test_no_stale_classification() -> None:
    keys = {c.key for c in DOCUMENTED}
    assert not (set(RUNS_HERE) | set(CANNOT_RUN_HERE)) - keys
    assert not set(RUNS_HERE) & set(CANNOT_RUN_HERE)


@pytest.fixture(scope="module")
def repository_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tracked files in a temporary directory (what a command writes lands there), with the
    repository's ``.venv``. Modification times are set to the epoch so make finds the virtualenv
    newer than its inputs and never reinstalls into it from the copy."""
    copy = tmp_path_factory.mktemp("repo")
    listed = subprocess.run(
        ["git", "ls-files", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    for name in listed.stdout.decode().split("\0"):
        source = ROOT / name
        if not name or not source.is_file():
            continue
        target = copy / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        os.utime(target, (0, 0))
    (copy / ".venv").symlink_to(ROOT / ".venv")
    return copy


def _no_aws_environment(home: Path) -> dict[str, str]:
    """The environment without AWS credentials, profile or endpoint: nothing can reach a real account."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        HOME=str(home),
        AWS_CONFIG_FILE=str(home / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "no-aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


@pytest.mark.parametrize("documented", [c for c in DOCUMENTED if c.key in RUNS_HERE], ids=lambda c: c.where)
def test_the_command_runs_as_written(documented: Documented, repository_copy: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", documented.command],
        cwd=repository_copy,
        env=_no_aws_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode in RUNS_HERE[documented.key], (
        f"{documented.where}: {documented.command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    assert "Traceback" not in done.stderr, done.stderr[-3000:]


def test_the_reader_finds_commands_as_a_reader_would(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(
        "```bash\n# a comment line\nmake demo   # why\n.venv-sam/bin/sam local invoke X \\\n  -e e.json\n```\n\n"
        "```\n$ sagewatch plan a\nplan output, not a command\n```\n\n```python\nprint('not shell')\n```\n",
        encoding="utf-8",
    )
    found = [(c.key, c.where.rsplit(":", 1)[1]) for c in _commands_in(doc, tmp_path)]
    assert found == [("make demo", "3"), (".venv-sam/bin/sam local invoke X -e e.json", "4"), ("sagewatch plan a", "9")]
