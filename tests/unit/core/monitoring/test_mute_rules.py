"""Quiet windows as CloudWatch alarm mute rules: schedules checked as the API Reference's
"Schedule" describes them, sets over 100 alarms split, names read back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sagewatch.core.monitoring.mute_rules import (
    MAX_ALARMS_PER_RULE,
    MuteScheduleError,
    iso_duration,
    one_off,
    parse_duration,
    plan_rules,
    recurring,
    rule_base,
    rule_name_of_arn,
    time_zone,
    window_label,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90m", timedelta(minutes=90)),
        ("4h", timedelta(hours=4)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("PT4H", timedelta(hours=4)),
        ("P2DT12H", timedelta(days=2, hours=12)),
        ("P15D", timedelta(days=15)),
        ("1m", timedelta(minutes=1)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "4", "PT", "P16D", "16d", "30s", "abc", "-1h"])
def test_durations_refused(text: str) -> None:
    with pytest.raises(MuteScheduleError):
        parse_duration(text)


def test_iso_duration_round_trips() -> None:
    for text in ("PT1M", "PT4H", "P2DT12H", "P7D", "PT1H30M"):
        assert iso_duration(parse_duration(text)) == text


def test_one_off_is_an_at_expression_in_its_time_zone() -> None:
    window = one_off(datetime(2026, 6, 1, 22, 0), timedelta(hours=2), "Europe/Paris")
    assert window.schedule() == {"Expression": "at(2026-06-01T22:00)", "Duration": "PT2H", "Timezone": "Europe/Paris"}
    aware = one_off(datetime(2026, 6, 1, 20, 0, tzinfo=UTC), timedelta(hours=2), "Europe/Paris")
    assert aware.expression == "at(2026-06-01T22:00)"  # 20:00 UTC is 22:00 in Paris (summer time)


@pytest.mark.parametrize(
    "cron", ["0 2 * * *", "cron(0 2 * * SUN)", "0 1 1 * *", "0 18 * * FRI", "0,30 9-17 * JAN-MAR MON-FRI", "0 0 * * 7"]
)
def test_recurring_accepts_what_aws_documents(cron: str) -> None:
    window = recurring(cron, timedelta(hours=4), "America/New_York")
    assert window.expression.startswith("cron(") and window.duration == "PT4H"


@pytest.mark.parametrize(
    ("cron", "words"),
    [
        ("0 2 * *", "it needs 5"),
        ("0 2 * * * *", "it needs 5"),
        ("*/5 2 * * *", "only *, - and ,"),
        ("0 24 * * *", "hours '24' is not in 0-23"),
        ("0 2 32 * *", "day-of-month '32'"),
        ("0 2 * 13 *", "month '13' is not in 1-12 or JAN-DEC"),
        ("0 2 * * FUNDAY", "day-of-week 'FUNDAY'"),
        ("0 5-2 * * *", "runs backwards"),
        ("0 2 ? * MON", "day-of-month"),
    ],
)
def test_recurring_refuses(cron: str, words: str) -> None:
    with pytest.raises(MuteScheduleError, match=words.replace("*", r"\*").replace("?", r"\?")):
        recurring(cron, timedelta(hours=1))


def test_time_zones() -> None:
    assert str(time_zone("Asia/Tokyo")) == "Asia/Tokyo"
    for bad in ("Europe/Parris", "", "x" * 51, "../etc/passwd"):
        with pytest.raises(MuteScheduleError, match="IANA time zone"):
            time_zone(bad)


def test_one_rule_up_to_100_alarms() -> None:
    window = recurring("0 2 * * *", timedelta(hours=1))
    alarms = [f"SageWatch/e/AllTraffic/k{i:03d}" for i in range(MAX_ALARMS_PER_RULE)]
    [plan] = plan_rules("SageWatch-quiet-e", window, alarms, "why")
    assert plan.name == "SageWatch-quiet-e" and len(plan.alarms) == 100


def test_more_than_100_alarms_are_split_into_named_parts() -> None:
    window = recurring("0 2 * * *", timedelta(hours=1))
    alarms = [f"SageWatch/e{i:03d}/AllTraffic/k" for i in range(250)] + ["SageWatch/e000/AllTraffic/k"]
    plans = plan_rules("SageWatch-quiet-team-a", window, alarms, "team a")
    assert [p.name for p in plans] == [f"SageWatch-quiet-team-a-{i}-of-3" for i in (1, 2, 3)]
    assert [len(p.alarms) for p in plans] == [100, 100, 50]
    assert sorted(a for p in plans for a in p.alarms) == sorted(set(alarms))  # each alarm once
    assert plans[1].description == "team a (part 2 of 3)"
    assert {window_label("SageWatch", p.name) for p in plans} == {"SageWatch-quiet-team-a"}


def test_no_alarms_is_an_error() -> None:
    with pytest.raises(MuteScheduleError, match="no SageWatch alarms"):
        plan_rules("SageWatch-quiet-e", recurring("0 2 * * *", timedelta(hours=1)), [], "why")


def test_names() -> None:
    assert rule_base("SageWatch", "fraud-scorer") == "SageWatch-quiet-fraud-scorer"
    with pytest.raises(MuteScheduleError):
        rule_base("SageWatch", "bad name/with slash")
    assert window_label("SageWatch", "SageWatch-quiet-fraud-scorer") == "SageWatch-quiet-fraud-scorer"
    assert window_label("SageWatch", "someone-elses-rule") is None
    assert rule_name_of_arn("arn:aws:cloudwatch:us-east-1:123456789012:alarm-mute-rule:nightly") == "nightly"
