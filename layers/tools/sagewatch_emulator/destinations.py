"""Where alerts land in one open account, as a test reads them: ``account.destinations``.

The fake Slack's addresses and the messages it accepted, the emails SES sent (v1 or v2), a
verified SES sender, the secrets of the stack (the Slack webhook URL lives in one), and the
fake PagerDuty and Teams: a service's routing key or a channel's webhook URL put in a secret
(:meth:`Destinations.pagerduty_secret`, :meth:`Destinations.teams_secret`), what they took.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from sagewatch_emulator.emails import email_view, sent_messages
from sagewatch_emulator.fake_pagerduty import FakePagerDuty
from sagewatch_emulator.fake_slack import FakeSlack
from sagewatch_emulator.fake_teams import FakeTeams

__all__ = ["Destinations"]


class Destinations:
    """``client`` gives the account's boto3 clients; ``physical_id`` what ``!Ref`` of a resource yields."""

    def __init__(
        self,
        slack: FakeSlack,
        client: Callable[[str], Any],
        physical_id: Callable[[str], str],
        *,
        region: str,
        account_id: str,
        pagerduty: FakePagerDuty,
        teams: FakeTeams,
    ) -> None:
        self._slack = slack
        self.pagerduty = pagerduty
        self.teams = teams
        self._client = client
        self._physical_id = physical_id
        self._region = region
        self._account_id = account_id

    def slack_url(self) -> str:
        """An incoming-webhook URL on the fake Slack (channel ``alerts``)."""
        return self._slack.webhook_url()

    def slack_api_url(self) -> str:
        """The fake Slack Web API base URL, for ``WebClient(base_url=...)``."""
        return self._slack.api_url

    def slack_messages(self) -> list[dict[str, Any]]:
        """Every message the fake Slack accepted so far."""
        return self._slack.messages

    def sent_emails(self) -> list[Any]:
        """moto's record of what SES sent in this account and region (see :mod:`.emails`)."""
        return sent_messages(self._account_id, self._region)

    def emails(self) -> list[dict[str, Any]]:
        """Every email sent through SES (v1 or v2) so far."""
        return [email_view(m) for m in self.sent_emails()]

    def verify_email_identity(self, address: str) -> None:
        """Verify a sender identity: moto, like SES, rejects mail from unverified senders."""
        self._client("sesv2").create_email_identity(EmailIdentity=address)

    def set_secret(self, logical_id: str, value: str | Mapping[str, Any]) -> None:
        """Put a new value into a secret of the template (``dict`` values are stored as JSON)."""
        text = value if isinstance(value, str) else json.dumps(value)
        self._client("secretsmanager").put_secret_value(SecretId=self._physical_id(logical_id), SecretString=text)

    def pagerduty_secret(self, name: str, service: str) -> str:
        """Create the secret ``name`` holding the fake PagerDuty's routing key of ``service``."""
        self._client("secretsmanager").create_secret(Name=name, SecretString=self.pagerduty.routing_key(service))
        return name

    def teams_secret(self, name: str, channel: str) -> str:
        """Create the secret ``name`` holding the fake Teams' webhook URL of ``channel``."""
        self._client("secretsmanager").create_secret(Name=name, SecretString=self.teams.webhook_url(channel))
        return name
