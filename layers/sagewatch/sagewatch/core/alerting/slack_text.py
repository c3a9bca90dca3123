"""Slack's text rules: Block Kit limits, mrkdwn escaping, and truncation that keeps a message valid.

Shared by the alert message (render_slack) and storm digests (digest). Lengths are counted in
UTF-16 code units, which is never less than the character count Slack documents, so text that
fits here fits there.
"""

from __future__ import annotations

import re

from sagewatch.core.alerting.units import clean_text

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
# SageWatch's own limit.
MAX_FALLBACK_TEXT = 3000  # top-level text: what a phone notification shows

ELLIPSIS = "…"

_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_WORD_JOINER = "\u2060"


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


FENCE = "```"
FENCE_SUBSTITUTE = "\u02bc" * 3  # modifier apostrophes: look like backticks, close nothing


def escape_mrkdwn(text: str) -> str:
    """Untrusted text made inert in mrkdwn: control characters dropped, ``& < >`` escaped.

    ``<!channel>``, ``<@U123>`` and ``<https://evil|click>`` become visible text. A bare
    ``@channel`` gets an invisible word joiner as well, so no parse mode can turn it into a
    mention either. A ``` fence becomes look-alike modifier apostrophes: untrusted text must not
    open a code block that swallows the rest of the message (or close one it sits in).
    """
    escaped = (
        clean_text(text)
        .replace(FENCE, FENCE_SUBSTITUTE)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )
    return _BROADCAST.sub(lambda m: "@" + _WORD_JOINER + m.group(1), escaped)


_ENTITY = re.compile("&(amp|lt|gt);")
_ENTITY_CHARS = {"amp": "&", "lt": "<", "gt": ">"}


def unescape_mrkdwn(text: str) -> str:
    """What a person reads in Slack, for showing a message outside it (a terminal): the three
    entities of :func:`escape_mrkdwn` decoded, in one pass so ``&amp;lt;`` stays ``&lt;``.
    The payload itself keeps Slack's escaping; this is for display only."""
    return _ENTITY.sub(lambda m: _ENTITY_CHARS[m.group(1)], text)
