"""What `sagewatch invoke --emulated` shows of a delivered alert: the Slack post with the fake
Slack's answer and its Block Kit check, and the email."""

from __future__ import annotations

from typing import Any

from sagewatch_cli.posted import message_lines, posts_as_json, render_invocation
from sagewatch_emulator.fake_slack import SlackPost, SlackReply

MESSAGE: dict[str, Any] = {
    "text": "ALARM: latency &gt; 250 ms on fraud-scorer",
    "blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": "ALARM: latency > 250 ms"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "p99 &gt; 250 ms since <!date^1^{time}|03:12 UTC>"}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "*Endpoint*\nfraud-scorer"}]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "<https://example.com/a|alarm>"}]},
        {
            "type": "actions",
            "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Dashboard"}, "url": "https://d"}],
        },
    ],
}


def _post(body: dict[str, Any]) -> SlackPost:
    return SlackPost("webhook", "/services/T/B/alerts", "alerts", body, {}, 0.0)


def test_blocks_read_as_text_with_slack_escapes_undone() -> None:
    assert message_lines(MESSAGE) == [
        "ALARM: latency > 250 ms",
        "=======================",
        "p99 > 250 ms since 03:12 UTC",
        "  *Endpoint* fraud-scorer",
        "alarm (https://example.com/a)",
        "[Dashboard] https://d",
    ]


def test_each_post_reports_the_answer_and_the_block_kit_check() -> None:
    too_long = {"text": "x", "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]}
    replies = [
        (_post(MESSAGE), SlackReply(200, "ok"), True),
        (_post(too_long), SlackReply(400, "invalid_blocks"), False),
        (SlackPost("upload", "/upload/F1", None, {}, {}, 0.0), SlackReply(200, "OK - uploaded"), True),
    ]
    ok, rejected = posts_as_json(replies)  # the file upload carries no message
    assert ok == {
        "api": "webhook",
        "channel": "alerts",
        "status": 200,
        "reply": "ok",
        "accepted": True,
        "block_kit_problems": [],
    }
    assert not rejected["accepted"] and rejected["reply"] == "invalid_blocks"
    assert rejected["block_kit_problems"] and "150" in rejected["block_kit_problems"][0]

    outcome: dict[str, Any] = {
        "function": "NotifyFunction",
        "error": None,
        "duration_ms": 12.3,
        "response": {"batchItemFailures": []},
        "aws_calls": {"sesv2.SendEmail": 1},
        "writes": {"sesv2.SendEmail": 1},
        "emails": [{"to": ["oncall@example.com"], "subject": "[ALARM] latency", "text": "line 1", "html": "<p>"}],
    }
    text = render_invocation(outcome, replies, hidden_log_lines=3)
    assert "Slack #alerts via incoming webhook: accepted; Block Kit ok (5 block(s))" in text
    assert "rejected (400 invalid_blocks); Block Kit: 1 problem(s)" in text
    assert "email to oncall@example.com: '[ALARM] latency' (text + html)\n    line 1" in text
    assert text.endswith("(3 INFO log line(s) of the function not shown: --log-json shows them)")


def test_nothing_delivered_says_so() -> None:
    outcome = {"function": "OnboardFunction", "error": None, "duration_ms": 1.0, "response": None}
    assert "nothing posted to Slack, no email sent" in render_invocation(outcome, [], hidden_log_lines=0)
