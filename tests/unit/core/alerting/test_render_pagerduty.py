"""The PagerDuty event: one alert per SageWatch incident, valid for the Events API v2 whatever the
alarm says, plain text, bounded, and never carrying the routing key until the moment it is sent.

Every event is checked by the emulated PagerDuty's own checker (``sagewatch_emulator.pagerduty_events``:
PagerDuty's OpenAPI schema and documented limits).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sagewatch.core.alerting.alert import AlertView, Link
from sagewatch.core.alerting.incident import Incident, decide, incident_key
from sagewatch.core.alerting.render_pagerduty import (
    MAX_DEDUP_KEY,
    MAX_EVENT_BYTES,
    MAX_SUMMARY,
    EventAction,
    PagerDutyEvent,
    Severity,
    dedup_key,
    default_severity,
    encode_event,
    incident_dedup_key,
    render_pagerduty_resolve,
    render_pagerduty_trigger,
    text_len,
)
from sagewatch_emulator.pagerduty_events import PagerDutyEvents, validate_pagerduty_event

from .test_render_slack import (
    ALL_VIEWS,
    LINKS,
    LOG_LINES,
    alarm_view,
    failed_view,
    generic_view,
    hostile_view,
    insufficient_view,
    ok_view,
    views,
)
from .test_sample_notifications import EVENTS, records, view_of

ROUTING_KEY = "0123456789abcdef0123456789abcdef"  # 32 characters, like an integration key
OPENED = datetime(2026, 11, 28, 3, 12, tzinfo=UTC)
ENDPOINT_KEY = "arn:aws:cloudwatch:us-east-1:123456789012:endpoint/fraud-scorer"
KEY = dedup_key(ENDPOINT_KEY, OPENED)
SAMPLES = sorted(EVENTS.glob("*.json"))
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def trigger(view: AlertView, **kw: Any) -> dict[str, Any]:
    return render_pagerduty_trigger(view, dedup_key=KEY, **kw).request_body(ROUTING_KEY)


def assert_valid(body: dict[str, Any]) -> None:
    assert validate_pagerduty_event(body) == []
    assert len(encode_event(body)) <= MAX_EVENT_BYTES
    summary = body["payload"]["summary"]
    assert 0 < text_len(summary) <= MAX_SUMMARY
    assert not CONTROL.search(summary), "one line of plain text"
    for link in body.get("links", []):
        assert link["href"].startswith(("https://", "http://"))


# -- every fixture and every kind ------------------------------------------------------------


@pytest.mark.parametrize("make", ALL_VIEWS.values(), ids=ALL_VIEWS.keys())
def test_every_fixture_triggers_a_valid_event(make: Any) -> None:
    assert_valid(trigger(make()))


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_every_sample_notification_triggers_a_valid_event(path: Path) -> None:
    for sns in records(path):
        body = trigger(view_of(sns))
        assert_valid(body)
        assert '"AlarmName"' not in json.dumps(body), "never the raw JSON"


def test_a_math_alarm_carries_value_and_threshold_in_human_units() -> None:
    (sns,) = records(EVENTS / "alarm-math-5xx-rate.json")
    payload = trigger(view_of(sns))["payload"]
    assert payload["summary"] == "ALARM: 5XX error rate > 5 % on llm-chat / gpu-a10g (12.5 %)"
    details = payload["custom_details"]
    assert details["Value"] == "12.5 %" and details["Threshold"] == "> 5 %"
    assert details["Expression"] == "IF(invocations > 0, 100 * errors / invocations)"
    assert payload["source"] == "aws:sagemaker:us-east-1:123456789012:endpoint/llm-chat"
    assert (payload["group"], payload["component"], payload["class"]) == ("llm-chat", "gpu-a10g", "5XX error rate")


def test_a_composite_and_a_monitoring_run_carry_their_own_details() -> None:
    (composite,) = records(EVENTS / "alarm-composite.json")
    details = trigger(view_of(composite))["payload"]["custom_details"]
    assert details["Triggered by"] == "SageWatch/fraud-scorer/AllTraffic/model-latency-p99"
    assert details["Rule"].startswith('ALARM("SageWatch/fraud-scorer/AllTraffic/model-latency-p99") OR')
    (run,) = records(EVENTS / "monitoring-run-violations.json")
    body = trigger(view_of(run))
    assert body["payload"]["custom_details"]["Schedule"] == "churn-v2-data-quality"
    assert [link["text"] for link in body["links"]] == ["Reports", "Schedule", "Endpoint", "Logs"]


# -- what the event says ---------------------------------------------------------------------


def test_alarm_event_fields() -> None:
    body = trigger(alarm_view())
    assert body["routing_key"] == ROUTING_KEY
    assert body["event_action"] == "trigger" and body["dedup_key"] == KEY
    assert body["client"] == "SageWatch" and body["client_url"] == LINKS[0].url
    payload = body["payload"]
    assert payload["summary"] == "ALARM: Model latency p99 > 1,000 ms on fraud-scorer / AllTraffic (1,840 ms)"
    assert payload["severity"] == "critical"
    assert payload["timestamp"] == "2026-11-28T03:12:00.000Z"
    assert payload["source"] == "aws:sagemaker:us-east-1:123456789012:endpoint/fraud-scorer"
    details = payload["custom_details"]
    assert details["Value"] == "1,840 ms" and details["Threshold"] == "> 1,000 ms"
    assert details["Since"] == "2026-11-28 03:12 UTC (was OK)"
    assert details["Recent errors"] == list(LOG_LINES)
    assert details["Last hour"][0].startswith("▶ Model latency p99")
    assert details["Alarm"] == "sagewatch/fraud-scorer/AllTraffic/model-latency-p99"
    assert [(link["text"], link["href"]) for link in body["links"]] == [(x.label, x.url) for x in LINKS]


def test_failed_endpoint_and_generic_alarm() -> None:
    failed = trigger(failed_view())["payload"]
    assert failed["summary"].startswith("FAILED: Endpoint fraud-scorer failed: Failed to deploy model")
    assert failed["severity"] == "critical" and "Failure reason" in failed["custom_details"]
    generic = trigger(generic_view())["payload"]
    assert generic["source"] == "aws:cloudwatch:eu-west-1:123456789012:alarm/web-fleet-cpu-high"
    assert "group" not in generic and generic["custom_details"]["Alarm"] == "web-fleet-cpu-high"


def test_default_severities_and_an_override() -> None:
    assert default_severity(alarm_view()) is Severity.CRITICAL
    assert default_severity(failed_view()) is Severity.CRITICAL
    assert default_severity(insufficient_view()) is Severity.WARNING
    assert default_severity(ok_view()) is Severity.INFO
    assert trigger(alarm_view(), severity=Severity.WARNING)["payload"]["severity"] == "warning"


def test_only_http_links_and_no_client_url_without_one() -> None:
    links = (Link("Bad", "javascript:alert(1)"), Link("Ok", "https://ok.example/"))
    body = trigger(alarm_view(links=links))
    assert body["links"] == [{"href": "https://ok.example/", "text": "Ok"}]
    assert body["client_url"] == "https://ok.example/"
    bare = trigger(alarm_view(links=()))
    assert "links" not in bare and "client_url" not in bare
    assert_valid(bare)


def test_resolve_is_the_key_and_the_action() -> None:
    event = render_pagerduty_resolve(KEY)
    assert event.action is EventAction.RESOLVE
    body = event.request_body(ROUTING_KEY)
    assert body == {"routing_key": ROUTING_KEY, "event_action": "resolve", "dedup_key": KEY}
    assert validate_pagerduty_event(body) == []


# -- the routing key -------------------------------------------------------------------------


def test_the_routing_key_is_only_in_the_request_body() -> None:
    event = render_pagerduty_trigger(alarm_view(), dedup_key=KEY)
    assert "routing_key" not in event.body
    assert ROUTING_KEY not in repr(event) and ROUTING_KEY not in json.dumps(dict(event.body))
    assert isinstance(event, PagerDutyEvent) and "body" not in repr(event)
    assert event.request_body(ROUTING_KEY)["routing_key"] == ROUTING_KEY
    assert "routing_key" not in event.body, "request_body does not change the event"


# -- one PagerDuty alert per incident --------------------------------------------------------


def test_dedup_key_is_readable_stable_and_per_incident() -> None:
    assert dedup_key(ENDPOINT_KEY, OPENED) == f"sagewatch/{ENDPOINT_KEY}@20261128T031200Z"
    assert dedup_key(ENDPOINT_KEY, OPENED) == KEY
    assert dedup_key(ENDPOINT_KEY, OPENED.replace(tzinfo=None)) == KEY, "a naive time is UTC"
    assert dedup_key(ENDPOINT_KEY, OPENED.astimezone(UTC).replace(hour=4)) != KEY, "the next incident"
    assert dedup_key(ENDPOINT_KEY.replace("fraud-scorer", "churn-v2"), OPENED) != KEY


def test_a_long_alarm_arn_gets_a_bounded_key_that_stays_distinct() -> None:
    base = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:" + "a" * 250
    first, second = dedup_key(base + "-one", OPENED), dedup_key(base + "-two", OPENED)
    assert len(first) <= MAX_DEDUP_KEY and len(second) <= MAX_DEDUP_KEY
    assert first != second and first == dedup_key(base + "-one", OPENED)
    assert first.startswith("sagewatch/arn:aws:cloudwatch:us-east-1:123456789012:alarm:aaa")
    odd = dedup_key("arn:aws:cloudwatch:us-east-1:1:alarm:evil\n\x00\ud800name", OPENED)
    assert len(odd) <= MAX_DEDUP_KEY and not CONTROL.search(odd)
    odd.encode("utf-8")


@given(st.text(max_size=600), st.datetimes(timezones=st.sampled_from([None, UTC])))
def test_any_incident_key_gives_a_bounded_stable_key(key: str, opened: datetime) -> None:
    first = dedup_key(key, opened)
    assert first == dedup_key(key, opened)
    assert 0 < text_len(first) <= MAX_DEDUP_KEY
    first.encode("utf-8")


def test_an_incident_from_open_to_resolved_is_one_pagerduty_alert() -> None:
    """The notifier's own decisions (core.alerting.incident) drive the events: the ALARM that
    opens, another alarm joining, a re-fire and the final OK all carry one dedup_key, and the
    emulated PagerDuty opens one alert and resolves it."""
    pagerduty = PagerDutyEvents()
    arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:SageWatch/fraud-scorer/AllTraffic/"
    key = incident_key(arn + "model-latency-p99", "fraud-scorer", owned=True)
    record: Incident | None = None
    keys = []
    steps = [
        ("model-latency-p99", "ALARM", 0),
        ("invocation-5xx-rate", "ALARM", 5),
        ("model-latency-p99", "OK", 10),
        ("model-latency-p99", "ALARM", 12),  # flapping
        ("model-latency-p99", "OK", 20),
        ("invocation-5xx-rate", "OK", 25),  # the last firing alarm: resolves
    ]
    for alarm, state, minute in steps:
        at = OPENED + timedelta(minutes=minute)
        decision = decide(
            record, key=key, alarm=arn + alarm, destination="pagerduty", state=state, at=at,
            threaded=False, settle=timedelta(0), can_hold=False,
        )  # fmt: skip
        if decision.record is not None:
            record = decision.record
        if decision.incident is None:
            continue
        incident_key_now = incident_dedup_key(decision.incident)
        keys.append(incident_key_now)
        view = alarm_view(state=state, since=at)
        event = (
            render_pagerduty_trigger(view, dedup_key=incident_key_now)
            if state == "ALARM"
            else render_pagerduty_resolve(incident_key_now)
        )
        if state == "OK" and decision.incident.is_open:
            continue  # one alarm cleared, another still fires: PagerDuty's alert stays open
        status, answer = pagerduty.enqueue(event.request_body(ROUTING_KEY))
        assert (status, answer["dedup_key"]) == (202, incident_key_now)
    assert len(set(keys)) == 1
    assert (pagerduty.opened, pagerduty.resolved) == (1, 1)
    (alert,) = pagerduty.alerts
    assert alert.triggers == 3 and not alert.is_open
    # The next incident of the same endpoint opens later: a new alert, even had a resolve been lost.
    later = OPENED + timedelta(hours=3)
    assert dedup_key(key, later) != keys[0]


# -- hostile and any input -------------------------------------------------------------------


def test_a_hostile_alarm_is_plain_bounded_text() -> None:
    body = trigger(hostile_view())
    assert_valid(body)
    payload = body["payload"]
    assert payload["summary"] == "ALARM: Latency <!here> on <@U999> & co second line (1,840 ms)"
    assert text_len(payload["custom_details"]["Description"]) <= 2000
    assert payload["custom_details"]["Description"].endswith("…")
    assert all(link["href"] != "javascript:alert(1)" for link in body["links"])


def test_a_summary_over_1024_characters_is_cut_with_an_ellipsis() -> None:
    summary = trigger(alarm_view(title="🔴 word " * 400))["payload"]["summary"]
    assert text_len(summary) <= MAX_SUMMARY and summary.endswith("…")
    assert text_len(summary) > MAX_SUMMARY - 20, "cut, not dropped"


def test_a_huge_alert_stays_far_under_512_kb() -> None:
    big = "界" * 20_000
    view = alarm_view(
        description=big,
        reason=big,
        log_lines=tuple(big for _ in range(50)),
        details=tuple((f"Fact {i}", big) for i in range(60)),
    )
    body = trigger(view)
    assert_valid(body)
    assert len(body["payload"]["custom_details"]) <= 30


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(views, st.integers(min_value=-1, max_value=30), st.sampled_from(list(Severity)))
def test_any_alert_triggers_a_valid_bounded_event(view: AlertView, max_log_lines: int, severity: Severity) -> None:
    body = render_pagerduty_trigger(view, dedup_key=KEY, severity=severity, max_log_lines=max_log_lines).request_body(
        ROUTING_KEY
    )
    assert_valid(body)
    assert body["payload"]["severity"] == severity
