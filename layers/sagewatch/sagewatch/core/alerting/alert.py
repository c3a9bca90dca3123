"""What an alert says, independent of where it goes: the input of the Slack and email renderers.

Everything an alarm's owner controls (name, description, reason, log lines) is *untrusted text*
here; renderers escape it for their medium. Values are already converted to human units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Series:
    """One metric over the last hour, oldest first; None where CloudWatch had no datapoint."""

    label: str  # "Invocations", "5XX error rate", "Model latency p99", "CPU (per core)"
    unit: str  # "/min", "%", "ms", ...
    values: tuple[float | None, ...]
    highlight: bool = False  # the alarm's own metric

    def _present(self) -> list[float]:
        return [v for v in self.values if v is not None and math.isfinite(v)]

    @property
    def last(self) -> float | None:
        present = self._present()
        return present[-1] if present else None

    @property
    def minimum(self) -> float | None:
        present = self._present()
        return min(present) if present else None

    @property
    def maximum(self) -> float | None:
        present = self._present()
        return max(present) if present else None


@dataclass(frozen=True)
class Link:
    label: str  # "Alarm", "Dashboard", "Endpoint", "Logs"
    url: str


@dataclass(frozen=True)
class AlertView:
    state: str  # ALARM | OK | INSUFFICIENT_DATA | FAILED (endpoint failure)
    title: str  # one line, e.g. "Model latency p99 is above 1,000 ms on fraud-scorer / AllTraffic"
    alarm_name: str  # untrusted
    region: str
    account_id: str
    since: datetime  # when the state began (StateChangeTime)
    previous_state: str | None = None
    endpoint: str | None = None
    variant: str | None = None
    signal: str | None = None  # "Model latency p99"
    value_text: str | None = None  # "1,840 ms" — the breaching (or current) value in human units
    threshold_text: str | None = None  # "> 1,000 ms"
    duration_text: str | None = None  # OK messages: "lasted 14 min"
    reason: str = ""  # NewStateReason or FailureReason, untrusted
    description: str | None = None  # AlarmDescription, untrusted
    series: tuple[Series, ...] = ()
    log_lines: tuple[str, ...] = ()  # untrusted
    links: tuple[Link, ...] = ()
    missing_context: tuple[str, ...] = ()  # "metrics unavailable (AccessDenied)", ...
    details: tuple[tuple[str, str], ...] = ()  # extra labelled facts, e.g. ("Rule", "ALARM(a) OR ALARM(b)")
    chart_png: bytes | None = field(default=None, repr=False)  # the alarm metric around the change
    generic: bool = False  # not about a SageMaker endpoint: formatted without endpoint context
    message_id: str = ""  # SNS MessageId: the idempotency key, and a footer for support
    quiet_window: str | None = None  # fired during a quiet window, told when it ended (core.alerting.quiet_window)
    deployment: str | None = None  # the endpoint is being updated, since when (core.alerting.deployment)
    # A spoke's alert (docs/hub-and-spokes.md (e)): which account it is about, by name when it has
    # one (core.alerting.spoke_view). False for the hub's own account: its message is unchanged.
    in_spoke: bool = False
    account_name: str | None = None  # the account's alias (or Organizations name), untrusted

    @property
    def account_text(self) -> str:
        """``prod-ml (222222222222)``, or the ID alone when the account has no name."""
        return f"{self.account_name} ({self.account_id})" if self.account_name else self.account_id

    @property
    def is_resolved(self) -> bool:
        return self.state == "OK"
