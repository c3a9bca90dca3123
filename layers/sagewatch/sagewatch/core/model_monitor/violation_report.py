"""A Model Monitor run's violation report: where it is and what it says, bounded.

Format ("Schema for Violations (constraint_violations.json file)", SageMaker developer guide,
https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-interpreting-violations.html)::

    {"violations": [{"feature_name": "...", "constraint_check_type": "baseline_drift_check", "description": "..."}]}

Where: in the run's own S3 output (the processing job's ``ProcessingOutputConfig``), which for a
schedule is ``<MonitoringOutputConfig S3Uri>/<endpoint>/<schedule>/<yyyy>/<mm>/<dd>/<hh>`` of the
run's ScheduledTime. The file's name differs between AWS pages: "constraint_violations.json" on
the schema page above and in the prebuilt container's output, "constraints_violations.json" in
"Container Contract Outputs" (bring-your-own containers). Both names are tried, in that order.

The report is written by the monitoring container, so its text is untrusted: every field is cut
to a bounded length, at most ``MAX_READ_BYTES`` are read and ``TOP`` violations shown.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

REPORT_NAMES = ("constraint_violations.json", "constraints_violations.json")
MAX_READ_BYTES = 1024 * 1024  # a report of 1 MiB holds thousands of violations: enough to count
TOP = 10  # violations listed in an alert; the rest are counted ("and 12 more")
_MAX_FIELD = 120
_MAX_DESCRIPTION = 300


@dataclass(frozen=True)
class Violation:
    feature: str  # feature_name (or the metric, for model quality)
    check: str  # constraint_check_type
    description: str


@dataclass(frozen=True)
class ViolationReport:
    shown: tuple[Violation, ...]  # at most TOP
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.shown)


class UnreadableReportError(ValueError):
    """The object is not a violation report SageWatch can read (or was cut at MAX_READ_BYTES)."""


def split_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/a/b`` → (``bucket``, ``a/b``); ValueError when it is not an S3 URI."""
    if not uri.startswith("s3://"):
        raise ValueError(f"not an S3 URI: {uri!r}")
    bucket, _, key = uri[len("s3://") :].partition("/")
    if not bucket:
        raise ValueError(f"S3 URI without a bucket: {uri!r}")
    return bucket, key.strip("/")


def run_output_uri(schedule_output_uri: str, endpoint: str, schedule: str, scheduled: datetime) -> str:
    """The run's output folder when the event did not carry it (the layout described above)."""
    return (
        f"{schedule_output_uri.rstrip('/')}/{endpoint}/{schedule}/"
        f"{scheduled:%Y}/{scheduled:%m}/{scheduled:%d}/{scheduled:%H}"
    )


def report_keys(output_uri: str) -> tuple[tuple[str, str], ...]:
    """(bucket, key) of each name the report may have, in the order they are tried."""
    bucket, prefix = split_s3_uri(output_uri)
    return tuple((bucket, f"{prefix}/{name}" if prefix else name) for name in REPORT_NAMES)


def parse_violation_report(raw: bytes, *, top: int = TOP) -> ViolationReport:
    """The report's violations, the first ``top`` kept; UnreadableReportError when it is not one."""
    try:
        document = json.loads(raw.decode("utf-8", errors="replace"))
    except ValueError:
        size = "cut at the read limit" if len(raw) >= MAX_READ_BYTES else "not JSON"
        raise UnreadableReportError(f"the violation report is {size}") from None
    if not isinstance(document, Mapping) or not isinstance(document.get("violations"), list):
        raise UnreadableReportError("the violation report has no violations list")
    entries = [v for v in document["violations"] if isinstance(v, Mapping)]
    shown = tuple(_violation(v) for v in entries[:top])
    return ViolationReport(shown, len(entries))


def _violation(entry: Mapping[str, Any]) -> Violation:
    return Violation(
        feature=_cut(entry.get("feature_name"), _MAX_FIELD) or "(no feature name)",
        check=_cut(entry.get("constraint_check_type"), _MAX_FIELD) or "(unknown check)",
        description=_cut(entry.get("description"), _MAX_DESCRIPTION),
    )


def _cut(value: Any, limit: int) -> str:
    if value is None or isinstance(value, (Mapping, list)):
        return ""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
