"""The fake PagerDuty and Teams servers answer the runtime's own urllib senders as the services do."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from sagewatch.adapters.pagerduty import PagerDutySender
from sagewatch.adapters.teams import TeamsSender
from sagewatch.core.alerting.alert import AlertView, Link
from sagewatch.core.alerting.delivery_errors import WebhookDeliveryError
from sagewatch.core.alerting.render_pagerduty import render_pagerduty_resolve, render_pagerduty_trigger
from sagewatch.core.alerting.render_teams import render_teams
from sagewatch_emulator.fake_pagerduty import FakePagerDuty
from sagewatch_emulator.fake_teams import FakeTeams
from sagewatch_emulator.http_fake import Reply

pytestmark = pytest.mark.integration

VIEW = AlertView(
    state="ALARM",
    title="Model latency p99 > 1,000 ms on fraud-scorer / AllTraffic",
    alarm_name="SageWatch/fraud-scorer/AllTraffic/model-latency-p99",
    region="us-east-1",
    account_id="123456789012",
    since=datetime(2026, 11, 28, 3, 12, tzinfo=UTC),
    endpoint="fraud-scorer",
    variant="AllTraffic",
    signal="Model latency p99",
    value_text="1,840 ms",
    threshold_text="> 1,000 ms",
    links=(Link("Alarm", "https://console.aws.amazon.com/cloudwatch/home#alarmsV2:alarm/x"),),
)


@pytest.fixture
def pagerduty() -> Iterator[FakePagerDuty]:
    with_server = FakePagerDuty().start()
    try:
        yield with_server
    finally:
        with_server.stop()


@pytest.fixture
def teams() -> Iterator[FakeTeams]:
    with_server = FakeTeams().start()
    try:
        yield with_server
    finally:
        with_server.stop()


def test_trigger_then_resolve_is_one_alert_resolved(pagerduty: FakePagerDuty) -> None:
    slept: list[float] = []
    sender = PagerDutySender(sleep=slept.append, events_url=pagerduty.events_url, timeout=5.0)
    key = pagerduty.routing_key("payments")
    trigger = render_pagerduty_trigger(VIEW, dedup_key="sagewatch/x@1")
    pagerduty.inject(Reply(429, {"status": "throttled"}, {"Retry-After": "2"}), Reply(500, {"status": "error"}))
    assert sender.enqueue(key, dict(trigger.body)) == "sagewatch/x@1"
    assert slept == [2.0, 1.0]  # Retry-After, then the doubled backoff
    sender.enqueue(key, dict(trigger.body))
    sender.enqueue(key, dict(render_pagerduty_resolve("sagewatch/x@1").body))
    [alert] = pagerduty.alerts("payments")
    assert (alert.status, alert.triggers) == ("resolved", 2)
    assert all("routing_key" not in event for event in pagerduty.events)


def test_an_invalid_event_is_a_400_that_is_not_retried(pagerduty: FakePagerDuty) -> None:
    slept: list[float] = []
    sender = PagerDutySender(sleep=slept.append, events_url=pagerduty.events_url, timeout=5.0)
    with pytest.raises(WebhookDeliveryError) as raised:
        sender.enqueue(pagerduty.routing_key("payments"), {"event_action": "trigger", "payload": {}})
    assert raised.value.status == 400 and slept == [] and pagerduty.rejected


def test_teams_takes_a_valid_card_and_refuses_a_wrong_signature_or_a_bad_card(teams: FakeTeams) -> None:
    sender = TeamsSender(sleep=lambda s: None, timeout=5.0)
    url = teams.webhook_url("ml-platform")
    sender.post(url, render_teams(VIEW))
    assert len(teams.messages("ml-platform")) == 1
    with pytest.raises(WebhookDeliveryError) as raised:
        sender.post(url.replace("sig=", "sig=x"), render_teams(VIEW))
    assert raised.value.status == 401 and "sig=" not in str(raised.value)
    with pytest.raises(WebhookDeliveryError) as raised:
        sender.post(url, {"type": "message", "attachments": [{"contentType": "text/plain"}]})
    assert raised.value.status == 400 and teams.invalid
