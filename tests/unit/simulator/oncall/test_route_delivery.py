"""PagerDuty events as the week's scorer counts them: an alert opened, updated, resolved by the OK behind it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sagewatch_simulator.oncall.records import AlarmNotice
from sagewatch_simulator.oncall.route_delivery import RouteCollector

TEN = datetime(2026, 11, 2, 10, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
LATENCY = "SageWatch/fraud-scorer/AllTraffic/model-latency-p99"
ERRORS = "SageWatch/fraud-scorer/AllTraffic/invocation-5xx-rate"
KEY = "sagewatch/arn:aws:cloudwatch:us-east-1:123456789012:endpoint/fraud-scorer@20261102T100300Z"


def _notice(n: int, alarm: str, old: str, new: str, at: datetime) -> AlarmNotice:
    return AlarmNotice(f"00000000-0000-4000-8000-{n:012d}", alarm, old, new, at, 60, 3, "")


def _trigger(notice: AlarmNotice) -> dict[str, object]:
    details = {"Alarm": notice.alarm_name, "Message": notice.message_id}
    return {"event_action": "trigger", "dedup_key": KEY, "payload": {"summary": "ALARM", "custom_details": details}}


def test_an_opening_an_update_and_a_resolve_matched_to_the_last_ok_of_the_alarms_it_was_triggered_for() -> None:
    opened = _notice(1, LATENCY, "OK", "ALARM", TEN + 3 * MINUTE)
    joined = _notice(2, ERRORS, "OK", "ALARM", TEN + 5 * MINUTE)
    first_ok = _notice(3, LATENCY, "ALARM", "OK", TEN + 20 * MINUTE)
    last_ok = _notice(4, ERRORS, "ALARM", "OK", TEN + 30 * MINUTE)
    later_ok = _notice(5, ERRORS, "ALARM", "OK", TEN + 90 * MINUTE)  # not yet happened when resolved
    known = {n.message_id: n for n in (opened, joined, first_ok, last_ok, later_ok)}
    collector = RouteCollector()

    first = collector.pagerduty_delivery(_trigger(opened), known, TEN + 3 * MINUTE)
    update = collector.pagerduty_delivery(_trigger(joined), known, TEN + 5 * MINUTE)
    resolve = collector.pagerduty_delivery({"event_action": "resolve", "dedup_key": KEY}, known, TEN + 45 * MINUTE)

    assert (first.message_ids, first.ts, first.thread_ts) == ((opened.message_id,), KEY, None)
    assert (update.message_ids, update.ts, update.thread_ts) == ((joined.message_id,), None, KEY)
    assert (resolve.message_ids, resolve.thread_ts) == ((last_ok.message_id,), KEY)
    # The alert resolved, a trigger under the same key opens a new one (PagerDuty's rule).
    again = collector.pagerduty_delivery(_trigger(opened), known, TEN + 50 * MINUTE)
    assert again.ts == KEY and again.thread_ts is None


def test_a_resolve_with_no_ok_behind_it_carries_nothing_and_is_scored_as_noise() -> None:
    collector = RouteCollector()
    resolve = collector.pagerduty_delivery({"event_action": "resolve", "dedup_key": KEY}, {}, TEN)
    assert resolve.message_ids == () and resolve.destination == "pagerduty"
