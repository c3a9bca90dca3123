"""An alert as a Slack Block Kit message: what, where, how bad, since when, what else looks wrong.

The output is a payload for an incoming webhook or ``chat.postMessage``:
``{"text": <fallback for notifications>, "blocks": [...]}``.

Two rules hold whatever the input (see tests/unit/test_render_slack.py):

- **Nothing from the alarm can ping or forge a link.** Every text from the alarm, the endpoint or
  its logs is escaped for mrkdwn (``&`` ``<`` ``>``), so ``<!channel>`` or ``<https://x|y>``
  arrive as text; mrkdwn objects are sent ``verbatim`` (Slack does not auto-link or auto-mention
  in them); code blocks cannot be closed from inside. Links only come from ``view.links``, as
  buttons. ``plain_text`` (header, button labels) is not parsed by Slack and is not escaped;
  a ``<`` glued to the next character is still shown as a look-alike (U+2039) there, so no control
  sequence (``<!channel>``) appears anywhere in the payload, whoever reads it later.
- **Slack never rejects it for size.** Block Kit limits (50 blocks, 3000 characters per
  section, 150 per header, 10 fields of 2000, ...) are enforced by truncating with "…" after
  escaping, never inside an entity such as ``&amp;``. Lengths are counted in UTF-16 code units,
  which is never less than the character count Slack documents, so a message that fits here
  fits there. ``validate_slack_message`` checks the same limits on any payload.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sagewatch.core.alerting.alert import AlertView, Series
from sagewatch.core.alerting.sparkline import sparkline
from sagewatch.core.alerting.units import NO_VALUE, clean_text, format_number, format_value, safe_url

__all__ = [
    "ELLIPSIS",
    "MAX_ACTION_ELEMENTS",
    "MAX_BLOCKS",
    "MAX_BUTTON_TEXT",
    "MAX_BUTTON_URL",
    "MAX_CONTEXT_ELEMENTS",
    "MAX_FALLBACK_TEXT",
    "MAX_FIELDS",
    "MAX_FIELD_TEXT",
    "MAX_HEADER_TEXT",
    "MAX_ID",
    "MAX_LOG_LINE",
    "MAX_SECTION_TEXT",
    "MAX_TEXT_OBJECT",
    "STATE_EMOJI",
    "escape_mrkdwn",
    "fact_rows",
    "format_since",
    "render_slack",
    "series_lines",
    "slack_len",
    "truncate",
    "validate_slack_message",
]

# Block Kit limits (https://api.slack.com/reference/block-kit/blocks).
MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_TEXT_OBJECT = 3000  # any text object, e.g. a context element
MAX_HEADER_TEXT = 150
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTION_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_URL = 3000
MAX_BUTTON_VALUE = 2000
MAX_ID = 255  # block_id, action_id
MAX_IMAGE_ALT = 2000
# SageWatch's own limits.
MAX_FALLBACK_TEXT = 3000  # top-level text: what a phone notification shows
MAX_LOG_LINE = 300  # characters of one log line, before escaping
MAX_LABEL = 28  # series labels, so that the sparklines line up
MAX_UNIT = 20
MAX_DETAIL_LABEL = 100

ELLIPSIS = "…"

STATE_EMOJI = {"ALARM": "🔴", "OK": "✅", "INSUFFICIENT_DATA": "⚪", "FAILED": "💥"}
_UNKNOWN_STATE_EMOJI = "🔔"
_HIGHLIGHT = "▶"
_FENCE = "```"
_FENCE_SUBSTITUTE = "\u02bc" * 3  # modifier apostrophes: look like backticks, close nothing
_SPARK_WIDTH = 30
_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_WORD_JOINER = "\u2060"
_DATE_FORMAT = "{date_short_pretty} {time}"


# -- text helpers ----------------------------------------------------------------------------


def slack_len(text: str) -> int:
    """Length in UTF-16 code units: an emoji counts 2, so the limits hold however Slack counts."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def truncate(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit``, else cut and ended with "…" (the result fits).

    Safe on escaped text: an entity (``&amp;``, ``&lt;``, ``&gt;``) is dropped whole rather
    than cut in half.
    """
    if slack_len(text) <= limit:
        return text
    budget = max(limit - slack_len(ELLIPSIS), 0)
    cut = text[:budget]
    while slack_len(cut) > budget:
        cut = cut[: len(cut) - max(1, (slack_len(cut) - budget) // 2)]
    amp = cut.rfind("&", max(0, len(cut) - 4))  # "&amp" is the longest unfinished entity
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + ELLIPSIS


def escape_mrkdwn(text: str) -> str:
    """Untrusted text made inert in mrkdwn: control characters dropped, ``& < >`` escaped.

    ``<!channel>``, ``<@U123>`` and ``<https://evil|click>`` become visible text. A bare
    ``@channel`` gets an invisible word joiner as well, so no parse mode can turn it into a
    mention either. A ``` fence becomes look-alike modifier apostrophes: untrusted text must not
    open a code block that swallows the rest of the message (or close one it sits in).
    """
    escaped = (
        clean_text(text)
        .replace(_FENCE, _FENCE_SUBSTITUTE)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )
    return _BROADCAST.sub(lambda m: "@" + _WORD_JOINER + m.group(1), escaped)


def _escape_code(text: str) -> str:
    """Escaped for use inside a ``` code block, which it must not be able to close."""
    return escape_mrkdwn(text)


def _one_line(text: str) -> str:
    return clean_text(text, single_line=True)


_GLUED_LT = re.compile(r"<(?=\S)")


def _plain_safe(text: str) -> str:
    """One line for a plain_text object; ``<!here>`` gets U+2039 for its ``<`` (``a < b`` stays)."""
    return _GLUED_LT.sub("\u2039", _one_line(text))


# -- content shared with the email renderer --------------------------------------------------


def format_since(since: datetime) -> str:
    """``2026-11-28 03:12 UTC``; a naive datetime is taken as UTC."""
    try:
        moment = since if since.tzinfo else since.replace(tzinfo=UTC)
        return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    except (OverflowError, ValueError):
        return since.isoformat()


def fact_rows(view: AlertView) -> list[tuple[str, str]]:
    """The labelled facts of an alert, raw (unescaped), in display order.

    Endpoint and Variant for an endpoint alert, the alarm name for a generic one; then Signal,
    Value, Threshold, Since, Region / Account and ``view.details``. Absent facts are left out.
    """
    rows: list[tuple[str, str]] = []
    if view.generic or not view.endpoint:
        rows.append(("Alarm", view.alarm_name))
    else:
        rows.append(("Endpoint", view.endpoint))
        if view.variant:
            rows.append(("Variant", view.variant))
    for label, value in (
        ("Signal", view.signal),
        ("Value", view.value_text),
        ("Threshold", view.threshold_text),
    ):
        if value:
            rows.append((label, value))
    since = format_since(view.since)
    if view.previous_state:
        since = f"{since} (was {view.previous_state})"
    rows.append(("Since", since))
    where = " / ".join(part for part in (view.region, view.account_id) if part)
    if where:
        rows.append(("Region / Account", where))
    rows.extend(view.details)
    return rows


def series_lines(series: Sequence[Series], width: int = _SPARK_WIDTH) -> list[str]:
    """One aligned line per series, raw: marker, label, sparkline, min/max/last with units.

    ``▶ Model latency p99  ▁▂▃▅▇█▇▅  min 210 · max 1,840 · last 1,840 ms`` (▶: the alarm's own
    metric).
    """
    if not series:
        return []
    labels = [_shorten(_one_line(s.label), MAX_LABEL) or "(unnamed)" for s in series]
    label_width = max(len(label) for label in labels)
    sparks = [sparkline(s.values, width) for s in series]
    spark_width = max(len(spark) for spark in sparks)
    lines = []
    for s, label, spark in zip(series, labels, sparks, strict=True):
        unit = _shorten(_one_line(s.unit), MAX_UNIT)
        marker = _HIGHLIGHT if s.highlight else " "
        stats = (
            f"min {format_number(s.minimum)} · max {format_number(s.maximum)} · last {format_value(s.last, unit)}"
            if s.last is not None
            else f"no data{f' ({unit})' if unit else ''}"
        )
        lines.append(f"{marker} {label:<{label_width}}  {spark or NO_VALUE:<{spark_width}}  {stats}")
    return lines


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


# -- blocks ----------------------------------------------------------------------------------


def _mrkdwn(text: str, limit: int) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": truncate(text, limit) or NO_VALUE, "verbatim": True}


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(_plain_safe(text), limit) or NO_VALUE, "emoji": True}


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
    opening, closing = f"{heading}\n{_FENCE}\n", f"\n{_FENCE}"
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
        label_text = escape_mrkdwn(_shorten(_one_line(label), MAX_DETAIL_LABEL))
        if label == "Since" and not since_done:  # SageWatch's own row, not a detail named so
            since_done = True
            value_text = _since_token(view)
            if view.previous_state:
                value_text += f" (was {escape_mrkdwn(_one_line(view.previous_state))})"
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
    heading = f"*Last hour* ({_HIGHLIGHT} alarm metric)" if any(s.highlight for s in view.series) else "*Last hour*"
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
    items = [escape_mrkdwn(_one_line(item)) for item in view.missing_context]
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
        parts.append(f"alarm {escape_mrkdwn(_one_line(view.alarm_name))}")
    if view.message_id:
        parts.append(f"message {escape_mrkdwn(_one_line(view.message_id))}")
    return _context([" · ".join(parts)])


def _state_word(state: str) -> str:
    return {"ALARM": "ALARM", "OK": "Resolved", "INSUFFICIENT_DATA": "Insufficient data"}.get(
        state, _one_line(state) or "Alert"
    )


def _header_text(view: AlertView) -> str:
    emoji = STATE_EMOJI.get(view.state, _UNKNOWN_STATE_EMOJI)
    if view.state == "FAILED":
        return f"{emoji} Endpoint {_one_line(view.endpoint or view.title)} failed"
    return f"{emoji} {_state_word(view.state)}: {_one_line(view.title)}"


def _fallback_text(view: AlertView) -> str:
    title = _one_line(view.title)
    if view.state == "FAILED":
        text = f"FAILED: Endpoint {_one_line(view.endpoint or title)} failed"
        reason = _one_line(view.reason)
        if reason:
            text += f": {reason}"
    elif view.state == "OK":
        text = f"OK: Resolved — {title}"
        if view.duration_text:
            text += f" ({_one_line(view.duration_text)})"
    else:
        text = f"{_one_line(view.state) or 'ALERT'}: {title}"
        if view.value_text and view.state == "ALARM":
            text += f" ({_one_line(view.value_text)})"
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
        first += f" — {escape_mrkdwn(_one_line(view.duration_text))}"
    lines = [first + "."]
    if view.value_text:
        now = f"*Value now:* {escape_mrkdwn(_one_line(view.value_text))}"
        if view.threshold_text:
            now += f" (threshold {escape_mrkdwn(_one_line(view.threshold_text))})"
        lines.append(now)
    if view.generic or not view.endpoint:
        lines.append(f"*Alarm:* {escape_mrkdwn(_one_line(view.alarm_name))}")
    else:
        where = escape_mrkdwn(_one_line(view.endpoint))
        if view.variant:
            where += f" / {escape_mrkdwn(_one_line(view.variant))}"
        lines.append(f"*Endpoint:* {where}")
    return _section("\n".join(lines))


# -- validation ------------------------------------------------------------------------------


def validate_slack_message(payload: Any) -> list[str]:
    """Every way ``payload`` breaks Block Kit's limits or SageWatch's rules; empty when valid.

    Never raises, whatever the shape: a fake Slack can answer ``invalid_blocks`` with it.
    Checks: top-level ``text`` present and ≤ 3000; ≤ 50 blocks of a known type; header
    plain_text ≤ 150; section text ≤ 3000 and ≤ 10 fields of ≤ 2000; context 1..10 elements;
    actions 1..25 buttons with text ≤ 75, url ≤ 3000 and unique action_id; block_id unique.
    """
    if not isinstance(payload, Mapping):
        return ["payload is not a JSON object"]
    problems: list[str] = []
    text = payload.get("text")
    if not isinstance(text, str) or not text.strip():
        problems.append("text: top-level fallback text is missing")
    elif slack_len(text) > MAX_FALLBACK_TEXT:
        problems.append(f"text: {slack_len(text)} characters, more than {MAX_FALLBACK_TEXT}")
    blocks = payload.get("blocks")
    if blocks is None:
        return problems
    if not isinstance(blocks, list):
        return [*problems, "blocks: not a list"]
    if len(blocks) > MAX_BLOCKS:
        problems.append(f"blocks: {len(blocks)} blocks, more than {MAX_BLOCKS}")
    ids: _Ids = {"block_id": set(), "action_id": set()}
    for index, block in enumerate(blocks):
        problems += _check_block(block, f"blocks[{index}]", ids)
    return problems


_Ids = dict[str, set[str]]


def _check_block(block: Any, where: str, ids: _Ids) -> list[str]:
    if not isinstance(block, Mapping):
        return [f"{where}: not an object"]
    problems = _check_id(block, "block_id", where, ids)
    kind = block.get("type")
    if kind == "header":
        problems += _check_text(block.get("text"), f"{where}.text", MAX_HEADER_TEXT, plain_only=True)
    elif kind == "section":
        problems += _check_section(block, where)
    elif kind == "context":
        problems += _check_context(block, where)
    elif kind == "actions":
        problems += _check_actions(block, where, ids)
    elif kind == "image":
        if not isinstance(block.get("image_url"), str) or slack_len(block["image_url"]) > MAX_BUTTON_URL:
            problems.append(f"{where}.image_url: missing or longer than {MAX_BUTTON_URL}")
        alt = block.get("alt_text")
        if not isinstance(alt, str) or not alt or slack_len(alt) > MAX_IMAGE_ALT:
            problems.append(f"{where}.alt_text: missing or longer than {MAX_IMAGE_ALT}")
    elif kind != "divider":
        problems.append(f"{where}.type: unsupported block type {kind!r}")
    return problems


def _check_section(block: Mapping[str, Any], where: str) -> list[str]:
    problems: list[str] = []
    text, fields = block.get("text"), block.get("fields")
    if text is None and fields is None:
        problems.append(f"{where}: a section needs text or fields")
    if text is not None:
        problems += _check_text(text, f"{where}.text", MAX_SECTION_TEXT)
    if fields is not None:
        if not isinstance(fields, list) or not fields:
            problems.append(f"{where}.fields: must be a non-empty list")
        else:
            if len(fields) > MAX_FIELDS:
                problems.append(f"{where}.fields: {len(fields)} fields, more than {MAX_FIELDS}")
            for i, item in enumerate(fields):
                problems += _check_text(item, f"{where}.fields[{i}]", MAX_FIELD_TEXT)
    return problems


def _check_context(block: Mapping[str, Any], where: str) -> list[str]:
    elements = block.get("elements")
    if not isinstance(elements, list) or not elements:
        return [f"{where}.elements: must be a non-empty list"]
    problems: list[str] = []
    if len(elements) > MAX_CONTEXT_ELEMENTS:
        problems.append(f"{where}.elements: {len(elements)} elements, more than {MAX_CONTEXT_ELEMENTS}")
    for i, element in enumerate(elements):
        if isinstance(element, Mapping) and element.get("type") == "image":
            continue
        problems += _check_text(element, f"{where}.elements[{i}]", MAX_TEXT_OBJECT)
    return problems


def _check_actions(block: Mapping[str, Any], where: str, ids: _Ids) -> list[str]:
    elements = block.get("elements")
    if not isinstance(elements, list) or not elements:
        return [f"{where}.elements: must be a non-empty list"]
    problems: list[str] = []
    if len(elements) > MAX_ACTION_ELEMENTS:
        problems.append(f"{where}.elements: {len(elements)} elements, more than {MAX_ACTION_ELEMENTS}")
    for i, element in enumerate(elements):
        at = f"{where}.elements[{i}]"
        if not isinstance(element, Mapping) or element.get("type") != "button":
            problems.append(f"{at}: only buttons are supported")
            continue
        problems += _check_text(element.get("text"), f"{at}.text", MAX_BUTTON_TEXT, plain_only=True)
        problems += _check_id(element, "action_id", at, ids)
        url = element.get("url")
        if url is not None and (not isinstance(url, str) or not url or slack_len(url) > MAX_BUTTON_URL):
            problems.append(f"{at}.url: must be a string of 1..{MAX_BUTTON_URL} characters")
        value = element.get("value")
        if value is not None and (not isinstance(value, str) or slack_len(value) > MAX_BUTTON_VALUE):
            problems.append(f"{at}.value: must be a string of at most {MAX_BUTTON_VALUE} characters")
    return problems


def _check_text(obj: Any, where: str, limit: int, *, plain_only: bool = False) -> list[str]:
    if not isinstance(obj, Mapping):
        return [f"{where}: not a text object"]
    kinds = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
    problems: list[str] = []
    if obj.get("type") not in kinds:
        problems.append(f"{where}.type: must be {' or '.join(kinds)}")
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        problems.append(f"{where}.text: missing or empty")
    elif slack_len(text) > limit:
        problems.append(f"{where}.text: {slack_len(text)} characters, more than {limit}")
    return problems


def _check_id(obj: Mapping[str, Any], key: str, where: str, ids: _Ids) -> list[str]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, str) or not value or slack_len(value) > MAX_ID:
        return [f"{where}.{key}: must be a string of 1..{MAX_ID} characters"]
    if value in ids[key]:
        return [f"{where}.{key}: {value!r} is not unique"]
    ids[key].add(value)
    return []
