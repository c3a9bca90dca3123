"""An alert as a PagerDuty Events API v2 event: trigger on ALARM, resolve on the incident's OK.

The schema is PagerDuty's own: ``reference/events-v2/openapiv3.json`` in PagerDuty/api-schema
(``POST /v2/enqueue``, operation ``createV2Event``: ``routing_key`` and ``event_action`` required;
``payload`` with ``summary``, ``source`` and ``severity`` required, ``severity`` one of critical,
error, warning, info; ``links`` of ``{href, text}``). The limits are in PagerDuty's developer
docs, "Send an Alert Event" (``dedup_key`` at most 255 characters, ``payload.summary`` at most
1024) and "Events API v2 Overview" (payloads limited to 512 KB; 202 accepted, 400 not retried,
429 and 5xx retried). The emulated PagerDuty checks every event against the same rules
(``sagewatch_emulator.pagerduty_events``).

What the renderer guarantees, whatever the alarm says (tests/unit/core/alerting/test_render_pagerduty.py):

- **No secret in it.** The routing key lives in Secrets Manager and is never an input here:
  :class:`PagerDutyEvent` holds the body without it, and only :meth:`PagerDutyEvent.request_body`
  (called by the sender, right before the POST) adds it. Logging an event logs no key.
- **One PagerDuty alert per SageWatch incident.** :func:`dedup_key` is derived from the incident
  the notifier keeps per endpoint and destination (``core.alerting.incident``): its key and the
  time it opened. A re-fire of an open incident triggers with the same key (PagerDuty adds a log
  entry to the open alert instead of opening another); its OK resolves it; the next incident of
  the same endpoint opens at another time and so gets a new alert, even if a resolve was lost.
- **Plain, bounded text.** PagerDuty shows ``summary`` as plain text; control characters, bidi
  overrides and lone surrogates are dropped, line breaks folded, and every string cut with "…"
  to its limit (``summary`` 1024, counted in UTF-16 code units, never less than characters).
  The whole event stays under :data:`MAX_EVENT_BYTES` (a tenth of PagerDuty's 512 KB).
- Links only from ``view.links``, only absolute http(s) URLs (``units.safe_url``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sagewatch.core.alerting.alert import AlertView
from sagewatch.core.alerting.incident import Incident
from sagewatch.core.alerting.presentation import fact_rows, one_line, series_lines
from sagewatch.core.alerting.units import clean_text, safe_url

__all__ = [
    "CLIENT_NAME",
    "DEDUP_KEY_PREFIX",
    "MAX_DEDUP_KEY",
    "MAX_EVENT_BYTES",
    "MAX_SUMMARY",
    "PAGERDUTY_MAX_EVENT_BYTES",
    "EventAction",
    "PagerDutyEvent",
    "Severity",
    "dedup_key",
    "default_severity",
    "encode_event",
    "incident_dedup_key",
    "render_pagerduty_resolve",
    "render_pagerduty_trigger",
    "text_len",
]

# PagerDuty's limits ("Send an Alert Event"; "Events API v2 Overview", Size Limits).
MAX_DEDUP_KEY = 255
MAX_SUMMARY = 1024
PAGERDUTY_MAX_EVENT_BYTES = 512 * 1024
# SageWatch's own bounds: an alert is read on a phone; 512 KB would only ever be a bug.
MAX_EVENT_BYTES = 48 * 1024
MAX_SOURCE = 255
MAX_SHORT_FIELD = 255  # component, group, class
MAX_DETAIL_TEXT = 2000  # one custom_details string (reason, description, a fact)
MAX_DETAIL_LABEL = 100
MAX_DETAILS = 30  # custom_details entries
MAX_LOG_LINE = 300
MAX_LOG_LINES = 10
MAX_LINKS = 10
MAX_LINK_TEXT = 100

CLIENT_NAME = "SageWatch"
DEDUP_KEY_PREFIX = "sagewatch/"
ELLIPSIS = "…"


class EventAction(StrEnum):
    TRIGGER = "trigger"
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"


class Severity(StrEnum):
    """PagerDuty's four severities (PD-CEF), most severe first."""

    CRITICAL = "critical"
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class PagerDutyEvent:
    """An event ready to enqueue, without its routing key (a secret the sender adds)."""

    action: EventAction
    dedup_key: str
    body: Mapping[str, Any] = field(repr=False, hash=False)  # everything but routing_key

    def request_body(self, routing_key: str) -> dict[str, Any]:
        """The JSON object to POST to ``/v2/enqueue``: the body plus the routing key. Call it only
        at the moment of sending; never log what it returns."""
        return {"routing_key": routing_key, **self.body}


# -- text ------------------------------------------------------------------------------------


def text_len(text: str) -> int:
    """Length in UTF-16 code units: never less than the characters PagerDuty counts."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _cut(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit`` UTF-16 units, else cut and ended with "…" (the result fits)."""
    if text_len(text) <= limit:
        return text
    budget = max(limit - text_len(ELLIPSIS), 0)
    cut = text[:budget]
    while text_len(cut) > budget:
        cut = cut[:-1]
    return cut.rstrip() + ELLIPSIS


def _line(text: str | None, limit: int) -> str:
    """One line of plain text: control characters dropped, whitespace folded, cut to ``limit``."""
    return _cut(one_line(text or ""), limit)


def _block(text: str | None, limit: int) -> str:
    """Several lines of plain text (a description keeps its line breaks), cut to ``limit``."""
    return _cut(clean_text(text or "").strip(), limit)


# -- dedup key -------------------------------------------------------------------------------


def dedup_key(incident_key: str, opened_at: datetime) -> str:
    """The PagerDuty ``dedup_key`` of one SageWatch incident: stable for its life, ≤ 255 characters.

    ``incident_key`` is ``incident.incident_key()`` (an endpoint, or one alarm's ARN) and
    ``opened_at`` the StateChangeTime of the ALARM that opened it. Readable when it fits
    (``sagewatch/arn:aws:cloudwatch:us-east-1:123456789012:endpoint/fraud-scorer@20261128T031200Z``);
    a longer key (an alarm ARN with a 255-character name) keeps its start and ends with a
    SHA-256 of the whole, so two incidents never share a key by truncation.
    """
    stamp = _stamp(opened_at)
    readable = f"{DEDUP_KEY_PREFIX}{incident_key}@{stamp}"
    if len(readable) <= MAX_DEDUP_KEY and clean_text(readable, single_line=True) == readable:
        return readable
    digest = hashlib.sha256(f"{incident_key}@{stamp}".encode("utf-8", "surrogatepass")).hexdigest()
    tail = f"#{digest}@{stamp}"
    keep = MAX_DEDUP_KEY - len(DEDUP_KEY_PREFIX) - len(tail)
    start = "".join(ch for ch in clean_text(incident_key, single_line=True) if ch.isascii() and ch.isprintable())
    return f"{DEDUP_KEY_PREFIX}{start[:keep]}{tail}"


def incident_dedup_key(incident: Incident) -> str:
    """:func:`dedup_key` of an incident record (``Decision.incident`` or ``Decision.record``)."""
    return dedup_key(incident.key, incident.opened_at)


def _stamp(moment: datetime) -> str:
    try:
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return f"{aware.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    except (OverflowError, ValueError):
        return moment.replace(tzinfo=None).strftime("%Y%m%dT%H%M%S")


def _timestamp(moment: datetime) -> str | None:
    """ISO 8601 in UTC with milliseconds (``2026-11-28T03:12:00.000Z``); None when the datetime
    cannot be expressed in UTC (PagerDuty then stamps the event itself)."""
    try:
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    except (OverflowError, ValueError):
        return None


# -- the event -------------------------------------------------------------------------------


def default_severity(view: AlertView) -> Severity:
    """What an alert is to an on-call person when nothing else says: an endpoint that failed or
    an alarm firing is critical; a not-enough-data update a warning; anything else info."""
    if view.state in ("ALARM", "FAILED"):
        return Severity.CRITICAL
    if view.state == "INSUFFICIENT_DATA":
        return Severity.WARNING
    return Severity.INFO


def _summary(view: AlertView) -> str:
    title = one_line(view.title) or one_line(view.alarm_name) or "SageWatch alert"
    if view.state == "FAILED":
        text = f"FAILED: Endpoint {one_line(view.endpoint or '') or title} failed"
        reason = one_line(view.reason)
        if reason:
            text += f": {reason}"
    else:
        text = f"{one_line(view.state) or 'ALERT'}: {title}"
        if view.value_text and view.state == "ALARM":
            text += f" ({one_line(view.value_text)})"
    return _cut(text, MAX_SUMMARY)


def _source(view: AlertView) -> str:
    """PD-CEF's "unique location of the affected system", in the form of PagerDuty's own example
    (``aws:elasticache:us-east-1:852511987:cluster/api-stats-prod-003``)."""
    region = one_line(view.region) or "unknown-region"
    account = one_line(view.account_id) or "unknown-account"
    if view.endpoint and not view.generic:
        where = f"endpoint/{one_line(view.endpoint)}"
        service = "sagemaker"
    else:
        where = f"alarm/{one_line(view.alarm_name)}"
        service = "cloudwatch"
    return _cut(f"aws:{service}:{region}:{account}:{where}", MAX_SOURCE)


def _details(view: AlertView, *, log_lines: int, with_series: bool, text_limit: int) -> dict[str, Any]:
    """``custom_details``: the facts the Slack message shows, in its words and human units."""
    details: dict[str, Any] = {}

    def put(label: str, value: Any) -> None:
        if len(details) >= MAX_DETAILS:
            return
        key = _line(label, MAX_DETAIL_LABEL) or "Detail"
        unique, n = key, 2
        while unique in details:  # a detail named like one of SageWatch's own facts keeps both
            unique, n = f"{key} ({n})", n + 1
        details[unique] = value

    for label, value in fact_rows(view):
        put(label, _line(value, text_limit))
    if view.duration_text:
        put("Duration", _line(view.duration_text, text_limit))
    if view.reason.strip():
        put("Failure reason" if view.state == "FAILED" else "Reason", _block(view.reason, text_limit))
    if view.description and view.description.strip():
        put("Description", _block(view.description, text_limit))
    if with_series and view.series:
        put("Last hour", [_line(line, MAX_LOG_LINE) for line in series_lines(view.series)][:MAX_LOG_LINES])
    lines = [_line(raw, MAX_LOG_LINE) for raw in view.log_lines]
    lines = [line for line in lines if line]
    if lines and log_lines > 0:
        put("Recent errors", lines[:log_lines])
    missing = [_line(item, MAX_LOG_LINE) for item in view.missing_context]
    missing = [item for item in missing if item]
    if missing:
        put("Missing context", missing[:MAX_LOG_LINES])
    if view.alarm_name and view.endpoint and not view.generic:  # a generic alert's facts name it already
        put("Alarm", _line(view.alarm_name, text_limit))
    if view.message_id:
        put("Message", _line(view.message_id, MAX_SHORT_FIELD))
    return details


def _links(links: Sequence[Any]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for link in links:
        url = safe_url(link.url)
        if url is None or len(out) == MAX_LINKS:
            continue
        out.append({"href": url, "text": _line(link.label, MAX_LINK_TEXT) or "Link"})
    return out


def encode_event(body: Mapping[str, Any]) -> bytes:
    """The bytes a sender posts (compact UTF-8 JSON): what the size limits are measured on."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")


def render_pagerduty_trigger(
    view: AlertView, *, dedup_key: str, severity: Severity | None = None, max_log_lines: int = MAX_LOG_LINES
) -> PagerDutyEvent:
    """The trigger event for an alert (an incident opening, another alarm joining it, a re-fire).

    ``dedup_key`` is :func:`dedup_key` of the incident. ``severity`` defaults to
    :func:`default_severity`. Never raises on odd input: every field of ``view`` is untrusted.
    """
    payload: dict[str, Any] = {
        "summary": _summary(view),
        "source": _source(view),
        "severity": str(severity or default_severity(view)),
    }
    timestamp = _timestamp(view.since)
    if timestamp is not None:
        payload["timestamp"] = timestamp
    if view.variant:
        payload["component"] = _line(view.variant, MAX_SHORT_FIELD)
    if view.endpoint and not view.generic:
        payload["group"] = _line(view.endpoint, MAX_SHORT_FIELD)
    if view.signal:
        payload["class"] = _line(view.signal, MAX_SHORT_FIELD)
    payload = {k: v for k, v in payload.items() if v != ""}  # optional fields an alarm left blank
    body: dict[str, Any] = {
        "event_action": str(EventAction.TRIGGER),
        "dedup_key": dedup_key,
        "payload": payload,
        "client": CLIENT_NAME,
    }
    links = _links(view.links)
    if links:
        body["links"] = links
        alarm = next((link["href"] for link in links if link["text"] == "Alarm"), links[0]["href"])
        body["client_url"] = alarm
    # Ever smaller details until the event fits: the facts first, the bulk (logs, series) last.
    for log_lines, with_series, text_limit in (
        (max(max_log_lines, 0), True, MAX_DETAIL_TEXT),
        (3, True, 500),
        (0, False, 200),
        (0, False, 50),
    ):
        payload["custom_details"] = _details(view, log_lines=log_lines, with_series=with_series, text_limit=text_limit)
        if len(encode_event(body)) + 64 <= MAX_EVENT_BYTES:  # 64: room for the routing key
            break
    else:
        payload["custom_details"] = {}
    return PagerDutyEvent(EventAction.TRIGGER, dedup_key, body)


def render_pagerduty_resolve(dedup_key: str) -> PagerDutyEvent:
    """The resolve event of an incident: ``event_action`` and ``dedup_key`` are all PagerDuty
    reads (the docs' resolve example carries no payload)."""
    return PagerDutyEvent(
        EventAction.RESOLVE, dedup_key, {"event_action": str(EventAction.RESOLVE), "dedup_key": dedup_key}
    )
