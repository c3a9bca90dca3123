"""Matching alerts to alarms and states (tests/e2e/inbox.py)."""

from __future__ import annotations

from typing import Any

from tests.e2e.inbox import Inbox

ALARM = "sw-e2e-12070245-a1b2/sw-e2e-12070245-a1b2-ep/AllTraffic/invocation-5xx-rate"
OTHER = "sw-e2e-12070245-a1b2/sw-e2e-12070245-a1b2-ep/AllTraffic/model-latency-p99"


def message(state: str, alarm: str) -> dict[str, Any]:
    text = "ALARM: 5XX error rate > 5 %" if state == "ALARM" else "OK: Resolved - back to normal"
    return {"text": text, "blocks": [{"type": "context", "elements": [{"type": "mrkdwn", "text": f"alarm {alarm}"}]}]}


def test_an_alert_is_taken_once_and_only_after_the_previous_one() -> None:
    inbox = Inbox()
    # A new alarm's first evaluation (INSUFFICIENT_DATA -> OK) may be told before the ALARM.
    inbox.add([message("OK", ALARM), message("ALARM", OTHER), message("ALARM", ALARM)])
    assert inbox.take(ALARM, "OK") is not None  # the early OK, if asked for first
    fired = inbox.take(ALARM, "ALARM")
    assert fired is not None and fired.payload["text"].startswith("ALARM:")
    assert inbox.take(ALARM, "ALARM") is None  # consumed
    assert inbox.take(OTHER, "ALARM") is None  # behind the cursor
    inbox.add([message("OK", ALARM)])
    assert inbox.take(ALARM, "OK") is not None


def test_the_ok_before_the_alarm_does_not_count_as_its_resolution() -> None:
    inbox = Inbox()
    inbox.add([message("OK", ALARM), message("ALARM", ALARM)])
    assert inbox.take(ALARM, "ALARM") is not None
    assert inbox.take(ALARM, "OK") is None
    assert "OK: Resolved" in inbox.summary() and "ALARM: 5XX" in inbox.summary()
