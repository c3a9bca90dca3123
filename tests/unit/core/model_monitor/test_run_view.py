"""The Model Monitor run alert: what it names, lists and links, in Slack and email."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

from sagewatch.core.alerting.notification import MonitoringRunNotice, parse_sns_record
from sagewatch.core.alerting.render_email import render_email
from sagewatch.core.alerting.render_slack import render_slack
from sagewatch.core.model_monitor.run_view import build_monitoring_run_view
from sagewatch.core.model_monitor.violation_report import Violation, ViolationReport
from sagewatch_emulator.slack_blocks import validate_slack_message

SAMPLE = Path(__file__).resolve().parents[4] / "events" / "notify" / "monitoring-run-violations.json"


def notice() -> MonitoringRunNotice:
    parsed = parse_sns_record(json.loads(SAMPLE.read_text())["Records"][0])
    assert isinstance(parsed, MonitoringRunNotice)
    return parsed


def test_the_sample_notice_is_keyed_by_its_run_not_by_the_sns_message() -> None:
    parsed = notice()
    assert parsed.message_id.startswith("monitoring-run:arn:aws:sagemaker:us-east-1:123456789012:processing-job/")
    assert parsed.scheduled_time == datetime(2026, 11, 28, 5, tzinfo=UTC)


def test_a_violations_alert_names_endpoint_schedule_type_and_lists_the_violations() -> None:
    report = ViolationReport(
        (
            Violation("tenure_months", "baseline_drift_check", "distance 0.31 exceeds threshold 0.1"),
            Violation("plan_type", "categorical_values_check", ""),
        ),
        14,
    )
    key = ("sagemaker-us-east-1-123456789012", "monitoring/x/constraint_violations.json")
    view = build_monitoring_run_view(notice(), report=report, report_key=key)
    assert view.title == "Model Monitor found 14 violations on churn-v2 (DataQuality)"
    assert view.endpoint == "churn-v2" and view.state == "ALARM"
    assert ("Schedule", "churn-v2-data-quality") in view.details
    assert ("Monitor type", "DataQuality") in view.details
    assert "tenure_months — baseline_drift_check: distance 0.31" in view.reason
    assert "and 12 more in the report" in view.reason
    links = {link.label: link.url for link in view.links}
    assert links["Report"].startswith("https://s3.console.aws.amazon.com/s3/object/sagemaker-us-east-1-123456789012?")
    assert "#/monitoring-schedules/churn-v2-data-quality" in links["Schedule"]
    slack = render_slack(view)
    assert validate_slack_message(slack) == []
    text = json.dumps(slack, ensure_ascii=False)
    assert "churn-v2-data-quality" in text and "tenure\\\\_months" not in text
    email = render_email(view)
    assert "tenure_months" in email.text and "churn-v2-data-quality" in email.text


def test_an_unread_report_is_a_note_and_a_link_to_the_run_folder() -> None:
    view = build_monitoring_run_view(notice(), missing=("violation report unavailable (AccessDenied)",))
    assert view.title == "Model Monitor found violations on churn-v2 (DataQuality)"
    assert view.missing_context == ("violation report unavailable (AccessDenied)",)
    links = {link.label: link.url for link in view.links}
    assert "/s3/buckets/sagemaker-us-east-1-123456789012?region=us-east-1&prefix=monitoring/" in links["Reports"]
    assert validate_slack_message(render_slack(view)) == []


def test_a_failed_run_says_why() -> None:
    failed = dataclasses.replace(notice(), status="Failed", failure_reason="AlgorithmError: Encoding mismatch")
    view = build_monitoring_run_view(failed)
    assert view.title == "Model Monitor run failed on churn-v2 (DataQuality)"
    assert view.reason == "AlgorithmError: Encoding mismatch" and view.value_text == "Failed"
    assert "Encoding mismatch" in json.dumps(render_slack(view))


def test_a_run_that_failed_before_starting_a_processing_job_says_so_and_links_no_job_logs() -> None:
    """ProcessingJobArn is optional in MonitoringExecutionSummary (API reference): such a failure
    is told from the execution alone."""
    jobless = dataclasses.replace(
        notice(), processing_job_arn=None, status="Failed", failure_reason="Job inputs had no data"
    )
    view = build_monitoring_run_view(jobless)
    assert ("Processing job", "none started") in view.details
    assert "Logs" not in {link.label for link in view.links}
    assert validate_slack_message(render_slack(view)) == []
