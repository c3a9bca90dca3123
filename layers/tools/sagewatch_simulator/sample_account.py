"""The sample account: the one seeding every ``--emulated`` command and the local-invoke parity share.

Every sample event in ``events/`` names something that must exist for it to do what its name
says: the endpoints the onboarding samples name (and the Model Monitor schedule of the
monitoring-run samples), the Slack webhook secret and a verified SES sender for the notify
samples, and fraud-scorer's last hour of metrics and error lines for the alert they enrich.
``open_sample_account()`` opens a fresh emulated account seeded with all of it, so
``sagewatch invoke|plan|sync|remove|backtest --emulated`` and ``tests/local_invoke`` see the
same account.

Its Slack webhook secret holds the account's fake Slack URL, and its email recipient is a
verified-sender mailbox of the emulated SES: what NotifyFunction posts lands there and can be
shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sagewatch_emulator.account import EmulatedAccount, default_template_path
from sagewatch_emulator.emails import ses_offered
from sagewatch_emulator.sagemaker import ComponentSpec, VariantSpec
from sagewatch_emulator.sam.template import Template

__all__ = [
    "AWS_EXAMPLE_JOB",
    "COMPONENT",
    "COMPONENT_ENDPOINT",
    "ENDPOINTS",
    "MONITORED_ENDPOINT",
    "MONITORING_SCHEDULE",
    "ONCALL",
    "PARAMETERS",
    "SCHEDULE",
    "SCHEDULED_ENDPOINT",
    "SENDER",
    "SLACK_SECRET",
    "endpoint_names",
    "open_sample_account",
    "seed_alert_context",
    "seed_destinations",
    "seed_endpoints",
]

SLACK_SECRET = "sagewatch/slack-webhook"  # noqa: S105 - the secret's name; its value is the fake Slack URL
SENDER = "sagewatch@example.com"
ONCALL = "oncall@example.com"
# The template parameters that give alert delivery its destinations.
PARAMETERS: Mapping[str, str] = {
    "SlackWebhookSecretName": SLACK_SECRET,
    "EmailSender": SENDER,
    "EmailRecipients": ONCALL,
}

# (name, what it is, create_endpoint arguments): one endpoint of each kind SageWatch fits.
ENDPOINTS: Sequence[tuple[str, str, dict[str, Any]]] = (
    (
        "fraud-scorer",
        "real-time CPU endpoint, 2 x ml.m5.xlarge, latency threshold overridden by tag",
        {
            "variants": [VariantSpec("AllTraffic", "ml.m5.xlarge", 2)],
            "tags": {"team": "risk", "sagewatch:alarm:model-latency-p99": "250"},
        },
    ),
    (
        "llm-chat",
        "two variants: 2 x ml.g5.12xlarge (4 A10G GPUs each) and a 1 x ml.c5.2xlarge canary",
        {
            "variants": [
                VariantSpec("gpu-a10g", "ml.g5.12xlarge", 2),
                VariantSpec("cpu-canary", "ml.c5.2xlarge", 1),
            ],
            "tags": {"team": "genai"},
        },
    ),
    (
        "churn-predictor",
        "serverless endpoint, 4 GB memory, max concurrency 20",
        {
            "variants": [
                VariantSpec("AllTraffic", serverless_memory_mb=4096, serverless_max_concurrency=20),
            ]
        },
    ),
    (
        "video-tagger",
        "asynchronous endpoint on ml.g4dn.xlarge",
        {"variants": [VariantSpec("AllTraffic", "ml.g4dn.xlarge", 1)], "async_inference": True},
    ),
)
# The Model Monitor run samples (events/onboard/monitoring-run-*.json): their endpoint and schedule.
MONITORED_ENDPOINT = "churn-v2"
MONITORING_SCHEDULE = "churn-v2-data-quality"
# The processing job of events/onboard/processing-job-aws-example.json: a run of MONITORING_SCHEDULE.
AWS_EXAMPLE_JOB = "model-monitoring-202611280700-8c1d2e3f4a5b6c7d8e9f0a1b"
# The schedule state-change samples (events/onboard/monitoring-schedule-*.json).
SCHEDULED_ENDPOINT = "fraud-detector"
SCHEDULE = "fraud-data-quality"
# The inference-component samples (events/onboard/ic-*.json): the endpoint hosting llama-ic.
COMPONENT_ENDPOINT = "llm-hub"
COMPONENT = ComponentSpec("llama-ic", copies=2, memory_mb=24_576, accelerators=2, model="llm-hub-llama-model")


def endpoint_names() -> list[str]:
    """The names of the endpoints :func:`seed_endpoints` creates, in that order."""
    return [*(name for name, _what, _spec in ENDPOINTS), MONITORED_ENDPOINT, SCHEDULED_ENDPOINT, COMPONENT_ENDPOINT]


def seed_destinations(account: EmulatedAccount) -> None:
    """The Slack webhook secret (the fake Slack's URL) and the verified SES sender that
    :data:`PARAMETERS` name. SES rejects mail from an unverified sender (SES developer guide,
    "Verified identities"), so the sender is verified as it would be in a real account."""
    account.client("secretsmanager").create_secret(Name=SLACK_SECRET, SecretString=account.slack_url)
    if ses_offered(account.region):  # no SES where AWS offers none (aws-cn): Slack only there
        account.verify_email_identity(SENDER)


def seed_endpoints(account: EmulatedAccount) -> list[str]:
    """Every endpoint a sample event names: :data:`ENDPOINTS`, the two with Model Monitor
    data-quality schedules, and the one hosting an inference component; returns their names."""
    for name, _what, spec in ENDPOINTS:
        account.create_endpoint(name, **spec)
    account.create_endpoint(MONITORED_ENDPOINT, variants=[VariantSpec("AllTraffic", "ml.m5.large", 1)])
    # Created a day ago so that it has run: a schedule's runs start on the hour after it is
    # created ("Interpret results", Model Monitor guide). AWS's own example shape of the
    # processing-job event (processing-job-aws-example.json) says nothing of a schedule:
    # DescribeProcessingJob answers for its job, a run of this schedule that found drift.
    recent = datetime.now(tz=UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
    account.create_monitoring_schedule(MONITORED_ENDPOINT, MONITORING_SCHEDULE, created_at=recent - timedelta(days=1))
    account.run_monitoring_execution(
        MONITORING_SCHEDULE,
        "CompletedWithViolations",
        violations=[{"feature_name": "tenure", "constraint_check_type": "baseline_drift_check", "description": ""}],
        drift={"tenure": 0.4, "plan_type": 0.02},
        job_name=AWS_EXAMPLE_JOB,
        at=recent,
    )
    account.create_endpoint(SCHEDULED_ENDPOINT, variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 1)])
    account.create_monitoring_schedule(SCHEDULED_ENDPOINT, SCHEDULE)
    account.create_endpoint(
        COMPONENT_ENDPOINT,
        variants=[VariantSpec("AllTraffic", "ml.g5.12xlarge", 1, max_instance_count=3)],
        inference_components=[COMPONENT],
        tags={"team": "genai"},
    )
    return endpoint_names()


def seed_alert_context(account: EmulatedAccount, at: datetime | None = None) -> datetime:
    """fraud-scorer's last hour of metrics and two log lines ending at ``at`` (default: the
    minute before now), what the notify samples' alert reads to enrich itself; returns ``at``.

    Near the real clock on purpose: CloudWatch Logs, like the emulator, drops log events more
    than 14 days old ("PutLogEvents" API reference), and both runs of a parity check must see the
    same data."""
    at = at or datetime.now(tz=UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
    dims = {"EndpointName": "fraud-scorer", "VariantName": "AllTraffic"}
    latency = [120_000.0] * 50 + [900_000.0, 1_500_000.0, 1_840_213.0] + [1_700_000.0] * 7
    account.put_metric_series("AWS/SageMaker", "ModelLatency", dims, latency, end=at)
    account.put_metric_series("AWS/SageMaker", "Invocations", dims, [3000.0] * 60, end=at)
    account.put_metric_series("AWS/SageMaker", "Invocation5XXErrors", dims, [0.0] * 55 + [150.0] * 5, end=at)
    account.put_metric_series("/aws/sagemaker/Endpoints", "CPUUtilization", dims, [240.0] * 60, end=at)
    account.put_log_lines(
        "/aws/sagemaker/Endpoints/fraud-scorer",
        ["INFO worker 3 started", "ERROR model inference timed out after 1800 ms"],
        at=at,
    )
    return at


def open_sample_account(
    template_path: str | Path | None = None,
    *,
    region: str = "us-east-1",
    parameters: Mapping[str, Any] | None = None,
    alert_context: bool = True,
) -> EmulatedAccount:
    """A fresh, started emulated account with the sample destinations and endpoints (and, with
    ``alert_context``, fraud-scorer's recent metrics and log lines). ``parameters`` override
    :data:`PARAMETERS`, which apply where the template declares them (another template, such as a
    test fixture's, may not). The caller closes it."""
    declared = Template.load(template_path or default_template_path()).parameters
    defaults = {key: value for key, value in PARAMETERS.items() if key in declared}
    account = EmulatedAccount(template_path, region=region, parameters={**defaults, **(parameters or {})})
    account.start()
    try:
        seed_destinations(account)
        seed_endpoints(account)
        if alert_context:
            seed_alert_context(account)
    except BaseException:
        account.close()
        raise
    return account
