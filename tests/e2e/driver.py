"""The account driver: the few verbs the acceptance scenario needs, whichever account runs it.

The scenario (``test_scenario.py``) is written once against :class:`AccountDriver`. Two
implementations exist:

- :class:`tests.e2e.emulated.EmulatedDriver` — the emulated account on 127.0.0.1, part of
  ``make test``: the same steps through the same handlers in about a minute;
- :class:`tests.e2e.aws.AwsDriver` — a real AWS account (``make e2e``): boto3 and the SAM CLI.

Each verb waits until what it did is visible (bounded, :mod:`tests.e2e.waits`) and says so on
stdout, so the scenario reads as the list of things AWS must do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from tests.e2e.naming import VARIANT, RunNames


@dataclass(frozen=True)
class Monitoring:
    """What SageWatch set up for an endpoint: its alarms and its dashboard."""

    alarms: tuple[str, ...]
    dashboards: tuple[str, ...]

    def has(self, names: RunNames, alarm_keys: tuple[str, ...]) -> bool:
        """Whether the endpoint's dashboard and (at least) these alarms of its variant exist."""
        wanted = {f"{names.endpoint_alarm_prefix}{VARIANT}/{key}" for key in alarm_keys}
        return wanted <= set(self.alarms) and names.endpoint_dashboard in self.dashboards

    @property
    def empty(self) -> bool:
        return not self.alarms and not self.dashboards


@dataclass(frozen=True)
class Alert:
    """One alert as it reached the destination: the Slack incoming-webhook payload NotifyFunction posted."""

    payload: dict[str, Any]

    @property
    def text(self) -> str:
        """The whole payload as text (top-level ``text`` and every block), for "does it say …" checks."""
        return json.dumps(self.payload, ensure_ascii=False)

    @property
    def links(self) -> list[str]:
        """Every button URL of the message (console deep links)."""
        return [
            str(element["url"])
            for block in self.payload.get("blocks") or []
            if isinstance(block, dict) and block.get("type") == "actions"
            for element in block.get("elements") or []
            if isinstance(element, dict) and element.get("url")
        ]


class AccountDriver(Protocol):
    """One account the scenario runs in (emulated or real)."""

    kind: str  # "emulated" or "aws", for messages
    names: RunNames

    def deploy_stack(self) -> None:
        """Deploy SageWatch under the run's prefix (stack name and NamePrefix), alerts to the run's destination."""

    def create_endpoint(self) -> None:
        """Create the cheapest endpoint that works (serverless) and wait until it is IN_SERVICE."""

    def send_traffic(self, requests: int) -> None:
        """Invoke the endpoint ``requests`` times and wait until CloudWatch shows the invocations."""

    def wait_for_monitoring(self, alarm_keys: tuple[str, ...]) -> Monitoring:
        """Wait until the endpoint has (at least) these alarms and its dashboard; return what exists."""

    def monitoring(self) -> Monitoring:
        """The endpoint's alarms and dashboard as they are now."""

    def set_alarm_state(self, alarm: str, state: str, reason: str) -> None:
        """CloudWatch SetAlarmState: the alarm's actions run when its state changes."""

    def wait_for_alert(self, alarm: str, state: str) -> Alert:
        """Wait until the destination received the alert of ``alarm`` entering ``state``."""

    def delete_endpoint(self) -> None:
        """Delete the endpoint and wait until it is gone."""

    def wait_for_monitoring_removed(self) -> Monitoring:
        """Wait until the endpoint's alarms and dashboard are gone; return what is left (nothing)."""

    def delete_stack(self) -> None:
        """Delete the SageWatch stack and wait until it is gone."""

    def clean_up(self) -> list[str]:
        """Remove everything of the run still present (idempotent; after success or failure).

        Returns the steps that failed, as text ([] when all went).
        """

    def leftovers(self) -> list[str]:
        """Everything of the run still in the account, found by name and by tag ([] when clean)."""
