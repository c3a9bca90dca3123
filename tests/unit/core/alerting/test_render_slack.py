"""The Slack message: what on-call reads, valid for Slack whatever the alarm says, and inert.

The fixtures here (hand-built AlertViews) are shared with test_render_email.py and the
emulator's tests/unit/emulator/test_slack_blocks.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sagewatch.core.alerting.alert import AlertView, Link, Series
from sagewatch.core.alerting.render_slack import render_slack
from sagewatch.core.alerting.slack_text import (
    ELLIPSIS,
    MAX_BLOCKS,
    MAX_BUTTON_TEXT,
    MAX_FIELDS,
    MAX_HEADER_TEXT,
    MAX_SECTION_TEXT,
    escape_mrkdwn,
    slack_len,
    truncate,
    unescape_mrkdwn,
)
from sagewatch_emulator.slack_blocks import validate_slack_message

SINCE = datetime(2026, 11, 28, 3, 12, tzinfo=UTC)
ALARM_NAME = "sagewatch/fraud-scorer/AllTraffic/model-latency-p99"
LINKS = (
    Link("Alarm", "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/x"),
    Link("Dashboard", "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/y"),
    Link("Endpoint", "https://us-east-1.console.aws.amazon.com/sagemaker/home?region=us-east-1#/endpoints/z"),
    Link("Logs", "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups"),
)
SERIES = (
    Series("Model latency p99", "ms", (210.0, 230.0, 250.0, None, 900.0, 1840.0), highlight=True),
    Series("Invocations", "requests", (0.0, 400.0, 1200.0, 2400.0, 3200.0, 2950.0)),
    Series("5XX errors", "errors", (0.0, 0.0, 0.0, 3.0, 12.0, 9.0)),
    Series("4XX errors", "errors", (0.0, 1.0, 0.0, 0.0, 2.0, 1.0)),
    Series("CPU (per core)", "%", (35.0, 38.0, 41.0, 60.0, 88.0, 91.5)),
    Series("Memory", "%", (52.0, 52.0, 53.0, 53.0, 54.0, 54.0)),
)
LOG_LINES = tuple(
    f"2026-11-28T03:1{i}:00Z ERROR [model] inference failed: CUDA out of memory (request {i})" for i in range(10)
)

HOSTILE_SNIPPET = (
    "<!channel> <!here> <!everyone> <@U123ABC> <#C123> <!subteam^S1> <https://evil.example|click here> "
    "Tom & Jerry ``` `code` <script>alert(1)</script> <img src=x onerror=alert(1)> @channel "
)
HOSTILE_DESCRIPTION = (HOSTILE_SNIPPET * 200)[:12_000]
LOOKALIKE_LT = "\u2039"  # what a "<" glued to the next character becomes in plain_text
NO_FENCE = "\u02bc" * 3  # what ``` becomes inside a code block
FORBIDDEN = ("<!channel>", "<!here", "<!everyone", "<@U", "<#C", "<!subteam", "<https://evil")


def alarm_view(**overrides: Any) -> AlertView:
    """ALARM on model latency, with everything an alert can carry."""
    fields: dict[str, Any] = {
        "state": "ALARM",
        "title": "Model latency p99 > 1,000 ms on fraud-scorer / AllTraffic",
        "alarm_name": ALARM_NAME,
        "region": "us-east-1",
        "account_id": "123456789012",
        "since": SINCE,
        "previous_state": "OK",
        "endpoint": "fraud-scorer",
        "variant": "AllTraffic",
        "signal": "Model latency p99",
        "value_text": "1,840 ms",
        "threshold_text": "> 1,000 ms",
        "reason": (
            "Threshold Crossed: 3 out of the last 3 datapoints [1840000.0 (28/11/26 03:11:00)] "
            "were greater than the threshold (1000000.0) (minimum 3 datapoints for OK -> ALARM transition)."
        ),
        "description": "p99 latency of fraud-scorer above 1,000 ms. Runbook: https://wiki.example/runbooks/latency",
        "series": SERIES,
        "log_lines": LOG_LINES,
        "links": LINKS,
        "missing_context": ("metrics unavailable (AccessDenied)",),
        "message_id": "0b4e8f2a-5c1d-4e7b-9a3f-1d2c3b4a5e6f",
    }
    fields.update(overrides)
    return AlertView(**fields)


def ok_view() -> AlertView:
    return alarm_view(
        state="OK",
        previous_state="ALARM",
        title="Model latency p99 back to normal on fraud-scorer / AllTraffic",
        value_text="420 ms",
        duration_text="lasted 14 min",
        reason="Threshold Crossed: 1 datapoint [420000.0 (28/11/26 03:26:00)] was not greater than the threshold.",
        log_lines=(),
        missing_context=(),
    )


def insufficient_view() -> AlertView:
    return alarm_view(
        state="INSUFFICIENT_DATA",
        title="Model latency p99: not enough data on fraud-scorer / AllTraffic",
        value_text=None,
        reason="Insufficient Data: 3 datapoints were unknown.",
        log_lines=(),
    )


def failed_view() -> AlertView:
    return AlertView(
        state="FAILED",
        title="Endpoint fraud-scorer failed",
        alarm_name="sagewatch/fraud-scorer/endpoint-failed",
        region="us-east-1",
        account_id="123456789012",
        since=SINCE,
        endpoint="fraud-scorer",
        reason="Failed to deploy model: the primary container did not pass the ping health check.",
        links=LINKS[2:],
        message_id="f-1",
    )


def generic_view() -> AlertView:
    return AlertView(
        state="ALARM",
        title="CPUUtilization Average > 80: web-fleet-cpu-high",
        alarm_name="web-fleet-cpu-high",
        region="eu-west-1",
        account_id="123456789012",
        since=SINCE,
        previous_state="OK",
        signal="CPUUtilization Average",
        value_text="93.5",
        threshold_text="> 80",
        reason="Threshold Crossed: 1 datapoint [93.5 (28/11/26 03:11:00)] was greater than the threshold (80.0).",
        description=None,
        series=(Series("CPUUtilization Average", "", (40.0, 55.0, 93.5), highlight=True),),
        links=(Link("Alarm", "https://eu-west-1.console.aws.amazon.com/cloudwatch/home#alarmsV2:alarm/web"),),
        details=(("Dimensions", "AutoScalingGroupName=web-fleet"),),
        generic=True,
        message_id="g-1",
    )


def hostile_view() -> AlertView:
    return alarm_view(
        title="Latency <!here> on <@U999> & co\nsecond line\x07",
        alarm_name="evil <!here> alarm & <https://evil.example|name>",
        endpoint="fraud-scorer<!channel>",
        variant="All<@U123ABC>Traffic",
        reason="reason <!channel> & <https://evil.example|x>\x00\x1b[31m",
        description=HOSTILE_DESCRIPTION,
        series=(*SERIES[:5], Series("<!channel> label & ```", "<@U1>", (1.0, 2.0), highlight=False)),
        log_lines=(
            "```\n<!channel> broke out ``` and <https://evil.example|here>\x00\x08\x1b",
            "x" * 5000 + "<!here>",
            "tabs\tand\rreturns & <@U123ABC>",
            *LOG_LINES,
        ),
        links=(*LINKS, Link("Evil", "javascript:alert(1)"), Link("<!channel>" * 20, "https://ok.example/")),
        missing_context=("logs unavailable <!channel>", "<@U123ABC> & more"),
        details=(("<!here>", "<#C123> & <!subteam^S1>"),),
        message_id="<!here>",
    )


ALL_VIEWS = {
    "alarm": alarm_view,
    "ok": ok_view,
    "insufficient": insufficient_view,
    "failed": failed_view,
    "generic": generic_view,
    "hostile": hostile_view,
}


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every dict in a payload, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def mrkdwn_texts(payload: dict[str, Any]) -> list[str]:
    """The top-level text and every mrkdwn text object: what Slack parses for mentions and links."""
    return [payload["text"], *(d["text"] for d in walk(payload["blocks"]) if d.get("type") == "mrkdwn")]


def blocks_of(payload: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [b for b in payload["blocks"] if b["type"] == kind]


def section_texts(payload: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in blocks_of(payload, "section") if "text" in b]


def fields_of(payload: dict[str, Any]) -> dict[str, str]:
    out = {}
    for block in blocks_of(payload, "section"):
        for item in block.get("fields", []):
            label, _, value = item["text"].partition("\n")
            out[label.strip("*")] = value
    return out


DATE_TOKEN = re.compile(r"<!date\^-?\d+\^\{date_short_pretty\} \{time\}\|[^<>]*>")
ENTITY_OR_AMP = re.compile(r"&(?!amp;|lt;|gt;)")


# -- every fixture ---------------------------------------------------------------------------


@pytest.mark.parametrize("make", ALL_VIEWS.values(), ids=ALL_VIEWS.keys())
def test_every_message_is_within_slack_limits(make: Any) -> None:
    payload = render_slack(make())
    assert validate_slack_message(payload) == []
    assert payload["text"].strip()
    assert len(payload["blocks"]) <= MAX_BLOCKS
    assert all(slack_len(text) <= MAX_SECTION_TEXT for text in section_texts(payload))
    assert slack_len(payload["blocks"][0]["text"]["text"]) <= MAX_HEADER_TEXT
    json.dumps(payload).encode("utf-8")  # serialisable, no lone surrogates


@pytest.mark.parametrize("make", ALL_VIEWS.values(), ids=ALL_VIEWS.keys())
def test_nothing_can_ping_or_forge_a_link(make: Any) -> None:
    payload = render_slack(make())
    dumped = json.dumps(payload, ensure_ascii=False)
    for forbidden in FORBIDDEN:
        assert forbidden not in dumped
    for text in mrkdwn_texts(payload):
        assert "<" not in DATE_TOKEN.sub("", text)
        assert not ENTITY_OR_AMP.search(text), "every & starts a whole entity"
    assert all(d.get("verbatim") is True for d in walk(payload["blocks"]) if d.get("type") == "mrkdwn")


# -- ALARM -----------------------------------------------------------------------------------


def test_a_header_cut_after_a_spaced_less_than_sign_does_not_glue_it_to_the_ellipsis() -> None:
    # "a < b" stays as it is in plain text, but the 150-character cut can land right after the
    # "<": "<…" would read as the start of a control sequence.
    header = render_slack(alarm_view(title="<\x85x" * 300))["blocks"][0]["text"]["text"]
    assert header.endswith("…") and not re.search(r"<\S", header)


def test_alarm_fallback_text_and_header() -> None:
    payload = render_slack(alarm_view())
    assert payload["text"] == "ALARM: Model latency p99 &gt; 1,000 ms on fraud-scorer / AllTraffic (1,840 ms)"
    header = payload["blocks"][0]
    assert header["type"] == "header"
    assert header["text"] == {
        "type": "plain_text",
        "text": "🔴 ALARM: Model latency p99 > 1,000 ms on fraud-scorer / AllTraffic",
        "emoji": True,
    }


def test_alarm_facts_are_fields() -> None:
    fields = fields_of(render_slack(alarm_view()))
    assert fields["Endpoint"] == "fraud-scorer"
    assert fields["Variant"] == "AllTraffic"
    assert fields["Signal"] == "Model latency p99"
    assert fields["Value"] == "1,840 ms"
    assert fields["Threshold"] == "&gt; 1,000 ms"
    epoch = int(SINCE.timestamp())
    assert fields["Since"] == f"<!date^{epoch}^{{date_short_pretty}} {{time}}|2026-11-28 03:12 UTC> (was OK)"
    assert fields["Region / Account"] == "us-east-1 / 123456789012"


def test_alarm_reason_and_description_are_sections() -> None:
    texts = section_texts(render_slack(alarm_view()))
    assert any(t.startswith("*Reason*\nThreshold Crossed: 3 out of the last 3") for t in texts)
    assert any(t.startswith("*Description*\np99 latency of fraud-scorer") for t in texts)


def test_sparkline_lines_carry_min_max_last_with_units_and_mark_the_alarm_metric() -> None:
    text = next(t for t in section_texts(render_slack(alarm_view())) if t.startswith("*Last hour*"))
    lines = text.split("\n")
    assert lines[1] == "```" and lines[-1] == "```"
    body = lines[2:-1]
    assert len(body) == len(SERIES)
    latency = next(line for line in body if "Model latency p99" in line)
    assert latency.startswith("▶ ")
    assert "min 210 · max 1,840 · last 1,840 ms" in latency
    assert "·" in latency.split("min")[0], "the missing datapoint shows as a gap"
    invocations = next(line for line in body if "Invocations" in line)
    assert invocations.startswith("  Invocations")
    assert re.search(r"[▁▂▃▄▅▆▇█]{6}\s+min 0 · max 3,200 · last 2,950 requests$", invocations)
    assert "last 91.5 %" in next(line for line in body if "CPU (per core)" in line)
    assert len({line.index("min ") for line in body}) == 1, "columns line up"


def test_recent_errors_are_a_code_block_limited_to_max_log_lines() -> None:
    view = alarm_view(log_lines=(*LOG_LINES, "one more", "and another"))
    text = next(t for t in section_texts(render_slack(view)) if t.startswith("*Recent errors*"))
    assert text.startswith("*Recent errors* (10 of 12)\n```\n")
    assert text.endswith("\n```")
    assert text.count("ERROR [model]") == 10
    short = next(t for t in section_texts(render_slack(view, max_log_lines=3)) if t.startswith("*Recent errors*"))
    assert short.count("ERROR [model]") == 3
    none = render_slack(view, max_log_lines=0)
    assert not any(t.startswith("*Recent errors*") for t in section_texts(none))


def test_missing_context_buttons_and_footer() -> None:
    payload = render_slack(alarm_view())
    contexts = blocks_of(payload, "context")
    assert contexts[0]["elements"][0]["text"] == "⚠ metrics unavailable (AccessDenied)"
    footer = contexts[-1]["elements"][0]["text"]
    assert ALARM_NAME in footer and "0b4e8f2a-5c1d-4e7b-9a3f-1d2c3b4a5e6f" in footer
    assert payload["blocks"][-1] is contexts[-1]
    (actions,) = blocks_of(payload, "actions")
    assert [(b["text"]["text"], b["url"]) for b in actions["elements"]] == [(x.label, x.url) for x in LINKS]
    action_ids = [b["action_id"] for b in actions["elements"]]
    assert len(set(action_ids)) == len(action_ids)


def test_many_links_and_details_stay_within_limits() -> None:
    links = tuple(Link(f"Link {i} " + "x" * 100, f"https://example.com/{i}") for i in range(40))
    details = tuple((f"Fact {i}", f"value {i}") for i in range(15))
    payload = render_slack(alarm_view(links=links, details=details))
    assert validate_slack_message(payload) == []
    (actions,) = blocks_of(payload, "actions")
    assert len(actions["elements"]) == 25
    assert all(len(b["text"]["text"]) <= MAX_BUTTON_TEXT for b in actions["elements"])
    assert all(b["text"]["text"].endswith(ELLIPSIS) for b in actions["elements"])
    field_section = next(b for b in blocks_of(payload, "section") if "fields" in b)
    assert len(field_section["fields"]) == MAX_FIELDS
    assert any("*Fact 14:* value 14" in t for t in section_texts(payload)), "facts beyond 10 fields are kept"


def test_only_http_links_become_buttons() -> None:
    links = (Link("Bad", "javascript:alert(1)"), Link("Data", "data:text/html,x"), Link("Ok", "https://ok.example/"))
    (actions,) = blocks_of(render_slack(alarm_view(links=links)), "actions")
    assert [b["url"] for b in actions["elements"]] == ["https://ok.example/"]
    assert not blocks_of(render_slack(alarm_view(links=())), "actions")


# -- other states ----------------------------------------------------------------------------


def test_ok_is_short_and_says_how_long_it_lasted() -> None:
    payload = render_slack(ok_view())
    assert payload["blocks"][0]["text"]["text"].startswith("✅ Resolved: Model latency p99 back to normal")
    assert payload["text"].startswith("OK: Resolved — Model latency p99 back to normal")
    assert "(lasted 14 min)" in payload["text"]
    (section,) = section_texts(payload)
    assert "returned to *OK* — lasted 14 min" in section
    assert "*Value now:* 420 ms (threshold &gt; 1,000 ms)" in section
    assert "*Endpoint:* fraud-scorer / AllTraffic" in section
    assert [b["type"] for b in payload["blocks"]] == ["header", "section", "actions", "context"]


def test_insufficient_data_uses_neutral_wording() -> None:
    payload = render_slack(insufficient_view())
    header = payload["blocks"][0]["text"]["text"]
    assert header.startswith("⚪ Insufficient data: ")
    assert "ALARM" not in header and "🔴" not in json.dumps(payload, ensure_ascii=False)
    assert payload["text"].startswith("INSUFFICIENT_DATA: ")
    assert any(t.startswith("*Reason*\nInsufficient Data") for t in section_texts(payload))


def test_failed_endpoint_names_the_endpoint_and_the_reason() -> None:
    payload = render_slack(failed_view())
    assert payload["blocks"][0]["text"]["text"] == "💥 Endpoint fraud-scorer failed"
    assert payload["text"].startswith("FAILED: Endpoint fraud-scorer failed: Failed to deploy model")
    assert section_texts(payload)[0].startswith("*Failure reason*\nFailed to deploy model")
    (actions,) = blocks_of(payload, "actions")
    assert [b["text"]["text"] for b in actions["elements"]] == ["Endpoint", "Logs"]


def test_generic_alarm_has_no_endpoint_fields() -> None:
    payload = render_slack(generic_view())
    fields = fields_of(payload)
    assert "Endpoint" not in fields and "Variant" not in fields
    assert fields["Alarm"] == "web-fleet-cpu-high"
    assert fields["Signal"] == "CPUUtilization Average"
    assert fields["Value"] == "93.5"
    assert fields["Threshold"] == "&gt; 80"
    assert fields["Region / Account"] == "eu-west-1 / 123456789012"
    assert fields["Dimensions"] == "AutoScalingGroupName=web-fleet"
    assert any(t.startswith("*Reason*\nThreshold Crossed") for t in section_texts(payload))
    assert not any(t.startswith("*Description*") for t in section_texts(payload))


# -- hostile input ---------------------------------------------------------------------------


def test_hostile_description_is_escaped_and_truncated() -> None:
    payload = render_slack(hostile_view())
    description = next(t for t in section_texts(payload) if t.startswith("*Description*"))
    assert description.endswith(ELLIPSIS)
    assert slack_len(description) <= MAX_SECTION_TEXT
    assert slack_len(description) > MAX_SECTION_TEXT - 10, "truncated, not dropped"
    assert "&lt;!channel&gt;" in description and "&lt;https://evil.example|click here&gt;" in description
    assert "Tom &amp; Jerry" in description


def test_hostile_names_are_escaped_everywhere() -> None:
    payload = render_slack(hostile_view())
    assert "&lt;!here&gt;" in payload["text"]
    fields = fields_of(payload)
    assert fields["Endpoint"] == "fraud-scorer&lt;!channel&gt;"
    assert fields["Variant"] == "All&lt;@U123ABC&gt;Traffic"
    assert fields["&lt;!here&gt;"] == "&lt;#C123&gt; &amp; &lt;!subteam^S1&gt;"
    footer = blocks_of(payload, "context")[-1]["elements"][0]["text"]
    assert "evil &lt;!here&gt; alarm &amp; &lt;https://evil.example|name&gt;" in footer
    # plain_text is not parsed by Slack: shown as typed, minus control characters and newlines,
    # with a look-alike for a "<" that would start a control sequence.
    header = payload["blocks"][0]["text"]["text"]
    assert header == f"🔴 ALARM: Latency {LOOKALIKE_LT}!here> on {LOOKALIKE_LT}@U999> & co second line"
    assert render_slack(alarm_view(title="Invocations < 1 requests"))["blocks"][0]["text"]["text"].endswith(
        "Invocations < 1 requests"
    )


def test_hostile_log_lines_cannot_close_the_code_block() -> None:
    payload = render_slack(hostile_view())
    logs = next(t for t in section_texts(payload) if t.startswith("*Recent errors*"))
    assert logs.count("```") == 2, "only our own fences"
    assert logs.startswith("*Recent errors* (10 of 13)\n```\n") and logs.endswith("\n```")
    assert "\x00" not in logs and "\x1b" not in logs and "\x08" not in logs
    assert f"{NO_FENCE} ↵ &lt;!channel&gt; broke out {NO_FENCE}" in logs
    long_line = next(line for line in logs.split("\n") if line.startswith("xxx"))
    assert long_line == "x" * 299 + ELLIPSIS
    series = next(t for t in section_texts(payload) if t.startswith("*Last hour*"))
    assert series.count("```") == 2
    assert f"&lt;!channel&gt; label &amp; {NO_FENCE}" in series


def test_hostile_links_and_button_labels() -> None:
    (actions,) = blocks_of(render_slack(hostile_view()), "actions")
    urls = [b["url"] for b in actions["elements"]]
    assert "javascript:alert(1)" not in urls
    assert urls[-1] == "https://ok.example/"
    assert len(actions["elements"][-1]["text"]["text"]) <= MAX_BUTTON_TEXT


def test_a_bare_at_channel_gets_a_word_joiner() -> None:
    assert escape_mrkdwn("ping @channel and @Here") == "ping @\u2060channel and @\u2060Here"


# -- escaping and truncation -----------------------------------------------------------------


def test_escape_mrkdwn() -> None:
    assert escape_mrkdwn("<!channel> & <@U1> <https://x|y>") == "&lt;!channel&gt; &amp; &lt;@U1&gt; &lt;https://x|y&gt;"
    assert escape_mrkdwn("a\x00b\x1bc\u202ed") == "abcd"
    assert escape_mrkdwn("&amp;") == "&amp;amp;", "already-escaped text is escaped again: it is literal text"


@given(st.text(alphabet=st.sampled_from("ab&<>;lgtmp "), max_size=40))
def test_unescape_mrkdwn_shows_what_slack_shows(text: str) -> None:
    assert unescape_mrkdwn(escape_mrkdwn(text)) == text


def test_unescape_mrkdwn_decodes_only_slacks_three_entities() -> None:
    assert unescape_mrkdwn("p99 &gt; 250 ms &amp;lt; &quot;") == "p99 > 250 ms &lt; &quot;"


def test_truncate_never_cuts_an_entity_in_half() -> None:
    escaped = escape_mrkdwn("a" + "&" * 100)
    for limit in range(2, 40):
        cut = truncate(escaped, limit)
        assert slack_len(cut) <= limit
        assert cut.endswith(ELLIPSIS)
        assert not ENTITY_OR_AMP.search(cut[:-1]), cut
        assert re.fullmatch(r"a(&amp;)*…", cut), cut


def test_truncate_counts_emoji_as_two() -> None:
    assert truncate("🔴" * 10, 10) == "🔴" * 4 + ELLIPSIS
    assert truncate("short", 10) == "short"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="a&<>🔴é", max_size=200), st.integers(min_value=1, max_value=120))
def test_truncate_property(text: str, limit: int) -> None:
    escaped = escape_mrkdwn(text)
    cut = truncate(escaped, limit)
    assert slack_len(cut) <= limit
    assert not ENTITY_OR_AMP.search(cut)
    if slack_len(escaped) <= limit:
        assert cut == escaped
    else:
        assert cut.endswith(ELLIPSIS)
        assert escaped.startswith(cut[:-1])


# -- any input -------------------------------------------------------------------------------

_TOKENS = ["<!channel>", "<!here>", "<@U123ABC>", "<#C1>", "<https://evil.example|x>", "&", "&amp;", "```", "`", "\n"]
untrusted = st.one_of(
    st.text(max_size=120),
    st.lists(st.one_of(st.sampled_from(_TOKENS), st.text(max_size=10)), max_size=40).map("".join),
    st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=8), st.integers(min_value=300, max_value=1500)),
)
optional = st.none() | untrusted
values = st.lists(st.none() | st.floats(allow_nan=True, allow_infinity=True), max_size=80).map(tuple)
url = st.one_of(untrusted, st.text(max_size=50).map(lambda s: "https://example.com/" + s))
views = st.builds(
    AlertView,
    state=st.sampled_from(["ALARM", "OK", "INSUFFICIENT_DATA", "FAILED"]) | untrusted,
    title=untrusted,
    alarm_name=untrusted,
    region=untrusted,
    account_id=untrusted,
    since=st.datetimes(
        timezones=st.sampled_from([None, UTC, timezone(timedelta(hours=14)), timezone(-timedelta(hours=12))])
    ),
    previous_state=optional,
    endpoint=optional,
    variant=optional,
    signal=optional,
    value_text=optional,
    threshold_text=optional,
    duration_text=optional,
    reason=untrusted,
    description=optional,
    series=st.lists(st.builds(Series, untrusted, untrusted, values, st.booleans()), max_size=8).map(tuple),
    log_lines=st.lists(untrusted, max_size=15).map(tuple),
    links=st.lists(st.builds(Link, untrusted, url), max_size=30).map(tuple),
    missing_context=st.lists(untrusted, max_size=8).map(tuple),
    details=st.lists(st.tuples(untrusted, untrusted), max_size=14).map(tuple),
    chart_png=st.none() | st.binary(max_size=64),
    generic=st.booleans(),
    message_id=untrusted,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(views, st.integers(min_value=-1, max_value=30))
def test_any_alert_renders_to_a_valid_inert_message(view: AlertView, max_log_lines: int) -> None:
    payload = render_slack(view, max_log_lines=max_log_lines)
    assert validate_slack_message(payload) == []
    json.dumps(payload).encode("utf-8")
    for text in mrkdwn_texts(payload):
        inert = DATE_TOKEN.sub("", text)
        assert "<" not in inert and ">" not in inert
        assert not ENTITY_OR_AMP.search(inert)
    for obj in walk(payload["blocks"]):
        if obj.get("type") == "plain_text":
            assert not re.search(r"<\S", obj["text"]), "no control sequence, even where Slack would not parse it"
    for text in section_texts(payload):
        if "\n```\n" in text:
            assert text.count("```") == 2, "code blocks cannot be closed from inside"
