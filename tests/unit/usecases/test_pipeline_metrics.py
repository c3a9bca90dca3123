"""The alert pipeline's business metrics, as the NotifyFunction's EMF line carries them.

One batch holds every outcome: a storm for one channel (a digest), alerts sent one at a time of
which one is rate limited once (a retry) and one is refused (a failure), and a metric read
that fails (a missing read).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from sagewatch.adapters.rate_limit import RateLimiter
from sagewatch.adapters.slack import SlackDeliveryError
from sagewatch.config import NotifyConfig
from sagewatch.core.alerting.notification import parse_sns_record
from sagewatch.observability import lambda_entry_point
from sagewatch.usecases.notify import BatchItem, BatchOutcome, Notifier
from sagewatch.usecases.notify.channel_pacing import ChannelPacer
from tests.unit.usecases.test_delivery import MemoryRecords, MemorySlack, NoReads

STORM_SECRET = "team-storm-webhook"


class Context:
    function_name = "sagewatch-notify"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:sagewatch-notify"
    memory_limit_in_mb = 256
    aws_request_id = "req-metrics"
    log_group_name = log_stream_name = "x"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


class ScriptedSlack(MemorySlack):
    """Answers the n-th post with the n-th scripted error (None: accepted)."""

    def __init__(self, script: list[SlackDeliveryError | None]) -> None:
        super().__init__()
        self.script = script

    def send(self, webhook_url: str, payload: dict[str, Any]) -> None:
        answer = self.script.pop(0) if self.script else None
        if answer is not None:
            raise answer
        self.sent.append(payload)


class FirstMetricReadFails(NoReads):
    def __init__(self) -> None:
        self.calls = 0

    def get_metric_data(self, queries: Any, start: Any, end: Any) -> dict[str, Any]:
        self.calls += 1
        if self.calls == 1:
            raise TimeoutError("GetMetricData did not answer")
        return {}


def alarm(index: int, *, slack_secret: str | None = None) -> BatchItem:
    message = {
        "AlarmName": f"web-{index} high CPU",
        "AlarmArn": f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-{index}",
        "AlarmDescription": f"CPU is high [sagewatch slack={slack_secret}]" if slack_secret else None,
        "NewStateValue": "ALARM",
        "OldStateValue": "OK",
        "NewStateReason": "Threshold Crossed",
        "StateChangeTime": "2026-11-28T03:12:00.000+0000",
        "Region": "US East (N. Virginia)",
        "AWSAccountId": "123456789012",
        "Trigger": {
            "MetricName": "CPUUtilization",
            "Namespace": "AWS/EC2",
            "Statistic": "AVERAGE",
            "Dimensions": [{"name": "InstanceId", "value": "i-1"}],
            "Period": 300,
            "EvaluationPeriods": 1,
            "ComparisonOperator": "GreaterThanThreshold",
            "Threshold": 80.0,
        },
    }
    message_id = f"00000000-0000-4000-8000-{index:012d}"
    parsed = parse_sns_record({"MessageId": message_id, "Message": json.dumps(message)})
    return BatchItem(f"sqs-{index}", message_id, notification=parsed)


def notifier(slack: MemorySlack, reads: NoReads, ledger: MemoryRecords | None = None) -> Notifier:
    settings = NotifyConfig(
        name_prefix="SageWatch",
        default_slack_secret="sagewatch/slack",
        enrichment_timeout=1.0,
        digest_threshold=5,
        slack_min_interval=0.0,
    )
    return Notifier(
        metrics=reads,
        logs=reads,
        history=reads,
        slack=slack,
        email=None,
        webhook_url=lambda secret: f"https://hooks.slack.invalid/services/T/B/{secret}",
        settings=settings,
        pacer=ChannelPacer(RateLimiter(0.0)),
        series_to_minutes=lambda raw, start, end: (),
        records=ledger or MemoryRecords(),
    )


def emf(stdout: str) -> dict[str, Any]:
    """The invocation's one EMF line; each metric as the sum of its values (what Sum alarms read)."""
    (line,) = [json.loads(text) for text in stdout.splitlines() if text.startswith("{") and '"_aws"' in text]
    names = [m["Name"] for m in line["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
    return {name: sum(line[name]) for name in names}


def test_a_batch_counts_delivered_failed_retried_digested_and_missing_reads(
    capsys: pytest.CaptureFixture[str],
) -> None:
    storm = [alarm(i, slack_secret=STORM_SECRET) for i in range(10, 16)]  # 6 ≥ threshold 5: one digest
    individual = [alarm(1), alarm(2), alarm(3)]
    slack = ScriptedSlack(
        [
            SlackDeliveryError(429, "rate_limited", retry_after=0.0),  # the digest goes first: retried,
            None,  # then accepted
            SlackDeliveryError(400, "invalid_blocks"),  # alarm 1: refused, not retryable
        ]
    )
    reads = FirstMetricReadFails()
    pipeline = notifier(slack, reads)
    outcomes: list[BatchOutcome] = []

    @lambda_entry_point
    def handler(event: Any, context: Any) -> None:
        outcomes.append(pipeline.deliver_batch([*storm, *individual]))

    handler({}, Context())

    (outcome,) = outcomes
    assert set(outcome.failed) == {"sqs-1"}
    assert len(slack.sent) == 3  # the digest, alarms 2 and 3
    assert reads.calls == 3  # one GetMetricData per individually sent alert; the digest reads nothing
    metrics = emf(capsys.readouterr().out)
    assert metrics == {
        "AlertsDelivered": 8,  # 6 in the digest + alarms 2 and 3
        "AlertsFailed": 1,
        "AlertsRetried": 1,
        "AlertsDigested": 6,
        "EnrichmentReadsMissing": 1,  # the failed read; "no metric data" answers are not missing reads
    }


def test_a_claim_held_by_another_attempt_counts_as_failed(capsys: pytest.CaptureFixture[str]) -> None:
    ledger = MemoryRecords()
    ledger.records[("00000000-0000-4000-8000-000000000001", "slack:sagewatch/slack")] = "INPROGRESS"
    slack = MemorySlack()
    pipeline = notifier(slack, NoReads(), ledger)
    outcomes: list[BatchOutcome] = []

    @lambda_entry_point
    def handler(event: Any, context: Any) -> None:
        outcomes.append(pipeline.deliver_batch([alarm(1), alarm(2)]))

    handler({}, Context())

    assert set(outcomes[0].failed) == {"sqs-1"}
    metrics = emf(capsys.readouterr().out)
    assert metrics == {"AlertsDelivered": 1, "AlertsFailed": 1}
