"""What an emulated invocation delivered, shown to a person or to a program.

``sagewatch invoke --emulated`` runs the function in the sample account, whose Slack webhook
secret points at the account's fake Slack and whose SES sender is verified, so NotifyFunction
really posts and mails. This module reports those posts: each with the fake Slack's answer and
its Block Kit check (``sagewatch_emulator.slack_blocks``, the limits Slack enforces), as
terminal text or as JSON entries added to the invocation's outcome.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sagewatch_emulator.fake_slack import SlackPost, SlackReply
from sagewatch_emulator.slack_blocks import validate_slack_message

__all__ = ["posts_as_json", "render_invocation"]

# The Slack APIs that carry a message (the file-upload steps carry bytes, not blocks).
_MESSAGE_APIS = frozenset({"webhook", "chat.postMessage", "chat.update"})
_LINK = re.compile(r"<([^|<>]+)\|([^<>]+)>")
_INDENT = "    "


def _reply_text(reply: SlackReply) -> str:
    body = reply.body
    if isinstance(body, dict):
        return "ok" if body.get("ok") is True else str(body.get("error", body))
    return body


def posts_as_json(replies: Iterable[tuple[SlackPost, SlackReply, bool]]) -> list[dict[str, Any]]:
    """One entry per message post: where it went, what the fake Slack answered, and the Block
    Kit problems found in it (empty: Slack would accept its blocks)."""
    return [
        {
            "api": post.api,
            "channel": post.channel,
            "status": reply.status,
            "reply": _reply_text(reply),
            "accepted": accepted,
            "block_kit_problems": validate_slack_message(post.body),
        }
        for post, reply, accepted in replies
        if post.api in _MESSAGE_APIS
    ]


def _plain(mrkdwn: str) -> str:
    """Slack mrkdwn as a terminal shows it: links as ``label (url)``, entities decoded."""
    return html.unescape(_LINK.sub(_link_text, mrkdwn))


def _link_text(match: re.Match[str]) -> str:
    target, label = match.group(1), match.group(2)
    # <!date^...|fallback>, <@U..|name>, <#C..|name>: Slack shows the label (or the formatted date).
    return label if target.startswith(("!", "@", "#")) else f"{label} ({target})"


def _text_of(obj: Any) -> str:
    return _plain(str(obj.get("text", ""))) if isinstance(obj, Mapping) else ""


def message_lines(message: Mapping[str, Any]) -> list[str]:
    """A Slack message's blocks as lines of text (its top-level ``text`` when it has no blocks)."""
    blocks = message.get("blocks")
    if not isinstance(blocks, list) or not blocks:
        return _plain(str(message.get("text", ""))).splitlines()
    lines: list[str] = []
    for block in blocks:
        if not isinstance(block, Mapping):
            continue
        kind = block.get("type")
        if kind == "header":
            header = _text_of(block.get("text"))
            lines.extend((header, "=" * len(header)))
        elif kind == "section":
            if block.get("text"):
                lines.extend(_text_of(block.get("text")).splitlines())
            for field in block.get("fields") or ():
                lines.append("  " + _text_of(field).replace("\n", " "))
        elif kind == "context":
            lines.append("  ".join(_text_of(e) for e in block.get("elements") or ()))
        elif kind == "actions":
            buttons = [f"[{_text_of(e.get('text'))}] {e.get('url', '')}".rstrip() for e in block.get("elements") or ()]
            lines.extend(buttons)
        elif kind == "divider":
            lines.append("-" * 40)
        elif kind == "image":
            lines.append(f"(image: {block.get('alt_text', '')})")
    return lines


def _slack_lines(replies: Sequence[tuple[SlackPost, SlackReply, bool]]) -> list[str]:
    lines: list[str] = []
    for post, reply, accepted in replies:
        if post.api not in _MESSAGE_APIS:
            continue
        problems = validate_slack_message(post.body)
        blocks = post.body.get("blocks") or []
        check = (
            f"Block Kit ok ({len(blocks)} block(s))"
            if not problems
            else f"Block Kit: {len(problems)} problem(s): " + "; ".join(problems)
        )
        answer = "accepted" if accepted else f"rejected ({reply.status} {_reply_text(reply)})"
        via = "incoming webhook" if post.api == "webhook" else post.api
        lines.append(f"Slack #{post.channel or '?'} via {via}: {answer}; {check}")
        lines.extend(_INDENT + line if line else "" for line in message_lines(post.body))
    return lines


def _email_lines(emails: Sequence[Mapping[str, Any]]) -> list[str]:
    lines: list[str] = []
    for mail in emails:
        to = ", ".join(mail.get("to") or ())
        parts = [p for p in ("text", "html") if mail.get(p)]
        lines.append(f"email to {to}: {mail.get('subject')!r} ({' + '.join(parts) or 'empty'})")
        lines.extend(_INDENT + line for line in str(mail.get("text") or "").splitlines())
    return lines


def render_invocation(
    outcome: Mapping[str, Any], replies: Sequence[tuple[SlackPost, SlackReply, bool]], *, hidden_log_lines: int
) -> str:
    """The invocation's outcome (``Invocation.to_dict()``) and what it delivered, for a terminal."""
    status = "failed: " + str(outcome["error"]) if outcome.get("error") else "returned"
    lines = [f"{outcome['function']} {status} in {outcome['duration_ms']:.0f} ms"]
    response = outcome.get("response")
    if isinstance(response, Mapping):
        lines.extend(f"  {key}: {value}" for key, value in response.items())
    elif response is not None:
        lines.append(f"  response: {response}")
    calls = outcome.get("aws_calls") or {}
    lines.append("AWS calls: " + (", ".join(f"{op} x{n}" for op, n in sorted(calls.items())) or "none"))
    writes = outcome.get("writes") or {}
    lines.append("writes: " + (", ".join(f"{op} x{n}" for op, n in sorted(writes.items())) or "none"))
    delivered = _slack_lines(replies) + _email_lines(outcome.get("emails") or ())
    lines.extend(delivered or ["nothing posted to Slack, no email sent"])
    if hidden_log_lines:
        lines.append(f"({hidden_log_lines} INFO log line(s) of the function not shown: --log-json shows them)")
    return "\n".join(lines)
