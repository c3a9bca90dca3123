"""Model Monitor reads for run alerts: ListMonitoringExecutions (the schedule itself is read by
``SageMakerEndpoints.describe_monitoring_schedule``, the one reader of a schedule)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sagewatch.adapters.pagination import pages

# A run's event arrives minutes after it ended, so its execution is among the newest few.
# Three pages of 100 (the API's largest page) bound the search whatever the history.
_PAGE_SIZE = 100
_MAX_PAGES = 3
# The failed executions of a few hours, account-wide: ten pages (1,000 failures) bound one look.
_MAX_FAILED_PAGES = 10


class ModelMonitorReader:
    def __init__(self, client: Any, sleep: Callable[[float], None] | None = None) -> None:
        self._client = client
        self._sleep = sleep

    def find_execution(self, schedule: str, processing_job_arn: str) -> dict[str, Any] | None:
        """The MonitoringExecutionSummary of ``schedule`` whose ProcessingJobArn is the given one,
        newest first; None when it is not among the newest ``_MAX_PAGES`` pages."""
        for page in pages(
            "ListMonitoringExecutions",
            self._client.list_monitoring_executions,
            max_pages=_MAX_PAGES,
            sleep=self._sleep,
            MonitoringScheduleName=schedule,
            SortBy="ScheduledTime",
            SortOrder="Descending",
            MaxResults=_PAGE_SIZE,
        ):
            for summary in page.get("MonitoringExecutionSummaries") or []:
                if summary.get("ProcessingJobArn") == processing_job_arn:
                    return dict(summary)
        return None

    def failed_executions(self, created_after: datetime) -> list[dict[str, Any]]:
        """Every Failed MonitoringExecutionSummary of the account created after ``created_after``
        (ListMonitoringExecutions with StatusEquals and CreationTimeAfter, newest first, paged)."""
        found: list[dict[str, Any]] = []
        for page in pages(
            "ListMonitoringExecutions",
            self._client.list_monitoring_executions,
            max_pages=_MAX_FAILED_PAGES,
            sleep=self._sleep,
            StatusEquals="Failed",
            CreationTimeAfter=created_after,
            SortBy="CreationTime",
            SortOrder="Descending",
            MaxResults=_PAGE_SIZE,
        ):
            found.extend(dict(s) for s in page.get("MonitoringExecutionSummaries") or [])
        return found
