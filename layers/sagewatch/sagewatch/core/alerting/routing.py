"""Where an alert goes: the stack's defaults, unless the endpoint routes its alerts elsewhere."""

from __future__ import annotations

from dataclasses import dataclass

from sagewatch.core.shared.alarm_context import AlarmContext

BOT_PREFIX = "bot:"  # a Slack destination "bot:<channel>" (secret names cannot contain ':')


@dataclass(frozen=True)
class Destinations:
    slack_secrets: tuple[str, ...] = ()  # Secrets Manager ids holding Slack webhook URLs
    email_recipients: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.slack_secrets and not self.email_recipients


def route(context: AlarmContext | None, defaults: Destinations) -> Destinations:
    """An endpoint's own Slack secret or recipients replace the defaults for that channel only."""
    if context is None:
        return defaults
    return Destinations(
        slack_secrets=(context.slack,) if context.slack else defaults.slack_secrets,
        email_recipients=context.email or defaults.email_recipients,
    )
