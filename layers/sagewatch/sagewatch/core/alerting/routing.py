"""Where an alert goes: its team's route, else the stack's defaults, unless the endpoint routes
its Slack or e-mail elsewhere; PagerDuty only for ``page`` alerts (core.alerting.severity)."""

from __future__ import annotations

from dataclasses import dataclass

from sagewatch.core.alerting.routes import Route
from sagewatch.core.alerting.severity import Severity
from sagewatch.core.shared.alarm_context import AlarmContext

BOT_PREFIX = "bot:"  # a Slack destination "bot:<channel>" (secret names cannot contain ':')


@dataclass(frozen=True)
class Destinations:
    slack_secrets: tuple[str, ...] = ()  # Secrets Manager ids holding Slack webhook URLs
    email_recipients: tuple[str, ...] = ()
    pagerduty_secrets: tuple[str, ...] = ()  # Secrets Manager ids holding Events API v2 routing keys
    teams_secrets: tuple[str, ...] = ()  # Secrets Manager ids holding Teams Workflows webhook URLs

    @property
    def empty(self) -> bool:
        return not (self.slack_secrets or self.email_recipients or self.pagerduty_secrets or self.teams_secrets)


def route(
    context: AlarmContext | None,
    defaults: Destinations,
    team_route: Route | None = None,
    severity: Severity = Severity.NOTIFY,
) -> Destinations:
    """``team_route`` (the alert's team in the routing table) replaces the defaults; the
    endpoint's own Slack secret or recipients then replace that channel only. PagerDuty gets
    ``page`` alerts only."""
    base = defaults
    if team_route is not None:
        base = Destinations(team_route.slack, team_route.email, team_route.pagerduty, team_route.teams)
    paged = base.pagerduty_secrets if severity is Severity.PAGE else ()
    if context is None:
        return Destinations(base.slack_secrets, base.email_recipients, paged, base.teams_secrets)
    return Destinations(
        slack_secrets=(context.slack,) if context.slack else base.slack_secrets,
        email_recipients=context.email or base.email_recipients,
        pagerduty_secrets=paged,
        teams_secrets=base.teams_secrets,
    )
