"""What can still be said of a notification that could not be parsed, never its raw JSON."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sagewatch.core.alerting.alarm_message import STATES


@dataclass(frozen=True)
class UnreadableSummary:
    """What can still be said about a notification that could not be parsed."""

    state: str | None  # NewStateValue when it is a real state: an unreadable ALARM stays an ALARM
    text: str  # one short line per field that could be read; untrusted (renderers escape it)


# The fields worth showing, in this order, and how many characters of each.
_SUMMARY_FIELDS = (
    ("AlarmName", 256),
    ("NewStateValue", 32),
    ("OldStateValue", 32),
    ("Region", 64),
    ("AlarmArn", 300),
    ("StateChangeTime", 40),
    ("NewStateReason", 400),
)
_SUMMARY_TRIGGER_FIELDS = (("Namespace", 256), ("MetricName", 256), ("Threshold", 40))
# A top-level string field of a JSON text too damaged (or too cut) to load.
_JSON_STRING_FIELD = r'"{key}"\s*:\s*"((?:[^"\\]|\\.){{0,{limit}}})'


def summarize_unreadable(raw: str) -> UnreadableSummary:
    """A short, field-by-field account of an unreadable message, instead of its raw JSON.

    ``raw`` may be cut (the handler keeps the first 4,000 characters) or not JSON at all; what
    can be read of the known fields is listed as ``Field: value`` lines, each value shortened.
    Plain text that is not JSON is quoted briefly, since it is what the sender meant to say.
    """
    text = raw.strip()
    fields: dict[str, str] = {}
    try:
        loaded = json.loads(text)
    except ValueError:
        loaded = None
    if isinstance(loaded, Mapping):
        for key, limit in _SUMMARY_FIELDS:
            _keep(fields, key, loaded.get(key), limit)
        trigger = loaded.get("Trigger")
        if isinstance(trigger, Mapping):
            for key, limit in _SUMMARY_TRIGGER_FIELDS:
                _keep(fields, f"Trigger.{key}", trigger.get(key), limit)
    elif text.startswith("{"):
        for key, limit in _SUMMARY_FIELDS:
            match = re.search(_JSON_STRING_FIELD.format(key=key, limit=limit), text)
            if match:
                _keep(fields, key, match.group(1).replace('\\"', '"'), limit)
    lines = [f"{key}: {value}" for key, value in fields.items()]
    if not lines:
        if text and not text.startswith(("{", "[")):
            lines.append(f"Text: {_shorten(' '.join(text.split()), 200)}")
        else:
            lines.append(f"No field could be read ({len(raw):,} characters).")
    state = fields.get("NewStateValue")
    return UnreadableSummary(state if state in STATES else None, "\n".join(lines))


def _keep(fields: dict[str, str], key: str, value: Any, limit: int) -> None:
    if isinstance(value, bool) or value is None or isinstance(value, (Mapping, list)):
        return
    shown = " ".join(str(value).split())
    if shown:
        fields[key] = _shorten(shown, limit)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
