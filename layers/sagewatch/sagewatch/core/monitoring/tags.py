"""Endpoint tags: normalisation (map or list) and the per-endpoint overrides they carry.

Tag keys (documented in the README, "Per-endpoint control"):
- ``sagewatch:enabled`` = ``false``         → the endpoint gets no alarms and no dashboard.
- ``sagewatch:alarm:<alarm-key>`` = ``off`` → that alarm is switched off for this endpoint.
- ``sagewatch:alarm:<alarm-key>`` = number  → threshold override in the alarm's human unit (ms, %, …).
- ``sagewatch:slack-webhook-secret`` = secret  → this endpoint's alerts go to that Slack webhook.
- ``sagewatch:email`` = ``a@x.com b@y.com``     → this endpoint's alerts go to these addresses.
- ``sagewatch:team`` = team                    → its alerts follow that team's route in the policy's
  routing table (``core.alerting.routes``).
- ``sagewatch:severity:<alarm-key>`` = ``page`` or ``notify`` → that alarm's severity
  (``core.alerting.severity``: only ``page`` goes to PagerDuty).

SageMaker tag values may not contain commas, which is why there is one tag per alarm rather than
one list-valued tag. An invalid tag never blocks onboarding: it is reported and the fleet default
applies, so a typo cannot leave an endpoint without alarms.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from sagewatch.core.alerting.routes import TEAM_NAME
from sagewatch.core.alerting.severity import Severity, parse_severity
from sagewatch.core.monitoring.alarm_catalog import BY_KEY
from sagewatch.core.monitoring.policy import Policy, parse_threshold
from sagewatch.core.shared.errors import InvalidPolicyError

TAG_ENABLED = "sagewatch:enabled"
TAG_ALARM_PREFIX = "sagewatch:alarm:"
TAG_SLACK_SECRET = "sagewatch:slack-webhook-secret"  # noqa: S105 - a tag key, not a secret
TAG_EMAIL = "sagewatch:email"
TAG_TEAM = "sagewatch:team"  # the endpoint's team: its alert route, and `sagewatch mute add --team`
TAG_SEVERITY_PREFIX = "sagewatch:severity:"
_SECRET_ID = re.compile(r"^[A-Za-z0-9/_+=.@:-]{1,512}$")
_EMAIL = re.compile(r"^[^@\s,\]]+@[^@\s,\]]+\.[^@\s,\]]+$")
_OFF_VALUES = frozenset({"off", "false", "disabled", "none"})


def normalize_tags(raw: Any) -> dict[str, str]:
    """Tags as a plain dict, whether they came as a map, a list of {Key, Value}, or {key, value}."""
    if raw is None:
        return {}
    if isinstance(raw, Mapping):
        return {str(k): "" if v is None else str(v) for k, v in raw.items()}
    if isinstance(raw, list | tuple):
        out: dict[str, str] = {}
        for item in raw:
            if not isinstance(item, Mapping):
                continue
            key = item.get("Key", item.get("key"))
            value = item.get("Value", item.get("value"))
            if key is not None:
                out[str(key)] = "" if value is None else str(value)
        return out
    return {}


@dataclass(frozen=True)
class EndpointOverrides:
    enabled: bool = True
    thresholds: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    disabled: frozenset[str] = frozenset()
    problems: tuple[str, ...] = ()
    slack_secret: str | None = None  # the endpoint's own Slack webhook secret (Secrets Manager id)
    email: tuple[str, ...] = ()  # the endpoint's own alert recipients
    team: str | None = None  # the team whose route its alerts follow
    severities: Mapping[str, Severity] = field(default_factory=lambda: MappingProxyType({}))  # by alarm key

    def apply(self, policy: Policy) -> Policy:
        return dataclasses.replace(
            policy,
            thresholds=MappingProxyType({**policy.thresholds, **self.thresholds}),
            disabled=(policy.disabled | self.disabled) - frozenset(self.thresholds),
        )


def overrides_from_tags(tags: Mapping[str, str]) -> EndpointOverrides:
    enabled = True
    thresholds: dict[str, float] = {}
    disabled: set[str] = set()
    problems: list[str] = []
    slack_secret: str | None = None
    email: tuple[str, ...] = ()
    team: str | None = None
    severities: dict[str, Severity] = {}
    for key, value in sorted(tags.items()):
        lowered_key = key.lower()
        if lowered_key == TAG_TEAM:
            if TEAM_NAME.match(value.strip()):
                team = value.strip()
            else:
                problems.append(f"tag {key} ignored: {value!r} is not a team name (letters, digits, '.', '_', '-')")
            continue
        if lowered_key.startswith(TAG_SEVERITY_PREFIX):
            alarm_key = lowered_key[len(TAG_SEVERITY_PREFIX) :]
            severity = parse_severity(value)
            if alarm_key not in BY_KEY:
                problems.append(f"tag {key} ignored: unknown alarm key {alarm_key!r}")
            elif severity is None:
                problems.append(f"tag {key}={value!r} ignored: use page or notify")
            else:
                severities[alarm_key] = severity
            continue
        if lowered_key == TAG_SLACK_SECRET:
            if _SECRET_ID.match(value.strip()):
                slack_secret = value.strip()
            else:
                problems.append(f"tag {key} ignored: {value!r} is not a Secrets Manager secret name or ARN")
            continue
        if lowered_key == TAG_EMAIL:
            addresses = tuple(value.replace(",", " ").split())
            bad = [a for a in addresses if not _EMAIL.match(a)]
            if bad or not addresses:
                problems.append(f"tag {key} ignored: not a space-separated list of email addresses ({value!r})")
            else:
                email = addresses
            continue
        if lowered_key == TAG_ENABLED:
            normalized = value.strip().lower()
            if normalized in ("false", "off", "no", "0"):
                enabled = False
            elif normalized not in ("true", "on", "yes", "1"):
                problems.append(f"tag {key}={value!r} ignored: use true or false")
            continue
        if not lowered_key.startswith(TAG_ALARM_PREFIX):
            continue
        alarm_key = lowered_key[len(TAG_ALARM_PREFIX) :]
        if alarm_key not in BY_KEY:
            problems.append(f"tag {key} ignored: unknown alarm key {alarm_key!r}")
            continue
        if value.strip().lower() in _OFF_VALUES:
            disabled.add(alarm_key)
            continue
        try:
            thresholds[alarm_key] = parse_threshold(alarm_key, value.strip(), f"tag {key}")
        except InvalidPolicyError as exc:
            problems.append(f"{exc}; the fleet default applies")
    return EndpointOverrides(
        enabled=enabled,
        thresholds=MappingProxyType(thresholds),
        disabled=frozenset(disabled),
        problems=tuple(problems),
        slack_secret=slack_secret,
        email=email,
        team=team,
        severities=MappingProxyType(severities),
    )
