"""Model Monitor in the emulated account: schedules and executions answer in the API's shapes.

SageWatch discovers an endpoint's schedules with ListMonitoringSchedules (EndpointName filter,
paged: MaxResults 1-100, default 10) and reads the last run from DescribeMonitoringSchedule's
LastMonitoringExecutionSummary (API reference: ListMonitoringSchedules,
DescribeMonitoringSchedule, ListMonitoringExecutions). Runs start on the hour after the schedule's
creation ("Interpret results"), which the account enforces.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sagewatch_emulator import EmulatedAccount

pytestmark = pytest.mark.integration


def _all_schedules(sagemaker: Any, **kwargs: Any) -> list[dict[str, Any]]:
    summaries: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = sagemaker.list_monitoring_schedules(**kwargs, **({"NextToken": token} if token else {}))
        summaries.extend(page["MonitoringScheduleSummaries"])
        token = page.get("NextToken")
        if not token:
            return summaries


def test_schedules_are_listed_per_endpoint_paged_and_described_with_their_last_run(account: EmulatedAccount) -> None:
    account.create_endpoint("churn-v2")
    account.create_endpoint("fraud-scorer")
    for i in range(12):
        account.create_monitoring_schedule("churn-v2", f"churn-dq-{i:02d}")
    account.create_monitoring_schedule("fraud-scorer", "fraud-mq", "ModelQuality")
    sagemaker = account.client("sagemaker")

    first = sagemaker.list_monitoring_schedules(EndpointName="churn-v2")
    assert len(first["MonitoringScheduleSummaries"]) == 10  # the documented default page size
    assert "NextToken" in first
    names = {s["MonitoringScheduleName"] for s in _all_schedules(sagemaker, EndpointName="churn-v2")}
    assert names == {f"churn-dq-{i:02d}" for i in range(12)}
    quality = _all_schedules(sagemaker, MonitoringTypeEquals="ModelQuality")
    assert [(s["MonitoringScheduleName"], s["EndpointName"]) for s in quality] == [("fraud-mq", "fraud-scorer")]

    described = sagemaker.describe_monitoring_schedule(MonitoringScheduleName="churn-dq-00")
    assert described["EndpointName"] == "churn-v2"
    assert described["MonitoringType"] == "DataQuality"
    assert "LastMonitoringExecutionSummary" not in described

    # Runs start on the hour, from the first hour boundary after the schedule's creation
    # ("Interpret results"): none in the hour it was created.
    with pytest.raises(ValueError, match="next hour boundary"):
        account.record_monitoring_execution("churn-dq-00", "Completed")
    now = account.now
    account.advance(now.replace(minute=10, second=0, microsecond=0) + timedelta(hours=1) - now)
    account.record_monitoring_execution("churn-dq-00", "CompletedWithViolations")
    account.advance(timedelta(hours=1))
    account.record_monitoring_execution("churn-dq-00", "Failed", failure_reason="Job inputs had no data")
    last = sagemaker.describe_monitoring_schedule(MonitoringScheduleName="churn-dq-00")[
        "LastMonitoringExecutionSummary"
    ]
    assert last["MonitoringExecutionStatus"] == "Failed"
    assert last["FailureReason"] == "Job inputs had no data"
    runs = sagemaker.list_monitoring_executions(MonitoringScheduleName="churn-dq-00")["MonitoringExecutionSummaries"]
    assert [r["MonitoringExecutionStatus"] for r in runs] == ["Failed", "CompletedWithViolations"]  # newest first


def test_unknown_endpoints_schedules_and_page_sizes_are_refused(account: EmulatedAccount) -> None:
    account.create_endpoint("churn-v2")
    sagemaker = account.client("sagemaker")
    with pytest.raises(ClientError, match="Could not find endpoint"):
        account.create_monitoring_schedule("no-such-endpoint", "orphan")
    with pytest.raises(ClientError, match="not found"):
        sagemaker.describe_monitoring_schedule(MonitoringScheduleName="never-made")
    with pytest.raises(ClientError, match="less than or equal to 100"):
        sagemaker.list_monitoring_schedules(MaxResults=101)
    with pytest.raises(ClientError, match="less than or equal to 100"):  # the same 1-100 for every SageMaker List
        sagemaker.list_inference_components(MaxResults=101)
    account.create_monitoring_schedule("churn-v2", "churn-dq")
    account.delete_monitoring_schedule("churn-dq")
    assert sagemaker.list_monitoring_schedules(EndpointName="churn-v2")["MonitoringScheduleSummaries"] == []
