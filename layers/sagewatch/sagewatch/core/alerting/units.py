"""Human formatting: values in the units people think in, durations, comparisons, safe text.

CloudWatch speaks the metric's own units (ModelLatency in microseconds, CPU summed over cores);
alerts speak milliseconds and percent. ``describe_metric`` says how to convert, ``format_value``
how to print. ``clean_text`` and ``safe_url`` keep out what must never reach a message,
whatever the medium (Slack or email).
"""

from __future__ import annotations

import math
import re
from urllib.parse import urlsplit

__all__ = [
    "NO_VALUE",
    "clean_text",
    "describe_metric",
    "format_comparison",
    "format_duration",
    "format_number",
    "format_value",
    "safe_url",
]

NO_VALUE = "—"
MAX_URL_LENGTH = 3000  # Slack's limit for a button URL; longer ones are dropped, never cut

# C0/C1 control characters except tab and newline, lone surrogates (cannot be encoded as UTF-8,
# so they would break the JSON body or the MIME message), and the bidirectional overrides and
# isolates that can make a name display as something else ("Trojan Source").
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile("\r\n|[\r\n\u2028\u2029\x85]")
_WHITESPACE_RUN = re.compile(r"\s+")
_URL_FORBIDDEN = re.compile('[\\s\x00-\x1f\x7f-\x9f\ud800-\udfff<>"]')


def clean_text(text: str, *, single_line: bool = False) -> str:
    """Drop control characters, lone surrogates and bidi overrides; normalise line breaks.

    ``single_line`` folds every run of whitespace (line breaks included) into one space, for
    headers, subjects and table cells.
    """
    text = _LINE_BREAKS.sub("\n", text)
    text = _UNSAFE.sub("", text)
    if single_line:
        return _WHITESPACE_RUN.sub(" ", text).strip()
    return text


def format_number(value: float | None) -> str:
    """``1840.2`` → ``"1,840"``, ``12.54`` → ``"12.5"``, ``0.4213`` → ``"0.42"``, None → ``"—"``.

    At least 100: no decimals, thousands separators; at least 10: one decimal; below: up to two
    decimals (two significant digits for tiny values, scientific notation for absurd ones).
    Trailing zeros are dropped, and a value that rounds to zero is ``"0"``, never ``"-0"``.
    """
    if value is None or not math.isfinite(value):
        return NO_VALUE
    magnitude = abs(value)
    if magnitude >= 1e15 or 0 < magnitude < 1e-4:
        # Absurd magnitudes in scientific notation rather than 300 digits in a Slack field.
        return f"{value:.3g}"
    if magnitude >= 100:
        text = f"{value:,.0f}"
    elif magnitude >= 10:
        text = f"{value:,.1f}"
    elif magnitude >= 0.01 or magnitude == 0:
        text = f"{value:,.2f}"
    else:
        # 0.0042 ms is a real latency: two significant digits rather than a misleading "0".
        text = f"{value:.2g}"
    if "." in text and "e" not in text:
        text = text.rstrip("0").rstrip(".")
    if text.lstrip("-") in ("", "0"):
        return "0"
    return text


def format_value(value: float | None, unit: str) -> str:
    """``format_value(1840, "ms")`` → ``"1,840 ms"``; None → ``"—"`` (no unit on a missing value)."""
    number = format_number(value)
    if number == NO_VALUE or not unit:
        return number
    return f"{number} {unit}"


def format_duration(seconds: float) -> str:
    """``45`` → ``"45 s"``, ``840`` → ``"14 min"``, ``7500`` → ``"2 h 05 min"``, ``273600`` → ``"3 d 4 h"``."""
    if not math.isfinite(seconds):
        return NO_VALUE
    total = max(0, int(seconds))
    if total < 60:
        return f"{total} s"
    minutes, _ = divmod(total, 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


_COMPARISONS = {
    "GreaterThanThreshold": ">",
    "GreaterThanOrEqualToThreshold": "≥",
    "LessThanThreshold": "<",
    "LessThanOrEqualToThreshold": "≤",
}
_BANDS = {
    "LessThanLowerOrGreaterThanUpperThreshold": "outside",
    "GreaterThanUpperThreshold": "above",
    "LessThanLowerThreshold": "below",
}


def format_comparison(operator: str | None, threshold_text: str) -> str:
    """``("GreaterThanThreshold", "1,000 ms")`` → ``"> 1,000 ms"``.

    Anomaly-detection operators have no fixed threshold; the threshold text names the band:
    ``("LessThanLowerOrGreaterThanUpperThreshold", "")`` → ``"outside band"``,
    ``("GreaterThanUpperThreshold", "the expected band")`` → ``"above the expected band"``.
    An unknown or missing operator leaves the threshold text as it is.
    """
    if operator in _COMPARISONS:
        return f"{_COMPARISONS[operator]} {threshold_text}".rstrip()
    if operator in _BANDS:
        return f"{_BANDS[operator]} {threshold_text or 'band'}"
    return threshold_text or NO_VALUE


# metric name → (label, unit, scale, the statistic the label implies without saying it)
_SAGEMAKER_METRICS: dict[str, tuple[str, str, float, str | None]] = {
    # Invocation metrics (AWS/SageMaker). Latencies and times are in MICROseconds.
    "ModelLatency": ("Model latency", "ms", 0.001, None),
    "OverheadLatency": ("Overhead latency", "ms", 0.001, None),
    "ModelSetupTime": ("Model setup time", "ms", 0.001, None),
    "Invocations": ("Invocations", "requests", 1.0, "Sum"),
    "InvocationsPerInstance": ("Invocations per instance", "requests", 1.0, "Sum"),
    "InvocationsPerCopy": ("Invocations per copy", "requests", 1.0, "Sum"),
    "Invocation5XXErrors": ("5XX errors", "errors", 1.0, "Sum"),
    "Invocation4XXErrors": ("4XX errors", "errors", 1.0, "Sum"),
    "InvocationModelErrors": ("Model errors", "errors", 1.0, "Sum"),
    "InvocationFailures": ("Invocation failures", "errors", 1.0, "Sum"),
    # Instance metrics (/aws/sagemaker/Endpoints). CPU and GPU are summed over cores/GPUs in
    # CloudWatch; the per-core normalisation is the caller's (it knows the instance type).
    "CPUUtilization": ("CPU utilization", "%", 1.0, "Average"),
    "MemoryUtilization": ("Memory utilization", "%", 1.0, "Average"),
    "DiskUtilization": ("Disk utilization", "%", 1.0, "Average"),
    "GPUUtilization": ("GPU utilization", "%", 1.0, "Average"),
    "GPUMemoryUtilization": ("GPU memory utilization", "%", 1.0, "Average"),
    # Serverless: a 0..1 ratio in CloudWatch.
    "ServerlessConcurrentExecutionsUtilization": ("Serverless concurrency utilization", "%", 100.0, "Average"),
    # Asynchronous endpoints.
    "ApproximateBacklogSize": ("Backlog size", "requests", 1.0, "Average"),
    "ApproximateBacklogSizePerInstance": ("Backlog size per instance", "requests", 1.0, "Average"),
    "ApproximateAgeOfOldestRequest": ("Age of oldest request", "s", 1.0, "Average"),
    "HasBacklogWithoutCapacity": ("Backlog without capacity", "", 1.0, "Average"),
}

_STAT_WORDS = {
    "average": "avg",
    "sum": "sum",
    "minimum": "min",
    "maximum": "max",
    "samplecount": "count",
}


def describe_metric(namespace: str, metric_name: str, stat: str) -> tuple[str, str, float]:
    """(label, unit, scale) for a metric, so that the human value is ``raw * scale``.

    ``("AWS/SageMaker", "ModelLatency", "p99")`` → ``("Model latency p99", "ms", 0.001)``.
    Metrics outside the SageMaker namespaces, and unknown ones, are shown as they are:
    ``(f"{metric_name} {stat}", "", 1.0)``.
    """
    known = _SAGEMAKER_METRICS.get(metric_name) if "sagemaker" in namespace.lower() else None
    if known is None:
        return f"{metric_name} {stat}".strip(), "", 1.0
    label, unit, scale, implied_stat = known
    if implied_stat is None or stat.lower().replace(" ", "") != implied_stat.lower():
        word = _STAT_WORDS.get(stat.lower().replace(" ", ""), stat)
        label = f"{label} {word}".strip()
    return label, unit, scale


def safe_url(url: str) -> str | None:
    """The URL when it is an absolute http(s) URL fit for a link or button, else None.

    Nothing else may become a link: no ``javascript:``, ``data:``, ``mailto:`` or relative
    URLs, nothing with whitespace or control characters, nothing Slack would reject as too long.
    """
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH or _URL_FORBIDDEN.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url
