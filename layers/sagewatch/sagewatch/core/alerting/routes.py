"""The routing table: which destinations a team's alerts go to, from the policy parameter.

An endpoint names its team with the tag ``sagewatch:team``; onboarding writes it into its alarms'
context trailer (``team=``), so the alert path knows it without reading tags. The policy
parameter (``core.monitoring.policy``) may carry a ``routes`` object, team → destinations::

    "routes": {
      "payments": {"pagerduty": "sagewatch/pagerduty-payments", "slack": "sagewatch/slack-payments"},
      "ml-platform": {"teams": "sagewatch/teams-ml-platform", "email": ["ml-oncall@example.com"]}
    }

Each destination is one value or a list: ``slack`` (a Secrets Manager id holding a webhook URL,
or ``bot:<channel>`` in bot mode), ``pagerduty`` (a secret holding an Events API v2 routing
key), ``teams`` (a secret holding a Teams Workflows webhook URL), ``email`` (addresses; needs the
stack's EmailSender). Only ``page`` alerts go to PagerDuty (``core.alerting.severity``); the
others of a route get every alert, so a route needs at least one of them (notify-level alerts
would otherwise reach nobody). An endpoint without a team, or with a team the table does not
list, keeps the **default route: the stack's own destinations** (SlackWebhookSecretName or the
bot channel, EmailRecipients) — what SageWatch did before routes existed. Secrets are named,
never held: their values are read at send time and must sit under the stack's
``SlackSecretNamePrefix``, which the function's role may read.

Pure: no I/O. An invalid table raises ``InvalidPolicyError`` naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from sagewatch.core.shared.errors import InvalidPolicyError

TEAM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")  # a tag value and a trailer value
_SECRET_ID = re.compile(r"^[A-Za-z0-9/_+=.@:-]{1,512}$")
_EMAIL = re.compile(r"^[^@\s,\]]+@[^@\s,\]]+\.[^@\s,\]]+$")
FIELDS = ("slack", "pagerduty", "teams", "email")
MAX_PER_FIELD = 5


@dataclass(frozen=True)
class Route:
    """One team's destinations (secret ids, or addresses for e-mail)."""

    slack: tuple[str, ...] = ()
    pagerduty: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    email: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoutingTable:
    routes: Mapping[str, Route] = field(default_factory=lambda: MappingProxyType({}))

    def route(self, team: str | None) -> Route | None:
        """The team's route; None: the default route (the stack's own destinations)."""
        return self.routes.get(team) if team else None

    def __bool__(self) -> bool:
        return bool(self.routes)


def parse_routes(raw: Any, where: str) -> RoutingTable:
    """The ``routes`` object of the policy; ``where`` names the parameter in errors."""
    if raw is None:
        return RoutingTable()
    if not isinstance(raw, Mapping):
        raise InvalidPolicyError(f"{where}.routes must be an object of team -> destinations")
    routes: dict[str, Route] = {}
    for team, spec in raw.items():
        at = f"{where}.routes.{team}"
        if not isinstance(team, str) or not TEAM_NAME.match(team):
            raise InvalidPolicyError(
                f"{at}: a team name is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
            )
        if not isinstance(spec, Mapping):
            raise InvalidPolicyError(f"{at} must be an object with any of {', '.join(FIELDS)}")
        unknown = sorted(str(k) for k in spec if k not in FIELDS)
        if unknown:
            raise InvalidPolicyError(f"{at}: unknown field(s) {', '.join(unknown)} (use {', '.join(FIELDS)})")
        values = {name: _values(spec.get(name), f"{at}.{name}") for name in FIELDS}
        for name in ("slack", "pagerduty", "teams"):
            bad = [v for v in values[name] if not _SECRET_ID.match(v)]
            if bad:
                raise InvalidPolicyError(f"{at}.{name}: {bad[0]!r} is not a Secrets Manager secret name or ARN")
        bad = [v for v in values["email"] if not _EMAIL.match(v)]
        if bad:
            raise InvalidPolicyError(f"{at}.email: {bad[0]!r} is not an e-mail address")
        if not (values["slack"] or values["teams"] or values["email"]):
            raise InvalidPolicyError(
                f"{at}: needs at least one of slack, teams or email (PagerDuty only gets page alerts: "
                "the team's other alerts would reach nobody)"
            )
        routes[team] = Route(**values)
    return RoutingTable(MappingProxyType(routes))


def _values(raw: Any, at: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple) or not all(isinstance(v, str) and v.strip() for v in items):
        raise InvalidPolicyError(f"{at} must be a non-empty string or a list of them")
    if len(items) > MAX_PER_FIELD:
        raise InvalidPolicyError(f"{at}: at most {MAX_PER_FIELD} destinations, got {len(items)}")
    return tuple(dict.fromkeys(v.strip() for v in items))
