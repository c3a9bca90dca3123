"""The alert for a Model Monitor run that failed or found violations.

It names the endpoint, the schedule and the monitor type; lists the violated features or metrics
from the run's violation report (the first ``violation_report.TOP``, then "and N more"), or the
failure reason of a failed run; and links to the report, the schedule and the endpoint. When the
report could not be read, ``missing`` says why and the link to the report stays: people can open
it themselves.
"""

from __future__ import annotations

from sagewatch.core.alerting.alert import AlertView, Link
from sagewatch.core.alerting.notification import MonitoringRunNotice
from sagewatch.core.model_monitor.violation_report import ViolationReport, split_s3_uri
from sagewatch.core.shared.links import (
    endpoint_url,
    monitoring_schedule_url,
    processing_job_logs_url,
    s3_folder_url,
    s3_object_url,
)

# Run alerts are told as alerts ("ALARM"): renderers, digests and routing need no new state.
ALERT_STATE = "ALARM"


def violations_text(report: ViolationReport) -> str:
    """One line per violation shown, then how many more the report holds."""
    lines = []
    for violation in report.shown:
        line = f"• {violation.feature} — {violation.check}"
        if violation.description:
            line += f": {violation.description}"
        lines.append(line)
    if report.more > 0:
        lines.append(f"… and {report.more} more in the report")
    return "\n".join(lines)


def build_monitoring_run_view(
    notice: MonitoringRunNotice,
    *,
    report: ViolationReport | None = None,
    report_key: tuple[str, str] | None = None,
    missing: tuple[str, ...] = (),
) -> AlertView:
    """``report_key``: (bucket, key) of the report that was read, for a link to the file itself."""
    failed = notice.status == "Failed"
    where = f"{notice.endpoint_name} ({notice.monitoring_type})"
    if failed:
        title = f"Model Monitor run failed on {where}"
        value = "Failed"
        reason = notice.failure_reason or notice.exit_message or "no FailureReason given"
    else:
        count = report.total if report is not None else None
        if count is None:
            title = f"Model Monitor found violations on {where}"
            value = "Completed with violations"
        else:
            title = f"Model Monitor found {count} violation{'s' if count != 1 else ''} on {where}"
            value = f"{count} violation{'s' if count != 1 else ''}"
        reason = violations_text(report) if report is not None and report.total else (notice.exit_message or "")
    details: list[tuple[str, str]] = [
        ("Schedule", notice.schedule_name),
        ("Monitor type", notice.monitoring_type),
        ("Status", notice.status),
    ]
    if notice.scheduled_time is not None:
        details.append(("Scheduled run", notice.scheduled_time.strftime("%Y-%m-%d %H:%M UTC")))
    if notice.processing_job_arn:
        details.append(("Processing job", notice.processing_job_arn.rsplit("/", 1)[-1]))
    else:  # failed before starting one ("Job inputs had no data"): there are no job logs either
        details.append(("Processing job", "none started"))
    return AlertView(
        state=ALERT_STATE,
        title=title,
        alarm_name=f"monitoring schedule {notice.schedule_name}",
        region=notice.region,
        account_id=notice.account_id,
        since=notice.time,
        endpoint=notice.endpoint_name,
        signal=f"Model Monitor {notice.monitoring_type}",
        value_text=value,
        reason=reason,
        links=_links(notice, report_key),
        missing_context=missing,
        details=tuple(details),
        message_id=notice.message_id,
    )


def _links(notice: MonitoringRunNotice, report_key: tuple[str, str] | None) -> tuple[Link, ...]:
    region = notice.region
    report: str | None = None
    if report_key is not None:
        report = s3_object_url(region, *report_key)
    elif notice.output_uri:
        try:
            report = s3_folder_url(region, *split_s3_uri(notice.output_uri))
        except ValueError:
            report = None
    candidates = [
        ("Report" if report_key is not None else "Reports", report),
        ("Schedule", monitoring_schedule_url(region, notice.schedule_name)),
        ("Endpoint", endpoint_url(region, notice.endpoint_name)),
        (
            "Logs",
            processing_job_logs_url(region, notice.processing_job_arn.rsplit("/", 1)[-1])
            if notice.processing_job_arn
            else None,
        ),
    ]
    return tuple(Link(label, url) for label, url in candidates if url)
