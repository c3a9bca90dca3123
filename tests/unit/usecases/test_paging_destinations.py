"""PagerDuty and Teams as destinations of the notifier, with in-memory ports: routed by team and
severity, claimed once per destination, and one PagerDuty alert per SageWatch incident."""

from __future__ import annotations

import json
from collections.abc import Callable
from types import MappingProxyType
from typing import Any

import pytest

from sagewatch.adapters.rate_limit import RateLimiter
from sagewatch.config import NotifyConfig
from sagewatch.core.alerting.delivery_errors import WebhookDeliveryError
from sagewatch.core.alerting.notification import parse_sns_record
from sagewatch.core.alerting.routes import Route, RoutingTable
from sagewatch.usecases.notify import BatchItem, Notifier
from sagewatch.usecases.notify.channel_pacing import ChannelPacer
from sagewatch.usecases.notify.send import Paging
from sagewatch_emulator.pagerduty_events import PagerDutyEvents
from sagewatch_emulator.teams_cards import validate_teams_message
from tests.unit.usecases.test_delivery import MemoryRecords, MemorySlack, NoReads

ROUTING_KEY = "R0UT1NGKEY0123456789ABCDEFGHIJKL"  # 32 characters, as PagerDuty's
TEAMS_URL = "https://example.webhook.office.invalid/workflows/abc?sig=SECRET"
TABLE = RoutingTable(
    MappingProxyType(
        {
            "payments": Route(slack=("sagewatch/slack-payments",), pagerduty=("sagewatch/pd-payments",)),
            "ml-platform": Route(teams=("sagewatch/teams-ml",)),
        }
    )
)


class MemoryPagerDuty:
    """Enqueues into the emulator's PagerDuty ledger (the Events API v2 schema checked)."""

    def __init__(self, failures: list[WebhookDeliveryError] | None = None) -> None:
        self.ledger = PagerDutyEvents()
        self.failures = failures or []
        self.bodies: list[dict[str, Any]] = []

    def enqueue(self, routing_key: str, body: dict[str, Any], *, time_left: Callable[[], float] | None = None) -> str:
        if self.failures:
            raise self.failures.pop(0)
        status, answer = self.ledger.enqueue({"routing_key": routing_key, **body})
        assert status == 202, answer
        self.bodies.append(body)
        return str(answer["dedup_key"])


class MemoryTeams:
    def __init__(self) -> None:
        self.posted: list[dict[str, Any]] = []

    def post(self, webhook_url: str, message: dict[str, Any], *, time_left: Callable[[], float] | None = None) -> None:
        assert webhook_url == TEAMS_URL
        self.posted.append(message)


class Setup:
    def __init__(self, *, reads_table: list[int] | None = None) -> None:
        self.ledger = MemoryRecords()
        self.slack = MemorySlack()
        self.pagerduty = MemoryPagerDuty()
        self.teams = MemoryTeams()
        self.table_reads = reads_table if reads_table is not None else []

    def notifier(self) -> Notifier:
        settings = NotifyConfig(
            name_prefix="SageWatch",
            default_slack_secret="sagewatch/slack",
            enrichment_timeout=1.0,
            slack_min_interval=0.0,
        )
        reads = NoReads()

        def routes() -> RoutingTable:
            self.table_reads.append(1)
            return TABLE

        return Notifier(
            metrics=reads,
            logs=reads,
            history=reads,
            slack=self.slack,
            email=None,
            webhook_url=lambda secret: f"https://hooks.slack.invalid/services/T/B/{secret}",
            settings=settings,
            pacer=ChannelPacer(RateLimiter(0.0)),
            series_to_minutes=lambda raw, start, end: (),
            records=self.ledger,
            paging=lambda: Paging(
                pagerduty=self.pagerduty,
                routing_key=lambda secret: ROUTING_KEY,
                teams=self.teams,
                teams_url=lambda secret: TEAMS_URL,
            ),
            routes=routes,
        )


def alarm(
    n: int, key: str, state: str, minute: int, *, team: str | None = "payments", sev: str | None = None
) -> BatchItem:
    trailer = " ".join(f for f in (f"team={team}" if team else "", f"sev={sev}" if sev else "") if f)
    message = {
        "AlarmName": f"SageWatch/fraud-scorer/AllTraffic/{key}",
        "AlarmDescription": f"[SageWatch] {key} of fraud-scorer. [sagewatch kind=real-time {trailer}]",
        "AlarmArn": f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:SageWatch/fraud-scorer/AllTraffic/{key}",
        "NewStateValue": state,
        "OldStateValue": "OK" if state == "ALARM" else "ALARM",
        "NewStateReason": "Threshold Crossed",
        "StateChangeTime": f"2026-11-28T03:{minute:02d}:00.000+0000",
        "Region": "US East (N. Virginia)",
        "AWSAccountId": "123456789012",
        "Trigger": {
            "MetricName": "ModelLatency",
            "Namespace": "AWS/SageMaker",
            "ExtendedStatistic": "p99",
            "Dimensions": [
                {"name": "EndpointName", "value": "fraud-scorer"},
                {"name": "VariantName", "value": "AllTraffic"},
            ],
            "Period": 60,
            "EvaluationPeriods": 1,
            "ComparisonOperator": "GreaterThanThreshold",
            "Threshold": 250000.0,
        },
    }
    message_id = f"00000000-0000-4000-8000-{n:012d}"
    return BatchItem(
        f"sqs-{n}", message_id, notification=parse_sns_record({"MessageId": message_id, "Message": json.dumps(message)})
    )


def test_trigger_refire_and_resolve_are_one_pagerduty_alert_opened_and_resolved() -> None:
    setup = Setup()
    for batch in (
        [alarm(1, "model-latency-p99", "ALARM", 10)],
        [alarm(2, "invocation-5xx-rate", "ALARM", 12)],  # joins: folded in Slack, an update in PagerDuty
        [alarm(3, "model-latency-p99", "OK", 20)],  # one OK while 5xx still fires: nothing pages
        [alarm(4, "invocation-5xx-rate", "OK", 25)],  # the last OK: resolve
    ):
        outcome = setup.notifier().deliver_batch(batch)
        assert outcome.failed == {}
    [incident] = setup.pagerduty.ledger.alerts
    assert (incident.status, incident.triggers) == ("resolved", 2)
    assert [b["event_action"] for b in setup.pagerduty.bodies] == ["trigger", "trigger", "resolve"]
    assert len({b["dedup_key"] for b in setup.pagerduty.bodies}) == 1
    assert setup.pagerduty.bodies[0]["dedup_key"].startswith(
        "sagewatch/arn:aws:cloudwatch:us-east-1:123456789012:endpoint/fraud-scorer@"
    )
    # Slack told the incident's opening and its resolution, nothing in between (webhook mode).
    assert [m["text"].split(":")[0] for m in setup.slack.sent] == ["ALARM", "OK"]


def test_a_redelivered_message_sends_no_second_pagerduty_event() -> None:
    setup = Setup()
    first = alarm(1, "model-latency-p99", "ALARM", 10)
    setup.notifier().deliver_batch([first])
    setup.notifier().deliver_batch([first])  # SQS at-least-once: the same MessageId again
    assert len(setup.pagerduty.bodies) == 1 and len(setup.slack.sent) == 1


def test_a_notify_alarm_does_not_page_and_a_tag_can_make_it_page() -> None:
    setup = Setup()
    setup.notifier().deliver_batch([alarm(1, "cpu-utilization", "ALARM", 10)])
    assert setup.pagerduty.bodies == [] and len(setup.slack.sent) == 1
    setup.notifier().deliver_batch([alarm(2, "cpu-utilization", "ALARM", 40, sev="page")])
    assert [b["event_action"] for b in setup.pagerduty.bodies] == ["trigger"]
    # and a page alarm tagged notify does not page
    quiet = Setup()
    quiet.notifier().deliver_batch([alarm(3, "model-latency-p99", "ALARM", 10, sev="notify")])
    assert quiet.pagerduty.bodies == []


def test_a_team_with_teams_gets_valid_cards_and_no_slack() -> None:
    setup = Setup()
    setup.notifier().deliver_batch([alarm(1, "model-latency-p99", "ALARM", 10, team="ml-platform")])
    [message] = setup.teams.posted
    assert validate_teams_message(message) == []
    assert setup.slack.sent == [] and setup.pagerduty.bodies == []


def test_an_untagged_endpoint_keeps_the_default_route_without_reading_the_table() -> None:
    reads: list[int] = []
    setup = Setup(reads_table=reads)
    setup.notifier().deliver_batch([alarm(1, "model-latency-p99", "ALARM", 10, team=None)])
    assert reads == [] and setup.pagerduty.bodies == [] and len(setup.slack.sent) == 1


def test_an_unknown_team_falls_back_to_the_default_route(caplog: pytest.LogCaptureFixture) -> None:
    setup = Setup()
    setup.notifier().deliver_batch([alarm(1, "model-latency-p99", "ALARM", 10, team="nobody")])
    assert len(setup.slack.sent) == 1 and setup.pagerduty.bodies == []
    assert "'nobody'" in caplog.text and "default route" in caplog.text


def test_a_pagerduty_failure_returns_the_alert_and_the_retry_sends_only_pagerduty() -> None:
    setup = Setup()
    setup.pagerduty.failures = [WebhookDeliveryError("PagerDuty", 503, "unavailable")]
    first = setup.notifier().deliver_batch([alarm(1, "model-latency-p99", "ALARM", 10)])
    assert set(first.failed) == {"sqs-1"} and len(setup.slack.sent) == 1
    second = setup.notifier().deliver_batch([alarm(1, "model-latency-p99", "ALARM", 10)])
    assert second.failed == {} and len(setup.slack.sent) == 1
    assert [b["event_action"] for b in setup.pagerduty.bodies] == ["trigger"]


def test_an_unreadable_routing_table_sends_to_the_default_route(caplog: pytest.LogCaptureFixture) -> None:
    from sagewatch.core.shared.errors import InvalidPolicyError

    setup = Setup()
    notifier = setup.notifier()

    def broken() -> RoutingTable:
        raise InvalidPolicyError("SSM parameter /sagewatch/policy: routes.payments: unknown field(s) pager")

    notifier._routes = broken
    outcome = notifier.deliver_batch([alarm(1, "model-latency-p99", "ALARM", 10)])
    assert outcome.failed == {} and len(setup.slack.sent) == 1 and setup.pagerduty.bodies == []
    assert "routing table unavailable" in caplog.text and "unknown field(s) pager" in caplog.text
