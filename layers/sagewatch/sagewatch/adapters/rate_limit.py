"""One rate limiter: a minimum interval between events of the same key, per process.

Two outside systems need it. Slack accepts about one message per second per channel (and says
how long to wait with ``Retry-After``); CloudWatch's write quotas are a few calls per second
per account and region. Both are "no sooner than ``min_interval`` after the last one", kept per
key (a channel, an API operation), so one clock-injectable class serves both:

- :meth:`RateLimiter.take` waits for the key's next slot and claims it at once: calls are
  spaced start to start, which is what a TPS quota counts (the paced CloudWatch writer);
- :meth:`RateLimiter.wait` waits for the slot without claiming it, and :meth:`RateLimiter.hold`
  moves the slot after the call answered (``hold(key)``) or was told to back off
  (``hold(key, retry_after)``): Slack's limit counts from the last message it accepted.

The state lives in the process, so a warm Lambda keeps it across invocations.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable

from sagewatch.core.shared.errors import NoTimeLeftError as NoTimeLeftError


class RateLimiter:
    """At most one event per ``min_interval`` seconds per key; ``min_interval <= 0`` never waits."""

    def __init__(
        self,
        min_interval: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.min_interval = min_interval
        self._clock = clock
        self._sleep = sleep
        self._next: dict[Hashable, float] = {}
        self._lock = threading.Lock()  # a limiter may be shared by threads (one budget for all)

    @classmethod
    def per_second(
        cls,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> RateLimiter:
        """At most ``rate`` events per second, evenly spaced; ``rate <= 0`` means no limit."""
        return cls(1.0 / rate if rate > 0 else 0.0, clock=clock, sleep=sleep)

    def take(self, key: Hashable = "") -> None:
        """Wait for ``key``'s next slot and claim it: events spaced start to start."""
        if self.min_interval <= 0:
            return
        with self._lock:
            now = self._clock()
            start = max(now, self._next.get(key, 0.0))
            self._next[key] = start + self.min_interval
        self._pause(start - now)

    def wait(self, key: Hashable, *, time_left: Callable[[], float] | None = None, reserve: float = 0.0) -> None:
        """Wait for ``key``'s next slot without claiming it (the caller then calls :meth:`hold`).

        ``time_left`` says how many seconds the caller has; a wait that would not leave
        ``reserve`` of them raises :class:`NoTimeLeftError` instead of sleeping.
        """
        with self._lock:
            delay = self._next.get(key, 0.0) - self._clock()
        if delay > 0 and time_left is not None and delay + reserve > time_left():
            raise NoTimeLeftError(delay)
        self._pause(delay)

    def hold(self, key: Hashable, seconds: float = 0.0) -> None:
        """``key``'s next slot no sooner than ``max(seconds, min_interval)`` from now."""
        with self._lock:
            self._next[key] = max(self._next.get(key, 0.0), self._clock() + max(seconds, self.min_interval))

    def _pause(self, delay: float) -> None:
        if delay > 0:
            self._sleep(delay)
