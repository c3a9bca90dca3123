"""Contract of events/notify/: every sample, whatever its shape (SNS or SNS-in-SQS, current or
older CloudWatch bodies), is read as the notification it is and renders within Slack's limits,
in its own state, with its reason in human units and without any raw JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sagewatch.core.alerting.alert import AlertView
from sagewatch.core.alerting.alert_builder import Enrichment, build_alarm_view, build_failure_view
from sagewatch.core.alerting.alert_target import resolve_target
from sagewatch.core.alerting.enrichment import plan_metrics
from sagewatch.core.alerting.notification import (
    MONITORING_RUN_NOTICE_TYPE,
    AlarmNotification,
    EndpointFailureNotice,
    MonitoringRunNotice,
    parse_sns_record,
)
from sagewatch.core.alerting.render_email import render_email
from sagewatch.core.alerting.render_slack import render_slack
from sagewatch.core.model_monitor.run_view import build_monitoring_run_view
from sagewatch_emulator.slack_blocks import validate_slack_message

EVENTS = Path(__file__).resolve().parents[4] / "events" / "notify"
SAMPLES = sorted(EVENTS.glob("*.json"))


def records(path: Path) -> list[dict[str, Any]]:
    """The SNS notifications of a sample: SNS→Lambda records, or the SNS JSON in SQS bodies."""
    out = []
    for record in json.loads(path.read_text())["Records"]:
        out.append(dict(record["Sns"]) if "Sns" in record else json.loads(record["body"]))
    return out


def view_of(sns: dict[str, Any]) -> AlertView:
    parsed = parse_sns_record(sns)
    if isinstance(parsed, EndpointFailureNotice):
        return build_failure_view(parsed)
    if isinstance(parsed, MonitoringRunNotice):
        return build_monitoring_run_view(parsed)
    target = resolve_target(parsed, "SageWatch")
    return build_alarm_view(
        parsed, target, plan_metrics(parsed, target), Enrichment(), prefix="SageWatch", dashboards=True
    )


def test_the_legacy_sample_is_among_the_samples() -> None:
    assert EVENTS / "alarm-legacy-body.json" in SAMPLES


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_every_sample_is_read_and_rendered_in_its_own_state(path: Path) -> None:
    for sns in records(path):
        message = json.loads(sns["Message"])
        view = view_of(sns)
        # Endpoint failures are FAILED; Model Monitor runs are told as alerts (ALARM).
        own_state = "ALARM" if message.get("type") == MONITORING_RUN_NOTICE_TYPE else "FAILED"
        assert view.state == message.get("NewStateValue", own_state)
        assert view.region and view.region in " ".join(link.url for link in view.links)
        slack = render_slack(view)
        assert validate_slack_message(slack) == []
        email = render_email(view)
        for rendered in (json.dumps(slack, ensure_ascii=False), email.text, email.html):
            assert "cannot read" not in rendered
            assert '"AlarmName"' not in rendered and "AlarmName\\" not in rendered  # never the raw JSON


def legacy_view() -> AlertView:
    [sns] = records(EVENTS / "alarm-legacy-body.json")
    return view_of(sns)


def test_an_older_body_is_posted_as_an_alarm_about_its_endpoint_in_its_region() -> None:
    view = legacy_view()
    slack = render_slack(view)
    text = json.dumps(slack, ensure_ascii=False)
    header = next(b["text"]["text"] for b in slack["blocks"] if b["type"] == "header")
    assert header.startswith("🔴 ALARM") and "fraud-scorer / AllTraffic" in header
    assert "Insufficient data" not in text
    assert "eu-west-1" in text and "us-east-1" not in text
    assert "eu-west-1.console.aws.amazon.com" in text and "#/endpoints/fraud-scorer" in text
    # The reason speaks the units the rest of the message speaks.
    assert "[1,840 ms (22/11/19 15:42:00), 1,502 ms (22/11/19 15:41:00), 990 ms (22/11/19 15:40:00)]" in text
    assert "the threshold (250 ms)" in text and "1840213.0" not in text and "250000.0" not in text


def test_an_older_body_by_email_too() -> None:
    email = render_email(legacy_view())
    for part in (email.text, email.html):
        assert "ALARM" in part and "fraud-scorer" in part and "eu-west-1" in part
        assert "1,840 ms (22/11/19 15:42:00)" in part and "the threshold (250 ms)" in part
        assert "1840213.0" not in part and "cannot read" not in part
    assert "ALARM" in email.subject and "fraud-scorer" in email.subject


def test_the_reason_of_a_sagewatch_alarm_uses_its_context_scale() -> None:
    [sns] = records(EVENTS / "alarm-metric-latency-p99.json")
    parsed = parse_sns_record(sns)
    assert isinstance(parsed, AlarmNotification)
    view = view_of(sns)
    assert "[1,840 ms (28/11/26 03:11:00), 1,502 ms (28/11/26 03:10:00), 990 ms (28/11/26 03:09:00)]" in view.reason
    assert "threshold (250 ms)" in view.reason
    assert view.value_text == "1,840 ms"
