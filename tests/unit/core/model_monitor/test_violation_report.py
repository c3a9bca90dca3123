"""The violation report (constraint_violations.json): location, format, bounds."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from sagewatch.core.model_monitor.violation_report import (
    MAX_READ_BYTES,
    TOP,
    UnreadableReportError,
    parse_violation_report,
    report_keys,
    run_output_uri,
    split_s3_uri,
)


def report(n: int) -> bytes:
    violations = [
        {"feature_name": f"f{i}", "constraint_check_type": "baseline_drift_check", "description": f"drift {i}"}
        for i in range(n)
    ]
    return json.dumps({"violations": violations}).encode()


def test_the_first_violations_are_kept_and_the_rest_counted() -> None:
    parsed = parse_violation_report(report(TOP + 4))
    assert parsed.total == TOP + 4 and len(parsed.shown) == TOP and parsed.more == 4
    assert parsed.shown[0].feature == "f0" and parsed.shown[0].check == "baseline_drift_check"


def test_untrusted_fields_are_cut_and_flattened() -> None:
    raw = json.dumps(
        {"violations": [{"feature_name": "x" * 500, "constraint_check_type": None, "description": "a\n\nb " * 200}]}
    ).encode()
    [violation] = parse_violation_report(raw).shown
    assert len(violation.feature) <= 120 and violation.check == "(unknown check)"
    assert "\n" not in violation.description and len(violation.description) <= 300


@pytest.mark.parametrize("raw", [b"not json", b"[]", b'{"violations": {}}'])
def test_what_is_not_a_report_is_unreadable(raw: bytes) -> None:
    with pytest.raises(UnreadableReportError):
        parse_violation_report(raw)


def test_a_report_cut_at_the_read_limit_says_so() -> None:
    with pytest.raises(UnreadableReportError, match="cut at the read limit"):
        parse_violation_report(report(50000)[:MAX_READ_BYTES])


def test_both_documented_file_names_are_tried_in_order() -> None:
    assert report_keys("s3://bucket/monitoring/churn/2026/11/28/05/") == (
        ("bucket", "monitoring/churn/2026/11/28/05/constraint_violations.json"),
        ("bucket", "monitoring/churn/2026/11/28/05/constraints_violations.json"),
    )


def test_the_run_folder_follows_the_schedule_layout() -> None:
    at = datetime(2026, 11, 28, 5, tzinfo=UTC)
    assert run_output_uri("s3://b/mon/", "churn-v2", "dq", at) == "s3://b/mon/churn-v2/dq/2026/11/28/05"
    with pytest.raises(ValueError, match="not an S3 URI"):
        split_s3_uri("https://b/key")
