"""The rules of what reaches people (core.alerting.incident), one transition at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sagewatch.core.alerting.incident import (
    Action,
    Decision,
    Incident,
    Role,
    decide,
    incident_key,
    resolution_text,
    told_title,
)

ARN = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:SageWatch/fraud-scorer/AllTraffic/model-latency-p99"
NAME = "SageWatch/fraud-scorer/AllTraffic/model-latency-p99"
T0 = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
SETTLE = timedelta(minutes=15)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def step(record: Incident | None, state: str, minute: int, *, threaded: bool = False, **kw: bool) -> Decision:
    return decide(
        record,
        key=ARN,
        alarm=NAME,
        destination="slack:x",
        state=state,
        at=at(minute),
        threaded=threaded,
        settle=SETTLE,
        **kw,
    )


def told(decision: Decision, ts: str | None = None) -> Incident:
    assert decision.record is not None
    return decision.record if ts is None else Incident(**{**decision.record.__dict__, "thread_ts": ts})


def test_a_new_alarms_first_ok_is_not_told() -> None:
    decision = step(None, "OK", 1)
    assert decision.action is Action.SUPPRESS and decision.record is None
    assert "no ALARM was told" in decision.why


def test_an_alarm_opens_an_incident_and_its_ok_waits_then_resolves_it() -> None:
    alarm = step(None, "ALARM", 1)
    assert alarm.action is Action.POST and alarm.record is not None and alarm.record.is_open
    held = step(told(alarm), "OK", 5)
    assert held.action is Action.HOLD and held.record is None
    ok = step(told(alarm), "OK", 5, settled=True)
    assert ok.action is Action.POST and ok.record is not None and not ok.record.is_open
    assert step(ok.record, "OK", 5).action is Action.SUPPRESS  # a duplicate of the told OK


def test_without_a_queue_to_wait_in_the_ok_is_told_at_once() -> None:
    alarm = step(None, "ALARM", 1)
    assert step(told(alarm), "OK", 5, can_hold=False).action is Action.POST


def test_alarm_insufficient_data_ok_still_resolves_and_the_gap_is_silent_without_a_thread() -> None:
    alarm = told(step(None, "ALARM", 1))
    gap = step(alarm, "INSUFFICIENT_DATA", 3)
    assert gap.action is Action.SUPPRESS and gap.record is None
    assert step(alarm, "OK", 6, settled=True).action is Action.POST


def test_insufficient_data_outside_an_incident_was_asked_for_and_is_posted() -> None:
    assert step(None, "INSUFFICIENT_DATA", 1).action is Action.POST


def test_webhook_flapping_folds_the_re_alarm_and_the_held_ok_then_says_it_flapped() -> None:
    alarm = told(step(None, "ALARM", 1))
    assert step(alarm, "OK", 2).action is Action.HOLD
    again = step(alarm, "ALARM", 3)  # the OK is still waiting: the incident is open
    assert again.action is Action.SUPPRESS and again.record is not None and again.record.fired == 2
    first_ok = step(again.record, "OK", 2, settled=True)
    assert first_ok.action is Action.SUPPRESS  # overtaken by the re-ALARM
    final = step(again.record, "OK", 4, settled=True)
    assert final.action is Action.POST and final.fired == 2
    assert told_title("Latency back to normal", "OK", final) == "Latency back to normal — flapped 1 time"


def test_bot_flapping_replies_in_the_thread_even_after_its_ok_within_the_settle_window() -> None:
    alarm = told(step(None, "ALARM", 1, threaded=True), ts="171.0001")
    ok = step(alarm, "OK", 2, threaded=True)
    assert ok.action is Action.REPLY and ok.thread_ts == "171.0001"
    again = step(ok.record, "ALARM", 5, threaded=True)
    assert again.action is Action.REPLY and again.fired == 2 and again.thread_ts == "171.0001"
    assert told_title("Latency above 250 ms", "ALARM", again) == "Latency above 250 ms — firing again (2nd time)"
    update = step(again.record, "INSUFFICIENT_DATA", 6, threaded=True)
    assert update.action is Action.REPLY
    later = step(step(again.record, "OK", 7, threaded=True).record, "ALARM", 7 + 16, threaded=True)
    assert later.action is Action.POST and later.fired == 1  # past the window: a new incident


def test_a_duplicate_or_overtaken_alarm_is_not_told_twice() -> None:
    alarm = told(step(None, "ALARM", 5))
    assert step(alarm, "ALARM", 5).action is Action.SUPPRESS
    assert step(alarm, "ALARM", 4).action is Action.SUPPRESS
    assert step(alarm, "OK", 4, settled=True).action is Action.SUPPRESS


def test_every_write_names_the_version_it_follows() -> None:
    alarm = told(step(None, "ALARM", 1))
    assert alarm.version == 1
    closed = step(alarm, "OK", 2, settled=True).record
    assert closed is not None and closed.version == 2
    reopened = step(closed, "ALARM", 30).record
    assert reopened is not None and reopened.version == 3 and reopened.fired == 1


# -- endpoint-level incidents: several alarms of one endpoint are one incident -------------------

ENDPOINT_KEY = "arn:aws:cloudwatch:us-east-1:123456789012:endpoint/orders-async"
BACKLOG = "SageWatch/orders-async/AllTraffic/async-backlog-without-capacity"
AGE = "SageWatch/orders-async/AllTraffic/async-oldest-request-age"


def of(alarm: str, record: Incident | None, state: str, minute: int, *, threaded: bool = False, **kw: bool) -> Decision:
    return decide(
        record,
        key=ENDPOINT_KEY,
        alarm=alarm,
        destination="slack:x",
        state=state,
        at=at(minute),
        threaded=threaded,
        settle=SETTLE,
        **kw,
    )


def test_the_incident_key_is_the_endpoint_for_sagewatch_alarms_and_the_alarm_for_any_other() -> None:
    arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:" + BACKLOG
    assert incident_key(arn, "orders-async", owned=True) == ENDPOINT_KEY
    assert incident_key(arn, "orders-async", owned=False) == arn  # someone's own alarm: per alarm, as before
    assert incident_key(arn, None, owned=True) == arn
    assert ":alarm:" not in ENDPOINT_KEY  # never the key of a record written per alarm before


def test_webhook_a_second_alarm_joins_silently_and_only_the_last_ok_resolves_listing_both() -> None:
    opened = of(BACKLOG, None, "ALARM", 1)
    assert opened.action is Action.POST and opened.record is not None and opened.role is Role.OPENS
    joined = of(AGE, opened.record, "ALARM", 3)
    assert joined.action is Action.SUPPRESS and joined.role is Role.JOINS and joined.record is not None
    assert joined.record.firing == (BACKLOG, AGE) and joined.record.version == 2
    cleared = of(BACKLOG, joined.record, "OK", 20)
    assert cleared.action is Action.SUPPRESS and cleared.role is Role.CLEARS and cleared.record is not None
    assert cleared.record.firing == (AGE,) and cleared.record.is_open
    assert of(AGE, cleared.record, "OK", 25).action is Action.HOLD
    resolved = of(AGE, cleared.record, "OK", 25, settled=True)
    assert resolved.action is Action.POST and resolved.role is Role.RESOLVES
    assert resolved.record is not None and not resolved.record.is_open and resolved.record.fired == 2
    assert told_title("Backlog cleared", "OK", resolved) == "Backlog cleared — 2 alarms fired"
    assert resolution_text(resolved) == (
        "incident lasted 24 min; fired: AllTraffic/async-backlog-without-capacity once, "
        "AllTraffic/async-oldest-request-age once"
    )


def test_bot_mode_a_joining_alarm_and_a_partial_ok_are_replies_in_the_incidents_thread() -> None:
    opened = told(of(BACKLOG, None, "ALARM", 1, threaded=True), ts="171.1")
    joined = of(AGE, opened, "ALARM", 3, threaded=True)
    assert joined.action is Action.REPLY and joined.thread_ts == "171.1" and joined.role is Role.JOINS
    assert told_title("Oldest request is 40 min old", "ALARM", joined) == "Also firing: Oldest request is 40 min old"
    cleared = of(AGE, joined.record, "OK", 9, threaded=True)
    assert cleared.action is Action.REPLY and cleared.role is Role.CLEARS
    assert told_title("Age back to normal", "OK", cleared) == (
        "Age back to normal — still firing: AllTraffic/async-backlog-without-capacity"
    )
    resolved = of(BACKLOG, cleared.record, "OK", 12, threaded=True)
    assert resolved.action is Action.REPLY and resolved.role is Role.RESOLVES and resolved.thread_ts == "171.1"


def test_an_ok_of_an_alarm_not_firing_in_the_incident_is_not_told() -> None:
    opened = told(of(BACKLOG, None, "ALARM", 1))
    first_evaluation = of(AGE, opened, "OK", 2)  # a new alarm of the endpoint evaluated for the first time
    assert first_evaluation.action is Action.SUPPRESS and first_evaluation.record is None


def test_flapping_and_duplicates_are_per_alarm_inside_the_endpoints_incident() -> None:
    opened = told(of(BACKLOG, None, "ALARM", 5))
    joined = told(of(AGE, opened, "ALARM", 3))  # earlier than the first: another alarm, not stale
    assert joined.firing == (BACKLOG, AGE)
    assert of(AGE, joined, "ALARM", 3).action is Action.SUPPRESS  # a duplicate of AGE's ALARM
    assert of(AGE, joined, "ALARM", 3).record is None
    cleared = told(of(AGE, joined, "OK", 6))
    again = of(AGE, cleared, "ALARM", 7)
    assert again.action is Action.SUPPRESS and again.role is Role.FIRES_AGAIN and again.fired == 2
    assert again.record is not None and again.record.fired == 3


def test_insufficient_data_of_another_alarm_during_the_incident_stays_in_it() -> None:
    opened = told(of(BACKLOG, None, "ALARM", 1, threaded=True), ts="171.1")
    assert of(AGE, opened, "INSUFFICIENT_DATA", 2, threaded=True).action is Action.REPLY
    assert of(AGE, told(of(BACKLOG, None, "ALARM", 1)), "INSUFFICIENT_DATA", 2).action is Action.SUPPRESS


def test_after_the_settle_window_any_alarm_of_the_endpoint_opens_a_new_incident() -> None:
    opened = told(of(BACKLOG, None, "ALARM", 1, threaded=True), ts="171.1")
    closed = of(BACKLOG, opened, "OK", 5, threaded=True).record
    within = of(AGE, closed, "ALARM", 10, threaded=True)
    assert within.action is Action.REPLY and within.role is Role.JOINS  # reopened in the same thread
    later = of(AGE, closed, "ALARM", 5 + 16, threaded=True)
    assert later.action is Action.POST and later.record is not None and later.record.alarms[0].name == AGE


def test_an_alarm_first_firing_long_after_the_incidents_latest_alarm_is_told_at_top_level() -> None:
    """A 5XX burst two hours into a disk-full incident is news: neither folded nor hidden in a
    thread, yet it joins the incident, whose one resolution lists both."""
    opened = of(BACKLOG, None, "ALARM", 1)
    late = of(AGE, opened.record, "ALARM", 1 + 120)
    assert late.action is Action.POST and late.role is Role.JOINS and late.thread_ts is None
    assert late.record is not None and late.record.firing == (BACKLOG, AGE)
    assert told_title("Oldest request is 40 min old", "ALARM", late) == "Also firing: Oldest request is 40 min old"
    threaded = of(AGE, told(of(BACKLOG, None, "ALARM", 1, threaded=True), ts="171.1"), "ALARM", 121, threaded=True)
    assert threaded.action is Action.POST and threaded.thread_ts is None
    # Within the window after the latest ALARM (the one just now), a third alarm is correlated.
    third = of("SageWatch/orders-async/AllTraffic/async-backlog-size", late.record, "ALARM", 125)
    assert third.action is Action.SUPPRESS and third.role is Role.JOINS
    assert of(BACKLOG, third.record, "OK", 130).role is Role.CLEARS
