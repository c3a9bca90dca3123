"""CloudWatch alarm mute rules as the emulated account keeps them: schedules, windows, statuses.

What AWS documents, and this module does (CloudWatch API Reference "PutAlarmMuteRule",
"Schedule", "GetAlarmMuteRule"; CloudWatch User Guide "Alarm Mute Rules"):

- a rule's schedule is ``cron(Minutes Hours Day-of-month Month Day-of-week)`` (recurring) or
  ``at(yyyy-MM-ddThh:mm)`` (one time); "the characters \\*, -, and , are supported in all
  fields", with English names for months (JAN-DEC) and days of week (SUN-SAT). When both
  day-of-month and day-of-week are restricted, a day matching either matches (standard cron);
- the window lasts ``Duration``, ISO 8601, "minimum of 1 minute (PT1M) and maximum of 15 days
  (P15D)", beginning "when the schedule expression time is reached";
- ``Timezone`` is an IANA identifier (UTC when absent) in which the expression is read;
- ``StartDate`` (the rule takes effect after it) and ``ExpireDate`` (after it the status is
  EXPIRED and nothing is muted) bound every window;
- the status is SCHEDULED (will become active), ACTIVE (muting now) or EXPIRED; a one-time rule
  whose window has passed is EXPIRED;
- a rule targets up to 100 alarms by name.

What happens to actions is the engine's (:mod:`.engine`): a muted alarm still changes state and
runs no action; when the window ends with the alarm still in the state it was muted in, that
state's actions run (User Guide "How alarm mute rules work", scenario "Alarm action muted when
mute rule is active and re-triggered after mute window").

Pure: no moto, no clock (every answer takes the time it is asked about).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "MAX_TARGETS",
    "MuteRule",
    "MuteRuleBook",
    "MuteRuleError",
    "Schedule",
    "parse_duration",
    "parse_schedule",
]

MAX_TARGETS = 100  # "You can target up to 100 specific alarms by name" (MuteTargets)
MIN_DURATION = timedelta(minutes=1)  # PT1M
MAX_DURATION = timedelta(days=15)  # P15D

_MONTHS = {m: i for i, m in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN"), start=1)} | {
    m: i for i, m in enumerate(("JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=7)
}
_DAYS = {d: i for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}
_Spec = tuple[str, int, int, dict[str, int]]
_FIELDS: tuple[_Spec, ...] = (
    ("minutes", 0, 59, {}),
    ("hours", 0, 23, {}),
    ("day-of-month", 1, 31, {}),
    ("month", 1, 12, _MONTHS),
)
_DOW: _Spec = ("day-of-week", 0, 7, _DAYS)  # 0 and 7 are Sunday, as in cron
_DURATION = re.compile(r"P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")
_AT = re.compile(r"at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})\)")
_CRON = re.compile(r"cron\((.*)\)")


class MuteRuleError(ValueError):
    """A rule AWS would refuse; the message names the field and what was wrong."""


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule: either cron sets (recurring) or one local start (one time)."""

    expression: str
    duration: timedelta
    zone: ZoneInfo
    minutes: frozenset[int] = frozenset()
    hours: frozenset[int] = frozenset()
    days: frozenset[int] = frozenset()
    months: frozenset[int] = frozenset()
    weekdays: frozenset[int] = frozenset()  # Python's: Monday 0 … Sunday 6
    days_restricted: bool = False
    weekdays_restricted: bool = False
    at: datetime | None = None  # one time: the start, aware

    @property
    def recurring(self) -> bool:
        return self.at is None

    def latest_start(self, moment: datetime) -> datetime | None:
        """The latest window start at or before ``moment`` that could still cover it, or None."""
        if self.at is not None:
            return self.at if self.at <= moment else None
        local = moment.astimezone(self.zone)
        for back in range(self.duration.days + 2):
            day = local.date() - timedelta(days=back)
            if not self._day_matches(day):
                continue
            for hour in sorted(self.hours, reverse=True):
                for minute in sorted(self.minutes, reverse=True):
                    start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.zone).astimezone(UTC)
                    if start <= moment:
                        return start
        return None

    def window_at(self, moment: datetime) -> tuple[datetime, datetime] | None:
        """(start, end) of the window covering ``moment`` (start inclusive, end exclusive)."""
        start = self.latest_start(moment)
        if start is None or moment >= start + self.duration:
            return None
        return start, start + self.duration

    def _day_matches(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        by_day = day.day in self.days
        by_weekday = day.weekday() in self.weekdays
        if self.days_restricted and self.weekdays_restricted:
            return by_day or by_weekday
        return by_day and by_weekday


def parse_duration(text: str) -> timedelta:
    """ISO 8601 duration between PT1M and P15D (MuteRuleError otherwise)."""
    match = _DURATION.fullmatch(text or "")
    if match is None or not any(match.groups()) or text.endswith("T"):
        raise MuteRuleError(f"Duration {text!r} is not an ISO 8601 duration (e.g. PT4H, P2DT12H)")
    weeks, days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    duration = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
    if not MIN_DURATION <= duration <= MAX_DURATION:
        raise MuteRuleError(f"Duration {text!r} must be between PT1M and P15D")
    return duration


def parse_schedule(expression: str, duration: str, timezone: str | None) -> Schedule:
    """The schedule of PutAlarmMuteRule's ``Rule.Schedule`` (MuteRuleError names what is wrong)."""
    if not 1 <= len(expression or "") <= 256:
        raise MuteRuleError("Expression must be between 1 and 256 characters")
    if timezone is not None and not 1 <= len(timezone) <= 50:
        raise MuteRuleError("Timezone must be between 1 and 50 characters")
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise MuteRuleError(f"Timezone {timezone!r} is not a time zone identifier (e.g. Europe/London)") from None
    length = parse_duration(duration)
    at = _AT.fullmatch(expression)
    if at is not None:
        try:
            year, month, day, hour, minute = (int(g) for g in at.groups())
            start = datetime(year, month, day, hour, minute, tzinfo=zone).astimezone(UTC)
        except ValueError as exc:
            raise MuteRuleError(f"Expression {expression!r}: {exc}") from None
        return Schedule(expression, length, zone, at=start)
    cron = _CRON.fullmatch(expression)
    if cron is None:
        raise MuteRuleError(f"Expression {expression!r} must be cron(...) or at(yyyy-MM-ddThh:mm)")
    parts = cron.group(1).split()
    if len(parts) != 5:
        raise MuteRuleError(
            f"Expression {expression!r} must have 5 fields: Minutes Hours Day-of-month Month Day-of-week"
        )
    minutes, hours, days, months = (_field(p, spec) for p, spec in zip(parts, _FIELDS, strict=False))
    weekdays = frozenset((d - 1) % 7 for d in _field(parts[4], _DOW))  # cron Sunday 0/7 → Python 6
    return Schedule(
        expression,
        length,
        zone,
        minutes=minutes,
        hours=hours,
        days=days,
        months=months,
        weekdays=weekdays,
        days_restricted=parts[2] != "*",
        weekdays_restricted=parts[4] != "*",
    )


def _field(text: str, spec: _Spec) -> frozenset[int]:
    name, low, high, names = spec
    values: set[int] = set()
    for item in text.split(","):
        if item == "*":
            values.update(range(low, high + 1))
            continue
        bounds = item.split("-")
        if len(bounds) > 2 or not all(bounds):
            raise MuteRuleError(f"cron {name} field {text!r}: only *, - and , are supported")
        numbers = [_value(b, name, low, high, names) for b in bounds]
        if numbers[0] > numbers[-1]:
            raise MuteRuleError(f"cron {name} field {text!r}: range {item} runs backwards")
        values.update(range(numbers[0], numbers[-1] + 1))
    return frozenset(values)


def _value(text: str, name: str, low: int, high: int, names: dict[str, int]) -> int:
    upper = text.upper()
    if upper in names:
        return names[upper]
    if not text.isalnum():
        raise MuteRuleError(f"cron {name} field: {text!r}: only *, - and , are supported")
    if not text.isdigit() or not low <= int(text) <= high:
        raise MuteRuleError(f"cron {name} field: {text!r} is not in {low}-{high}")
    return int(text)


@dataclass
class MuteRule:
    """One stored rule, as PutAlarmMuteRule left it."""

    name: str
    arn: str
    schedule: Schedule
    duration_text: str
    timezone: str | None
    targets: tuple[str, ...]
    updated: datetime
    description: str | None = None
    start: datetime | None = None
    expire: datetime | None = None
    tags: list[dict[str, str]] = field(default_factory=list)

    def active_window(self, moment: datetime) -> tuple[datetime, datetime] | None:
        """The window muting at ``moment``, clipped by StartDate and ExpireDate; None if none."""
        if (self.start is not None and moment < self.start) or (self.expire is not None and moment >= self.expire):
            return None
        return self.schedule.window_at(moment)

    def status(self, moment: datetime) -> str:
        if self.expire is not None and moment >= self.expire:
            return "EXPIRED"
        if self.active_window(moment) is not None:
            return "ACTIVE"
        at = self.schedule.at
        if at is not None and moment >= at + self.schedule.duration:
            return "EXPIRED"
        return "SCHEDULED"

    @property
    def mute_type(self) -> str:
        return "RECURRING" if self.schedule.recurring else "ONE_TIME"


class MuteRuleBook:
    """The rules of one account and region, by name."""

    def __init__(self) -> None:
        self.rules: dict[str, MuteRule] = {}

    def put(self, rule: MuteRule) -> None:
        self.rules[rule.name] = rule

    def delete(self, name: str) -> MuteRule | None:
        return self.rules.pop(name, None)

    def muting(self, alarm_name: str, moment: datetime) -> MuteRule | None:
        """The first rule (by name) muting ``alarm_name`` at ``moment``, or None."""
        for name in sorted(self.rules):
            rule = self.rules[name]
            if alarm_name in rule.targets and rule.active_window(moment) is not None:
                return rule
        return None
