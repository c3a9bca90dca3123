"""`sagewatch doctor` against the emulated account: what would break or stay silent, with the fix.

Emulator gaps these tests cover, each named where it matters:
- moto 5.2 has no public ``/aws/service/powertools/...`` SSM parameters and refuses PutParameter
  under ``/aws``: ``emulate_public_powertools_parameter`` puts one into moto's store.
- moto 5.2 implements neither lambda GetAccountSettings nor sesv2 GetAccount: the doctor reports
  "could not check" for them (a warning, exit code 3), and ``filled_gaps`` answers them with
  responses of the real shape to show the all-ok case (exit code 0).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from sagewatch.core.model_monitor.schedules import DRIFT_METRIC_LOCATIONS, DriftLocation
from sagewatch_cli import doctor
from sagewatch_cli import main as cli
from sagewatch_emulator import EmulatedAccount, VariantSpec

pytestmark = pytest.mark.integration

SECRET = "sagewatch/slack-webhook"
SENDER = "alerts@example.com"
ONCALL = "oncall@example.com"
REALTIME_DIMS = {"EndpointName": "fraud-scorer", "VariantName": "AllTraffic"}
SERVERLESS_DIMS = {"EndpointName": "chat", "VariantName": "AllTraffic"}


def publish(account: EmulatedAccount, namespace: str, names: list[str], dims: dict[str, str]) -> None:
    for name in names:
        account.put_metric_series(namespace, name, dims, [1.0, 2.0, 3.0])


@pytest.fixture
def healthy() -> Iterator[EmulatedAccount]:
    """Slack and e-mail configured, the sender verified, one real-time endpoint onboarded and
    publishing every metric its alarms read."""
    parameters = {"SlackWebhookSecretName": SECRET, "EmailSender": SENDER, "EmailRecipients": ONCALL}
    with EmulatedAccount(parameters=parameters) as account:
        account.client("secretsmanager").create_secret(Name=SECRET, SecretString=account.slack_url)
        account.verify_email_identity(SENDER)
        account.verify_email_identity(ONCALL)
        doctor.emulate_public_powertools_parameter(account)
        account.create_endpoint("fraud-scorer", variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 2)])
        publish(
            account,
            "AWS/SageMaker",
            ["Invocations", "Invocation5XXErrors", "Invocation4XXErrors", "ModelLatency"],
            REALTIME_DIMS,
        )
        publish(
            account,
            "/aws/sagemaker/Endpoints",
            ["CPUUtilization", "MemoryUtilization", "DiskUtilization"],
            REALTIME_DIMS,
        )
        yield account


def where(account: EmulatedAccount) -> list[str]:
    return ["--endpoint-url", account.endpoint_url, "--region", account.region]


def run(account: EmulatedAccount, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = cli.main(["doctor", *where(account), *argv])
    out, _err = capsys.readouterr()
    return code, out


def configured(account: EmulatedAccount, **changes: str) -> list[str]:
    """The options a deployed stack would supply (the emulated account has no CloudFormation stack)."""
    options = {
        "--alert-topic-arn": account.physical_id("AlertTopic"),
        "--slack-secret": SECRET,
        "--email-sender": SENDER,
        "--email-recipient": ONCALL,
        **changes,
    }
    return [item for pair in options.items() for item in pair]


def onboard(account: EmulatedAccount, capsys: pytest.CaptureFixture[str], *endpoints: str) -> None:
    topic = account.physical_id("AlertTopic")
    assert cli.main(["sync", *endpoints, *where(account), "--alert-topic-arn", topic, "--write-tps", "0"]) == 0
    capsys.readouterr()


def lines(out: str, status: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(f"[{status}]")]


def test_a_healthy_account_has_no_failure_and_only_the_emulator_gaps_as_warnings(
    healthy: EmulatedAccount, capsys: pytest.CaptureFixture[str]
) -> None:
    onboard(healthy, capsys, "fraud-scorer")
    code, out = run(healthy, capsys, *configured(healthy))
    assert lines(out, "FAIL") == []
    warnings = lines(out, "warn")
    # Emulator gaps: moto implements neither lambda GetAccountSettings nor sesv2 GetAccount.
    assert len(warnings) == 2, out
    assert "could not check the account's Lambda concurrency (lambda GetAccountSettings)" in warnings[0]
    assert "could not check whether SES is in its sandbox (sesv2 GetAccount)" in warnings[1]
    assert code == doctor.EXIT_WARNINGS == 3
    assert "powertools-layer: /aws/service/powertools/python/arm64/python3.13/3.37.0 resolves to" in out
    assert f"Slack webhook secret {SECRET} exists and holds a webhook" in out
    assert f"sender {SENDER} is a verified SES identity" in out
    assert "KMS key" in out and "lets CloudWatch publish" in out
    assert "fraud-scorer (real-time): every metric its 6 alarms read is published with the expected dimensions" in out
    assert healthy.slack_url not in out  # the secret's value is never printed


class _Answering:
    """A client with one operation answered as AWS would (an emulator gap), the rest passed on."""

    def __init__(self, client: Any, **answers: Callable[..., Any]) -> None:
        self._client = client
        self._answers = answers

    def __getattr__(self, name: str) -> Any:
        return self._answers.get(name) or getattr(self._client, name)


def filled_gaps(account: EmulatedAccount) -> Callable[[str], Any]:
    """The account's clients, with lambda GetAccountSettings and sesv2 GetAccount answered in the
    shape of the API references (moto 5.2 implements neither)."""

    def clients(service: str) -> Any:
        client = account.client(service)
        if service == "lambda":
            settings = {"AccountLimit": {"ConcurrentExecutions": 1000, "UnreservedConcurrentExecutions": 1000}}
            return _Answering(client, get_account_settings=lambda: settings)
        if service == "sesv2":
            answer = {"ProductionAccessEnabled": True, "SendingEnabled": True, "EnforcementStatus": "HEALTHY"}
            return _Answering(client, get_account=lambda: answer)
        return client

    return clients


def test_a_healthy_account_is_all_ok_once_the_emulator_gaps_are_answered(
    healthy: EmulatedAccount, capsys: pytest.CaptureFixture[str]
) -> None:
    onboard(healthy, capsys, "fraud-scorer")
    target = doctor.Target(
        alert_topic_arn=healthy.physical_id("AlertTopic"),
        slack_webhook_secret=SECRET,
        email_sender=SENDER,
        email_recipients=(ONCALL,),
    )
    clients = filled_gaps(healthy)
    findings = doctor.Doctor(
        clients, target, healthy.region, desired=doctor.desired_from_onboarding(clients, target)
    ).run()
    assert [f for f in findings if f.status is not doctor.Status.OK] == []
    assert doctor.exit_code(findings) == doctor.EXIT_HEALTHY == 0


def test_sandbox_is_reported_with_its_fix_and_a_new_accounts_concurrency_does_not_block(
    healthy: EmulatedAccount,
) -> None:
    def clients(service: str) -> Any:
        client = healthy.client(service)
        if service == "lambda":  # a new account: 10 concurrent executions in all
            settings = {"AccountLimit": {"ConcurrentExecutions": 10, "UnreservedConcurrentExecutions": 10}}
            return _Answering(client, get_account_settings=lambda: settings)
        if service == "sesv2":
            return _Answering(client, get_account=lambda: {"ProductionAccessEnabled": False, "SendingEnabled": True})
        return client

    target = doctor.Target(
        slack_webhook_secret=SECRET, email_sender=SENDER, email_recipients=(ONCALL, "cto@example.org")
    )
    findings = doctor.Doctor(clients, target, healthy.region).run()
    text = doctor.report(findings)
    # No reservation any more: 10 in all is enough to deploy and run (2 + 2 queue workers).
    [concurrency] = [f for f in findings if f.check == "lambda-concurrency"]
    assert concurrency.status is doctor.Status.OK
    assert "10 of 10 concurrent executions unreserved; SageWatch reserves none" in text
    assert "deploy would fail" not in text
    assert "SES is in its sandbox" in text
    assert "recipient cto@example.org is not verified while SES is in its sandbox" in text
    assert f"recipient {ONCALL}" not in text  # verified: it does get alerts
    assert doctor.exit_code(findings) == doctor.EXIT_FAILURES


def test_too_little_unreserved_concurrency_warns_with_the_quota_to_raise(healthy: EmulatedAccount) -> None:
    def clients(service: str) -> Any:
        client = healthy.client(service)
        if service == "lambda":  # other functions reserve all but 3
            settings = {"AccountLimit": {"ConcurrentExecutions": 10, "UnreservedConcurrentExecutions": 3}}
            return _Answering(client, get_account_settings=lambda: settings)
        return client

    [finding] = doctor.Doctor(clients, doctor.Target(), healthy.region).check_lambda_concurrency()
    assert finding.status is doctor.Status.WARN
    assert "only 3 of 10 concurrent executions unreserved" in finding.what
    assert "L-B99A9384" in finding.fix


def test_a_missing_slack_secret_fails_with_the_command_that_creates_it(
    healthy: EmulatedAccount, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(healthy, capsys, *configured(healthy, **{"--slack-secret": "sagewatch/not-there"}))
    failures = lines(out, "FAIL")
    assert len(failures) == 1
    assert "Slack webhook secret sagewatch/not-there does not exist in us-east-1" in failures[0]
    assert "aws secretsmanager create-secret --name sagewatch/not-there" in out
    assert code == doctor.EXIT_FAILURES == 1


def test_a_secret_of_the_wrong_shape_fails_without_showing_its_value(
    healthy: EmulatedAccount, capsys: pytest.CaptureFixture[str]
) -> None:
    healthy.client("secretsmanager").put_secret_value(SecretId=SECRET, SecretString='{"hook": "not-a-url-s3cr3t"}')
    code, out = run(healthy, capsys, *configured(healthy))
    assert f"Slack webhook secret {SECRET} holds a JSON object without url or webhook_url" in out
    assert "s3cr3t" not in out
    assert code == doctor.EXIT_FAILURES


def test_an_unverified_ses_sender_fails(healthy: EmulatedAccount, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(healthy, capsys, *configured(healthy, **{"--email-sender": "noreply@unverified.example"}))
    failures = lines(out, "FAIL")
    assert len(failures) == 1
    assert "sender noreply@unverified.example is not a verified SES identity in us-east-1" in failures[0]
    assert "aws sesv2 create-email-identity --email-identity noreply@unverified.example" in out
    assert code == doctor.EXIT_FAILURES


def test_an_alarm_whose_metric_is_published_elsewhere_is_named_as_one_that_can_never_fire(
    healthy: EmulatedAccount, capsys: pytest.CaptureFixture[str]
) -> None:
    # A serverless endpoint whose MemoryUtilization arrives in AWS/SageMaker, while SageWatch's alarm
    # reads /aws/sagemaker/Endpoints (where AWS documents it): the disagreement docs/alarms.md
    # settles, told in this account's own terms.
    healthy.create_endpoint("chat", variants=[VariantSpec("AllTraffic", serverless_memory_mb=2048)])
    publish(
        healthy,
        "AWS/SageMaker",
        ["Invocations", "Invocation5XXErrors", "Invocation4XXErrors", "ModelLatency", "MemoryUtilization"],
        SERVERLESS_DIMS,
    )
    publish(healthy, "AWS/SageMaker", ["ServerlessConcurrentExecutionsUtilization"], SERVERLESS_DIMS)
    onboard(healthy, capsys, "chat", "fraud-scorer")
    code, out = run(healthy, capsys, *configured(healthy))
    failures = lines(out, "FAIL")
    assert len(failures) == 1, out
    assert "alarm SageWatch/chat/AllTraffic/memory-utilization can never fire" in failures[0]
    assert "reads /aws/sagemaker/Endpoints MemoryUtilization by EndpointName, VariantName" in failures[0]
    assert "publishes MemoryUtilization in AWS/SageMaker by EndpointName, VariantName" in failures[0]
    assert "sagewatch:alarm:memory-utilization=off" in out
    # ModelSetupTime is published only on cold starts: its absence is no finding.
    assert "model-setup-time" not in out
    assert code == doctor.EXIT_FAILURES


def test_an_alarm_whose_metric_never_arrives_while_its_neighbours_do_is_named(
    healthy: EmulatedAccount, capsys: pytest.CaptureFixture[str]
) -> None:
    healthy.create_endpoint("ranker", variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 1)])
    dims = {"EndpointName": "ranker", "VariantName": "AllTraffic"}
    publish(
        healthy, "AWS/SageMaker", ["Invocations", "Invocation5XXErrors", "Invocation4XXErrors", "ModelLatency"], dims
    )
    publish(healthy, "/aws/sagemaker/Endpoints", ["CPUUtilization", "MemoryUtilization"], dims)  # no DiskUtilization
    onboard(healthy, capsys, "ranker", "fraud-scorer")
    code, out = run(healthy, capsys, *configured(healthy))
    failures = lines(out, "FAIL")
    assert len(failures) == 1, out
    assert "alarm SageWatch/ranker/AllTraffic/disk-utilization can never fire as things stand" in failures[0]
    assert "CPUUtilization, MemoryUtilization did" in failures[0]
    assert code == doctor.EXIT_FAILURES


@pytest.mark.parametrize(
    "location", DRIFT_METRIC_LOCATIONS, ids=lambda loc: f"{loc.namespace}:{loc.endpoint_dimension}"
)
def test_drift_alarms_are_checked_where_model_monitor_publishes_them(
    healthy: EmulatedAccount, capsys: pytest.CaptureFixture[str], location: DriftLocation
) -> None:
    # A data-quality schedule's first run has published its drift metrics, in any of the
    # spellings AWS's texts give (core.shared.namespaces), and onboarding fitted a drift alarm
    # per feature: doctor finds their metrics too, instead of calling them idle (exit 3).
    # AWS's order: the schedule, then its first run on the hour, which publishes the metrics
    # ("Interpret results", Model Monitor guide; the emulated account refuses them earlier).
    healthy.create_monitoring_schedule("fraud-scorer", "fraud-dq", created_at=healthy.now - timedelta(hours=2))
    healthy.run_monitoring_execution("fraud-dq", "Completed", drift={"amount": 0.02, "age": 0.01}, location=location)
    onboard(healthy, capsys, "fraud-scorer")
    code, out = run(healthy, capsys, *configured(healthy))
    assert "feature-drift" not in "\n".join(lines(out, "warn") + lines(out, "FAIL")), out
    assert "fraud-scorer (real-time): every metric its 8 alarms read is published" in out
    assert code == doctor.EXIT_WARNINGS  # the two emulator gaps only


def test_alarms_of_a_deleted_endpoint_and_an_endpoint_without_alarms_are_reported(
    healthy: EmulatedAccount, capsys: pytest.CaptureFixture[str]
) -> None:
    onboard(healthy, capsys, "fraud-scorer")
    healthy.client("sagemaker").delete_endpoint(EndpointName="fraud-scorer")
    healthy.create_endpoint("fresh", variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 1)])
    code, out = run(healthy, capsys, *configured(healthy))
    assert "6 alarm(s) of endpoint fraud-scorer, which no longer exists, can never fire" in out
    assert "sagewatch remove fraud-scorer" in out
    assert "fresh (real-time) has none of its 6 SageWatch alarms: it is not monitored" in out
    # Alarms that do not exist yet are reported missing, never as alarms with nothing to evaluate.
    assert "fresh (real-time):" not in out and "nothing to evaluate" not in out
    assert code == doctor.EXIT_FAILURES


def test_existing_alarms_of_an_endpoint_that_published_nothing_yet_are_one_warning(
    healthy: EmulatedAccount, capsys: pytest.CaptureFixture[str]
) -> None:
    healthy.create_endpoint("quiet", variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 1)])
    onboard(healthy, capsys, "fraud-scorer", "quiet")
    code, out = run(healthy, capsys, *configured(healthy))
    idle = [line for line in lines(out, "warn") if "nothing to evaluate" in line]
    assert len(idle) == 1 and idle[0].startswith("[warn] metrics: quiet (real-time): 6 alarm(s) have had"), out
    assert code == doctor.EXIT_WARNINGS


def test_doctor_in_a_throwaway_emulated_account(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["doctor", "--emulated"])
    out, _ = capsys.readouterr()
    assert lines(out, "FAIL") == []
    assert "powertools-layer" in out and "alert-topic" in out
    # moto implements no lambda GetAccountSettings: said as the emulator's gap, with no advice to
    # grant a permission that would change nothing.
    gap = next(line for line in lines(out, "warn") if "lambda GetAccountSettings" in line)
    assert "does not implement it (404; an emulator gap, not a finding about the account)" in gap
    assert "grant" not in out
    # The seeded endpoints are not onboarded: their alarms are missing, not idle.
    assert "has none of its 6 SageWatch alarms" in out and "nothing to evaluate" not in out
    assert code == doctor.EXIT_WARNINGS
