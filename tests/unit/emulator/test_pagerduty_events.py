"""The emulated PagerDuty's checker and ledger behave as PagerDuty documents the Events API v2.

Sources: PagerDuty/api-schema ``reference/events-v2/openapiv3.json``; PagerDuty developer docs,
"Send an Alert Event" (limits, Alert De-Duplication) and "Events API v2 Overview" (responses,
512 KB). The example bodies below are the shapes of those pages' own examples.
"""

from __future__ import annotations

from typing import Any

import pytest

from sagewatch_emulator.pagerduty_events import (
    MAX_DEDUP_KEY,
    MAX_SUMMARY,
    PagerDutyEvents,
    validate_pagerduty_event,
)

KEY = "e93facc04764012d7bfb002500d5d1a6"  # 32 characters
OTHER_KEY = "f" * 32


def docs_trigger(**overrides: Any) -> dict[str, Any]:
    """The OpenAPI document's example event."""
    body: dict[str, Any] = {
        "payload": {
            "summary": "DISK at 99% on machine prod-datapipe03.example.com",
            "timestamp": "2015-07-17T08:42:58.315+0000",
            "severity": "critical",
            "source": "prod-datapipe03.example.com",
            "component": "mysql",
            "group": "prod-datapipe",
            "class": "disk",
            "custom_details": {"free space": "1%", "ping time": "1500ms", "load avg": 0.75},
        },
        "routing_key": KEY,
        "dedup_key": "srv01/mysql",
        "event_action": "trigger",
        "client": "Sample Monitoring Service",
        "client_url": "https://monitoring.service.com",
        "links": [{"href": "http://pagerduty.example.com", "text": "An example link."}],
        "images": [{"src": "https://chart.example/chart.png", "href": "https://example.com", "alt": "A chart"}],
    }
    body.update(overrides)
    return body


def test_the_documented_examples_are_valid() -> None:
    assert validate_pagerduty_event(docs_trigger()) == []
    assert validate_pagerduty_event({"routing_key": KEY, "dedup_key": "k", "event_action": "acknowledge"}) == []
    assert validate_pagerduty_event({"routing_key": KEY, "dedup_key": "k", "event_action": "resolve"}) == []
    assert validate_pagerduty_event(docs_trigger(dedup_key=None) | {"payload": docs_trigger()["payload"]}) == []
    rfc3339 = docs_trigger()
    rfc3339["payload"]["timestamp"] = "2026-11-28T03:12:00.000Z"
    assert validate_pagerduty_event(rfc3339) == []


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ([], "event: not a JSON object"),
        (docs_trigger(routing_key="short"), "Length of 'routing_key' is incorrect (should be 32 characters)"),
        ({k: v for k, v in docs_trigger().items() if k != "routing_key"}, "routing_key: missing or not a string"),
        (docs_trigger(event_action="open"), "event_action: must be one of trigger, acknowledge, resolve"),
        ({"routing_key": KEY, "event_action": "resolve"}, "dedup_key: required unless event_action is trigger"),
        (docs_trigger(dedup_key="k" * (MAX_DEDUP_KEY + 1)), "dedup_key: 256 characters, more than 255"),
        (docs_trigger(dedup_key=7), "dedup_key: not a string"),
        ({"routing_key": KEY, "event_action": "trigger"}, "payload: required for a trigger"),
        (docs_trigger(client_url="javascript:alert(1)"), "client_url: not an http(s) URL"),
        (docs_trigger(links=[{"text": "no href"}]), "links[0].href: required"),
        (docs_trigger(links={"href": "https://x"}), "links: not an array"),
        (docs_trigger(images=[{"alt": "no src"}]), "images[0].src: required"),
    ],
)
def test_an_invalid_event_is_refused_with_its_reason(body: Any, problem: str) -> None:
    assert problem in validate_pagerduty_event(body)


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("severity", "fatal", "payload.severity: must be one of critical, warning, error, info"),
        ("summary", "x" * (MAX_SUMMARY + 1), "payload.summary: 1025 characters, more than 1024"),
        ("summary", "🔴" * 513, "payload.summary: 1026 characters, more than 1024"),
        ("timestamp", "yesterday", "payload.timestamp: not an ISO 8601 date-time"),
        ("custom_details", ["a"], "payload.custom_details: not an object"),
        ("source", 5, "payload.source: not a string"),
    ],
)
def test_payload_rules(field: str, value: Any, problem: str) -> None:
    body = docs_trigger()
    body["payload"][field] = value
    assert problem in validate_pagerduty_event(body)


@pytest.mark.parametrize("missing", ["summary", "source", "severity"])
def test_payload_requires_summary_source_and_severity(missing: str) -> None:
    body = docs_trigger()
    del body["payload"][missing]
    assert f"payload.{missing}: required" in validate_pagerduty_event(body)


def test_an_event_over_512_kb_is_refused() -> None:
    body = docs_trigger()
    body["payload"]["custom_details"] = {"log": "x" * (512 * 1024)}
    assert any(p.startswith("event: ") and "512 KB" in p for p in validate_pagerduty_event(body))


def test_the_routing_key_is_never_echoed() -> None:
    secret = "secret-routing-key-value"
    assert all(secret not in p for p in validate_pagerduty_event(docs_trigger(routing_key=secret)))


# -- the ledger ------------------------------------------------------------------------------


def test_trigger_opens_a_retrigger_adds_to_it_and_resolve_closes_it() -> None:
    pagerduty = PagerDutyEvents()
    assert pagerduty.enqueue(docs_trigger()) == (
        202,
        {"status": "success", "message": "Event processed", "dedup_key": "srv01/mysql"},
    )
    assert pagerduty.enqueue(docs_trigger())[0] == 202
    (alert,) = pagerduty.alerts
    assert alert.is_open and alert.triggers == 2 and alert.summary.startswith("DISK at 99%")
    status, _ = pagerduty.enqueue({"routing_key": KEY, "dedup_key": "srv01/mysql", "event_action": "resolve"})
    assert status == 202 and not pagerduty.alerts[0].is_open
    assert (pagerduty.opened, pagerduty.resolved) == (1, 1)
    assert all("routing_key" not in event for event in alert.events), "the ledger keeps no secret"


def test_a_trigger_after_resolve_opens_a_new_alert() -> None:
    pagerduty = PagerDutyEvents()
    pagerduty.enqueue(docs_trigger())
    pagerduty.enqueue({"routing_key": KEY, "dedup_key": "srv01/mysql", "event_action": "resolve"})
    pagerduty.enqueue(docs_trigger())
    assert (pagerduty.opened, pagerduty.resolved) == (2, 1)
    assert pagerduty.open_alert(KEY, "srv01/mysql") is pagerduty.alerts[1]


def test_a_resolve_for_an_unknown_key_is_accepted_and_dropped() -> None:
    pagerduty = PagerDutyEvents()
    status, answer = pagerduty.enqueue({"routing_key": KEY, "dedup_key": "never-triggered", "event_action": "resolve"})
    assert (status, answer["dedup_key"]) == (202, "never-triggered")
    assert pagerduty.alerts == [] and len(pagerduty.dropped) == 1


def test_events_apply_only_through_the_routing_key_that_opened_the_alert() -> None:
    pagerduty = PagerDutyEvents()
    pagerduty.enqueue(docs_trigger())
    pagerduty.enqueue({"routing_key": OTHER_KEY, "dedup_key": "srv01/mysql", "event_action": "resolve"})
    assert pagerduty.alerts[0].is_open and len(pagerduty.dropped) == 1


def test_acknowledge_keeps_the_alert_open_until_resolved() -> None:
    pagerduty = PagerDutyEvents()
    pagerduty.enqueue(docs_trigger())
    pagerduty.enqueue({"routing_key": KEY, "dedup_key": "srv01/mysql", "event_action": "acknowledge"})
    assert pagerduty.alerts[0].status == "acknowledged" and pagerduty.alerts[0].is_open
    pagerduty.enqueue(docs_trigger())
    assert pagerduty.opened == 1 and pagerduty.alerts[0].triggers == 2


def test_a_trigger_without_dedup_key_gets_one_and_always_opens() -> None:
    pagerduty = PagerDutyEvents()
    body = {k: v for k, v in docs_trigger().items() if k != "dedup_key"}
    first = pagerduty.enqueue(body)[1]["dedup_key"]
    second = pagerduty.enqueue(body)[1]["dedup_key"]
    assert first != second and pagerduty.opened == 2


def test_an_invalid_event_is_answered_400_and_changes_nothing() -> None:
    pagerduty = PagerDutyEvents()
    status, answer = pagerduty.enqueue(docs_trigger(routing_key="short"))
    assert status == 400
    assert answer["status"] == "invalid event" and answer["message"] == "Event object is invalid"
    assert answer["errors"] == ["Length of 'routing_key' is incorrect (should be 32 characters)"]
    assert pagerduty.alerts == [] and pagerduty.rejected == [answer["errors"]]
