"""The emulated account's clock: wall time until a simulation starts, then simulated time.

Why two modes: tests and the demo that never simulate anything keep stamping what moto stamps
(the wall clock), exactly as before the engine existed. A simulation pins the clock once — on
the first ``account.now``, ``account.advance`` or ``account.publish_metrics`` — and from then on
only ``advance`` moves it, so every minute of a simulated week is evaluated, in order, however
fast the machine runs.

Why the origin lies in the past (default: 8 days before the wall clock, on a minute boundary):
AWS and moto compare some timestamps with the *real* clock. CloudWatch Logs rejects log events
more than 2 hours ahead of it (PutLogEvents, "InvalidParameterException ... too new"), PutMetricData
refuses timestamps more than 2 hours ahead, and GetMetricData rounds start times by their age. A
simulated week that starts 8 days ago ends a day before "now": never in the real future, and
still inside the 14 days PutLogEvents and 1-minute metric retention accept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

DEFAULT_LEAD = timedelta(days=8)
MINUTE = timedelta(minutes=1)


def minute_floor(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.replace(second=0, microsecond=0)


def default_origin(wall_now: datetime) -> datetime:
    """Where a simulation starts when no origin is given: 8 days before ``wall_now``, minute-aligned."""
    return minute_floor(wall_now - DEFAULT_LEAD)


class ClockError(ValueError):
    """The clock cannot do what was asked (time going backwards, a naive origin …)."""


class SimulatedClock:
    """``now`` follows ``wall`` until :meth:`pin`; after that it changes only through :meth:`advance`."""

    def __init__(self, wall: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._wall = wall
        self._now: datetime | None = None

    @property
    def pinned(self) -> bool:
        return self._now is not None

    @property
    def now(self) -> datetime:
        """The current time: simulated once pinned, else the wall clock."""
        return self._now if self._now is not None else self._wall()

    def pin(self, origin: datetime | None = None) -> datetime:
        """Start simulated time at ``origin`` (aware; default :func:`default_origin`). Only once."""
        if self._now is not None:
            raise ClockError(f"the clock is already simulated (now {self._now.isoformat()})")
        if origin is not None and origin.tzinfo is None:
            raise ClockError("the origin must be an aware datetime (UTC)")
        self._now = (origin or default_origin(self._wall())).astimezone(UTC)
        return self._now

    def advance(self, delta: timedelta) -> tuple[datetime, datetime]:
        """Move simulated time forward by ``delta``; returns (before, after). Pins the clock if needed."""
        if delta < timedelta(0):
            raise ClockError("simulated time only moves forward")
        before = self._now if self._now is not None else self.pin()
        self._now = before + delta
        return before, self._now


def minute_boundaries(after: datetime, until: datetime) -> list[datetime]:
    """Every whole minute m with ``after < m <= until``, oldest first (CloudWatch's evaluation ticks)."""
    first = minute_floor(after) + MINUTE
    if first > until:
        return []
    count = int((minute_floor(until) - first) / MINUTE) + 1
    return [first + MINUTE * index for index in range(count)]
