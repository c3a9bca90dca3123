"""Storm digests: many alerts for one Slack channel folded into a few messages.

When a shared dependency fails, dozens of alarms change state within a minute. One message
each would flood the channel (and Slack's ~1 message/second/channel limit would delay the last
one by minutes), so the alerts pending for a channel are sent as a digest instead:

- counts by state, and how many endpoints and alarms are involved;
- the worst values (furthest past their threshold) first;
- every alert as one line, grouped by endpoint, in arrival order — an ALARM followed by its OK
  gives two lines, never one: transitions are not merged away;
- each line links to its alarm and names its SNS MessageId (support can find any alert).

A digest that would break Block Kit's limits (50 blocks, 3000 characters per section) is
split into several messages ("part 2/3"), so every alert appears in some message.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sagewatch.core.alerting.alert import AlertView
from sagewatch.core.alerting.presentation import state_emoji
from sagewatch.core.alerting.slack_text import MAX_BLOCKS, MAX_FALLBACK_TEXT, MAX_SECTION_TEXT, escape_mrkdwn, truncate
from sagewatch.core.alerting.units import safe_url

_SECTION_BUDGET = MAX_SECTION_TEXT - 200  # room for escaping growth and a group heading
_FIXED_BLOCKS = 4  # header, summary, worst values, footer
_WORST = 5


@dataclass(frozen=True)
class DigestEntry:
    view: AlertView
    severity: float | None = None  # value / threshold (or its inverse for "below" alarms); None if unknown


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _link(view: AlertView, text: str) -> str:
    # A spoke's links say which account they open ("Alarm in prod-ml (222222222222)").
    alarm_link = next((link.url for link in view.links if link.label.split(" in ", 1)[0] == "Alarm"), None)
    url = safe_url(alarm_link) if alarm_link else None
    if url is None or "|" in url or ">" in url:
        return text
    return f"<{url}|{text}>"


def _line(entry: DigestEntry) -> str:
    view = entry.view
    emoji = state_emoji(view.state)
    what = escape_mrkdwn(_one_line(view.signal or view.alarm_name))[:150]
    line = f"{emoji} *{escape_mrkdwn(view.state)}* {view.since.strftime('%H:%M:%S')} {_link(view, what)}"
    if view.value_text:
        line += f" {escape_mrkdwn(_one_line(view.value_text))}"
        if view.threshold_text:
            line += f" ({escape_mrkdwn(_one_line(view.threshold_text))})"
    if view.message_id:
        line += f" · `{escape_mrkdwn(_one_line(view.message_id))[:80]}`"
    return line


def _group_key(view: AlertView) -> str:
    # A spoke's endpoints are grouped with their account and region: names repeat across accounts.
    where = f" · {view.account_text} {view.region}" if view.in_spoke else ""
    if view.endpoint and not view.generic:
        return view.endpoint + (f" / {view.variant}" if view.variant else "") + where
    return "other alarms" + where


def _summary(entries: Sequence[DigestEntry]) -> str:
    states = Counter(e.view.state for e in entries)
    order = ["ALARM", "FAILED", "INSUFFICIENT_DATA", "OK"]
    counts = " · ".join(
        f"{state_emoji(state)} {escape_mrkdwn(state)}: *{states[state]}*"
        for state in sorted(states, key=lambda s: (order.index(s) if s in order else len(order), s))
    )
    endpoints = {e.view.endpoint for e in entries if e.view.endpoint}
    alarms = {e.view.alarm_name for e in entries}
    return f"{counts}\n{len(entries)} alerts · {len(alarms)} alarms · {len(endpoints)} endpoints"


def _worst(entries: Sequence[DigestEntry]) -> str | None:
    ranked = sorted(
        (e for e in entries if e.severity is not None and e.view.state in ("ALARM", "FAILED")),
        key=lambda e: -(e.severity or 0.0),
    )[:_WORST]
    if not ranked:
        return None
    lines = []
    for entry in ranked:
        view = entry.view
        where = f"{escape_mrkdwn(_one_line(_group_key(view)))}: " if view.endpoint else ""
        what = escape_mrkdwn(_one_line(view.signal or view.alarm_name))[:150]
        value = escape_mrkdwn(_one_line(view.value_text or ""))
        threshold = f" ({escape_mrkdwn(_one_line(view.threshold_text))})" if view.threshold_text else ""
        lines.append(f"• {where}{_link(view, what)} {value}{threshold}")
    return "*Worst values*\n" + "\n".join(lines)


def _sections(entries: Sequence[DigestEntry]) -> list[str]:
    """Section texts: groups by endpoint (first appearance order), lines in arrival order."""
    groups: dict[str, list[DigestEntry]] = {}
    for entry in entries:
        groups.setdefault(_group_key(entry.view), []).append(entry)
    sections: list[str] = []
    for name, members in groups.items():
        heading = f"*{escape_mrkdwn(_one_line(name))}*"
        current = heading
        for entry in members:
            line = truncate(_line(entry), _SECTION_BUDGET - len(heading) - 1)
            if len(current) + 1 + len(line) > _SECTION_BUDGET:
                sections.append(current)
                current = f"{heading} (continued)"
            current += "\n" + line
        sections.append(current)
    return sections


def render_digest(entries: Sequence[DigestEntry], *, channel: str = "") -> list[dict[str, Any]]:
    """One or more Slack messages that together name every entry, each within Block Kit limits."""
    if not entries:
        return []
    sections = _sections(entries)
    per_message = MAX_BLOCKS - _FIXED_BLOCKS
    chunks = [sections[i : i + per_message] for i in range(0, len(sections), per_message)]
    states = Counter(e.view.state for e in entries)
    fallback = truncate(
        escape_mrkdwn(
            f"SageWatch digest: {len(entries)} alerts ("
            + ", ".join(f"{n} {state}" for state, n in states.most_common())
            + ")"
        ),
        MAX_FALLBACK_TEXT,
    )
    worst = _worst(entries)
    messages: list[dict[str, Any]] = []
    for index, chunk in enumerate(chunks):
        part = f" (part {index + 1}/{len(chunks)})" if len(chunks) > 1 else ""
        title = f"🌩️ {len(entries)} alerts at once{part}"
        blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": title}}]
        if index == 0:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _summary(entries)}})
            if worst:
                blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": worst}})
        blocks += [{"type": "section", "text": {"type": "mrkdwn", "text": text}} for text in chunk]
        where = f" for {escape_mrkdwn(_one_line(channel))}" if channel else ""
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"SageWatch digest{where}: many alerts arrived together, so they are "
                        "listed here instead of one message each.",
                    }
                ],
            }
        )
        messages.append({"text": fallback + part, "blocks": blocks})
    return messages
