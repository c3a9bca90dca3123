"""Bounded waits: every wait of the scenario says what it waits for, and gives up in time.

A real account answers late (a serverless endpoint takes minutes to be IN_SERVICE, CloudWatch
metrics ~1-2 minutes, a stack deletion several), so the scenario polls. Every poll goes through
:func:`wait_for`: it prints what it waits for and its bound before the first look, polls at a
fixed interval, and raises :class:`WaitTimeoutError` naming the wait and the last thing it saw when
the bound passes. The clock and the sleep are injected, so the unit tests run it without time
passing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


class WaitTimeoutError(AssertionError):
    """A bounded wait ran out: what was awaited, for how long, and what was last seen."""


@dataclass(frozen=True)
class Clock:
    """Where a wait reads the time and how it sleeps (the real ones unless a test gives its own)."""

    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


REAL_CLOCK = Clock()


def wait_for(
    what: str,
    probe: Callable[[], T | None],
    *,
    timeout: float,
    interval: float,
    clock: Clock = REAL_CLOCK,
    say: Callable[[str], None] = print,
    describe: Callable[[], str] | None = None,
) -> T:
    """Call ``probe`` until it returns something other than ``None`` (or false), within ``timeout`` seconds.

    The probe is always called at least once, and once more at the deadline, so a wait with a
    zero timeout is a single look. ``describe`` (optional) tells what was last seen when the wait
    times out (for example the current state of a stack).
    """
    if timeout < 0 or interval <= 0:
        raise ValueError(f"a wait needs timeout >= 0 and interval > 0 (got {timeout}, {interval})")
    say(f"waiting up to {timeout:g} s for {what}")
    start = clock.now()
    deadline = start + timeout
    attempts = 0
    while True:
        attempts += 1
        found = probe()
        if found is not None and found is not False:
            say(f"  {what}: after {clock.now() - start:.0f} s ({attempts} look{'s' if attempts > 1 else ''})")
            return found
        remaining = deadline - clock.now()
        if remaining <= 0:
            seen = f"; last seen: {describe()}" if describe is not None else ""
            raise WaitTimeoutError(f"gave up waiting for {what} after {timeout:g} s ({attempts} looks){seen}")
        clock.sleep(min(interval, remaining))
