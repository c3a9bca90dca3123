"""The Teams card: what on-call reads in Teams, valid for a Workflows webhook whatever the alarm says, and inert.

Every card is checked by the emulated Teams' own checker (``sagewatch_emulator.teams_cards``:
the Adaptive Card 1.4 schema's rules and the 28 KB message limit).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sagewatch.core.alerting.alert import AlertView, Link
from sagewatch.core.alerting.presentation import format_since
from sagewatch.core.alerting.render_teams import (
    ADAPTIVE_CARD_CONTENT_TYPE,
    CARD_VERSION,
    MAX_ACTIONS,
    MAX_MESSAGE_BYTES,
    TEAMS_MAX_MESSAGE_BYTES,
    WORD_JOINER,
    card_text,
    encode_message,
    render_teams,
)
from sagewatch.core.alerting.units import safe_url
from sagewatch_emulator.teams_cards import validate_teams_message

from .test_render_slack import (
    ALL_VIEWS,
    HOSTILE_DESCRIPTION,
    LINKS,
    LOG_LINES,
    SERIES,
    alarm_view,
    failed_view,
    generic_view,
    hostile_view,
    insufficient_view,
    ok_view,
    views,
)
from .test_sample_notifications import EVENTS, records, view_of

SAMPLES = sorted(EVENTS.glob("*.json"))
# The kinds of notification an AlertView carries, each from a real-shaped sample event.
KINDS = {
    "metric": "alarm-metric-latency-p99.json",
    "math": "alarm-math-5xx-rate.json",
    "composite": "alarm-composite.json",
    "anomaly": "alarm-anomaly-invocations.json",
    "monitoring run": "monitoring-run-violations.json",
    "endpoint failure": "endpoint-failed.json",
    "generic": "alarm-generic-ec2.json",
    "older body": "alarm-legacy-body.json",
}


def card_of(message: dict[str, Any]) -> dict[str, Any]:
    (attachment,) = message["attachments"]
    card: dict[str, Any] = attachment["content"]
    return card


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def lines_of(message: dict[str, Any]) -> list[str]:
    """What a person reads: each RichTextBlock's runs, joined."""
    return [
        "".join(run["text"] for run in block["inlines"])
        for block in walk(card_of(message)["body"])
        if block.get("type") == "RichTextBlock"
    ]


def runs_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [node for node in walk(card_of(message)) if node.get("type") == "TextRun"]


def assert_valid(message: dict[str, Any]) -> None:
    assert validate_teams_message(message) == []
    assert len(encode_message(message)) <= MAX_MESSAGE_BYTES < TEAMS_MAX_MESSAGE_BYTES
    assert message["type"] == "message"
    assert message["attachments"][0]["contentType"] == ADAPTIVE_CARD_CONTENT_TYPE
    assert card_of(message)["version"] == CARD_VERSION == "1.4"


def assert_inert(message: dict[str, Any]) -> None:
    """Nothing is parsed as markdown: no TextBlock or FactSet (whose text Teams parses), every
    text a TextRun, no link syntax even there, no control character, links only as http(s) buttons."""
    card = card_of(message)
    kinds = {node.get("type") for node in walk(card["body"])}
    assert kinds <= {"Container", "RichTextBlock", "TextRun"}, kinds
    for run in runs_of(message):
        assert "](" not in run["text"]
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", run["text"])
    for action in card.get("actions", []):
        assert action["type"] == "Action.OpenUrl"
        assert safe_url(action["url"]) == action["url"]
    assert "msteams" not in json.dumps(card), "no mention entities: no text can mention anyone"


# -- every fixture and every kind ------------------------------------------------------------


@pytest.mark.parametrize("make", ALL_VIEWS.values(), ids=ALL_VIEWS.keys())
def test_every_card_is_valid_for_teams_and_inert(make: Any) -> None:
    message = render_teams(make())
    assert_valid(message)
    assert_inert(message)


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_every_sample_notification_renders_to_a_valid_card(path: Path) -> None:
    for sns in records(path):
        message = render_teams(view_of(sns))
        assert_valid(message)
        assert_inert(message)
        assert '"AlarmName"' not in json.dumps(message), "never the raw JSON"


@pytest.mark.parametrize("kind", KINDS, ids=KINDS.keys())
def test_each_kind_says_what_fired_and_how_bad(kind: str) -> None:
    (sns,) = records(EVENTS / KINDS[kind])
    view = view_of(sns)
    lines = lines_of(render_teams(view))
    header = lines[0]
    assert header.startswith("💥 Endpoint" if view.state == "FAILED" else "🔴 ALARM: ")
    if view.value_text:
        assert f"Value: {view.value_text}" in lines
    if view.threshold_text:
        assert f"Threshold: {view.threshold_text}" in lines
    for label, value in view.details:
        assert f"{label}: {value}" in lines, (label, value)
    if not view.generic and view.endpoint:
        assert f"Endpoint: {view.endpoint}" in lines
    assert any(line.startswith(f"Since: {format_since(view.since)}") for line in lines)
    assert lines[-1].startswith("SageWatch · alarm ")


def test_a_math_alarm_shows_its_expression_and_value_in_percent() -> None:
    (sns,) = records(EVENTS / KINDS["math"])
    lines = lines_of(render_teams(view_of(sns)))
    assert "Value: 12.5 %" in lines and "Threshold: > 5 %" in lines
    assert "Expression: IF(invocations > 0, 100 * errors / invocations)" in lines


def test_a_composite_alarm_names_its_rule_and_children() -> None:
    (sns,) = records(EVENTS / KINDS["composite"])
    lines = lines_of(render_teams(view_of(sns)))
    assert any(
        line.startswith('Rule: ALARM("SageWatch/fraud-scorer/AllTraffic/model-latency-p99") OR') for line in lines
    )
    assert "Triggered by: SageWatch/fraud-scorer/AllTraffic/model-latency-p99" in lines


def test_a_monitoring_run_names_its_schedule_and_links_its_reports() -> None:
    (sns,) = records(EVENTS / KINDS["monitoring run"])
    message = render_teams(view_of(sns))
    lines = lines_of(message)
    assert "Schedule: churn-v2-data-quality" in lines and "Monitor type: DataQuality" in lines
    assert [a["title"] for a in card_of(message)["actions"]] == ["Reports", "Schedule", "Endpoint", "Logs"]


# -- what the card says ----------------------------------------------------------------------


def test_alarm_card_header_facts_reason_series_logs_and_buttons() -> None:
    message = render_teams(alarm_view())
    card = card_of(message)
    header = card["body"][0]
    assert header["type"] == "Container" and header["style"] == "attention"
    (title_run,) = header["items"][0]["inlines"]
    assert title_run["text"] == "🔴 ALARM: Model latency p99 > 1,000 ms on fraud-scorer / AllTraffic"
    assert title_run["weight"] == "bolder" and title_run["size"] == "large"
    lines = lines_of(message)
    for fact in (
        "Endpoint: fraud-scorer",
        "Variant: AllTraffic",
        "Signal: Model latency p99",
        "Value: 1,840 ms",
        "Threshold: > 1,000 ms",
        "Since: 2026-11-28 03:12 UTC (was OK)",
        "Region / Account: us-east-1 / 123456789012",
    ):
        assert fact in lines
    reason = lines.index("Reason")
    assert lines[reason + 1].startswith("Threshold Crossed: 3 out of the last 3")
    series = lines.index("Last hour (▶ alarm metric)")
    latency = lines[series + 1]
    assert latency.startswith("▶ Model latency p99") and "min 210 · max 1,840 · last 1,840 ms" in latency
    assert len({line.index("min ") for line in lines[series + 1 : series + 1 + len(SERIES)]}) == 1, "columns line up"
    monospace = [r for r in runs_of(message) if r.get("fontType") == "monospace"]
    assert len(monospace) == len(SERIES) + len(LOG_LINES)
    errors = lines.index("Recent errors")
    assert lines[errors + 1 : errors + 11] == list(LOG_LINES)
    assert "⚠ metrics unavailable (AccessDenied)" in lines
    assert [(a["title"], a["url"]) for a in card["actions"]] == [(x.label, x.url) for x in LINKS]


def test_recent_errors_are_limited_to_max_log_lines() -> None:
    view = alarm_view(log_lines=(*LOG_LINES, "one more", "and another"))
    lines = lines_of(render_teams(view))
    assert "Recent errors (10 of 12)" in lines
    assert "Recent errors (3 of 12)" in lines_of(render_teams(view, max_log_lines=3))
    assert not any(line.startswith("Recent errors") for line in lines_of(render_teams(view, max_log_lines=0)))


def test_ok_card_is_short_and_says_how_long_it_lasted() -> None:
    message = render_teams(ok_view())
    lines = lines_of(message)
    assert lines[0] == "✅ Resolved: Model latency p99 back to normal on fraud-scorer / AllTraffic"
    assert card_of(message)["body"][0]["style"] == "good"
    assert "The alarm returned to OK — lasted 14 min." in lines
    assert "Value now: 420 ms (threshold > 1,000 ms)" in lines
    assert "Endpoint: fraud-scorer / AllTraffic" in lines
    assert "Reason" not in lines and "Recent errors" not in lines


def test_insufficient_data_is_neutral() -> None:
    message = render_teams(insufficient_view())
    assert lines_of(message)[0].startswith("⚪ Insufficient data: ")
    assert card_of(message)["body"][0]["style"] == "emphasis"
    assert "🔴" not in json.dumps(message, ensure_ascii=False)


def test_failed_endpoint_leads_with_the_failure_reason() -> None:
    lines = lines_of(render_teams(failed_view()))
    assert lines[0] == "💥 Endpoint fraud-scorer failed"
    assert lines[1:3] == [
        "Failure reason",
        "Failed to deploy model: the primary container did not pass the ping health check.",
    ]


def test_generic_alarm_names_the_alarm_not_an_endpoint() -> None:
    lines = lines_of(render_teams(generic_view()))
    assert "Alarm: web-fleet-cpu-high" in lines and "Dimensions: AutoScalingGroupName=web-fleet" in lines
    assert not any(line.startswith("Endpoint:") for line in lines)


def test_at_most_six_buttons_and_only_http_links() -> None:
    links = (
        Link("Bad", "javascript:alert(1)"),
        Link("Data", "data:text/html,x"),
        *(Link(f"Link {i}", f"https://example.com/{i}") for i in range(10)),
    )
    actions = card_of(render_teams(alarm_view(links=links)))["actions"]
    assert [a["url"] for a in actions] == [f"https://example.com/{i}" for i in range(MAX_ACTIONS)]
    assert "actions" not in card_of(render_teams(alarm_view(links=())))


# -- hostile input ---------------------------------------------------------------------------


def test_a_hostile_description_is_shown_as_typed_never_as_markup() -> None:
    description = "[click here](https://evil.example/login) **URGENT** _now_ <at>everyone</at> # Heading\n- item"
    message = render_teams(alarm_view(description=description))
    assert_inert(message)
    lines = lines_of(message)
    start = lines.index("Description")
    assert lines[start + 1 : start + 3] == [
        f"[click here]{WORD_JOINER}(https://evil.example/login) **URGENT** _now_ <at>everyone</at> # Heading",
        "- item",
    ]
    assert all("evil.example" not in a["url"] for a in card_of(message)["actions"])


def test_the_hostile_fixture_is_inert_bounded_and_truncated() -> None:
    message = render_teams(hostile_view())
    assert_valid(message)
    assert_inert(message)
    lines = lines_of(message)
    assert lines[0] == "🔴 ALARM: Latency <!here> on <@U999> & co second line", "control characters dropped"
    start = lines.index("Description")
    description = lines[start + 1 :]
    shown = "".join(description[: description.index("Recent errors") if "Recent errors" in description else None])
    assert len(shown) < len(HOSTILE_DESCRIPTION), "cut, not carried whole"
    assert "…" in "".join(lines)
    urls = [a["url"] for a in card_of(message)["actions"]]
    assert "javascript:alert(1)" not in urls


def test_a_huge_alert_is_cut_to_fit_teams() -> None:
    big = "界" * 5000
    view = alarm_view(
        description=big,
        reason=big,
        log_lines=tuple(big for _ in range(30)),
        details=tuple((f"Fact {i} {big}", big) for i in range(40)),
        links=tuple(Link("x" * 500, "https://example.com/" + "a" * 2900) for _ in range(10)),
    )
    message = render_teams(view)
    assert_valid(message)
    assert_inert(message)


def test_card_text_breaks_links_drops_control_characters_and_cuts() -> None:
    assert card_text("[a](https://x) and [b] (c)", 100) == f"[a]{WORD_JOINER}(https://x) and [b] (c)"
    assert card_text("a\x00b\x1b\u202ec\nd", 100) == "abc d"
    assert card_text("line 1\nline 2", 100, single_line=False) == "line 1\nline 2"
    assert card_text("x" * 50, 10) == "x" * 9 + "…"
    assert card_text(None, 10) == ""


# -- any input -------------------------------------------------------------------------------

_MARKDOWN = ["[x](https://evil.example)", "**b**", "_i_", "# h", "- li", "1. li", "<at>x</at>", "](", "\\", "`"]
markdownish = st.lists(st.one_of(st.sampled_from(_MARKDOWN), st.text(max_size=10)), max_size=30).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(views, st.integers(min_value=-1, max_value=30))
def test_any_alert_renders_to_a_valid_inert_card(view: AlertView, max_log_lines: int) -> None:
    message = render_teams(view, max_log_lines=max_log_lines)
    assert_valid(message)
    assert_inert(message)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markdownish, markdownish, markdownish)
def test_markdown_in_any_untrusted_field_forms_no_link(title: str, description: str, line: str) -> None:
    message = render_teams(alarm_view(title=title, description=description, log_lines=(line,), alarm_name=line))
    assert_valid(message)
    assert_inert(message)
