"""Which of the runtime's log lines a command shows without ``--log-json``.

The runtime logs one JSON object per line (Powertools Logger), as on Lambda, and flushes its
metrics as Embedded Metric Format objects (an ``_aws`` key); an emulated invocation also keeps
each record in the ``[LEVEL] logger: message`` form of Lambda's own log capture. A person at a
terminal needs the warnings and errors, not the INFO narrative of every call nor the metrics;
``--log-json`` shows every line. Anything else (a print, a traceback) is always shown: nothing
says it is routine.
"""

from __future__ import annotations

import json

__all__ = ["for_terminal", "shown"]

_ROUTINE_LEVELS = frozenset({"DEBUG", "INFO"})
_ROUTINE_PREFIXES = tuple(f"[{level}]" for level in _ROUTINE_LEVELS)


def shown(line: str, *, everything: bool) -> bool:
    """Whether ``line`` is written: always with ``everything``, else unless it is a DEBUG or
    INFO record or a metrics flush."""
    if everything:
        return True
    text = line.strip()
    if text.startswith(_ROUTINE_PREFIXES):
        return False
    try:
        record = json.loads(text)
    except ValueError:
        return True
    if not isinstance(record, dict):
        return True
    return "_aws" not in record and str(record.get("level", "")).upper() not in _ROUTINE_LEVELS


def for_terminal(line: str) -> str:
    """A runtime record as a person reads it: ``warning: <message>`` (other text unchanged)."""
    try:
        record = json.loads(line)
    except ValueError:
        return line.rstrip("\n")
    if isinstance(record, dict) and "level" in record and "message" in record:
        return f"{str(record['level']).lower()}: {record['message']}"
    return line.rstrip("\n")
