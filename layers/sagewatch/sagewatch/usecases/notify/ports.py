"""What the alert pipeline needs from the outside world, as Protocols (adapters implement them).

The use case owns these contracts and imports no adapter: the values and errors they carry are
in the core (``core.alerting.delivery_record``, ``core.alerting.delivery_errors``,
``core.shared.errors.NoTimeLeftError``), and the adapters implement them.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from datetime import datetime
from typing import Any, Protocol

from sagewatch.core.alerting.delivery_record import Claimed, LeaseRelease, Settlement, Stored


class MetricsPort(Protocol):
    def get_metric_data(self, queries: Sequence[dict[str, Any]], start: Any, end: Any) -> dict[str, Any]: ...
    def get_widget_image(self, widget: dict[str, Any]) -> bytes: ...


class LogsPort(Protocol):
    def recent_errors(self, endpoint_name: str, since: Any, until: Any, *, limit: int = 20) -> list[str]: ...


class HistoryPort(Protocol):
    def alarm_started(self, alarm_name: str, before: Any) -> Any: ...


class MuteRulesPort(Protocol):
    def rules_for_alarm(self, alarm_name: str) -> list[tuple[str, datetime | None]]: ...


class ReportsPort(Protocol):
    def read(self, bucket: str, key: str, max_bytes: int) -> bytes: ...


class ComponentsPort(Protocol):
    def describe_component(self, name: str) -> dict[str, Any] | None: ...
    def describe_endpoint(self, name: str) -> dict[str, Any] | None: ...


class SlackPort(Protocol):
    def send(self, webhook_url: str, payload: dict[str, Any]) -> None: ...


class SlackBotPort(Protocol):
    def post(self, token: str, channel: str, payload: dict[str, Any], thread_ts: str | None = None) -> str: ...
    def upload(
        self, token: str, channel: str, content: bytes, *, filename: str, title: str, thread_ts: str | None = None
    ) -> None: ...


class EmailPort(Protocol):
    def send(self, sender: str, recipients: Sequence[str], raw_mime: bytes) -> str: ...


class RecordsPort(Protocol):
    """What went out and what was told (``adapters.dynamodb.deliveries``): per alert, one claim of all its
    destinations answered with their incidents, and one settlement (with a kept channel lease)."""

    def claim(
        self, incident: str | None, message_id: str, destinations: Sequence[str], *, remaining_ms: int
    ) -> Claimed: ...
    def settle(
        self,
        incident: str | None,
        message_id: str,
        settlements: Sequence[Settlement],
        *,
        lease: LeaseRelease | None = None,
    ) -> dict[str, Stored]: ...


class PacePort(Protocol):
    """This process's own pace per key (``adapters.rate_limit.RateLimiter``): ``wait`` for the
    key's next slot (``NoTimeLeftError`` if it is further than the time left), ``hold`` it after
    an answer."""

    min_interval: float

    def wait(self, key: Hashable, *, time_left: Callable[[], float] | None = None, reserve: float = 0.0) -> None: ...
    def hold(self, key: Hashable, seconds: float = 0.0) -> None: ...


class HoldPort(Protocol):
    """AlertQueue, to put an OK back for the settle window (``adapters.sqs``)."""

    def hold(self, envelope: dict[str, Any], delay_seconds: int) -> None: ...


class PagerDutyPort(Protocol):
    """PagerDuty's Events API v2 (``adapters.pagerduty``): one event, with its routing key."""

    def enqueue(
        self, routing_key: str, body: dict[str, Any], *, time_left: Callable[[], float] | None = None
    ) -> str: ...


class TeamsPort(Protocol):
    """A Teams Workflows webhook (``adapters.teams``): one message with one Adaptive Card."""

    def post(
        self, webhook_url: str, message: dict[str, Any], *, time_left: Callable[[], float] | None = None
    ) -> None: ...
