"""What every rendering of an alert shows the same way, whatever the channel (Slack, digest, email).

The pieces here are raw text (never escaped): each renderer escapes for its own medium.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sagewatch.core.alerting.alert import AlertView, Series
from sagewatch.core.alerting.sparkline import sparkline
from sagewatch.core.alerting.units import NO_VALUE, clean_text, format_number, format_value

STATE_EMOJI = {"ALARM": "🔴", "OK": "✅", "INSUFFICIENT_DATA": "⚪", "FAILED": "💥"}
UNKNOWN_STATE_EMOJI = "🔔"
HIGHLIGHT = "▶"  # marks the alarm's own metric among the series
ELLIPSIS = "…"

MAX_LABEL = 28  # series labels, so that the sparklines line up
MAX_UNIT = 20
SPARK_WIDTH = 30


def state_emoji(state: str) -> str:
    return STATE_EMOJI.get(state, UNKNOWN_STATE_EMOJI)


def one_line(text: str) -> str:
    return clean_text(text, single_line=True)


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def format_since(since: datetime) -> str:
    """``2026-11-28 03:12 UTC``; a naive datetime is taken as UTC."""
    try:
        moment = since if since.tzinfo else since.replace(tzinfo=UTC)
        return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    except (OverflowError, ValueError):
        return since.isoformat()


def fact_rows(view: AlertView) -> list[tuple[str, str]]:
    """The labelled facts of an alert, raw (unescaped), in display order.

    Endpoint and Variant for an endpoint alert, the alarm name for a generic one; then Signal,
    Value, Threshold, Since, Region / Account and ``view.details``. Absent facts are left out.
    """
    rows: list[tuple[str, str]] = []
    if view.generic or not view.endpoint:
        rows.append(("Alarm", view.alarm_name))
    else:
        rows.append(("Endpoint", view.endpoint))
        if view.variant:
            rows.append(("Variant", view.variant))
    for label, value in (
        ("Signal", view.signal),
        ("Value", view.value_text),
        ("Threshold", view.threshold_text),
    ):
        if value:
            rows.append((label, value))
    since = format_since(view.since)
    if view.previous_state:
        since = f"{since} (was {view.previous_state})"
    rows.append(("Since", since))
    for label, note in (("Quiet window", view.quiet_window), ("Deployment", view.deployment)):
        if note:
            rows.append((label, note))
    account = view.account_text if view.in_spoke else view.account_id  # a spoke's by name, when it has one
    where = " / ".join(part for part in (view.region, account) if part)
    if where:
        rows.append(("Region / Account", where))
    rows.extend(view.details)
    return rows


def series_lines(series: Sequence[Series], width: int = SPARK_WIDTH) -> list[str]:
    """One aligned line per series, raw: marker, label, sparkline, min/max/last with units.

    ``▶ Model latency p99  ▁▂▃▅▇█▇▅  min 210 · max 1,840 · last 1,840 ms`` (▶: the alarm's own
    metric).
    """
    if not series:
        return []
    labels = [shorten(one_line(s.label), MAX_LABEL) or "(unnamed)" for s in series]
    label_width = max(len(label) for label in labels)
    sparks = [sparkline(s.values, width) for s in series]
    spark_width = max(len(spark) for spark in sparks)
    lines = []
    for s, label, spark in zip(series, labels, sparks, strict=True):
        unit = shorten(one_line(s.unit), MAX_UNIT)
        marker = HIGHLIGHT if s.highlight else " "
        stats = (
            f"min {format_number(s.minimum)} · max {format_number(s.maximum)} · last {format_value(s.last, unit)}"
            if s.last is not None
            else f"no data{f' ({unit})' if unit else ''}"
        )
        lines.append(f"{marker} {label:<{label_width}}  {spark or NO_VALUE:<{spark_width}}  {stats}")
    return lines
