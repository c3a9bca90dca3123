"""The emulated account's alarm mute rule schedules (CloudWatch API Reference "Schedule"): cron and
at expressions read in their time zone, windows of their duration, StartDate/ExpireDate bounds,
statuses as GetAlarmMuteRule reports them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sagewatch_emulator.alarm_engine.mute_rules import (
    MuteRule,
    MuteRuleBook,
    MuteRuleError,
    parse_duration,
    parse_schedule,
)

T = datetime(2026, 6, 7, 0, 0, tzinfo=UTC)  # a Sunday


def rule(expression: str, duration: str = "PT2H", zone: str | None = None, **extra: object) -> MuteRule:
    return MuteRule(
        name="r",
        arn="arn:aws:cloudwatch:us-east-1:123456789012:alarm-mute-rule:r",
        schedule=parse_schedule(expression, duration, zone),
        duration_text=duration,
        timezone=zone,
        targets=("a",),
        updated=T,
        **extra,  # type: ignore[arg-type]
    )


def test_weekly_cron_in_a_time_zone_covers_its_window_only() -> None:
    weekly = rule("cron(0 2 * * SUN)", "PT4H", "Europe/Paris")  # 02:00 Paris = 00:00 UTC in summer
    assert weekly.active_window(T) == (T, T + timedelta(hours=4))
    assert weekly.status(T + timedelta(hours=3, minutes=59)) == "ACTIVE"
    assert weekly.status(T + timedelta(hours=4)) == "SCHEDULED"  # the end is exclusive; next Sunday
    assert weekly.active_window(T + timedelta(days=1)) is None
    assert weekly.active_window(T + timedelta(days=7, hours=1)) is not None


def test_one_time_window_expires_after_it_ran() -> None:
    once = rule("at(2026-06-07T10:00)", "PT30M")
    assert once.status(T) == "SCHEDULED"
    assert once.status(T + timedelta(hours=10, minutes=29)) == "ACTIVE"
    assert once.status(T + timedelta(hours=10, minutes=30)) == "EXPIRED"
    assert once.mute_type == "ONE_TIME" and rule("cron(0 2 * * *)").mute_type == "RECURRING"


def test_start_and_expire_dates_bound_every_window() -> None:
    daily = rule("cron(0 0 * * *)", "PT1H", start=T + timedelta(days=1), expire=T + timedelta(days=3))
    assert daily.active_window(T) is None  # before StartDate
    assert daily.active_window(T + timedelta(days=1)) is not None
    assert daily.status(T + timedelta(days=3)) == "EXPIRED"


def test_a_window_longer_than_a_day_spans_midnight() -> None:
    weekend = rule("cron(0 18 * * FRI)", "P2DT12H")
    friday = datetime(2026, 6, 5, 18, 0, tzinfo=UTC)
    assert weekend.active_window(friday + timedelta(days=2, hours=11)) == (friday, friday + timedelta(days=2, hours=12))


def test_day_of_month_or_day_of_week_when_both_are_restricted() -> None:
    both = rule("cron(0 0 1 * MON)", "PT1H")  # the 1st, or any Monday (standard cron)
    assert both.active_window(datetime(2026, 6, 1, tzinfo=UTC)) is not None  # Monday the 1st
    assert both.active_window(datetime(2026, 6, 8, tzinfo=UTC)) is not None  # a Monday
    assert both.active_window(datetime(2026, 7, 1, tzinfo=UTC)) is not None  # the 1st, a Wednesday
    assert both.active_window(datetime(2026, 6, 10, tzinfo=UTC)) is None


@pytest.mark.parametrize(
    ("expression", "duration", "zone"),
    [
        ("cron(0 2 * *)", "PT1H", None),
        ("cron(0 2 L * *)", "PT1H", None),
        ("at(2026-02-30T10:00)", "PT1H", None),
        ("rate(1 hour)", "PT1H", None),
        ("cron(0 2 * * *)", "PT0M", None),
        ("cron(0 2 * * *)", "P15DT1M", None),
        ("cron(0 2 * * *)", "PT1H", "Nowhere/Town"),
    ],
)
def test_what_aws_refuses(expression: str, duration: str, zone: str | None) -> None:
    with pytest.raises(MuteRuleError):
        parse_schedule(expression, duration, zone)


def test_durations() -> None:
    assert parse_duration("P15D") == timedelta(days=15)
    assert parse_duration("PT1M") == timedelta(minutes=1)


def test_the_book_answers_which_rule_mutes_an_alarm() -> None:
    book = MuteRuleBook()
    book.put(rule("at(2026-06-07T00:00)", "PT1H"))
    assert book.muting("a", T) is not None
    assert book.muting("b", T) is None
    assert book.muting("a", T + timedelta(hours=1)) is None
