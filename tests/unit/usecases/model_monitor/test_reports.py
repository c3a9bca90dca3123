"""Reading a run's violation report: only where permitted; a failed read is a note, never a failed delivery."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sagewatch.adapters.s3 import ReportUnavailableError
from sagewatch.config import ConfigError, NotifyConfig
from sagewatch.core.alerting.notification import MonitoringRunNotice, parse_sns_record
from sagewatch.usecases.model_monitor.reports import NOT_PERMITTED, MonitoringReports

SAMPLE = Path(__file__).resolve().parents[4] / "events" / "notify" / "monitoring-run-violations.json"
BUCKET = "sagemaker-us-east-1-123456789012"
REPORT = json.dumps(
    {"violations": [{"feature_name": "tenure", "constraint_check_type": "baseline_drift_check", "description": "d"}]}
).encode()


def notice() -> MonitoringRunNotice:
    parsed = parse_sns_record(json.loads(SAMPLE.read_text())["Records"][0])
    assert isinstance(parsed, MonitoringRunNotice)
    return parsed


class Reader:
    def __init__(self, objects: dict[str, bytes | Exception]) -> None:
        self.objects = objects
        self.reads: list[str] = []

    def read(self, bucket: str, key: str, max_bytes: int) -> bytes:
        name = key.rsplit("/", 1)[-1]
        self.reads.append(name)
        found = self.objects.get(name, ReportUnavailableError("missing", "NoSuchKey"))
        if isinstance(found, Exception):
            raise found
        return found[:max_bytes]


def permitted(location: str) -> NotifyConfig:
    return NotifyConfig.from_env({"SAGEWATCH_MONITORING_REPORTS": location})


def test_the_report_is_read_and_listed_when_its_bucket_is_permitted() -> None:
    reader = Reader({"constraint_violations.json": REPORT})
    view = MonitoringReports(reader, permitted(BUCKET).may_read_report).view(notice())
    assert "tenure — baseline_drift_check" in view.reason and view.missing_context == ()
    assert view.links[0].label == "Report"


def test_the_container_contract_name_is_tried_when_the_first_is_missing() -> None:
    reader = Reader({"constraints_violations.json": REPORT})
    view = MonitoringReports(reader, permitted(f"{BUCKET}/monitoring").may_read_report).view(notice())
    assert reader.reads == ["constraint_violations.json", "constraints_violations.json"]
    assert "tenure" in view.reason


@pytest.mark.parametrize("location", ["", "other-bucket", f"{BUCKET}/elsewhere"])
def test_outside_the_permitted_location_nothing_is_read(location: str) -> None:
    reader = Reader({"constraint_violations.json": REPORT})
    view = MonitoringReports(reader, permitted(location).may_read_report).view(notice())
    assert reader.reads == [] and view.missing_context == (NOT_PERMITTED,)
    assert view.links[0].label == "Reports"


@pytest.mark.parametrize(
    ("failure", "note"),
    [
        (ReportUnavailableError("denied", "AccessDenied"), "violation report unavailable (AccessDenied)"),
        (ConnectionError("reset"), "violation report unavailable (ConnectionError)"),
        (b"{not json", "the violation report is not JSON"),
    ],
)
def test_a_report_that_cannot_be_read_becomes_a_note(failure: bytes | Exception, note: str) -> None:
    reader = Reader({"constraint_violations.json": failure})
    view = MonitoringReports(reader, permitted(BUCKET).may_read_report).view(notice())
    assert view.missing_context == (note,) and view.title.startswith("Model Monitor found violations")


def test_both_names_missing_is_a_note() -> None:
    view = MonitoringReports(Reader({}), permitted(BUCKET).may_read_report).view(notice())
    assert view.missing_context == ("violation report missing",)


def test_the_reports_location_must_be_a_bucket_or_bucket_prefix() -> None:
    with pytest.raises(ConfigError, match="SAGEWATCH_MONITORING_REPORTS"):
        permitted("s3://bucket/*")
