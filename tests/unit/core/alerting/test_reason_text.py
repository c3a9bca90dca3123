"""CloudWatch's reason sentence with its quoted values in the alert's human units."""

from __future__ import annotations

import pytest

from sagewatch.core.alerting.reason_text import humanize_reason

LATENCY = (
    "Threshold Crossed: 3 out of the last 5 datapoints [1840000.0 (28/11/26 03:11:00), 1502331.5 (28/11/26 03:10:00),"
    " 990122.0 (28/11/26 03:09:00)] were greater than the threshold (250000.0)"
    " (minimum 3 datapoints for OK -> ALARM transition)."
)


def test_latency_in_microseconds_reads_in_milliseconds_and_keeps_the_sentence() -> None:
    assert humanize_reason(LATENCY, "ms", 0.001) == (
        "Threshold Crossed: 3 out of the last 5 datapoints [1,840 ms (28/11/26 03:11:00), 1,502 ms (28/11/26 03:10:00),"
        " 990 ms (28/11/26 03:09:00)] were greater than the threshold (250 ms)"
        " (minimum 3 datapoints for OK -> ALARM transition)."
    )


def test_cpu_summed_over_cores_reads_per_core() -> None:
    reason = (
        "Threshold Crossed: 1 out of the last 1 datapoints [380.0 (06/11/22 21:52:00)] was greater than the threshold"
        " (320.0) (minimum 1 datapoint for OK -> ALARM transition)."
    )
    assert humanize_reason(reason, "%", 0.25) == (
        "Threshold Crossed: 1 out of the last 1 datapoints [95 % (06/11/22 21:52:00)] was greater than the threshold"
        " (80 %) (minimum 1 datapoint for OK -> ALARM transition)."
    )


def test_a_value_just_over_the_threshold_never_reads_equal_to_it() -> None:
    reason = "1 out of the last 1 datapoints [250400.0 (06/11/22 21:52:00)] was greater than the threshold (250000.0)"
    assert "[250.4 ms (06/11/22 21:52:00)]" in humanize_reason(reason, "ms", 0.001)
    assert "threshold (250 ms)" in humanize_reason(reason, "ms", 0.001)
    band = (
        "Thresholds Crossed: 1 out of the last 1 datapoints [0.46522264287069004 (27/06/21 13:52:00)] was not less"
        " than the lower thresholds [0.4129373661576242] or not greater than the upper thresholds [0.4700330400585261]"
    )
    text = humanize_reason(band, "", 1.0)
    assert "[0.465 (27/06/21 13:52:00)]" in text and "lower thresholds [0.41]" in text
    assert "upper thresholds [0.47]" in text


def test_anomaly_band_lists_of_bare_numbers_stay_readable() -> None:
    reason = (
        "Recent datapoints [2246.0 (11/10/20 09:45:00), 2442.0 (11/10/20 09:40:00)] crossed the lower thresholds"
        " [153.14514009861045, 13.94763546927436] or upper thresholds [2152.153702273202, 2011.8820527416765]"
    )
    text = humanize_reason(reason, "", 1.0)
    assert "[2,246 (11/10/20 09:45:00), 2,442 (11/10/20 09:40:00)]" in text
    assert "lower thresholds [153, 13.9]" in text
    assert "upper thresholds [2,152; 2,012]" in text  # "2,152, 2,012" would read as four numbers


@pytest.mark.parametrize(
    "reason",
    [
        "Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as"
        " [Breaching].",
        "Insufficient Data: 5 datapoints were unknown.",
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:a transitioned to ALARM at Saturday 28 November, 2026"
        " 03:12:00 UTC",
        "",
        "<!channel> [one (<@U123>)] threshold (x) [1.0 2.0] [1,5]",
    ],
)
def test_reasons_without_quoted_values_are_left_as_they_are(reason: str) -> None:
    assert humanize_reason(reason, "ms", 0.001) == reason


def test_the_oldest_format_and_java_exponents() -> None:
    assert humanize_reason("1 datapoint (380.0) was greater than the threshold (320.0).", "%", 0.25) == (
        "1 datapoint (95 %) was greater than the threshold (80 %)."
    )
    assert humanize_reason("datapoints [1.8402E7 (28/11/26 03:11:00)] the threshold (2.5E5)", "ms", 0.001) == (
        "datapoints [18,402 ms (28/11/26 03:11:00)] the threshold (250 ms)"
    )


def test_an_unusable_scale_leaves_the_reason_alone() -> None:
    assert humanize_reason(LATENCY, "ms", 0.0) == LATENCY
    assert humanize_reason(LATENCY, "ms", float("nan")) == LATENCY
