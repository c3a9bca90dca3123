"""An alert as a Slack Block Kit message: what, where, how bad, since when, what else looks wrong.

The output is a payload for an incoming webhook or ``chat.postMessage``:
``{"text": <fallback for notifications>, "blocks": [...]}``.

Two rules hold whatever the input (see tests/unit/core/alerting/test_render_slack.py):

- **Nothing from the alarm can ping or forge a link.** Every text from the alarm, the endpoint or
  its logs is escaped for mrkdwn (``&`` ``<`` ``>``), so ``<!channel>`` or ``<https://x|y>``
  arrive as text; mrkdwn objects are sent ``verbatim`` (Slack does not auto-link or auto-mention
  in them); code blocks cannot be closed from inside. Links only come from ``view.links``, as
  buttons. ``plain_text`` (header, button labels) is not parsed by Slack and is not escaped;
  a ``<`` glued to the next character is still shown as a look-alike (U+2039) there, so no control
  sequence (``<!channel>``) appears anywhere in the payload, whoever reads it later.
- **Slack never rejects it for size.** Block Kit limits (50 blocks, 3000 characters per
  section, 150 per header, 10 fields of 2000, ...) are enforced by truncating with "…" after
  escaping, never inside an entity such as ``&amp;`` (the limits and the counting are in
  ``slack_text``). The emulator's fake Slack checks every payload against the same limits
  (``sagewatch_emulator.slack_blocks``), and so do the tests.

The facts, since-time and series lines are ``presentation``'s, shared with the email and digests.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC
from typing import Any

from sagewatch.core.alerting.alert import AlertView
from sagewatch.core.alerting.presentation import (
    HIGHLIGHT,
    fact_rows,
    format_since,
    one_line,
    series_lines,
    shorten,
    state_emoji,
)
from sagewatch.core.alerting.slack_text import (
    ELLIPSIS,
    FENCE,
    MAX_ACTION_ELEMENTS,
    MAX_BLOCKS,
    MAX_BUTTON_TEXT,
    MAX_CONTEXT_ELEMENTS,
    MAX_FALLBACK_TEXT,
    MAX_FIELD_TEXT,
    MAX_FIELDS,
    MAX_HEADER_TEXT,
    MAX_SECTION_TEXT,
    MAX_TEXT_OBJECT,
    escape_mrkdwn,
    slack_len,
    truncate,
)
from sagewatch.core.alerting.units import NO_VALUE, clean_text, safe_url

__all__ = ["MAX_LOG_LINE", "render_slack"]

MAX_LOG_LINE = 300  # characters of one log line, before escaping
MAX_DETAIL_LABEL = 100

_DATE_FORMAT = "{date_short_pretty} {time}"


# -- text helpers ----------------------------------------------------------------------------


def _escape_code(text: str) -> str:
    """Escaped for use inside a ``` code block, which it must not be able to close."""
    return escape_mrkdwn(text)


_GLUED_LT = re.compile(r"<(?=\S)")


def _plain_safe(text: str) -> str:
    """One line for a plain_text object; ``<!here>`` gets U+2039 for its ``<`` (``a < b`` stays)."""
    return _GLUED_LT.sub("\u2039", one_line(text))


# -- blocks ----------------------------------------------------------------------------------


def _mrkdwn(text: str, limit: int) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": truncate(text, limit) or NO_VALUE, "verbatim": True}


def _plain(text: str, limit: int) -> dict[str, Any]:
    # Made safe again after the cut: truncating "a < b" can glue its "<" to the ellipsis ("<…").
    cut = _GLUED_LT.sub("\u2039", truncate(_plain_safe(text), limit))
    return {"type": "plain_text", "text": cut or NO_VALUE, "emoji": True}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(text, MAX_SECTION_TEXT)}


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": _plain(text, MAX_HEADER_TEXT)}


def _context(texts: Sequence[str]) -> dict[str, Any]:
    """A context block of mrkdwn elements (already escaped); overflow folds into the last one."""
    items = list(texts)
    if len(items) > MAX_CONTEXT_ELEMENTS:
        items = [*items[: MAX_CONTEXT_ELEMENTS - 1], " · ".join(items[MAX_CONTEXT_ELEMENTS - 1 :])]
    return {"type": "context", "elements": [_mrkdwn(item, MAX_TEXT_OBJECT) for item in items]}


def _code_section(heading: str, lines: Sequence[str], noun: str) -> dict[str, Any] | None:
    """``heading`` then the (escaped) lines in a code block; whole lines dropped to fit."""
    if not lines:
        return None
    opening, closing = f"{heading}\n{FENCE}\n", f"\n{FENCE}"
    reserve = 40  # for "… N more lines"
    budget = MAX_SECTION_TEXT - slack_len(opening) - slack_len(closing) - reserve
    kept: list[str] = []
    used = 0
    for line in lines:
        cost = slack_len(line) + 1
        if used + cost > budget:
            break
        kept.append(line)
        used += cost
    dropped = len(lines) - len(kept)
    if dropped:
        kept.append(f"{ELLIPSIS} {dropped} more {noun}")
    return _section(opening + "\n".join(kept) + closing)


def _since_token(view: AlertView) -> str:
    """Slack shows the time in each reader's own time zone; the fallback is UTC."""
    fallback = format_since(view.since)
    try:
        moment = view.since if view.since.tzinfo else view.since.replace(tzinfo=UTC)
        epoch = int(moment.timestamp())
    except (OverflowError, ValueError, OSError):
        return escape_mrkdwn(fallback)
    return f"<!date^{epoch}^{_DATE_FORMAT}|{escape_mrkdwn(fallback)}>"


def _fields_blocks(view: AlertView) -> list[dict[str, Any]]:
    fields: list[str] = []
    overflow: list[str] = []
    since_done = False
    for label, value in fact_rows(view):
        label_text = escape_mrkdwn(shorten(one_line(label), MAX_DETAIL_LABEL))
        if label == "Since" and not since_done:  # SageWatch's own row, not a detail named so
            since_done = True
            value_text = _since_token(view)
            if view.previous_state:
                value_text += f" (was {escape_mrkdwn(one_line(view.previous_state))})"
        else:
            value_text = escape_mrkdwn(value) or NO_VALUE
        if len(fields) < MAX_FIELDS:
            fields.append(truncate(f"*{label_text}*\n{value_text}", MAX_FIELD_TEXT))
        else:
            overflow.append(f"*{label_text}:* {value_text}")
    blocks: list[dict[str, Any]] = [
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f, "verbatim": True} for f in fields]}
    ]
    if overflow:
        blocks.append(_section("\n".join(overflow)))
    return blocks


def _text_section(heading: str, text: str | None) -> dict[str, Any] | None:
    body = escape_mrkdwn(text or "").strip()
    return _section(f"*{heading}*\n{body}") if body else None


def _series_section(view: AlertView) -> dict[str, Any] | None:
    lines = [_escape_code(line) for line in series_lines(view.series)]
    heading = f"*Last hour* ({HIGHLIGHT} alarm metric)" if any(s.highlight for s in view.series) else "*Last hour*"
    return _code_section(heading, lines, "series")


def _log_section(view: AlertView, max_log_lines: int) -> dict[str, Any] | None:
    lines = []
    for raw in view.log_lines:
        line = clean_text(raw).replace("\n", " ↵ ").strip()  # one log event, one line
        if line:
            lines.append(_escape_code(truncate(line, MAX_LOG_LINE)))
    shown = lines[: max(max_log_lines, 0)]
    heading = "*Recent errors*"
    if len(lines) > len(shown):
        heading += f" ({len(shown)} of {len(lines)})"
    return _code_section(heading, shown, "lines")


def _missing_context_block(view: AlertView) -> dict[str, Any] | None:
    items = [escape_mrkdwn(one_line(item)) for item in view.missing_context]
    items = [f"⚠ {item}" for item in items if item]
    return _context(items) if items else None


def _actions_block(view: AlertView) -> dict[str, Any] | None:
    buttons: list[dict[str, Any]] = []
    for index, link in enumerate(view.links):
        url = safe_url(link.url)
        if url is None or len(buttons) == MAX_ACTION_ELEMENTS:
            continue
        buttons.append(
            {
                "type": "button",
                "text": _plain(link.label, MAX_BUTTON_TEXT),
                "url": url,
                "action_id": f"sagewatch-link-{index}",
            }
        )
    return {"type": "actions", "elements": buttons} if buttons else None


def _footer(view: AlertView) -> dict[str, Any]:
    parts = ["SageWatch"]
    if view.alarm_name:
        parts.append(f"alarm {escape_mrkdwn(one_line(view.alarm_name))}")
    if view.message_id:
        parts.append(f"message {escape_mrkdwn(one_line(view.message_id))}")
    return _context([" · ".join(parts)])


def _state_word(state: str) -> str:
    return {"ALARM": "ALARM", "OK": "Resolved", "INSUFFICIENT_DATA": "Insufficient data"}.get(
        state, one_line(state) or "Alert"
    )


def _header_text(view: AlertView) -> str:
    emoji = state_emoji(view.state)
    if view.state == "FAILED":
        return f"{emoji} Endpoint {one_line(view.endpoint or view.title)} failed"
    return f"{emoji} {_state_word(view.state)}: {one_line(view.title)}"


def _fallback_text(view: AlertView) -> str:
    title = one_line(view.title)
    if view.state == "FAILED":
        text = f"FAILED: Endpoint {one_line(view.endpoint or title)} failed"
        reason = one_line(view.reason)
        if reason:
            text += f": {reason}"
    elif view.state == "OK":
        text = f"OK: Resolved — {title}"
        if view.duration_text:
            text += f" ({one_line(view.duration_text)})"
    else:
        text = f"{one_line(view.state) or 'ALERT'}: {title}"
        if view.value_text and view.state == "ALARM":
            text += f" ({one_line(view.value_text)})"
    return truncate(escape_mrkdwn(text), MAX_FALLBACK_TEXT)


# -- the message -----------------------------------------------------------------------------


def render_slack(view: AlertView, *, max_log_lines: int = 10) -> dict[str, Any]:
    """The Slack message for an alert: ``{"text": ..., "blocks": [...]}``, valid whatever the input."""
    candidates: list[dict[str, Any] | None] = [_header(_header_text(view))]
    if view.state == "OK":
        candidates.append(_resolved_section(view))
    elif view.state == "FAILED":
        candidates += [
            _text_section("Failure reason", view.reason or "no FailureReason given"),
            *_fields_blocks(view),
            _text_section("Description", view.description),
            _log_section(view, max_log_lines),
            _missing_context_block(view),
        ]
    else:
        candidates += [
            *_fields_blocks(view),
            _text_section("Reason", view.reason),
            _text_section("Description", view.description),
            _series_section(view),
            _log_section(view, max_log_lines),
            _missing_context_block(view),
        ]
    candidates += [_actions_block(view), _footer(view)]
    blocks = [block for block in candidates if block is not None]
    if len(blocks) > MAX_BLOCKS:  # cannot happen with the layout above; kept as a guarantee
        blocks = [*blocks[: MAX_BLOCKS - 1], blocks[-1]]
    return {"text": _fallback_text(view), "blocks": blocks}


def _resolved_section(view: AlertView) -> dict[str, Any]:
    first = "The alarm returned to *OK*"
    if view.duration_text:
        first += f" — {escape_mrkdwn(one_line(view.duration_text))}"
    lines = [first + "."]
    if view.value_text:
        now = f"*Value now:* {escape_mrkdwn(one_line(view.value_text))}"
        if view.threshold_text:
            now += f" (threshold {escape_mrkdwn(one_line(view.threshold_text))})"
        lines.append(now)
    if view.generic or not view.endpoint:
        lines.append(f"*Alarm:* {escape_mrkdwn(one_line(view.alarm_name))}")
    else:
        where = escape_mrkdwn(one_line(view.endpoint))
        if view.variant:
            where += f" / {escape_mrkdwn(one_line(view.variant))}"
        lines.append(f"*Endpoint:* {where}")
    return _section("\n".join(lines))
