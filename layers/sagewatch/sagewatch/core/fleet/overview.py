"""The live part of the fleet dashboard: managed alarms in ALARM and the endpoints with the worst
5XX error rate, rendered as HTML for a CloudWatch custom widget.

Why a custom widget: a dashboard's alarm widget needs an explicit list of alarm ARNs, and
Metrics Insights cannot divide one grouped query by another, so neither "every managed alarm in
ALARM" nor "top endpoints by 5XX *rate*" can be a static widget. A custom widget is computed when
the dashboard is viewed, so the dashboard body never needs an update as endpoints come and go.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sagewatch.core.shared.links import alarm_url, dashboard_url
from sagewatch.core.shared.naming import dashboard_name, parse_alarm_name


@dataclass(frozen=True)
class ErrorRate:
    endpoint: str
    errors: float
    invocations: float

    @property
    def percent(self) -> float:
        return 100.0 * self.errors / self.invocations if self.invocations else 0.0


def top_error_rates(
    errors: Mapping[str, float], invocations: Mapping[str, float], *, limit: int = 10, min_invocations: float = 1.0
) -> list[ErrorRate]:
    """Endpoints ordered by 5XX rate (errors / invocations over the window), idle ones left out."""
    rates = [
        ErrorRate(endpoint, errors.get(endpoint, 0.0), count)
        for endpoint, count in invocations.items()
        if count >= min_invocations
    ]
    rates.sort(key=lambda r: (-r.percent, -r.errors, r.endpoint))
    return [r for r in rates if r.errors > 0][:limit]


_CELL = "padding:4px 8px;border-bottom:1px solid #e5e5e5;text-align:left"


def _anchor(url: str | None, text: str) -> str:
    """A link to ``url`` showing ``text``; the text alone where the partition has no console link."""
    if url is None:
        return html.escape(text)
    return f'<a href="{html.escape(url)}">{html.escape(text)}</a>'


def render_overview(
    alarms: Sequence[Mapping[str, Any]],
    rates: Sequence[ErrorRate],
    *,
    region: str,
    prefix: str,
    missing: Sequence[str] = (),
) -> str:
    """HTML for the custom widget. Every name is escaped; links are built only from parsed names."""
    parts = ["<h4>SageWatch alarms in ALARM</h4>"]
    if alarms:
        parts.append(f'<table style="border-collapse:collapse"><tr><th style="{_CELL}">alarm</th>')
        parts.append(f'<th style="{_CELL}">endpoint</th><th style="{_CELL}">since</th></tr>')
        for alarm in alarms:
            name = str(alarm.get("AlarmName", ""))
            parsed = parse_alarm_name(prefix, name)
            endpoint = parsed[0] if parsed else ""
            since = str(alarm.get("StateUpdatedTimestamp", ""))[:19]
            board_url = dashboard_url(region, dashboard_name(prefix, region, endpoint)) if endpoint else None
            board = f" ({_anchor(board_url, 'dashboard')})" if board_url else ""
            link = _anchor(alarm_url(region, name), name)
            parts.append(
                f'<tr><td style="{_CELL}">{link}</td><td style="{_CELL}">{html.escape(endpoint)}{board}</td>'
                f'<td style="{_CELL}">{html.escape(since)}</td></tr>'
            )
        parts.append("</table>")
    else:
        parts.append("<p>None: every managed alarm is OK or has no data.</p>")
    parts.append("<h4>Top endpoints by 5XX error rate (last hour)</h4>")
    if rates:
        parts.append(f'<table style="border-collapse:collapse"><tr><th style="{_CELL}">endpoint</th>')
        parts.append(f'<th style="{_CELL}">5XX rate</th><th style="{_CELL}">errors / invocations</th></tr>')
        for rate in rates:
            parts.append(
                f'<tr><td style="{_CELL}">{html.escape(rate.endpoint)}</td>'
                f'<td style="{_CELL}">{rate.percent:.2f} %</td>'
                f'<td style="{_CELL}">{rate.errors:,.0f} / {rate.invocations:,.0f}</td></tr>'
            )
        parts.append("</table>")
    else:
        parts.append("<p>No endpoint returned 5XX errors in the last hour.</p>")
    for note in missing:
        parts.append(f'<p style="color:#b35900">⚠ {html.escape(note)}</p>')
    return "\n".join(parts)


DESCRIPTION = """\
## SageWatch fleet overview
Lists the SageWatch-managed alarms that are in ALARM now and the endpoints with the highest
5XX error rate (Invocation5XXErrors / Invocations) over the last hour. Computed when the
dashboard is viewed; no parameters.
"""
