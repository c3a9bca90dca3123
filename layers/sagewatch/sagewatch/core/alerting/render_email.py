"""An alert as an email: a subject, a plain-text part, an HTML part and, optionally, a chart.

The HTML is written for mail clients, not browsers: one 600-pixel column of ``<table>``s, inline
styles only (Gmail and Outlook drop ``<style>`` blocks and classes in places), no scripts, no
external images (the chart is an inline ``cid:`` attachment). Every text from the alarm, the
endpoint or its logs goes through ``html.escape`` (``quote=True``); only http(s) URLs become
``href``s. The text part carries everything the HTML does, links as URLs.

``build_mime`` wraps the result as the raw message SES v2 ``SendEmail`` takes
(``Content.Raw.Data``): multipart/alternative of text and multipart/related(html + image/png).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP

from sagewatch.core.alerting.alert import AlertView, Series
from sagewatch.core.alerting.presentation import STATE_EMOJI, fact_rows, series_lines
from sagewatch.core.alerting.sparkline import sparkline
from sagewatch.core.alerting.units import NO_VALUE, clean_text, format_number, format_value, safe_url

__all__ = ["CHART_CID", "MAX_SUBJECT", "EmailContent", "build_mime", "render_email"]

CHART_CID = "alarm-chart"
MAX_SUBJECT = 200
MAX_LOG_LINE = 1000  # an email has room for more of a stack trace than Slack
MAX_DESCRIPTION = 20_000  # AlarmDescription is ≤ 1024 in CloudWatch; this only bounds the absurd
ELLIPSIS = "…"

_BANNER = {  # background, label
    "ALARM": ("#c5221f", "ALARM"),
    "OK": ("#188038", "Resolved"),
    "INSUFFICIENT_DATA": ("#5f6368", "Insufficient data"),
    "FAILED": ("#8b0000", "Endpoint failed"),
}
_UNKNOWN_BANNER = ("#5f6368", "Alert")
_FONT = "font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif"
_MONO = "font-family:Menlo,Consolas,'Courier New',monospace"


@dataclass(frozen=True)
class EmailContent:
    subject: str  # one line, ≤ 200 characters
    text: str
    html: str
    chart_cid: str | None  # the Content-ID the HTML refers to, when there is a chart


def render_email(view: AlertView) -> EmailContent:
    """Subject, text and HTML for an alert. Never raises on odd input: every field is untrusted."""
    chart_cid = CHART_CID if view.chart_png else None
    return EmailContent(
        subject=_subject(view),
        text=_text(view),
        html=_html(view, chart_cid),
        chart_cid=chart_cid,
    )


# -- shared wording --------------------------------------------------------------------------


def _line(text: str | None) -> str:
    return clean_text(text or "", single_line=True)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def _headline(view: AlertView) -> str:
    if view.state == "FAILED":
        return f"Endpoint {_line(view.endpoint or view.title)} failed"
    if view.state == "OK":
        return f"Resolved: {_line(view.title)}"
    return _line(view.title) or _line(view.alarm_name)


def _subject(view: AlertView) -> str:
    subject = f"[{_line(view.state) or 'ALERT'}] {_headline(view)}"
    endpoint = _line(view.endpoint)
    if endpoint and not view.generic and view.state != "FAILED" and endpoint not in subject:
        where = endpoint + (f" / {_line(view.variant)}" if view.variant else "")
        subject += f" — {where}"
    return _cut(subject, MAX_SUBJECT)


def _log_lines(view: AlertView) -> list[str]:
    lines = []
    for raw in view.log_lines:
        line = clean_text(raw).replace("\n", " ↵ ").strip()
        if line:
            lines.append(_cut(line, MAX_LOG_LINE))
    return lines


def _links(view: AlertView) -> list[tuple[str, str]]:
    links = []
    for link in view.links:
        url = safe_url(link.url)
        if url is not None:
            links.append((_line(link.label) or url, url))
    return links


def _missing(view: AlertView) -> list[str]:
    return [item for item in (_line(m) for m in view.missing_context) if item]


def _resolved_sentence(view: AlertView) -> str:
    sentence = "The alarm returned to OK"
    if view.duration_text:
        sentence += f" — {_line(view.duration_text)}"
    return sentence + "."


# -- text part -------------------------------------------------------------------------------


def _text(view: AlertView) -> str:
    out = [f"{STATE_EMOJI.get(view.state, '')} {_headline(view)}".strip(), ""]
    if view.state == "OK":
        out += [_resolved_sentence(view), ""]
    rows = fact_rows(view)
    width = max(len(_line(label)[:40]) for label, _ in rows)
    out += [f"{_line(label)[:40] + ':':<{width + 1}} {_line(value) or NO_VALUE}" for label, value in rows]
    reason_heading = "Failure reason" if view.state == "FAILED" else "Reason"
    for heading, body in ((reason_heading, view.reason), ("Description", view.description)):
        text = _cut(clean_text(body or "").strip(), MAX_DESCRIPTION)
        if text:
            out += ["", f"{heading}:", text]
    if view.series and view.state != "OK":
        out += ["", "Last hour (▶ alarm metric):", *series_lines(view.series)]
    logs = _log_lines(view)
    if logs and view.state != "OK":
        out += ["", "Recent errors:", *(f"  {line}" for line in logs)]
    missing = _missing(view)
    if missing and view.state != "OK":
        out += ["", "Missing context:", *(f"  ⚠ {item}" for item in missing)]
    links = _links(view)
    if links:
        out += ["", "Links:", *(f"  {label}: {url}" for label, url in links)]
    out += ["", "--", _footer(view)]
    return "\n".join(out) + "\n"


def _footer(view: AlertView) -> str:
    parts = ["SageWatch"]
    if view.alarm_name:
        parts.append(f"alarm {_line(view.alarm_name)}")
    if view.message_id:
        parts.append(f"message {_line(view.message_id)}")
    return " · ".join(parts)


# -- HTML part -------------------------------------------------------------------------------


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _multiline(text: str) -> str:
    """Escaped, with line breaks as <br> (Outlook ignores white-space:pre-wrap)."""
    return "<br>".join(_e(line) for line in text.split("\n"))


def _html(view: AlertView, chart_cid: str | None) -> str:
    color, label = _BANNER.get(view.state, _UNKNOWN_BANNER)
    rows: list[str] = [
        f'<tr><td style="background:{color};color:#ffffff;padding:16px 20px;{_FONT};font-size:18px;'
        f'font-weight:bold;">{_e(label)}<br><span style="font-size:15px;font-weight:normal;">'
        f"{_e(_headline(view))}</span></td></tr>"
    ]
    if view.state == "OK":
        rows.append(_block(_e(_resolved_sentence(view))))
    rows.append(_facts_table(view))
    reason_heading = "Failure reason" if view.state == "FAILED" else "Reason"
    for heading, body in ((reason_heading, view.reason), ("Description", view.description)):
        text = _cut(clean_text(body or "").strip(), MAX_DESCRIPTION)
        if text:
            rows.append(_block(f"<strong>{heading}</strong><br>{_multiline(text)}"))
    if view.state != "OK":
        if chart_cid:
            alt = _e(f"Chart of {_line(view.signal) or 'the alarm metric'} around the state change")
            rows.append(
                '<tr><td style="padding:8px 20px;">'
                f'<img src="cid:{_e(chart_cid)}" alt="{alt}" width="600" '
                'style="display:block;width:100%;max-width:600px;height:auto;border:0;"></td></tr>'
            )
        if view.series:
            rows.append(_series_table(view.series))
        logs = _log_lines(view)
        if logs:
            rows.append(
                _block(
                    "<strong>Recent errors</strong>"
                    f'<pre style="{_MONO};font-size:12px;line-height:1.4;background:#f6f8fa;color:#24292f;'
                    "padding:10px;margin:6px 0 0 0;white-space:pre-wrap;word-break:break-all;"
                    f'border:1px solid #d0d7de;">{_e(chr(10).join(logs))}</pre>'
                )
            )
        missing = _missing(view)
        if missing:
            notes = "<br>".join(f"&#9888; {_e(item)}" for item in missing)
            rows.append(_block(f'<span style="color:#8a6d00;">{notes}</span>'))
    links = _links(view)
    if links:
        buttons = " ".join(
            f'<a href="{_e(url)}" style="display:inline-block;background:#1a73e8;color:#ffffff;'
            f'text-decoration:none;padding:8px 14px;margin:0 6px 6px 0;border-radius:4px;{_FONT};font-size:14px;">'
            f"{_e(label)}</a>"
            for label, url in links
        )
        rows.append(f'<tr><td style="padding:12px 20px;">{buttons}</td></tr>')
    rows.append(
        f'<tr><td style="padding:12px 20px;color:#80868b;{_FONT};font-size:12px;border-top:1px solid #e0e0e0;">'
        f"{_e(_footer(view))}</td></tr>"
    )
    body = "\n".join(rows)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(_subject(view))}</title></head>\n"
        f'<body style="margin:0;padding:0;background:#f1f3f4;">\n'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        'style="background:#f1f3f4;"><tr><td align="center" style="padding:16px 0;">\n'
        '<table role="presentation" width="640" cellpadding="0" cellspacing="0" border="0" '
        f'style="width:640px;max-width:100%;background:#ffffff;border-collapse:collapse;{_FONT};color:#202124;">\n'
        f"{body}\n"
        "</table>\n</td></tr></table>\n</body></html>\n"
    )


def _block(inner_html: str) -> str:
    return f'<tr><td style="padding:10px 20px;{_FONT};font-size:14px;line-height:1.5;">{inner_html}</td></tr>'


def _facts_table(view: AlertView) -> str:
    cells = []
    for label, value in fact_rows(view):
        cells.append(
            f'<tr><td style="padding:4px 12px 4px 0;color:#5f6368;white-space:nowrap;vertical-align:top;{_FONT};'
            f'font-size:14px;">{_e(_cut(_line(label), 100))}</td>'
            f'<td style="padding:4px 0;{_FONT};font-size:14px;word-break:break-word;">'
            f"{_e(_line(value) or NO_VALUE)}</td></tr>"
        )
    return (
        '<tr><td style="padding:14px 20px 6px 20px;">'
        '<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;">'
        f"{''.join(cells)}</table></td></tr>"
    )


def _series_table(series: Sequence[Series]) -> str:
    th = (
        f'style="text-align:left;padding:4px 8px;border-bottom:1px solid #e0e0e0;{_FONT};font-size:12px;color:#5f6368;"'
    )
    td = f'style="padding:4px 8px;{_FONT};font-size:13px;white-space:nowrap;"'
    mono = f'style="padding:4px 8px;{_MONO};font-size:13px;white-space:nowrap;color:#1a73e8;"'
    rows = [f"<tr><th {th}>Last hour</th><th {th}></th><th {th}>min</th><th {th}>max</th><th {th}>last</th></tr>"]
    for s in series:
        unit = _cut(_line(s.unit), 20)
        label = _cut(_line(s.label), 60) or "(unnamed)"
        label = f"<strong>&#9654; {_e(label)}</strong>" if s.highlight else _e(label)
        rows.append(
            f"<tr><td {td}>{label}</td><td {mono}>{_e(sparkline(s.values) or NO_VALUE)}</td>"
            f"<td {td}>{_e(format_number(s.minimum))}</td><td {td}>{_e(format_number(s.maximum))}</td>"
            f"<td {td}>{_e(format_value(s.last, unit))}</td></tr>"
        )
    return (
        '<tr><td style="padding:10px 20px;">'
        '<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;">'
        f"{''.join(rows)}</table></td></tr>"
    )


# -- MIME ------------------------------------------------------------------------------------


def _header_value(text: str) -> str:
    """No CR/LF (header injection) and no other control characters in a header."""
    return clean_text(text, single_line=True)


def build_mime(content: EmailContent, *, sender: str, recipients: Sequence[str], chart_png: bytes | None) -> bytes:
    """The raw MIME message for SES v2 ``SendEmail`` (``Content.Raw.Data``).

    multipart/alternative: text/plain, then multipart/related(text/html, image/png with
    ``Content-ID: <alarm-chart>`` and ``Content-Disposition: inline``) when there is a chart.
    A ``chart_png`` the HTML does not refer to (``content.chart_cid`` is None) is not attached.
    Raises ValueError for a missing sender or recipient, or an HTML part that refers to a chart
    that was not given (the reader would see a broken image).
    """
    from_ = _header_value(sender)
    to = [address for address in (_header_value(r) for r in recipients) if address]
    if not from_:
        raise ValueError("email sender is empty")
    if not to:
        raise ValueError("email has no recipient")
    if content.chart_cid and not chart_png:
        raise ValueError(f"the HTML refers to cid:{content.chart_cid} but no chart_png was given")
    message = EmailMessage(policy=SMTP)
    message["From"] = from_
    message["To"] = ", ".join(to)
    message["Subject"] = _header_value(content.subject)
    message.set_content(content.text, subtype="plain", charset="utf-8")
    message.add_alternative(content.html, subtype="html", charset="utf-8")
    cid = _header_value(content.chart_cid or "")
    if cid and chart_png:
        html_part = next((part for part in message.iter_parts() if part.get_content_type() == "text/html"), None)
        if not isinstance(html_part, EmailMessage):  # add_alternative always makes one
            raise TypeError("the message has no HTML part to relate the chart to")
        html_part.add_related(
            chart_png,
            maintype="image",
            subtype="png",
            cid=f"<{cid}>",
            disposition="inline",
            filename=f"{cid}.png",
        )
    return message.as_bytes()
