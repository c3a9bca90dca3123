"""An ALARM published well after it fired, with a mute rule targeting the alarm, says it fired
during a quiet window (CloudWatch runs muted actions when the window ends: "How alarm mute rules
work"); one on time reads nothing more."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sagewatch.core.alerting.quiet_window import LATE_AFTER, quiet_note, released_late

FIRED = datetime(2026, 6, 1, 22, 14, tzinfo=UTC)


def test_only_a_late_alarm_asks_for_the_rules() -> None:
    assert released_late("ALARM", FIRED, FIRED + timedelta(hours=1))
    assert not released_late("ALARM", FIRED, FIRED + timedelta(seconds=5))  # on time
    assert not released_late("ALARM", FIRED, FIRED + LATE_AFTER)
    assert not released_late("ALARM", FIRED, None)  # no SNS Timestamp: no guess
    assert not released_late("OK", FIRED, FIRED + timedelta(hours=1))  # an OK is never paged for


def test_the_note_names_the_window_and_both_times() -> None:
    note = quiet_note(
        "SageWatch",
        [("SageWatch-quiet-team-a-2-of-3", None), ("SageWatch-quiet-team-a-1-of-3", None)],
        FIRED,
        FIRED + timedelta(hours=1),
    )
    assert note == (
        "Fired at 2026-06-01 22:14 UTC during a quiet window (SageWatch-quiet-team-a); "
        "sent when the window ended, 23:14 UTC, with the alarm still firing"
    )


def test_no_rule_no_note() -> None:
    assert quiet_note("SageWatch", [], FIRED, FIRED + timedelta(hours=1)) is None
    many = quiet_note("SageWatch", [(f"r{i}", None) for i in range(5)], FIRED, FIRED + timedelta(hours=1))
    assert many is not None and "r0, r1, r2 and 2 more" in many


def test_a_rule_expired_before_the_alarm_fired_does_not_count() -> None:
    expired = [("SageWatch-quiet-old", FIRED - timedelta(days=30))]
    assert quiet_note("SageWatch", expired, FIRED, FIRED + timedelta(hours=1)) is None
    still = [("SageWatch-quiet-old", FIRED + timedelta(days=30))]
    assert quiet_note("SageWatch", still, FIRED, FIRED + timedelta(hours=1)) is not None


def test_a_deployment_hold_is_named_as_such() -> None:
    note = quiet_note("SageWatch", [("SageWatch-deploy-fraud-scorer", None)], FIRED, FIRED + timedelta(minutes=30))
    assert note is not None
    assert "while held for a deployment (SageWatch-deploy-fraud-scorer); sent when the hold ended" in note
