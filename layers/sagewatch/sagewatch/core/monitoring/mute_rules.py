"""Quiet hours as CloudWatch alarm mute rules: the schedule, the split into rules, their names.

A quiet window mutes the *actions* of an endpoint's (or a team's endpoints') SageWatch alarms;
the alarms keep evaluating ("When a mute rule is active, targeted alarms continue to evaluate
metrics and transition between states, but their configured actions ... are muted", CloudWatch
API Reference "PutAlarmMuteRule"). What AWS accepts, and is checked here before any call
(API Reference "Schedule"):

- a one-off window is ``at(yyyy-MM-ddThh:mm)``, a recurring one ``cron(Minutes Hours
  Day-of-month Month Day-of-week)``: "the characters \\*, -, and , are supported in all fields",
  names JAN-DEC and SUN-SAT;
- the duration is ISO 8601, "minimum of 1 minute (PT1M) and maximum of 15 days (P15D)";
- the time zone is an IANA identifier (the expression is read in it; UTC by default);
- one rule targets at most 100 alarms (``MuteTargets``): a larger set becomes several rules,
  named ``<base>-<i>-of-<n>`` so that they read as one window and end together.

Rule names are ``<prefix>-quiet-<label>`` (``SageWatch-quiet-fraud-scorer``,
``SageWatch-quiet-team-payments``); :func:`window_label` reads one back, which the alert path
uses to name the window an alarm fired in.

Pure: no I/O (time zones are looked up in the interpreter's time zone data).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sagewatch.core.shared.errors import SageWatchError

MAX_ALARMS_PER_RULE = 100  # MuteTargets.AlarmNames: "You can specify up to 100 alarm names"
MIN_DURATION = timedelta(minutes=1)
MAX_DURATION = timedelta(days=15)
MAX_RULE_NAME = 255
QUIET = "quiet"

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_FIELDS = (
    ("minutes", 0, 59, ()),
    ("hours", 0, 23, ()),
    ("day-of-month", 1, 31, ()),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 0, 7, _DAYS),
)
_HUMAN_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?")
_ISO_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?")
_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,99}")
_PART = re.compile(r"-(\d+)-of-(\d+)$")


# What a deployment is expected to move while instances are replaced, held (muted) for
# DEPLOYMENT_HOLD from its UPDATING or SYSTEM_UPDATING event: utilization of the instances, the
# serverless concurrency, the time new instances take to set a model up. Never held: error rates
# (5XX, 4XX, async failures), latency, the async queue and drift: a deployment that breaks the
# model shows there first, and people must see it (docs/alerts.md, "Quiet hours and deployments").
HELD_DURING_DEPLOYMENT = frozenset(
    {
        "cpu-utilization",
        "memory-utilization",
        "disk-utilization",
        "gpu-utilization",
        "gpu-memory-utilization",
        "model-setup-time",
        "serverless-concurrency-utilization",
    }
)
DEPLOYMENT_HOLD = timedelta(minutes=30)
DEPLOY = "deploy"


class MuteScheduleError(SageWatchError):
    """A window CloudWatch would refuse; the message names what is wrong, for one CLI line."""


@dataclass(frozen=True)
class Window:
    """A mute rule's ``Rule.Schedule``: what PutAlarmMuteRule takes."""

    expression: str  # at(...) or cron(...)
    duration: str  # ISO 8601
    timezone: str

    def schedule(self) -> dict[str, str]:
        return {"Expression": self.expression, "Duration": self.duration, "Timezone": self.timezone}


@dataclass(frozen=True)
class RulePlan:
    """One PutAlarmMuteRule: its name, schedule and at most 100 alarms."""

    name: str
    window: Window
    alarms: tuple[str, ...]
    description: str


def parse_duration(text: str) -> timedelta:
    """``90m``, ``4h``, ``1d12h`` or ISO 8601 (``PT4H``, ``P2DT12H``), between 1 minute and 15 days."""
    compact = text.strip()
    match = _ISO_DURATION.fullmatch(compact.upper()) or _HUMAN_DURATION.fullmatch(compact.lower())
    if match is None or not any(match.groups()) or compact.upper().endswith("T"):
        raise MuteScheduleError(f"duration {text!r} is not a duration such as 90m, 4h, 1d12h or PT4H")
    days, hours, minutes = (int(g or 0) for g in match.groups())
    duration = timedelta(days=days, hours=hours, minutes=minutes)
    if not MIN_DURATION <= duration <= MAX_DURATION:
        raise MuteScheduleError(f"duration {text!r}: a mute window lasts from 1 minute to 15 days")
    return duration


def iso_duration(duration: timedelta) -> str:
    """``timedelta(hours=4)`` → ``PT4H``; whole minutes (CloudWatch's smallest step)."""
    minutes = int(duration.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    time = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")


def time_zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name`` (``Europe/Paris``); MuteScheduleError when there is none."""
    try:
        if not 1 <= len(name) <= 50:
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise MuteScheduleError(
            f"time zone {name!r} is not an IANA time zone name such as UTC, Europe/London or America/New_York"
        ) from None


def one_off(start: datetime, duration: timedelta, zone: str = "UTC") -> Window:
    """A window from ``start`` (read in ``zone`` when naive) for ``duration``."""
    tz = time_zone(zone)
    local = start.replace(tzinfo=tz) if start.tzinfo is None else start.astimezone(tz)
    return Window(f"at({local:%Y-%m-%dT%H:%M})", _checked(duration), zone)


def recurring(cron: str, duration: timedelta, zone: str = "UTC") -> Window:
    """A window at every time ``cron`` (five fields, or ``cron(...)``) names, for ``duration``."""
    time_zone(zone)
    fields = cron.strip()
    if fields.startswith("cron(") and fields.endswith(")"):
        fields = fields[5:-1]
    parts = fields.split()
    if len(parts) != len(_FIELDS):
        raise MuteScheduleError(
            f"cron {cron!r} has {len(parts)} field(s); it needs 5: minutes hours day-of-month month day-of-week"
        )
    for part, spec in zip(parts, _FIELDS, strict=True):
        _check_field(cron, part, *spec)
    return Window(f"cron({' '.join(parts)})", _checked(duration), zone)


def _checked(duration: timedelta) -> str:
    if not MIN_DURATION <= duration <= MAX_DURATION:
        raise MuteScheduleError("a mute window lasts from 1 minute to 15 days")
    return iso_duration(duration)


def _check_field(cron: str, text: str, name: str, low: int, high: int, names: tuple[str, ...]) -> None:
    for item in text.split(","):
        if item == "*":
            continue
        bounds = item.split("-")
        if len(bounds) > 2 or not all(bounds):
            raise MuteScheduleError(f"cron {cron!r}: {name} {item!r}: only *, - and , are allowed")
        values = []
        for bound in bounds:
            if bound.upper() in names:
                values.append(names.index(bound.upper()) + (1 if name == "month" else 0))
            elif not bound.isalnum():
                raise MuteScheduleError(f"cron {cron!r}: {name} {item!r}: only *, - and , are allowed")
            elif bound.isdigit() and low <= int(bound) <= high:
                values.append(int(bound))
            else:
                allowed = f"{low}-{high}" + (f" or {names[0]}-{names[-1]}" if names else "")
                raise MuteScheduleError(f"cron {cron!r}: {name} {bound!r} is not in {allowed}")
        if values[0] > values[-1]:
            raise MuteScheduleError(f"cron {cron!r}: {name} range {item!r} runs backwards")


def rule_base(prefix: str, label: str) -> str:
    """``<prefix>-quiet-<label>``; the label is an endpoint name, ``team-<team>`` or the operator's."""
    if not _LABEL.fullmatch(label):
        raise MuteScheduleError(f"window name {label!r}: use letters, digits and '-' (up to 100), starting with one")
    return f"{prefix}-{QUIET}-{label}"


def plan_rules(base: str, window: Window, alarms: list[str], description: str) -> list[RulePlan]:
    """One rule for up to 100 alarms, else ``<base>-1-of-n`` … each with at most 100 (sorted)."""
    ordered = sorted(set(alarms))
    if not ordered:
        raise MuteScheduleError("there are no SageWatch alarms to mute")
    chunks = [tuple(ordered[i : i + MAX_ALARMS_PER_RULE]) for i in range(0, len(ordered), MAX_ALARMS_PER_RULE)]
    if len(chunks) == 1:
        return [RulePlan(base, window, chunks[0], description)]
    total = len(chunks)
    return [
        RulePlan(f"{base}-{i}-of-{total}", window, chunk, f"{description} (part {i} of {total})")
        for i, chunk in enumerate(chunks, start=1)
    ]


def deployment_hold(prefix: str, endpoint: str, started: datetime, alarms: list[str]) -> list[RulePlan]:
    """The rules holding ``alarms`` (the endpoint's held ones) for DEPLOYMENT_HOLD from ``started``:
    ``<prefix>-deploy-<endpoint>``; a new deployment of the endpoint replaces its window."""
    window = one_off(started.astimezone(ZoneInfo("UTC")), DEPLOYMENT_HOLD)
    why = f"SageWatch: {endpoint} is being deployed; alarms it moves are held for {iso_duration(DEPLOYMENT_HOLD)}"
    return plan_rules(f"{prefix}-{DEPLOY}-{endpoint}", window, alarms, why)


def window_label(prefix: str, rule_name: str) -> str | None:
    """The window a rule belongs to (its base name, without ``-i-of-n``); None if not SageWatch's."""
    if not rule_name.startswith((f"{prefix}-{QUIET}-", f"{prefix}-{DEPLOY}-")):
        return None
    return _PART.sub("", rule_name)


def rule_name_of_arn(arn: str) -> str:
    """``arn:…:alarm-mute-rule:NAME`` → NAME (ListAlarmMuteRules answers with ARNs only)."""
    return arn.rsplit(":alarm-mute-rule:", 1)[-1]
