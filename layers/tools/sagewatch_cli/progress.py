"""Progress of ``sync`` and ``remove``: one line per endpoint, and on a terminal a live count.

Off a terminal (a pipe, a CI log) each finished endpoint is one plain line, nothing else, so
the output stays the same from run to run and easy to parse. On a terminal the same lines
scroll above a status line that says how many are done and, once the run has taken a while,
about how long the rest will take (the mean time per endpoint so far, times what is left).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["Progress", "format_duration"]

# The estimate is shown once it is worth reading: a few endpoints done and some time still left.
_ESTIMATE_AFTER = 2
_ESTIMATE_FROM_SECONDS = 5.0
_CLEAR_LINE = "\r\x1b[K"


def format_duration(seconds: float) -> str:
    """``42 s``, ``3 min 5 s``, ``1 h 20 min``: the precision a person waiting needs."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


class Progress:
    """Reports ``total`` steps to ``stream``: :meth:`step` after each one, :meth:`close` at the end."""

    def __init__(
        self,
        total: int,
        stream: TextIO,
        *,
        verb: str,
        live: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total
        self.done = 0
        self._stream = stream
        self._verb = verb
        self._live = stream.isatty() if live is None else live
        self._clock = clock
        self._started = clock()
        self._width = len(str(total))
        self._status(self.status_line())

    def estimate_seconds(self) -> float | None:
        """Seconds left at the mean pace so far, or None while too early to say."""
        if self.done < _ESTIMATE_AFTER or self.done >= self.total:
            return None
        elapsed = self._clock() - self._started
        left = elapsed / self.done * (self.total - self.done)
        return left if left >= _ESTIMATE_FROM_SECONDS else None

    def status_line(self) -> str:
        line = f"{self._verb}: {self.done}/{self.total} endpoint(s) done"
        left = self.estimate_seconds()
        return f"{line}, about {format_duration(left)} left" if left is not None else line

    def step(self, name: str, what: str) -> None:
        """One endpoint finished: ``[3/4] name: what``."""
        self.done += 1
        line = f"[{self.done:>{self._width}}/{self.total}] {name}: {what}"
        if self._live:
            self._stream.write(f"{_CLEAR_LINE}{line}\n")
            self._status(self.status_line())
        else:
            self._stream.write(f"{line}\n")
        self._stream.flush()

    def advance(self) -> None:
        """One endpoint finished whose line the command printed itself (after :meth:`close`):
        only the count moves, on a terminal."""
        self.done += 1
        self._status(self.status_line())

    def close(self) -> None:
        """Take the status line away (on a terminal), before the end or before the command
        prints a line of its own; the finished lines stay."""
        if self._live:
            self._stream.write(_CLEAR_LINE)
            self._stream.flush()

    def _status(self, line: str) -> None:
        if self._live and self.done < self.total:
            self._stream.write(f"{_CLEAR_LINE}{line}")
            self._stream.flush()
