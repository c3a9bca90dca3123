"""Slack's per-channel pace: the process's own limiter first, then the lease every environment shares.

The in-process ``RateLimiter`` is the fast path: a warm environment that just posted to a
channel knows how long to wait without asking anyone. NotifyFunction may run several
environments at once (the event source's MaximumConcurrency; no reserved concurrency, see
docs/delivery.md), so a channel is also leased in the delivery table
(``adapters.dynamodb.channel_lease``) before each request and released after it: at most one request
per channel in flight across the stack, and Slack's second counted from the last answer.
After a request Slack accepted, the release is kept (:meth:`ChannelPacer.answered`) to ride on
the alert's settlement (:meth:`take_release`), one DynamoDB call for both; the same channel's
next request in this environment takes its own lease again in one write. Errors release at once
(a ``Retry-After`` must reach every environment now). Without a table (local runs) the limiter
alone paces, as one environment needs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from sagewatch.core.alerting.delivery_record import LeaseRelease
from sagewatch.usecases.notify.ports import PacePort


class ChannelLeasePort(Protocol):
    """A channel held by one environment at a time (``adapters.dynamodb.channel_lease.ChannelLease``)."""

    def acquire(
        self,
        channel: str,
        *,
        time_left: Callable[[], float] | None = None,
        reserve: float = 0.0,
        held: str | None = None,
    ) -> str: ...
    def release(self, channel: str, token: str | None, seconds: float) -> None: ...


class ChannelPacer:
    """``wait`` before a request; ``answered`` after Slack took it (or ``hold`` after an error, or
    ``abandon`` if it was not sent); the kept release goes out with ``take_release`` or ``flush``."""

    def __init__(
        self, local: PacePort, shared: ChannelLeasePort | None = None, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.local = local
        self._shared = shared
        self._clock = clock
        self._tokens: dict[str, str] = {}
        self._kept: LeaseRelease | None = None  # a lease whose release rides on the next settlement
        self._lock = threading.Lock()  # a poster may be shared by threads, like the RateLimiter

    @property
    def _leasing(self) -> bool:
        return self._shared is not None and self.local.min_interval > 0

    def wait(self, channel: str, *, time_left: Callable[[], float] | None = None, reserve: float = 0.0) -> None:
        """Wait for the channel's next slot here, then for the shared lease (``NoTimeLeftError`` if too far)."""
        self.local.wait(channel, time_left=time_left, reserve=reserve)
        if self._shared is None or not self._leasing:
            return
        with self._lock:
            kept, self._kept = self._kept, None
        held = None
        if kept is not None and kept.channel == channel:
            held = kept.token  # still ours: taken again in one write
        elif kept is not None:
            self._write(kept)  # another channel's lease is not held while this one waits
        token = self._shared.acquire(channel, time_left=time_left, reserve=reserve, held=held)
        with self._lock:
            self._tokens[channel] = token

    def answered(self, channel: str) -> None:
        """Slack took the request: the next one no sooner than ``min_interval`` from now; the
        lease's release is kept for the settlement (or :meth:`flush`)."""
        self.local.hold(channel, 0.0)
        if not self._leasing:
            return
        with self._lock:
            token = self._tokens.pop(channel, None)
            previous, self._kept = self._kept, None
            if token is not None:
                self._kept = LeaseRelease(channel, token, self._clock() + self.local.min_interval)
        if previous is not None:
            self._write(previous)

    def take_release(self) -> LeaseRelease | None:
        """The kept release, for the caller to write with its settlement (it is then the caller's)."""
        with self._lock:
            kept, self._kept = self._kept, None
        return kept

    def flush(self) -> None:
        """Write the kept release now (nothing settled it)."""
        kept = self.take_release()
        if kept is not None:
            self._write(kept)

    def hold(self, channel: str, seconds: float = 0.0) -> None:
        """The request answered with an error: the next one no sooner than ``max(seconds,
        min_interval)`` from now, for every environment at once."""
        self.local.hold(channel, seconds)
        self._release(channel, max(seconds, self.local.min_interval))

    def abandon(self, channel: str, *, maybe_sent: bool) -> None:
        """The request did not answer: give the lease back, the local pace unchanged (as before).

        ``maybe_sent``: it broke in flight, so Slack may have taken it and the others wait
        ``min_interval``; otherwise (no time left to send) the channel is free at once.
        """
        self._release(channel, self.local.min_interval if maybe_sent else 0.0)

    def _release(self, channel: str, seconds: float) -> None:
        if self._shared is None or not self._leasing:
            return
        with self._lock:
            token = self._tokens.pop(channel, None)
        if token is None and seconds <= 0:
            return  # nothing held, nothing to push
        self._shared.release(channel, token, seconds)

    def _write(self, kept: LeaseRelease) -> None:
        assert self._shared is not None
        self._shared.release(kept.channel, kept.token, max(0.0, kept.next_at - self._clock()))
