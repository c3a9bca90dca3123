"""Sparklines and human units: what an on-call engineer reads in every alert."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sagewatch.core.alerting.sparkline import BLOCKS, GAP, sparkline
from sagewatch.core.alerting.units import (
    NO_VALUE,
    clean_text,
    describe_metric,
    format_comparison,
    format_duration,
    format_number,
    format_value,
    safe_url,
)

# -- sparkline -------------------------------------------------------------------------------


def test_sparkline_maps_min_to_lowest_and_max_to_highest_block() -> None:
    assert sparkline([1, 5, 3, None, 8]) == "▁▅▃·█"
    assert sparkline([0, 7]) == "▁█"
    assert sparkline(list(range(8))) == BLOCKS


def test_flat_series_is_all_lowest_block_and_empty_is_empty() -> None:
    assert sparkline([2.5, 2.5, 2.5]) == "▁▁▁"
    assert sparkline([2.5, None, 2.5]) == f"▁{GAP}▁"
    assert sparkline([]) == ""
    assert sparkline([1, 2], width=0) == ""


def test_missing_and_non_finite_values_are_gaps() -> None:
    assert sparkline([None, None]) == GAP * 2
    assert sparkline([1, math.nan, math.inf, 3]) == f"▁{GAP}{GAP}█"


def test_resampling_keeps_the_spike() -> None:
    values: list[float | None] = [1.0] * 120
    values[77] = 50.0
    line = sparkline(values, width=30)
    assert len(line) == 30
    assert line.count("█") == 1
    assert set(line) == {"▁", "█"}


def test_resampling_bucket_of_only_gaps_is_a_gap() -> None:
    values: list[float | None] = [1.0] * 10 + [None] * 10 + [2.0] * 10
    assert sparkline(values, width=3) == f"▁{GAP}█"


def test_sparkline_survives_values_at_the_float_limits() -> None:
    assert sparkline([-1e308, 1e308, 0]) == "▁█▅"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)), max_size=200),
    st.integers(min_value=1, max_value=60),
)
def test_sparkline_is_bounded_deterministic_and_uses_only_known_characters(
    values: list[float | None], width: int
) -> None:
    line = sparkline(values, width)
    assert len(line) == min(len(values), width)
    assert set(line) <= set(BLOCKS + GAP)
    assert line == sparkline(values, width)


# -- values ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (1840.2, "ms", "1,840 ms"),
        (12.54, "%", "12.5 %"),
        (3200, "/min", "3,200 /min"),
        (0.4213, "s", "0.42 s"),
        (None, "ms", NO_VALUE),
        (math.nan, "ms", NO_VALUE),
        (0, "errors", "0 errors"),
        (-0.0, "ms", "0 ms"),
        (-0.001, "ms", "-0.001 ms"),
        (-0.0001, "%", "-0.0001 %"),
        (0.0042, "ms", "0.0042 ms"),
        (12.0, "%", "12 %"),
        (99.96, "%", "100 %"),
        (9.999, "s", "10 s"),
        (1_234_567.8, "requests", "1,234,568 requests"),
        (2.5, "", "2.5"),
        (1e20, "requests", "1e+20 requests"),
    ],
)
def test_format_value(value: float | None, unit: str, expected: str) -> None:
    assert format_value(value, unit) == expected


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_format_number_never_says_minus_zero_and_stays_short(value: float) -> None:
    text = format_number(value)
    assert text not in ("-0", "-0.0", "")
    assert len(text) <= 26  # "-999,999,999,999,999" and "-1.23e+308" both fit


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, "0 s"),
        (45, "45 s"),
        (45.9, "45 s"),
        (840, "14 min"),
        (7500, "2 h 05 min"),
        (7200, "2 h"),
        (273_600, "3 d 4 h"),
        (259_200, "3 d"),
        (-5, "0 s"),
        (math.inf, NO_VALUE),
    ],
)
def test_format_duration(seconds: float, expected: str) -> None:
    assert format_duration(seconds) == expected


@pytest.mark.parametrize(
    ("operator", "threshold", "expected"),
    [
        ("GreaterThanThreshold", "1,000 ms", "> 1,000 ms"),
        ("GreaterThanOrEqualToThreshold", "5 %", "≥ 5 %"),
        ("LessThanThreshold", "1 requests", "< 1 requests"),
        ("LessThanOrEqualToThreshold", "0", "≤ 0"),
        ("LessThanLowerOrGreaterThanUpperThreshold", "", "outside band"),
        ("GreaterThanUpperThreshold", "", "above band"),
        ("LessThanLowerThreshold", "", "below band"),
        ("GreaterThanUpperThreshold", "the expected band", "above the expected band"),
        (None, "1,000 ms", "1,000 ms"),
        ("SomethingNew", "", NO_VALUE),
    ],
)
def test_format_comparison(operator: str | None, threshold: str, expected: str) -> None:
    assert format_comparison(operator, threshold) == expected


@pytest.mark.parametrize(
    ("namespace", "metric", "stat", "expected"),
    [
        ("AWS/SageMaker", "ModelLatency", "p99", ("Model latency p99", "ms", 0.001)),
        ("AWS/SageMaker", "OverheadLatency", "Average", ("Overhead latency avg", "ms", 0.001)),
        ("AWS/SageMaker", "ModelSetupTime", "Maximum", ("Model setup time max", "ms", 0.001)),
        ("AWS/SageMaker", "Invocations", "Sum", ("Invocations", "requests", 1.0)),
        ("AWS/SageMaker", "Invocation5XXErrors", "Sum", ("5XX errors", "errors", 1.0)),
        ("AWS/SageMaker", "Invocation4XXErrors", "SUM", ("4XX errors", "errors", 1.0)),
        ("/aws/sagemaker/Endpoints", "CPUUtilization", "Average", ("CPU utilization", "%", 1.0)),
        ("/aws/sagemaker/Endpoints", "MemoryUtilization", "Average", ("Memory utilization", "%", 1.0)),
        ("/aws/sagemaker/Endpoints", "DiskUtilization", "Average", ("Disk utilization", "%", 1.0)),
        ("/aws/sagemaker/Endpoints", "GPUUtilization", "Maximum", ("GPU utilization max", "%", 1.0)),
        ("/aws/sagemaker/Endpoints", "GPUMemoryUtilization", "Average", ("GPU memory utilization", "%", 1.0)),
        (
            "AWS/SageMaker",
            "ServerlessConcurrentExecutionsUtilization",
            "Average",
            ("Serverless concurrency utilization", "%", 100.0),
        ),
        ("AWS/SageMaker", "ApproximateBacklogSize", "Average", ("Backlog size", "requests", 1.0)),
        ("AWS/SageMaker", "ApproximateAgeOfOldestRequest", "Average", ("Age of oldest request", "s", 1.0)),
        ("AWS/SageMaker", "HasBacklogWithoutCapacity", "Average", ("Backlog without capacity", "", 1.0)),
        ("AWS/SageMaker", "SomethingNew", "Average", ("SomethingNew Average", "", 1.0)),
        # Same metric name outside SageMaker: not converted (EC2 CPU is not summed over cores).
        ("AWS/EC2", "CPUUtilization", "Average", ("CPUUtilization Average", "", 1.0)),
        ("AWS/Lambda", "ModelLatency", "p99", ("ModelLatency p99", "", 1.0)),
    ],
)
def test_describe_metric(namespace: str, metric: str, stat: str, expected: tuple[str, str, float]) -> None:
    assert describe_metric(namespace, metric, stat) == expected


def test_describe_metric_scale_turns_microseconds_into_milliseconds() -> None:
    _, unit, scale = describe_metric("AWS/SageMaker", "ModelLatency", "p99")
    assert format_value(1_840_000 * scale, unit) == "1,840 ms"


# -- safe text and URLs ----------------------------------------------------------------------


def test_clean_text_drops_control_characters_surrogates_and_bidi_overrides() -> None:
    assert clean_text("a\x00b\x07c\x1b[31md\x7f\x85e\u202eevil\ud800") == "abc[31md\neevil"
    assert clean_text("line1\r\nline2\rline3\tx") == "line1\nline2\nline3\tx"
    assert clean_text("  a \n\n b\t c ", single_line=True) == "a b c"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:", True),
        ("http://localhost:8080/x", True),
        ("HTTPS://EXAMPLE.COM", True),
        ("javascript:alert(1)", False),
        ("data:text/html,<script>", False),
        ("mailto:a@b.c", False),
        ("/relative/path", False),
        ("https://", False),
        ("https://a.example/with space", False),
        ("https://a.example/\r\nSet-Cookie:x", False),
        ("https://a.example/" + "x" * 3000, False),
    ],
)
def test_safe_url_allows_only_absolute_http_urls(url: str, expected: bool) -> None:
    assert (safe_url(url) is not None) is expected
