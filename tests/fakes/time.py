"""Simulated time for the wiring: ``sleep`` advances the clock instead of waiting."""

from __future__ import annotations

import threading


class SimulatedTime:
    """A monotonic and a wall clock that move only when something sleeps (or :meth:`advance`)."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        with self._lock:
            return self._now

    def wall(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"sleep length must be non-negative, not {seconds}")  # as time.sleep
        with self._lock:
            self.sleeps.append(seconds)
            self._now += seconds

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    @property
    def slept(self) -> float:
        with self._lock:
            return sum(self.sleeps)
