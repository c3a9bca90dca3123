"""PagerDuty's Events API v2 as a checker and an incident ledger: what the fake PagerDuty answers with.

Real PagerDuty rejects an event that breaks its schema with 400 and keeps one alert per
``dedup_key``; the emulated one must do both, or a renderer bug or a doubled incident would
only show in production. A test oracle: it lives with the emulator, never in the Lambda layer.

Sources, encoded rule by rule below (the OpenAPI document is not vendored; its rules are):

- PagerDuty/api-schema ``reference/events-v2/openapiv3.json``, ``POST /enqueue``
  (``createV2Event``): ``routing_key`` (string) and ``event_action`` (``trigger`` |
  ``acknowledge`` | ``resolve``) required; ``dedup_key``, ``client`` strings; ``client_url``
  a URL; ``payload`` (``Payload``: ``summary``, ``severity``, ``source`` required; ``severity``
  one of critical, warning, error, info; ``timestamp`` a date-time; ``component``, ``group``,
  ``class`` strings; ``custom_details`` an object); ``links`` items need ``href``, ``images``
  items need ``src``. Responses: 202 ``{"status": "success", "message": "Event processed",
  "dedup_key": …}``; 400 with ``status``, ``message`` and ``errors``.
- PagerDuty developer docs, "Send an Alert Event": ``routing_key`` is the 32-character
  integration key; ``dedup_key`` "required unless the event_action is trigger", at most 255
  characters; ``payload.summary`` at most 1024 characters; payload required for a trigger (the
  acknowledge and resolve examples carry none). "Alert De-Duplication": events with the
  ``dedup_key`` of an open alert apply to it (a trigger adds to it), only when sent with the same
  ``routing_key``; once the alert is resolved, a trigger opens a new alert and acknowledge or
  resolve events "will be dropped"; a trigger without ``dedup_key`` gets a generated one.
- "Events API v2 Overview": the API is asynchronous (202 "Accepted") and "Events API payloads
  are limited to 512 KB". A dropped resolve is therefore still answered 202: the event was
  valid and accepted; processing found nothing open.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "ACTIONS",
    "MAX_DEDUP_KEY",
    "MAX_EVENT_BYTES",
    "MAX_SUMMARY",
    "ROUTING_KEY_LENGTH",
    "SEVERITIES",
    "PagerDutyAlert",
    "PagerDutyEvents",
    "validate_pagerduty_event",
]

ACTIONS = ("trigger", "acknowledge", "resolve")
SEVERITIES = ("critical", "warning", "error", "info")
ROUTING_KEY_LENGTH = 32
MAX_DEDUP_KEY = 255
MAX_SUMMARY = 1024
MAX_EVENT_BYTES = 512 * 1024

_PAYLOAD_STRINGS = ("summary", "source", "component", "group", "class")


def _length(text: str) -> int:
    """Characters as PagerDuty counts them, conservatively: UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _is_url(value: Any) -> bool:
    if not isinstance(value, str) or not value or any(ch.isspace() for ch in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _is_datetime(value: Any) -> bool:
    """ISO 8601 date-time, in RFC 3339's form or PagerDuty's own example's (``…+0000``)."""
    if not isinstance(value, str) or "T" not in value:
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _size(body: Any) -> int:
    return len(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))


def validate_pagerduty_event(body: Any) -> list[str]:
    """Every way ``body`` breaks the Events API v2 rules; empty when PagerDuty would accept it.

    Never raises, whatever the shape: the fake PagerDuty answers 400 with these as ``errors``.
    """
    if not isinstance(body, Mapping):
        return ["event: not a JSON object"]
    problems: list[str] = []
    try:
        size = _size(body)
    except (TypeError, ValueError):
        return ["event: not serialisable as JSON"]
    if size > MAX_EVENT_BYTES:
        problems.append(f"event: {size} bytes, more than {MAX_EVENT_BYTES} (512 KB)")
    routing_key = body.get("routing_key")
    if not isinstance(routing_key, str):
        problems.append("routing_key: missing or not a string")
    elif len(routing_key) != ROUTING_KEY_LENGTH:
        # PagerDuty's own words; the key's value is never echoed.
        problems.append(f"Length of 'routing_key' is incorrect (should be {ROUTING_KEY_LENGTH} characters)")
    action = body.get("event_action")
    if action not in ACTIONS:
        problems.append(f"event_action: must be one of {', '.join(ACTIONS)}")
    dedup_key = body.get("dedup_key")
    if dedup_key is None:
        if action in ("acknowledge", "resolve"):
            problems.append("dedup_key: required unless event_action is trigger")
    elif not isinstance(dedup_key, str):
        problems.append("dedup_key: not a string")
    elif _length(dedup_key) > MAX_DEDUP_KEY:
        problems.append(f"dedup_key: {_length(dedup_key)} characters, more than {MAX_DEDUP_KEY}")
    for name in ("client",):
        if name in body and not isinstance(body[name], str):
            problems.append(f"{name}: not a string")
    if "client_url" in body and not _is_url(body["client_url"]):
        problems.append("client_url: not an http(s) URL")
    payload = body.get("payload")
    if payload is None:
        if action == "trigger":
            problems.append("payload: required for a trigger")
    else:
        problems += _payload_problems(payload)
    problems += _list_problems(body, "links", "href", ("href",), ("text",))
    problems += _list_problems(body, "images", "src", ("src", "href"), ("alt",))
    return problems


def _payload_problems(payload: Any) -> list[str]:
    if not isinstance(payload, Mapping):
        return ["payload: not an object"]
    problems: list[str] = []
    for name in ("summary", "source", "severity"):
        if name not in payload:
            problems.append(f"payload.{name}: required")
    for name in _PAYLOAD_STRINGS:
        if name in payload and not isinstance(payload[name], str):
            problems.append(f"payload.{name}: not a string")
    summary = payload.get("summary")
    if isinstance(summary, str) and _length(summary) > MAX_SUMMARY:
        problems.append(f"payload.summary: {_length(summary)} characters, more than {MAX_SUMMARY}")
    if "severity" in payload and payload["severity"] not in SEVERITIES:
        problems.append(f"payload.severity: must be one of {', '.join(SEVERITIES)}")
    if "timestamp" in payload and not _is_datetime(payload["timestamp"]):
        problems.append("payload.timestamp: not an ISO 8601 date-time")
    if "custom_details" in payload and not isinstance(payload["custom_details"], Mapping):
        problems.append("payload.custom_details: not an object")
    return problems


def _list_problems(
    body: Mapping[str, Any], name: str, required: str, urls: tuple[str, ...], strings: tuple[str, ...]
) -> list[str]:
    if name not in body:
        return []
    items = body[name]
    if not isinstance(items, list):
        return [f"{name}: not an array"]
    problems: list[str] = []
    for index, item in enumerate(items):
        where = f"{name}[{index}]"
        if not isinstance(item, Mapping):
            problems.append(f"{where}: not an object")
            continue
        if required not in item:
            problems.append(f"{where}.{required}: required")
        problems += [f"{where}.{key}: not an http(s) URL" for key in urls if key in item and not _is_url(item[key])]
        problems += [
            f"{where}.{key}: not a string" for key in strings if key in item and not isinstance(item[key], str)
        ]
    return problems


# -- the ledger ------------------------------------------------------------------------------


@dataclass
class PagerDutyAlert:
    """One PagerDuty alert: opened by a trigger, added to by later triggers, ended by a resolve."""

    routing_key: str
    dedup_key: str
    summary: str
    severity: str
    triggers: int = 1  # trigger events applied to it (the first included)
    status: str = "triggered"  # triggered | acknowledged | resolved
    events: list[Mapping[str, Any]] = field(default_factory=list, repr=False)  # without routing keys

    @property
    def is_open(self) -> bool:
        return self.status != "resolved"


@dataclass
class PagerDutyEvents:
    """What PagerDuty keeps of the events it accepted: alerts per (routing key, dedup_key).

    :meth:`enqueue` answers ``(status, body)`` as ``POST /v2/enqueue`` does.
    """

    alerts: list[PagerDutyAlert] = field(default_factory=list)
    rejected: list[list[str]] = field(default_factory=list)  # the errors of each 400
    dropped: list[Mapping[str, Any]] = field(default_factory=list)  # acknowledge/resolve with nothing open

    def open_alert(self, routing_key: str, dedup_key: str) -> PagerDutyAlert | None:
        return next(
            (a for a in self.alerts if a.is_open and a.routing_key == routing_key and a.dedup_key == dedup_key),
            None,
        )

    @property
    def opened(self) -> int:
        return len(self.alerts)

    @property
    def resolved(self) -> int:
        return sum(1 for a in self.alerts if a.status == "resolved")

    def enqueue(self, body: Any) -> tuple[int, dict[str, Any]]:
        problems = validate_pagerduty_event(body)
        if problems:
            self.rejected.append(problems)
            return 400, {"status": "invalid event", "message": "Event object is invalid", "errors": problems}
        routing_key: str = body["routing_key"]
        action: str = body["event_action"]
        key: str = body.get("dedup_key") or uuid.uuid4().hex
        kept = {k: v for k, v in body.items() if k != "routing_key"}
        alert = self.open_alert(routing_key, key)
        if action == "trigger":
            payload = body["payload"]
            if alert is None:
                self.alerts.append(
                    PagerDutyAlert(routing_key, key, payload["summary"], payload["severity"], events=[kept])
                )
            else:
                alert.triggers += 1
                alert.events.append(kept)
        elif alert is None:
            self.dropped.append(kept)
        else:
            alert.status = "resolved" if action == "resolve" else "acknowledged"
            alert.events.append(kept)
        return 202, {"status": "success", "message": "Event processed", "dedup_key": key}
