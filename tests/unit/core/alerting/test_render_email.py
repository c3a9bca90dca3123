"""The email: readable in mail clients, inert whatever the alarm says, and a valid MIME message."""

from __future__ import annotations

import email
import email.policy
from dataclasses import replace
from email.message import EmailMessage
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from sagewatch.core.alerting.alert import AlertView, Link
from sagewatch.core.alerting.render_email import CHART_CID, MAX_SUBJECT, EmailContent, build_mime, render_email

from .test_render_slack import (
    ALARM_NAME,
    ALL_VIEWS,
    LINKS,
    alarm_view,
    failed_view,
    generic_view,
    hostile_view,
    insufficient_view,
    ok_view,
    views,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32 + b"chart"


class _Tags(HTMLParser):
    """Every start tag with its attributes, as a mail client's sanitiser would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(markup: str) -> _Tags:
    parser = _Tags()
    parser.feed(markup)
    parser.close()
    return parser


def assert_mail_safe(markup: str) -> _Tags:
    """No scripts, no <style>, no classes, no event handlers, no external images, http(s) links only."""
    parsed = parse_html(markup)
    names = {tag for tag, _ in parsed.tags}
    assert not names & {"script", "style", "iframe", "object", "embed", "link", "form"}
    for tag, attrs in parsed.tags:
        assert "class" not in attrs
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        if tag == "img":
            assert (attrs.get("src") or "").startswith("cid:")
        if tag == "a":
            assert (attrs.get("href") or "").startswith(("https://", "http://"))
    assert "<script" not in markup.lower() and "<style" not in markup.lower()
    return parsed


# -- content ---------------------------------------------------------------------------------


@pytest.mark.parametrize("make", ALL_VIEWS.values(), ids=ALL_VIEWS.keys())
def test_every_email_is_mail_safe(make: Any) -> None:
    content = render_email(make())
    assert_mail_safe(content.html)
    assert 0 < len(content.subject) <= MAX_SUBJECT
    assert "\n" not in content.subject and "\r" not in content.subject
    assert content.text.strip()


def test_alarm_subject_names_the_signal_and_where() -> None:
    assert render_email(alarm_view()).subject == "[ALARM] Model latency p99 > 1,000 ms on fraud-scorer / AllTraffic"
    untitled = alarm_view(title="Model latency p99 above 1,000 ms")
    assert render_email(untitled).subject == "[ALARM] Model latency p99 above 1,000 ms — fraud-scorer / AllTraffic"
    assert render_email(ok_view()).subject.startswith("[OK] Resolved: Model latency p99 back to normal")
    assert render_email(failed_view()).subject == "[FAILED] Endpoint fraud-scorer failed"
    assert render_email(insufficient_view()).subject.startswith("[INSUFFICIENT_DATA] ")


def test_html_has_banner_facts_reason_description_series_logs_notes_and_buttons() -> None:
    content = render_email(alarm_view())
    parsed = assert_mail_safe(content.html)
    text = " ".join(parsed.text)
    for fact in ("Endpoint", "fraud-scorer", "Variant", "AllTraffic", "Signal", "Model latency p99", "Value"):
        assert fact in text
    assert "Threshold" in text and "> 1,000 ms" in text
    assert "Since" in text and "2026-11-28 03:12 UTC (was OK)" in text
    assert "us-east-1 / 123456789012" in text
    assert "Threshold Crossed: 3 out of the last 3 datapoints" in text
    assert "Runbook: https://wiki.example/runbooks/latency" in text
    assert "▁" in text and "1,840 ms" in text and "2,950 requests" in text
    assert "CUDA out of memory (request 9)" in text
    assert "⚠ metrics unavailable (AccessDenied)" in text
    hrefs = [attrs["href"] for tag, attrs in parsed.tags if tag == "a"]
    assert hrefs == [link.url for link in LINKS]
    assert any(tag == "pre" and "monospace" in (attrs.get("style") or "") for tag, attrs in parsed.tags)
    assert "background:#c5221f" in content.html, "red banner for ALARM"
    assert all(attrs.get("style") for tag, attrs in parsed.tags if tag in ("td", "a", "pre")), "inline styles"


def test_chart_is_referenced_only_when_there_is_one() -> None:
    with_chart = render_email(alarm_view(chart_png=PNG))
    assert with_chart.chart_cid == CHART_CID == "alarm-chart"
    images = [attrs for tag, attrs in parse_html(with_chart.html).tags if tag == "img"]
    assert images == [
        {
            "src": "cid:alarm-chart",
            "alt": "Chart of Model latency p99 around the state change",
            "width": "600",
            "style": "display:block;width:100%;max-width:600px;height:auto;border:0;",
        }
    ]
    without = render_email(alarm_view())
    assert without.chart_cid is None
    assert "cid:" not in without.html and "<img" not in without.html


def test_text_part_has_everything_with_links_as_urls() -> None:
    text = render_email(alarm_view()).text
    assert text.startswith("🔴 Model latency p99 > 1,000 ms on fraud-scorer / AllTraffic\n")
    assert "Endpoint:         fraud-scorer" in text
    assert "Threshold:        > 1,000 ms" in text
    assert "min 0 · max 3,200 · last 2,950 requests" in text
    assert "▶ Model latency p99" in text
    assert "CUDA out of memory (request 0)" in text
    assert "⚠ metrics unavailable (AccessDenied)" in text
    for link in LINKS:
        assert f"{link.label}: {link.url}" in text
    assert ALARM_NAME in text


def test_ok_email_is_short_and_green() -> None:
    content = render_email(ok_view())
    assert "The alarm returned to OK — lasted 14 min." in content.text
    assert "Last hour" not in content.text and "Recent errors" not in content.text
    assert "background:#188038" in content.html
    assert "lasted 14 min" in content.html


def test_failed_and_generic_emails() -> None:
    failed = render_email(failed_view())
    assert "Failure reason:\nFailed to deploy model" in failed.text
    assert "Endpoint fraud-scorer failed" in failed.html
    generic = render_email(generic_view())
    assert "Endpoint:" not in generic.text and "Variant:" not in generic.text
    assert "Alarm:" in generic.text and "web-fleet-cpu-high" in generic.text
    assert "Dimensions:" in generic.text


def test_hostile_text_is_escaped_and_links_are_http_only() -> None:
    content = render_email(hostile_view())
    parsed = assert_mail_safe(content.html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content.html
    assert "&lt;img src=x onerror=alert(1)&gt;" in content.html
    assert "&lt;!channel&gt;" in content.html and "Tom &amp; Jerry" in content.html
    assert "<script>alert(1)</script>" in " ".join(parsed.text), "shown as text"
    hrefs = [attrs["href"] for tag, attrs in parsed.tags if tag == "a"]
    assert "javascript:alert(1)" not in hrefs and "javascript:" not in content.html
    assert "javascript:alert(1)" not in content.text
    for control in ("\x00", "\x07", "\x08", "\x1b"):
        assert control not in content.html and control not in content.text and control not in content.subject


def test_a_quote_in_a_link_cannot_break_out_of_href() -> None:
    view = alarm_view(links=(Link('x" onclick="alert(1)', 'https://ok.example/?q="><script>'),))
    content = render_email(view)
    assert_mail_safe(content.html)
    assert "https://ok.example/?q=" not in content.html, "a URL with quotes or <> is not a link"


# -- MIME ------------------------------------------------------------------------------------


def _parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _parts(message: EmailMessage) -> list[EmailMessage]:
    parts = list(message.iter_parts())
    assert all(isinstance(part, EmailMessage) for part in parts)
    return parts  # type: ignore[return-value]  # the default policy builds EmailMessage parts


def test_build_mime_with_chart() -> None:
    view = alarm_view(chart_png=PNG)
    raw = build_mime(
        render_email(view),
        sender="SageWatch <alerts@example.com>",
        recipients=["oncall@example.com", "ml@example.com"],
        chart_png=PNG,
    )
    message = _parse(raw)
    assert message["From"] == "SageWatch <alerts@example.com>"
    assert message["To"] == "oncall@example.com, ml@example.com"
    assert message["Subject"] == "[ALARM] Model latency p99 > 1,000 ms on fraud-scorer / AllTraffic"
    assert message.get_content_type() == "multipart/alternative"
    text, related = _parts(message)
    assert text.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html_part, image = _parts(related)
    assert html_part.get_content_type() == "text/html"
    assert "cid:alarm-chart" in html_part.get_content()
    assert image.get_content_type() == "image/png"
    assert image["Content-ID"] == "<alarm-chart>"
    assert image.get_content_disposition() == "inline"
    assert image.get_content() == PNG
    assert "min 0 · max 3,200 · last 2,950 requests" in text.get_content()
    assert all(len(line) <= 998 for line in raw.split(b"\r\n")), "SMTP line length"


def test_build_mime_without_chart_has_no_image() -> None:
    raw = build_mime(
        render_email(alarm_view()), sender="alerts@example.com", recipients=["a@example.com"], chart_png=None
    )
    message = _parse(raw)
    types = [part.get_content_type() for part in message.walk()]
    assert types == ["multipart/alternative", "text/plain", "text/html"]


def test_build_mime_strips_header_injection() -> None:
    content = replace(render_email(alarm_view()), subject="Hello\r\nBcc: victim@example.com")
    raw = build_mime(
        content,
        sender="alerts@example.com\r\nBcc: evil@example.com",
        recipients=["oncall@example.com\nX-Injected: yes"],
        chart_png=None,
    )
    message = _parse(raw)
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert message["Subject"] == "Hello Bcc: victim@example.com"
    headers = raw.split(b"\r\n\r\n", 1)[0]
    assert b"\r\nBcc:" not in headers and b"\r\nX-Injected:" not in headers


def test_build_mime_refuses_what_would_be_a_broken_email() -> None:
    with_chart = render_email(alarm_view(chart_png=PNG))
    with pytest.raises(ValueError, match="chart_png"):
        build_mime(with_chart, sender="a@example.com", recipients=["b@example.com"], chart_png=None)
    with pytest.raises(ValueError, match="recipient"):
        build_mime(with_chart, sender="a@example.com", recipients=["\r\n"], chart_png=PNG)
    with pytest.raises(ValueError, match="sender"):
        build_mime(with_chart, sender="", recipients=["b@example.com"], chart_png=PNG)


def test_a_chart_the_html_does_not_use_is_not_attached() -> None:
    raw = build_mime(render_email(alarm_view()), sender="a@example.com", recipients=["b@example.com"], chart_png=PNG)
    assert "image/png" not in [part.get_content_type() for part in _parse(raw).walk()]


def test_email_content_is_a_frozen_value() -> None:
    content = EmailContent(subject="s", text="t", html="<p>h</p>", chart_cid=None)
    with pytest.raises(AttributeError):
        content.subject = "x"  # type: ignore[misc]


# -- any input -------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(views)
def test_any_alert_renders_to_a_safe_email(view: AlertView) -> None:
    content = render_email(view)
    assert_mail_safe(content.html)
    assert 0 < len(content.subject) <= MAX_SUBJECT and "\n" not in content.subject
    assert content.text.strip()


# Fewer examples: the email package's encoder, not our code, is what takes the time here.
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(views)
def test_any_alert_makes_a_valid_mime_message(view: AlertView) -> None:
    content = render_email(view)
    raw = build_mime(
        content, sender="SageWatch <a@example.com>", recipients=["b@example.com"], chart_png=view.chart_png
    )
    types = [part.get_content_type() for part in _parse(raw).walk()]
    assert ("image/png" in types) is bool(view.chart_png)
