"""Enrichment of a Model Monitor run alert: its violation report, read where SageWatch may.

The report is read only from the bucket/prefix the operator named (MonitoringReportsBucket,
``NotifyConfig.may_read_report``); anywhere else, or when the object is missing, denied or
unreadable, the alert says so and links to the run's reports: a report never fails a delivery.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sagewatch.adapters.s3 import ReportUnavailableError
from sagewatch.core.alerting.alert import AlertView
from sagewatch.core.alerting.monitoring_run_view import build_monitoring_run_view
from sagewatch.core.alerting.notification import MonitoringRunNotice
from sagewatch.core.alerting.violation_report import (
    MAX_READ_BYTES,
    UnreadableReportError,
    parse_violation_report,
    report_keys,
)
from sagewatch.observability import ENRICHMENT_READS_MISSING, count
from sagewatch.usecases.notify.ports import ReportsPort

log = logging.getLogger(__name__)

NOT_PERMITTED = "violation report not read: SageWatch may not read this bucket (see MonitoringReportsBucket)"


class MonitoringReports:
    def __init__(self, reader: ReportsPort | None, may_read: Callable[[str, str], bool]) -> None:
        self._reader = reader
        self._may_read = may_read

    def view(self, notice: MonitoringRunNotice) -> AlertView:
        """The run's alert, with the report's violations when they could be read."""
        if notice.status != "CompletedWithViolations":
            return build_monitoring_run_view(notice)
        if not notice.output_uri:
            return build_monitoring_run_view(notice, missing=("violation report location unknown",))
        try:
            candidates = report_keys(notice.output_uri)
        except ValueError:
            return build_monitoring_run_view(notice, missing=("violation report location unknown",))
        if self._reader is None or not all(self._may_read(bucket, key) for bucket, key in candidates):
            return build_monitoring_run_view(notice, missing=(NOT_PERMITTED,))
        why = "violation report missing"
        for bucket, key in candidates:
            try:
                raw = self._reader.read(bucket, key, MAX_READ_BYTES)
            except ReportUnavailableError as exc:
                if exc.reason == "missing":
                    continue  # the other documented name may be there
                why = f"violation report unavailable ({exc.code})"
                break
            except Exception as exc:  # noqa: BLE001 - enrichment never blocks delivery
                why = f"violation report unavailable ({type(exc).__name__})"
                break
            try:
                report = parse_violation_report(raw)
            except UnreadableReportError as exc:
                why = str(exc)
                break
            return build_monitoring_run_view(notice, report=report, report_key=(bucket, key))
        log.warning("monitoring run %s: %s", notice.processing_job_arn, why)
        count(ENRICHMENT_READS_MISSING)
        return build_monitoring_run_view(notice, missing=(why,))
