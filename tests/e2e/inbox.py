"""The alerts a destination received, in order, and which of them the scenario has consumed (pure).

Alerts are matched by what a person reads: the message's top-level text starts with the state
(``ALARM: …``, ``OK: Resolved …``) and the message names the alarm (its context line carries the
full alarm name). An alarm may be told more than once (a new alarm's first evaluation is an
INSUFFICIENT_DATA → OK transition whose OK action runs; CloudWatch restores a state set with
SetAlarmState at its next evaluation), so the inbox keeps a cursor: a wait only ever accepts an
alert received after the one the previous wait returned, and the scenario checks ALARM then OK in
that order.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tests.e2e.driver import Alert


def is_about(alert: Alert, alarm: str, state: str) -> bool:
    text = str(alert.payload.get("text") or "")
    return text.startswith(f"{state}:") and alarm in alert.text


class Inbox:
    def __init__(self) -> None:
        self._alerts: list[Alert] = []
        self._cursor = 0

    def add(self, payloads: Iterable[dict[str, Any]]) -> None:
        self._alerts.extend(Alert(dict(payload)) for payload in payloads)

    @property
    def received(self) -> list[Alert]:
        return list(self._alerts)

    def take(self, alarm: str, state: str) -> Alert | None:
        """The first alert after the cursor telling ``alarm`` entered ``state``; moves the cursor past it."""
        for index in range(self._cursor, len(self._alerts)):
            if is_about(self._alerts[index], alarm, state):
                self._cursor = index + 1
                return self._alerts[index]
        return None

    def summary(self) -> str:
        """What arrived so far, one top-level text each (for a wait's timeout message)."""
        return "; ".join(str(a.payload.get("text", "?"))[:120] for a in self._alerts) or "nothing"
