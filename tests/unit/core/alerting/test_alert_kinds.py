"""Each kind of alert answers the alert path's questions itself: routing, incident, severity,
what to read, and its view. The path never switches on a type."""

from __future__ import annotations

import dataclasses
import json
import typing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sagewatch.core.alerting.alert_kinds import AlertKind, Found, UnreadableAlert, alert_kind
from sagewatch.core.alerting.notification import AlarmNotification, Notification, parse_sns_record

EVENTS = Path(__file__).resolve().parents[4] / "events" / "notify"
SAMPLES = (
    "alarm-metric-latency-p99.json",
    "ok-metric-latency-p99.json",
    "endpoint-failed.json",
    "monitoring-run-violations.json",
)


def kind(sample: str) -> AlertKind:
    notification = parse_sns_record(json.loads((EVENTS / sample).read_text())["Records"][0])
    return alert_kind(notification, prefix="SageWatch", dashboards=True)


def test_every_notification_type_has_a_kind() -> None:
    parsed = {type(parse_sns_record(json.loads((EVENTS / s).read_text())["Records"][0])) for s in SAMPLES}
    assert parsed == set(typing.get_args(Notification))  # the samples cover every kind


@pytest.mark.parametrize("sample", SAMPLES)
def test_a_view_without_reads_names_what_the_headline_names(sample: str) -> None:
    alert = kind(sample)
    view = alert.view(Found())
    assert (view.alarm_name, view.state, view.endpoint) == dataclasses.astuple(alert.headline)
    assert view.message_id == alert.message_id
    assert view.missing_context == ()


def test_only_an_alarm_belongs_to_an_incident_and_its_alarm_and_ok_share_it() -> None:
    alarm, ok = kind("alarm-metric-latency-p99.json"), kind("ok-metric-latency-p99.json")
    assert alarm.transition is not None and ok.transition is not None
    assert alarm.transition.key == ok.transition.key
    assert alarm.transition.key.endswith(":endpoint/fraud-scorer")
    assert (alarm.transition.state, ok.transition.state) == ("ALARM", "OK")
    assert kind("endpoint-failed.json").transition is None
    assert kind("monitoring-run-violations.json").transition is None
    assert UnreadableAlert("m", "{", "not JSON", None).transition is None


def test_an_alarm_reads_logs_and_chart_when_it_fires_and_its_history_when_it_clears() -> None:
    firing = kind("alarm-metric-latency-p99.json").reads(want_chart=True)
    assert firing.metrics is not None and firing.logs is not None and firing.chart is not None
    assert firing.history is None
    assert kind("alarm-metric-latency-p99.json").reads(want_chart=False).chart is None
    clearing = kind("ok-metric-latency-p99.json").reads(want_chart=True)
    assert clearing.logs is None and clearing.chart is None and clearing.history is not None


def test_the_other_kinds_read_what_is_theirs() -> None:
    assert kind("endpoint-failed.json").reads(want_chart=True).logs is not None
    run = kind("monitoring-run-violations.json").reads(want_chart=True)
    assert run.report is not None and run.metrics is None and run.logs is None
    assert UnreadableAlert("m", "{", "not JSON", None).reads(want_chart=True) == type(run)()


def _alarm(**fields: Any) -> AlertKind:
    notification = parse_sns_record(json.loads((EVENTS / "alarm-metric-latency-p99.json").read_text())["Records"][0])
    assert isinstance(notification, AlarmNotification)
    return alert_kind(dataclasses.replace(notification, **fields), prefix="SageWatch", dashboards=True)


def test_severity_is_how_far_past_its_threshold_an_alarm_is() -> None:
    assert _alarm(reason="... [3.0 (28/11/26 03:11:00)] was greater ...", threshold=1.5).severity == 2.0
    below = _alarm(reason="... [2.0 (28/11/26 03:11:00)] was less ...", threshold=8.0, comparison="LessThanThreshold")
    assert below.severity == 4.0
    assert _alarm(threshold=0.0).severity is None
    assert kind("endpoint-failed.json").severity is None


def test_a_failed_read_is_said_in_the_view_of_every_kind() -> None:
    missing = ("recent log lines unavailable (AccessDeniedException)",)
    for sample in ("alarm-metric-latency-p99.json", "endpoint-failed.json", "monitoring-run-violations.json"):
        assert kind(sample).view(Found({}, missing)).missing_context[-1] == missing[0]


def test_an_unreadable_record_keeps_its_state_and_never_shows_its_raw_text() -> None:
    raw = '{"AlarmName": "x", "NewStateValue": "ALARM", "Trigger": 5, "secret": "do-not-show"}'
    view = UnreadableAlert("m-1", raw, "Trigger must be an object", datetime(2026, 1, 1, tzinfo=UTC)).view(Found())
    assert view.state == "ALARM" and view.message_id == "m-1"
    assert "do-not-show" not in (view.description or "")
