"""The emulator's Block Kit checker: each of Slack's limits is reported, and garbage never crashes it."""

from __future__ import annotations

from typing import Any

import pytest

from sagewatch.core.alerting.render_slack import render_slack
from sagewatch.core.alerting.slack_text import MAX_FIELD_TEXT
from sagewatch_emulator.slack_blocks import validate_slack_message
from tests.unit.core.alerting.test_render_slack import alarm_view


def _valid() -> dict[str, Any]:
    return render_slack(alarm_view())


def test_validator_reports_each_limit() -> None:
    too_many = _valid()
    too_many["blocks"] = [{"type": "divider"}] * 51
    assert any("more than 50" in p for p in validate_slack_message(too_many))

    long_header = _valid()
    long_header["blocks"][0]["text"]["text"] = "x" * 151
    assert any("more than 150" in p for p in validate_slack_message(long_header))

    long_section = _valid()
    next(b for b in long_section["blocks"] if b["type"] == "section" and "text" in b)["text"]["text"] = "x" * 3001
    assert any("more than 3000" in p for p in validate_slack_message(long_section))

    fields = _valid()
    field_block = next(b for b in fields["blocks"] if "fields" in b)
    field_block["fields"] = [{"type": "mrkdwn", "text": "x" * 2001}] * 11
    problems = validate_slack_message(fields)
    assert any("11 fields" in p for p in problems)
    assert any(f"more than {MAX_FIELD_TEXT}" in p for p in problems)

    duplicate = _valid()
    actions = next(b for b in duplicate["blocks"] if b["type"] == "actions")
    actions["elements"][1]["action_id"] = actions["elements"][0]["action_id"]
    actions["elements"][0]["text"]["text"] = "x" * 76
    problems = validate_slack_message(duplicate)
    assert any("not unique" in p for p in problems)
    assert any("more than 75" in p for p in problems)

    no_text = _valid()
    del no_text["text"]
    assert validate_slack_message(no_text) == ["text: top-level fallback text is missing"]

    mrkdwn_header = _valid()
    mrkdwn_header["blocks"][0]["text"]["type"] = "mrkdwn"
    assert any("must be plain_text" in p for p in validate_slack_message(mrkdwn_header))

    contexts = _valid()
    next(b for b in contexts["blocks"] if b["type"] == "context")["elements"] = [{"type": "mrkdwn", "text": "x"}] * 11
    assert any("11 elements" in p for p in validate_slack_message(contexts))


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        "text",
        {"text": "x", "blocks": "nope"},
        {"text": "x", "blocks": [None, 1, "x", {"type": "section"}, {"type": "header", "text": "raw"}]},
        {"text": "x", "blocks": [{"type": "actions", "elements": [{"type": "button", "text": {}, "url": 5}]}]},
        {"text": "x", "blocks": [{"type": "context", "elements": None}, {"type": "rich_text"}]},
        {"text": "x", "blocks": [{"type": "section", "fields": [None], "block_id": 7}]},
    ],
)
def test_validator_never_raises_on_garbage(payload: Any) -> None:
    assert validate_slack_message(payload) != []
