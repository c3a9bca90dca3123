"""Slack's per-channel pace: the process's own limiter first, then the lease every environment shares.

The in-process ``RateLimiter`` is the fast path: a warm environment that just posted to a
channel knows how long to wait without asking anyone. NotifyFunction may run several
environments at once (the event source's MaximumConcurrency; no reserved concurrency, see
docs/delivery.md), so a channel is also leased in the delivery table
(``adapters.channel_lease``) before each request and released after it: at most one request
per channel in flight across the stack, and Slack's second counted from the last answer.
Without a table (local runs) the limiter alone paces, as one environment needs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from sagewatch.adapters.rate_limit import RateLimiter


class ChannelLeasePort(Protocol):
    """A channel held by one environment at a time (``adapters.channel_lease.ChannelLease``)."""

    def acquire(self, channel: str, *, time_left: Callable[[], float] | None = None, reserve: float = 0.0) -> str: ...
    def release(self, channel: str, token: str | None, seconds: float) -> None: ...


class ChannelPacer:
    """``wait`` before a request, ``hold`` after its answer (or ``abandon`` if it was not sent)."""

    def __init__(self, local: RateLimiter, shared: ChannelLeasePort | None = None) -> None:
        self.local = local
        self._shared = shared
        self._tokens: dict[str, str] = {}
        self._lock = threading.Lock()  # a poster may be shared by threads, like the RateLimiter

    def wait(self, channel: str, *, time_left: Callable[[], float] | None = None, reserve: float = 0.0) -> None:
        """Wait for the channel's next slot here, then for the shared lease (``NoTimeLeftError`` if too far)."""
        self.local.wait(channel, time_left=time_left, reserve=reserve)
        if self._shared is None or self.local.min_interval <= 0:
            return
        token = self._shared.acquire(channel, time_left=time_left, reserve=reserve)
        with self._lock:
            self._tokens[channel] = token

    def hold(self, channel: str, seconds: float = 0.0) -> None:
        """The request answered: the next one no sooner than ``max(seconds, min_interval)`` from now."""
        self.local.hold(channel, seconds)
        self._release(channel, max(seconds, self.local.min_interval))

    def abandon(self, channel: str, *, maybe_sent: bool) -> None:
        """The request did not answer: give the lease back, the local pace unchanged (as before).

        ``maybe_sent``: it broke in flight, so Slack may have taken it and the others wait
        ``min_interval``; otherwise (no time left to send) the channel is free at once.
        """
        self._release(channel, self.local.min_interval if maybe_sent else 0.0)

    def _release(self, channel: str, seconds: float) -> None:
        if self._shared is None or self.local.min_interval <= 0:
            return
        with self._lock:
            token = self._tokens.pop(channel, None)
        if token is None and seconds <= 0:
            return  # nothing held, nothing to push
        self._shared.release(channel, token, seconds)
