"""The one place the local-invoke harness touches the emulated account's package.

Everything else in ``tests/local_invoke`` imports from here, so a move of the emulator changes
one import block.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sagewatch_emulator import EmulatedAccount, Invocation, VariantSpec

__all__ = ["EmulatedAccount", "Invocation", "VariantSpec", "open_seeded_account"]

SLACK_SECRET = "sagewatch/slack-webhook"
SENDER = "sagewatch@example.com"
ONCALL = "oncall@example.com"
# The parameters the integration tests give alert delivery (tests/integration/test_notify.py).
PARAMETERS = {"SlackWebhookSecretName": SLACK_SECRET, "EmailSender": SENDER, "EmailRecipients": ONCALL}
AWS_EXAMPLE_JOB = (
    "model-monitoring-202611280700-8c1d2e3f4a5b6c7d8e9f0a1b"  # events/onboard/processing-job-aws-example.json
)


def open_seeded_account() -> EmulatedAccount:
    """A fresh emulated account seeded as the integration tests seed theirs, for every sample
    event at once: the endpoints the onboarding samples name (test_onboarding.py), the Slack
    secret, the verified sender and fraud-scorer's metrics and log lines (test_notify.py).
    The caller closes it."""
    account = EmulatedAccount(parameters=PARAMETERS).start()
    try:
        account.client("secretsmanager").create_secret(Name=SLACK_SECRET, SecretString=account.slack_url)
        account.verify_email_identity(SENDER)
        account.create_endpoint(
            "fraud-scorer",
            variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 2)],
            tags={"team": "risk", "sagewatch:alarm:model-latency-p99": "250"},
        )
        account.create_endpoint(
            "llm-chat",
            variants=[VariantSpec("gpu-a10g", "ml.g5.12xlarge", 2), VariantSpec("cpu-canary", "ml.c5.2xlarge", 1)],
            tags={"team": "genai"},
        )
        account.create_endpoint(
            "churn-predictor",
            variants=[VariantSpec("AllTraffic", serverless_memory_mb=4096, serverless_max_concurrency=20)],
        )
        account.create_endpoint(
            "video-tagger", variants=[VariantSpec("AllTraffic", "ml.g4dn.xlarge", 1)], async_inference=True
        )
        # A fixed minute in the recent past: the emulator, like CloudWatch Logs, drops log lines
        # far from the real clock. Both runs of an event see the same data.
        at = datetime.now(tz=UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
        # The Model Monitor run samples (events/onboard/monitoring-run-*.json): their endpoint and
        # schedule, created a day ago so that it has run. AWS's own example shape
        # (processing-job-aws-example.json) says nothing of a schedule: DescribeProcessingJob
        # answers for its job, a run of that schedule that found violations in its drift.
        account.create_endpoint("churn-v2", variants=[VariantSpec("AllTraffic", "ml.m5.large", 1)])
        account.create_monitoring_schedule("churn-v2", "churn-v2-data-quality", created_at=at - timedelta(days=1))
        account.run_monitoring_execution(
            "churn-v2-data-quality",
            "CompletedWithViolations",
            violations=[{"feature_name": "tenure", "constraint_check_type": "baseline_drift_check", "description": ""}],
            drift={"tenure": 0.4, "plan_type": 0.02},
            job_name=AWS_EXAMPLE_JOB,
            at=at,
        )
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
    except BaseException:
        account.close()
        raise
    return account


def load_event(path: Path) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(path.read_text())
    return event
