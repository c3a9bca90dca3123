"""Pure pieces of alert delivery: storm digests within Block Kit limits, and
the notifier's batch logic (idempotent per MessageId and destination, digests, time limits)
with in-memory ports."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sagewatch.adapters.rate_limit import RateLimiter
from sagewatch.adapters.slack import SlackDeliveryError
from sagewatch.config import NotifyConfig
from sagewatch.core.alerting.alert import AlertView, Link
from sagewatch.core.alerting.delivery_record import Claim, Claimed, LeaseRelease, Settlement, Stored
from sagewatch.core.alerting.digest import DigestEntry, render_digest
from sagewatch.core.alerting.notification import parse_sns_record
from sagewatch.usecases.notify import BatchItem, Notifier
from sagewatch.usecases.notify.channel_pacing import ChannelPacer
from sagewatch_emulator.slack_blocks import validate_slack_message

NOW = datetime(2026, 11, 28, 3, 12, tzinfo=UTC)


def view(index: int, state: str = "ALARM", *, endpoint: str | None = None, name: str | None = None) -> AlertView:
    return AlertView(
        state=state,
        title=f"alarm {index}",
        alarm_name=name or f"SageWatch/ep-{index % 7}/AllTraffic/model-latency-p99",
        region="us-east-1",
        account_id="123456789012",
        since=NOW + timedelta(seconds=index),
        endpoint=endpoint or f"ep-{index % 7}",
        variant="AllTraffic",
        signal="Model latency p99",
        value_text=f"{1000 + index:,} ms",
        threshold_text="> 1,000 ms",
        links=(Link("Alarm", f"https://console.aws.amazon.com/cloudwatch/home#alarmsV2:alarm/a{index}"),),
        message_id=f"00000000-0000-4000-8000-{index:012d}",
    )


def test_a_big_digest_is_split_within_block_kit_limits_and_names_every_alert() -> None:
    hostile = "<!channel> " + "x" * 400
    entries = [DigestEntry(view(i, name=hostile if i % 5 == 0 else None), severity=1 + i / 100) for i in range(900)]
    messages = render_digest(entries, channel="C0ALERTS")
    assert len(messages) > 1
    for message in messages:
        assert validate_slack_message(message) == []
        assert "<!channel>" not in json.dumps(message)
    text = "\n".join(json.dumps(m) for m in messages)
    assert all(e.view.message_id in text for e in entries)


def test_a_digest_keeps_every_transition_in_order_and_counts_states() -> None:
    resolved_view = dataclasses.replace(view(1, "OK"), message_id="00000000-0000-4000-8000-000000000099")
    entries = [DigestEntry(view(1)), DigestEntry(view(2)), DigestEntry(resolved_view), DigestEntry(view(3))]
    [message] = render_digest(entries)
    text = json.dumps(message, ensure_ascii=False)
    first, resolved = entries[0].view.message_id, entries[2].view.message_id
    assert text.index(first) < text.index(resolved)  # ALARM line, then its OK line
    assert "ALARM: *3*" in text and "OK: *1*" in text
    assert "4 alerts" in message["text"]


# -- the notifier with in-memory ports --------------------------------------------------------


class MemoryRecords:
    """The delivery records' semantics in memory: claims per (MessageId, destination), incident
    records per (scope, destination) with a token a settlement must still find."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], str] = {}
        self.incidents: dict[tuple[str | None, str], Stored] = {}
        self.calls = 0

    def claim(
        self, incident: str | None, message_id: str, destinations: Sequence[str], *, remaining_ms: int
    ) -> Claimed:
        self.calls += 1
        claims: dict[str, Claim] = {}
        for destination in destinations:
            state = self.records.get((message_id, destination))
            if state == "COMPLETED":
                claims[destination] = Claim.DONE
            elif state == "INPROGRESS":
                claims[destination] = Claim.BUSY
            else:
                self.records[(message_id, destination)] = "INPROGRESS"
                claims[destination] = Claim.NEW
        return Claimed(claims, {d: self.incidents.get((incident, d), Stored()) for d in destinations})

    def settle(
        self,
        incident: str | None,
        message_id: str,
        settlements: Sequence[Settlement],
        *,
        lease: LeaseRelease | None = None,
    ) -> dict[str, Stored]:
        self.calls += 1
        stale = {
            s.destination: self.incidents.get((incident, s.destination), Stored())
            for s in settlements
            if s.record is not None and self.incidents.get((incident, s.destination), Stored()).token != s.token
        }
        if stale:
            return stale
        for s in settlements:
            if s.done:
                self.records[(message_id, s.destination)] = "COMPLETED"
            else:
                self.records.pop((message_id, s.destination), None)
            if s.record is not None:
                self.incidents[(incident, s.destination)] = Stored(s.record, (s.token or 0) + 1)
        return {}


class MemorySlack:
    def __init__(self, failures: Sequence[SlackDeliveryError] = ()) -> None:
        self.sent: list[dict[str, Any]] = []
        self.failures = list(failures)

    def send(self, webhook_url: str, payload: dict[str, Any]) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(payload)


class NoReads:
    def get_metric_data(self, queries: Any, start: Any, end: Any) -> dict[str, Any]:
        return {}

    def get_widget_image(self, widget: Any) -> bytes:
        return b""

    def recent_errors(self, endpoint_name: str, since: Any, until: Any, *, limit: int = 20) -> list[str]:
        return []

    def alarm_started(self, alarm_name: str, before: Any) -> Any:
        return None


class CountedReads(NoReads):
    """Answers nothing, and counts the metric reads (every alert's enrichment makes one)."""

    def __init__(self) -> None:
        self.metric_reads = 0

    def get_metric_data(self, queries: Any, start: Any, end: Any) -> dict[str, Any]:
        self.metric_reads += 1
        return {}


class MemoryEmail:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def send(self, sender: str, recipients: Sequence[str], raw_mime: bytes) -> str:
        self.sent.append(raw_mime)
        return f"ses-{len(self.sent)}"


def notifier(
    slack: MemorySlack,
    ledger: MemoryRecords,
    *,
    threshold: int = 5,
    reads: NoReads | None = None,
    email: MemoryEmail | None = None,
) -> Notifier:
    settings = NotifyConfig(
        name_prefix="SageWatch",
        create_dashboards=True,
        default_slack_secret="sagewatch/slack",
        email_sender="sagewatch@example.com" if email is not None else None,
        email_recipients=("oncall@example.com",) if email is not None else (),
        enrichment_timeout=1.0,
        digest_threshold=threshold,
        slack_min_interval=0.0,
    )
    reads = reads or NoReads()
    return Notifier(
        metrics=reads,
        logs=reads,
        history=reads,
        slack=slack,
        email=email,
        webhook_url=lambda secret: "https://hooks.slack.invalid/services/T/B/x",
        settings=settings,
        pacer=ChannelPacer(RateLimiter(0.0)),
        series_to_minutes=lambda raw, start, end: (),
        records=ledger,
    )


def item(index: int, state: str = "ALARM") -> BatchItem:
    message = {
        "AlarmName": f"web-{index} high CPU",
        "AlarmArn": f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-{index}",
        "NewStateValue": state,
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


def test_a_retried_batch_sends_only_what_did_not_go_out() -> None:
    ledger = MemoryRecords()
    down = SlackDeliveryError(400, "invalid_payload")  # not retryable: fails at once
    slack = MemorySlack([down])
    first = notifier(slack, ledger).deliver_batch([item(1), item(2), item(3)])
    assert set(first.failed) == {"sqs-1"} and len(slack.sent) == 2
    second = notifier(slack, ledger).deliver_batch([item(1), item(2), item(3)])
    assert second.failed == {} and len(slack.sent) == 3
    ids = [re.findall(r"8000-0000000000\d\d", json.dumps(m))[0] for m in slack.sent]
    assert sorted(ids) == ["8000-000000000001", "8000-000000000002", "8000-000000000003"]


def test_rate_limited_past_the_time_left_fails_the_item_instead_of_losing_it() -> None:
    ledger = MemoryRecords()
    slack = MemorySlack([SlackDeliveryError(429, "rate_limited", retry_after=30.0)])
    outcome = notifier(slack, ledger).deliver_batch([item(1)], remaining_ms=lambda: 20_000)
    assert "sqs-1" in outcome.failed and slack.sent == []
    assert ledger.records == {}  # released: the retry from the queue will send it


def test_many_alerts_for_one_channel_become_one_digest() -> None:
    ledger = MemoryRecords()
    slack = MemorySlack()
    outcome = notifier(slack, ledger, threshold=5).deliver_batch([item(i) for i in range(8)])
    assert outcome.failed == {} and len(slack.sent) == 1
    assert validate_slack_message(slack.sent[0]) == []
    assert all(f"8000-{i:012d}" in json.dumps(slack.sent[0]) for i in range(8))


def test_the_same_message_twice_in_a_batch_is_one_line_and_neither_copy_fails() -> None:
    ledger = MemoryRecords()
    slack = MemorySlack()
    duplicate = dataclasses.replace(item(1), item_id="sqs-duplicate")
    outcome = notifier(slack, ledger, threshold=3).deliver_batch([item(1), duplicate, item(2), item(3)])
    assert outcome.failed == {} and len(slack.sent) == 1
    assert json.dumps(slack.sent[0]).count("8000-000000000001") == 1
    small = notifier(slack, ledger, threshold=5).deliver_batch([item(4), dataclasses.replace(item(4), item_id="x")])
    assert small.failed == {} and len(slack.sent) == 2  # individually: the copy is skipped


def test_an_alert_is_read_only_after_the_gate_let_it_through() -> None:
    """The gate comes before the reads: a redelivered alert that already went out costs no read."""
    ledger, slack, reads = MemoryRecords(), MemorySlack(), CountedReads()
    assert notifier(slack, ledger, reads=reads).deliver_batch([item(1)]).failed == {}
    assert reads.metric_reads == 1 and len(slack.sent) == 1
    again = notifier(slack, ledger, reads=reads).deliver_batch([item(1)])
    assert again.reports["sqs-1"].skipped == ["slack:sagewatch/slack"]
    assert reads.metric_reads == 1 and len(slack.sent) == 1


def test_an_alert_in_a_digest_and_an_email_is_read_once_for_both() -> None:
    """One view per alert: the storm's digest line and its own e-mail come from the same view."""
    ledger, slack, reads, email = MemoryRecords(), MemorySlack(), CountedReads(), MemoryEmail()
    outcome = notifier(slack, ledger, threshold=3, reads=reads, email=email).deliver_batch([item(i) for i in range(4)])
    assert outcome.failed == {} and len(slack.sent) == 1 and len(email.sent) == 4
    assert reads.metric_reads == 4  # one read per alert, not one for the digest and one for the e-mail


def test_an_alert_only_in_a_digest_is_not_read() -> None:
    ledger, slack, reads = MemoryRecords(), MemorySlack(), CountedReads()
    outcome = notifier(slack, ledger, threshold=3, reads=reads).deliver_batch([item(i) for i in range(4)])
    assert outcome.failed == {} and len(slack.sent) == 1
    assert reads.metric_reads == 0
