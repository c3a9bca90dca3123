"""An alert as a Microsoft Teams message: one Adaptive Card, posted through a Workflows webhook.

Office 365 connectors are retired; a Teams Workflows flow started by "When a Teams webhook
request is received" takes ``{"type": "message", "attachments": [{"contentType":
"application/vnd.microsoft.card.adaptive", "contentUrl": null, "content": <AdaptiveCard>}]}``
(Microsoft Learn, "Create an Incoming Webhook", its Workflows section, and "Post a workflow
when a webhook request is received in Microsoft Teams"). The card says what the Slack message
says (``render_slack``): state, signal and value against threshold in human units, since when,
the key metrics, recent error lines, links — for every kind of alert an ``AlertView`` carries
(metric, math, composite and anomaly alarms, Model Monitor runs, endpoint failures, alarms
about something else).

Sources for the rules it keeps (the emulated Teams checks the same: ``sagewatch_emulator.teams_cards``):

- **Card version 1.4.** Teams' "Cards reference" says the platform supports "v1.5 or earlier of
  Adaptive Card features" for cards bots send, but cards posted by the Workflows (Power
  Automate) flow bot that declare 1.5 show "We're sorry, this card couldn't be displayed"
  (microsoft/AdaptiveCards #7676, #8965; MicrosoftDocs/msteams-docs #9801; 1.6 in #9378). The
  card needs nothing newer than 1.2 (RichTextBlock), so it declares 1.4 and uses only elements
  and properties of the 1.4 schema (microsoft/AdaptiveCards ``schemas/1.4.0/adaptive-card.json``).
- **Size.** "The message size limit is 28 KB. When the size exceeds 28 KB, you receive an error"
  (Microsoft Learn, "Create an Incoming Webhook"). Payloads close to it have been reported
  rejected, and a Workflows flow still answers 202 when the post to the channel then fails, so
  SageWatch keeps the whole message, as posted (compact UTF-8 JSON: :func:`encode_message`),
  within :data:`MAX_MESSAGE_BYTES` (24 KiB): logs, then series, then long texts are cut until it fits.
- **At most six actions** (``maxActions`` of Teams' host config, microsoft/AdaptiveCards
  ``samples/HostConfig/microsoft-teams-light.json``).

**Nothing from the alarm is parsed as markup.** TextBlock text and FactSet titles and values are
parsed as a markdown subset (links, emphasis, lists); a TextRun's text is not ("Markdown is not
supported", TextRun in the 1.4 schema). So every text here is a TextRun in a RichTextBlock, and
there is no TextBlock or FactSet in the card: a description of ``[click](https://evil)`` or
``**urgent**`` is shown as typed. Mentions need ``<at>`` tags *and* an ``msteams.entities`` entry
SageWatch never writes, so no text can mention anyone. As a second guard, for a host that parsed
TextRuns anyway, a word joiner (U+2060, invisible) is put between ``]`` and ``(`` so no
``[text](url)`` link can form. Control characters, bidi overrides and lone surrogates are dropped
(``units.clean_text``). Links only come from ``view.links``, only absolute http(s) URLs, as
``Action.OpenUrl`` buttons.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sagewatch.core.alerting.alert import AlertView
from sagewatch.core.alerting.presentation import (
    HIGHLIGHT,
    fact_rows,
    format_since,
    one_line,
    series_lines,
    state_emoji,
)
from sagewatch.core.alerting.units import NO_VALUE, clean_text, safe_url

__all__ = [
    "ADAPTIVE_CARD_CONTENT_TYPE",
    "ADAPTIVE_CARD_SCHEMA",
    "CARD_VERSION",
    "MAX_ACTIONS",
    "MAX_MESSAGE_BYTES",
    "TEAMS_MAX_MESSAGE_BYTES",
    "card_text",
    "encode_message",
    "render_teams",
]

ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
ADAPTIVE_CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.4"
TEAMS_MAX_MESSAGE_BYTES = 28_000  # "The message size limit is 28 KB", read the stricter way
MAX_MESSAGE_BYTES = 24 * 1024  # SageWatch's: headroom under Teams' limit
MAX_ACTIONS = 6  # Teams' host config maxActions
MAX_ACTION_TITLE = 40
MAX_HEADER = 200
MAX_FACTS = 16
MAX_FACT_LABEL = 60
MAX_SECTION_LINES = 20  # lines of a description or reason, each its own RichTextBlock

ELLIPSIS = "…"
WORD_JOINER = "\u2060"

_STATE_WORD = {"ALARM": "ALARM", "OK": "Resolved", "INSUFFICIENT_DATA": "Insufficient data"}
# ContainerStyle of the 1.4 schema: default, emphasis, good, attention, warning, accent.
_STATE_STYLE = {"ALARM": "attention", "OK": "good", "INSUFFICIENT_DATA": "emphasis", "FAILED": "attention"}
# Colors of the 1.4 schema: default, dark, light, accent, good, warning, attention.
_STATE_COLOR = {"ALARM": "attention", "OK": "good", "INSUFFICIENT_DATA": "default", "FAILED": "attention"}


@dataclass(frozen=True)
class _Limits:
    """How much of the bulky parts a card carries; :func:`render_teams` steps down until it fits."""

    log_lines: int
    log_line: int
    series: bool
    text: int  # characters of a reason, description or failure reason
    fact: int  # characters of one fact's value
    missing: int = 8  # "⚠ … unavailable" lines
    actions: int = MAX_ACTIONS


_STEPS = (
    _Limits(log_lines=10, log_line=300, series=True, text=3000, fact=500),
    _Limits(log_lines=5, log_line=200, series=True, text=1500, fact=300),
    _Limits(log_lines=2, log_line=150, series=True, text=600, fact=200),
    _Limits(log_lines=0, log_line=0, series=False, text=300, fact=120),
    _Limits(log_lines=0, log_line=0, series=False, text=100, fact=60),
    # Only absurd input gets here (thousands of characters of non-ASCII in every name, six
    # 3,000-character URLs): the facts stay, the buttons go last.
    *(
        _Limits(log_lines=0, log_line=0, series=False, text=50, fact=40, missing=0, actions=n)
        for n in range(MAX_ACTIONS, -1, -1)
    ),
)


# -- text ------------------------------------------------------------------------------------


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def card_text(text: str | None, limit: int, *, single_line: bool = True) -> str:
    """Untrusted text made fit for a TextRun: control characters, bidi overrides and lone
    surrogates dropped, a word joiner between ``]`` and ``(`` (no markdown link can form, even
    where a host parsed it), cut to ``limit`` characters with "…"."""
    cleaned = clean_text(text or "", single_line=single_line)
    if not single_line:  # indentation kept (monospace columns); blank lines around dropped
        cleaned = cleaned.rstrip().lstrip("\n")
    return _cut(cleaned, limit).replace("](", "]" + WORD_JOINER + "(")


def _run(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextRun", "text": text, **style}


def _rich(*runs: dict[str, Any], spacing: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "RichTextBlock", "inlines": list(runs)}
    if spacing:
        block["spacing"] = spacing
    return block


def _lines_blocks(text: str, **style: Any) -> list[dict[str, Any]]:
    """A multi-line text as one RichTextBlock per line (runs flow inline), at most
    MAX_SECTION_LINES, the rest folded into the last one."""
    lines = text.split("\n")
    if len(lines) > MAX_SECTION_LINES:
        lines = [*lines[: MAX_SECTION_LINES - 1], " ".join(lines[MAX_SECTION_LINES - 1 :])]
    return [_rich(_run(line or " ", **style), spacing="none") for line in lines]


def _section(heading: str, text: str | None, limit: int) -> list[dict[str, Any]]:
    body = card_text(text, limit, single_line=False)
    if not body.strip():
        return []
    return [_rich(_run(heading, weight="bolder"), spacing="medium"), *_lines_blocks(body)]


def _code_section(heading: str, lines: Sequence[str]) -> list[dict[str, Any]]:
    if not lines:
        return []
    return [
        _rich(_run(heading, weight="bolder"), spacing="medium"),
        *(_rich(_run(line or " ", fontType="monospace", size="small"), spacing="none") for line in lines),
    ]


# -- the parts -------------------------------------------------------------------------------


def _header_text(view: AlertView) -> str:
    emoji = state_emoji(view.state)
    if view.state == "FAILED":
        return f"{emoji} Endpoint {one_line(view.endpoint or '') or one_line(view.title)} failed"
    word = _STATE_WORD.get(view.state, one_line(view.state) or "Alert")
    return f"{emoji} {word}: {one_line(view.title)}"


def _header(view: AlertView) -> dict[str, Any]:
    run = _run(card_text(_header_text(view), MAX_HEADER), size="large", weight="bolder")
    color = _STATE_COLOR.get(view.state)
    if color:
        run["color"] = color
    return {
        "type": "Container",
        "style": _STATE_STYLE.get(view.state, "emphasis"),
        "bleed": True,
        "items": [_rich(run)],
    }


def _fact(label: str, value: str, limit: int) -> dict[str, Any]:
    return _rich(
        _run(f"{card_text(label, MAX_FACT_LABEL) or 'Detail'}: ", weight="bolder"),
        _run(card_text(value, limit) or NO_VALUE),
        spacing="none",
    )


def _facts(view: AlertView, limits: _Limits) -> list[dict[str, Any]]:
    rows = fact_rows(view)
    if len(rows) > MAX_FACTS:
        rest = "; ".join(f"{one_line(label)}: {one_line(value)}" for label, value in rows[MAX_FACTS - 1 :])
        rows = [*rows[: MAX_FACTS - 1], ("More", rest)]
    blocks = [_fact(label, value, limits.fact) for label, value in rows]
    return [{"type": "Container", "spacing": "medium", "items": blocks}] if blocks else []


def _series(view: AlertView, limits: _Limits) -> list[dict[str, Any]]:
    if not limits.series:
        return []
    # Whitespace kept: the monospace columns line up (series_lines makes each one line already).
    lines = [card_text(line, 200, single_line=False) for line in series_lines(view.series)]
    heading = f"Last hour ({HIGHLIGHT} alarm metric)" if any(s.highlight for s in view.series) else "Last hour"
    return _code_section(heading, lines[:MAX_FACTS])


def _logs(view: AlertView, limits: _Limits, max_log_lines: int) -> list[dict[str, Any]]:
    lines = []
    for raw in view.log_lines:
        line = card_text(clean_text(raw).replace("\n", " ↵ "), max(limits.log_line, 1), single_line=False)
        if line:
            lines.append(line)
    shown = lines[: max(min(max_log_lines, limits.log_lines), 0)]
    if not shown:
        return []
    heading = "Recent errors"
    if len(lines) > len(shown):
        heading += f" ({len(shown)} of {len(lines)})"
    return _code_section(heading, shown)


def _missing(view: AlertView, limits: _Limits) -> list[dict[str, Any]]:
    items = [card_text(item, 200) for item in view.missing_context]
    items = [item for item in items if item][: limits.missing]
    return [_rich(_run(f"⚠ {item}", isSubtle=True, size="small"), spacing="none") for item in items]


def _resolved(view: AlertView, limits: _Limits) -> list[dict[str, Any]]:
    first = "The alarm returned to OK"
    if view.duration_text:
        first += f" — {card_text(view.duration_text, 100)}"
    blocks = [_rich(_run(first + "."), spacing="medium")]
    if view.value_text:
        now = card_text(view.value_text, limits.fact)
        if view.threshold_text:
            now += f" (threshold {card_text(view.threshold_text, limits.fact)})"
        blocks.append(_fact("Value now", now, 2 * limits.fact + 20))
    if view.generic or not view.endpoint:
        blocks.append(_fact("Alarm", view.alarm_name, limits.fact))
    else:
        where = one_line(view.endpoint)
        if view.variant:
            where += f" / {one_line(view.variant)}"
        blocks.append(_fact("Endpoint", where, limits.fact))
    blocks.append(_fact("Since", format_since(view.since), 60))
    return blocks


def _footer(view: AlertView) -> dict[str, Any]:
    parts = ["SageWatch"]
    if view.alarm_name:
        parts.append(f"alarm {card_text(view.alarm_name, 300)}")
    if view.message_id:
        parts.append(f"message {card_text(view.message_id, 300)}")
    return _rich(_run(" · ".join(parts), isSubtle=True, size="small"), spacing="medium")


def _actions(view: AlertView, limits: _Limits) -> list[dict[str, Any]]:
    actions: list[dict[str, Any]] = []
    for link in view.links:
        url = safe_url(link.url)
        if url is None or len(actions) == limits.actions:
            continue
        actions.append(
            {"type": "Action.OpenUrl", "title": card_text(link.label, MAX_ACTION_TITLE) or "Open", "url": url}
        )
    return actions


def _card(view: AlertView, limits: _Limits, max_log_lines: int) -> dict[str, Any]:
    body: list[dict[str, Any]] = [_header(view)]
    if view.state == "OK":
        body += _resolved(view, limits)
    elif view.state == "FAILED":
        body += [
            *_section("Failure reason", view.reason or "no FailureReason given", limits.text),
            *_facts(view, limits),
            *_section("Description", view.description, limits.text),
            *_logs(view, limits, max_log_lines),
            *_missing(view, limits),
        ]
    else:
        body += [
            *_facts(view, limits),
            *_section("Reason", view.reason, limits.text),
            *_section("Description", view.description, limits.text),
            *_series(view, limits),
            *_logs(view, limits, max_log_lines),
            *_missing(view, limits),
        ]
    body.append(_footer(view))
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": ADAPTIVE_CARD_SCHEMA,
        "version": CARD_VERSION,
        "body": body,
    }
    actions = _actions(view, limits)
    if actions:
        card["actions"] = actions
    return card


def _message(card: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "message",
        "attachments": [{"contentType": ADAPTIVE_CARD_CONTENT_TYPE, "contentUrl": None, "content": card}],
    }


def encode_message(message: dict[str, Any]) -> bytes:
    """The bytes a sender posts (compact UTF-8 JSON, ``Content-Type: application/json;
    charset=utf-8``): what the size limit is measured on."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# -- the message -----------------------------------------------------------------------------


def render_teams(view: AlertView, *, max_log_lines: int = 10) -> dict[str, Any]:
    """The Teams Workflows message for an alert, valid and within :data:`MAX_MESSAGE_BYTES`
    whatever the input (every field of ``view`` is untrusted)."""
    message: dict[str, Any] = {}
    for limits in _STEPS:
        message = _message(_card(view, limits, max_log_lines))
        if len(encode_message(message)) <= MAX_MESSAGE_BYTES:
            return message
    return message
