"""Two teams on call, routed to different destinations: the week's routing table, as data.

``payments`` pages PagerDuty and is told in Slack (the same Slack the stack's default route
uses); ``ml-platform`` is told in Microsoft Teams only. Endpoints name their team with the
``sagewatch:team`` tag; an endpoint without it (or of a team the table does not list) follows the
default route, the stack's own Slack (docs/alerts.md, "Severity and routing"). PagerDuty gets
only ``page`` alerts (``core.alerting.severity``), so an incident is expected there only when an
alarm that fired for it pages.

Pure (no AWS): :mod:`.route_delivery` puts the table in the emulated account and reads what the
fake PagerDuty and Teams took; :mod:`.scoring` uses :class:`Routing` to know where each incident
must arrive.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from sagewatch.core.alerting.severity import Severity, alarm_severity
from sagewatch.core.monitoring.tags import TAG_TEAM
from sagewatch_simulator.traffic import Fleet

PAGERDUTY = "pagerduty"
TEAMS = "teams"
SLACK = "slack"

PAGERDUTY_SECRET = "sagewatch/pagerduty-payments"  # noqa: S105 - a secret's name, not its value
TEAMS_SECRET = "sagewatch/teams-ml-platform"  # noqa: S105 - a secret's name
PAGERDUTY_SERVICE = "payments"  # the fake PagerDuty's service (its routing key)
TEAMS_CHANNEL = "ml-platform"  # the fake Teams' channel (its workflow URL)

# team -> its endpoints (the ones a scenario's fleet does not have are skipped).
TEAMS_OF_THE_WEEK: Mapping[str, tuple[str, ...]] = {
    "payments": ("fraud-scorer", "search-ranker", "recommender"),
    "ml-platform": ("llm-chat", "image-tagger", "pdf-extractor", "intent-classifier", "churn-v2"),
}
# team -> the destinations its route names (what the scorer expects; "slack" is the stack's).
ROUTE_DESTINATIONS: Mapping[str, tuple[str, ...]] = {
    "payments": (PAGERDUTY, SLACK),
    "ml-platform": (TEAMS,),
}
DEFAULT_DESTINATIONS = (SLACK,)


def routes_document(slack: str) -> dict[str, dict[str, str]]:
    """The policy parameter's ``routes``; ``slack`` is the route's Slack (a webhook secret's
    name, or ``bot:<channel>`` in bot mode)."""
    return {
        "payments": {"pagerduty": PAGERDUTY_SECRET, "slack": slack},
        "ml-platform": {"teams": TEAMS_SECRET},
    }


def with_teams(fleet: Fleet, teams: Mapping[str, tuple[str, ...]] = TEAMS_OF_THE_WEEK) -> Fleet:
    """``fleet`` with each endpoint of ``teams`` tagged ``sagewatch:team`` = its team."""
    team_of = {endpoint: team for team, endpoints in teams.items() for endpoint in endpoints}
    endpoints = tuple(
        replace(e, tags=(*e.tags, (TAG_TEAM, team_of[e.name]))) if e.name in team_of else e for e in fleet.endpoints
    )
    return replace(fleet, endpoints=endpoints)


@dataclass(frozen=True)
class Routing:
    """Where each endpoint's alerts must arrive: its team's destinations, else the default."""

    team_of: Mapping[str, str] = field(default_factory=dict)  # endpoint -> team
    routes: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(ROUTE_DESTINATIONS))
    default: tuple[str, ...] = DEFAULT_DESTINATIONS

    @classmethod
    def of(cls, fleet: Fleet) -> Routing:
        """The routing of ``fleet``'s ``sagewatch:team`` tags through the week's table."""
        team_of = {e.name: value for e in fleet.endpoints for key, value in e.tags if key == TAG_TEAM}
        return cls(team_of)

    def destinations(self, endpoint: str, *, pages: bool) -> tuple[str, ...]:
        """The destinations an alert of ``endpoint`` goes to; PagerDuty only when it pages."""
        team = self.team_of.get(endpoint)
        chosen = self.routes.get(team, self.default) if team is not None else self.default
        return tuple(d for d in chosen if pages or d != PAGERDUTY)


def pages(alarm_keys: Iterable[str]) -> bool:
    """Whether any of these catalogue keys pages by default (the scenarios set no severity tag)."""
    return any(alarm_severity(key) is Severity.PAGE for key in alarm_keys)
