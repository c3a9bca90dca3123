"""The alarm's value and threshold in human units, with or without SageWatch's context trailer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sagewatch.core.alerting.alert_builder import Enrichment, build_alarm_view
from sagewatch.core.alerting.alert_target import resolve_target
from sagewatch.core.alerting.notification import AlarmNotification, parse_sns_record

SAMPLE = Path(__file__).resolve().parents[4] / "events" / "notify" / "alarm-metric-latency-p99.json"
KEEP = object()


def latency_alarm(description: object) -> AlarmNotification:
    """The sample p99 latency alarm (threshold 250,000 µs, breaching 1,840,213 µs), with
    ``description`` in place of its own unless KEEP."""
    record: dict[str, Any] = json.loads(SAMPLE.read_text())["Records"][0]
    if description is not KEEP:
        message = json.loads(record["Sns"]["Message"])
        message["AlarmDescription"] = description
        record["Sns"]["Message"] = json.dumps(message)
    parsed = parse_sns_record(record)
    assert isinstance(parsed, AlarmNotification)
    return parsed


@pytest.mark.parametrize(
    "description",
    [
        KEEP,  # with its trailer (unit=ms scale=0.001)
        # Edited by hand in the console, the trailer lost: SageWatch still knows the alarm by its
        # name (model-latency-p99), and the units come from the metric — ModelLatency is in
        # microseconds ("Amazon SageMaker AI metrics in Amazon CloudWatch").
        "[SageWatch] Model latency p99 of SageMaker endpoint fraud-scorer, edited by hand.",
        None,  # AlarmDescription may be null
    ],
    ids=["trailer", "no-trailer", "no-description"],
)
def test_a_latency_alarm_reads_in_milliseconds_whether_or_not_its_trailer_survived(description: object) -> None:
    notification = latency_alarm(description)
    target = resolve_target(notification, "SageWatch")
    assert target.alarm_key == "model-latency-p99"
    view = build_alarm_view(notification, target, None, Enrichment(), prefix="SageWatch", dashboards=False)
    assert (view.threshold_text, view.value_text) == ("> 250 ms", "1,840 ms")


@pytest.mark.parametrize(
    ("trigger", "signal"),
    [
        ({"ExtendedStatistic": "p99"}, "Model latency p99"),
        ({"ExtendedStatistic": "p90"}, "Model latency p90"),
        ({"Statistic": "AVERAGE"}, "Model latency (average)"),
    ],
)
def test_a_fitted_latency_alarm_names_the_statistic_it_was_fitted_with(trigger: dict[str, str], signal: str) -> None:
    # The latency alarm's statistic follows the endpoint's traffic (docs/alarms.md, "The latency
    # alarm, fitted to traffic"): the alert says which, since a p99 and an average differ.
    record: dict[str, Any] = json.loads(SAMPLE.read_text())["Records"][0]
    message = json.loads(record["Sns"]["Message"])
    message["Trigger"].pop("ExtendedStatistic", None)
    message["Trigger"].pop("Statistic", None)
    message["Trigger"].update(trigger)
    record["Sns"]["Message"] = json.dumps(message)
    notification = parse_sns_record(record)
    assert isinstance(notification, AlarmNotification)
    target = resolve_target(notification, "SageWatch")
    view = build_alarm_view(notification, target, None, Enrichment(), prefix="SageWatch", dashboards=False)
    assert view.signal == signal
