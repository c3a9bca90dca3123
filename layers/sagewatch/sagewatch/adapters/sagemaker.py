"""SageMaker: endpoints as they are, the region's endpoints and components, Model Monitor schedules and runs.

- :class:`SageMakerEndpoints`: one endpoint (DescribeEndpoint, DescribeEndpointConfig, ListTags,
  ListInferenceComponents), its monitoring schedules, and the region's endpoints and inference
  components for the fleet reconcile (paged list calls).
- :class:`ModelMonitorReader`: ListMonitoringExecutions for run alerts (the schedule itself is read
  by ``SageMakerEndpoints.describe_monitoring_schedule``, the one reader of a schedule).
- :class:`ComponentReader`: DescribeInferenceComponent for alerts, its client built on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from sagewatch.adapters.aws import call
from sagewatch.adapters.pagination import items, pages
from sagewatch.core.fleet.plan import ListedEndpoint, timestamp
from sagewatch.core.model_monitor.schedules import (
    MonitoringSchedule,
    fingerprints_from_summaries,
    schedule_from_api,
)
from sagewatch.core.monitoring.component_events import GONE_STATUSES
from sagewatch.core.monitoring.profile import EndpointProfile, profile_from_descriptions
from sagewatch.core.monitoring.tags import normalize_tags
from sagewatch.core.shared.errors import AwsCallError, EndpointNotFoundError


def _is_not_found(exc: AwsCallError) -> bool:
    # SageMaker answers a missing resource with ValidationException "Could not find ..." (endpoints,
    # configs, components) or "... not found" (monitoring schedules).
    message = str(exc).lower()
    return exc.code in ("ValidationException", "ResourceNotFound") and ("not find" in message or "not found" in message)


class SageMakerEndpoints:
    def __init__(self, client: Any, sleep: Callable[[float], None] | None = None) -> None:
        self._client = client
        self._sleep = sleep

    def read_profile(self, endpoint_name: str) -> EndpointProfile:
        """The endpoint's profile; EndpointNotFoundError when it does not exist (any more)."""
        endpoint = self._describe_endpoint(endpoint_name)
        config = self._describe_config(str(endpoint.get("EndpointConfigName", "")))
        tags = self._list_tags(str(endpoint["EndpointArn"]))
        components: list[dict[str, Any]] = []
        # Endpoints built from inference components have config variants without a ModelName;
        # only then is the extra (paginated) ListInferenceComponents call worth making — and when
        # the config is gone, since the components are then the only sign of a component host.
        if config is None or any(not v.get("ModelName") for v in config.get("ProductionVariants", [])):
            components = self._list_inference_components(endpoint_name)
        profile = profile_from_descriptions(endpoint, config, tags, components)
        summaries = self.list_monitoring_schedules(endpoint_name)
        if not summaries:
            return profile
        return replace(
            profile,
            monitoring_schedules=tuple(self._schedule(s) for s in summaries),
            monitoring_fingerprint=fingerprints_from_summaries(summaries).get(endpoint_name, ""),
        )

    def list_endpoints(self) -> list[ListedEndpoint]:
        """Every endpoint of the region (ListEndpoints, 100 per page): name, status, LastModifiedTime."""
        return [
            ListedEndpoint(
                name=str(summary["EndpointName"]),
                status=str(summary.get("EndpointStatus", "")),
                last_modified=timestamp(summary.get("LastModifiedTime")),
            )
            for summary in items(
                "ListEndpoints", self._client.list_endpoints, "Endpoints", MaxResults=100, sleep=self._sleep
            )
        ]

    def components_by_endpoint(self) -> dict[str, tuple[str, ...]]:
        """Endpoint → its inference components (sorted), from one paginated ListInferenceComponents
        for the whole region. Components being deleted or failed are left out, as onboarding does."""
        found: dict[str, list[str]] = {}
        summaries = items(
            "ListInferenceComponents",
            self._client.list_inference_components,
            "InferenceComponents",
            MaxResults=100,
            sleep=self._sleep,
        )
        for summary in summaries:
            if summary.get("InferenceComponentStatus") in GONE_STATUSES:
                continue
            found.setdefault(str(summary["EndpointName"]), []).append(str(summary["InferenceComponentName"]))
        return {endpoint: tuple(sorted(names)) for endpoint, names in found.items()}

    def list_monitoring_schedules(self, endpoint_name: str | None = None) -> list[dict[str, Any]]:
        """ListMonitoringSchedules summaries (100 per page), of one endpoint or of the whole account.

        Model Monitor is closed to new customers since 30 July 2026; existing schedules keep
        running and SageWatch watches them (core.model_monitor.schedules).
        """
        filters: dict[str, Any] = {"EndpointName": endpoint_name} if endpoint_name else {}
        found = items(
            "ListMonitoringSchedules",
            self._client.list_monitoring_schedules,
            "MonitoringScheduleSummaries",
            MaxResults=100,
            SortBy="Name",
            SortOrder="Ascending",
            sleep=self._sleep,
            **filters,
        )
        return [s for s in found if not endpoint_name or s.get("EndpointName") == endpoint_name]

    def describe_monitoring_schedule(self, name: str) -> dict[str, Any] | None:
        """DescribeMonitoringSchedule; None when the schedule does not exist (any more). The one
        reader of a schedule: discovery (its last run) and run alerts (its endpoint and output)."""
        return self._describe_or_none(
            "DescribeMonitoringSchedule", self._client.describe_monitoring_schedule, MonitoringScheduleName=name
        )

    def describe_processing_job(self, name: str) -> dict[str, Any] | None:
        """DescribeProcessingJob (MonitoringScheduleArn, Environment, ExitMessage of a job whose
        event did not carry them); None when the job does not exist."""
        return self._describe_or_none(
            "DescribeProcessingJob", self._client.describe_processing_job, ProcessingJobName=name
        )

    def _schedule(self, summary: dict[str, Any]) -> MonitoringSchedule:
        # The summary lacks the last run (LastMonitoringExecutionSummary), which the dashboard shows.
        described = self.describe_monitoring_schedule(str(summary["MonitoringScheduleName"]))
        return schedule_from_api(summary, described)

    def endpoint_tags(self, endpoint_name: str) -> dict[str, str]:
        """The endpoint's tags (DescribeEndpoint for its ARN, then ListTags); EndpointNotFoundError."""
        endpoint = self._describe_endpoint(endpoint_name)
        return self._list_tags(str(endpoint["EndpointArn"]))

    def describe_endpoint(self, endpoint_name: str) -> dict[str, Any]:
        """DescribeEndpoint; EndpointNotFoundError when it does not exist (any more)."""
        return self._describe_endpoint(endpoint_name)

    def _describe_endpoint(self, endpoint_name: str) -> dict[str, Any]:
        """DescribeEndpoint; EndpointNotFoundError when it does not exist (any more)."""
        try:
            described: dict[str, Any] = call(
                "DescribeEndpoint", self._client.describe_endpoint, EndpointName=endpoint_name, sleep=self._sleep
            )
        except AwsCallError as exc:
            if _is_not_found(exc):
                raise EndpointNotFoundError(endpoint_name) from exc
            raise
        return described

    def _describe_config(self, name: str) -> dict[str, Any] | None:
        # An endpoint keeps running after its config is deleted; we then know less about it.
        if not name:
            return None
        return self._describe_or_none(
            "DescribeEndpointConfig", self._client.describe_endpoint_config, EndpointConfigName=name
        )

    def _describe_or_none(self, operation: str, method: Callable[..., Any], **params: Any) -> dict[str, Any] | None:
        """One Describe call; None when the resource does not exist (any more)."""
        try:
            result: dict[str, Any] = call(operation, method, sleep=self._sleep, **params)
        except AwsCallError as exc:
            if _is_not_found(exc):
                return None
            raise
        return result

    def _list_tags(self, arn: str) -> dict[str, str]:
        tags = items("ListTags", self._client.list_tags, "Tags", ResourceArn=arn, MaxResults=100, sleep=self._sleep)
        return normalize_tags(list(tags))

    def describe_component(self, name: str) -> dict[str, Any] | None:
        """DescribeInferenceComponent (EndpointName, VariantName, Specification.ModelName, status);
        None when the component does not exist (any more)."""
        result = self._describe_or_none(
            "DescribeInferenceComponent", self._client.describe_inference_component, InferenceComponentName=name
        )
        if result is not None:
            result.pop("ResponseMetadata", None)
        return result

    def _list_inference_components(self, endpoint_name: str) -> list[dict[str, Any]]:
        return list(
            items(
                "ListInferenceComponents",
                self._client.list_inference_components,
                "InferenceComponents",
                EndpointNameEquals=endpoint_name,
                MaxResults=100,
                sleep=self._sleep,
            )
        )


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


class ComponentReader:
    """DescribeInferenceComponent for alerts, its client built on the first component alarm:
    most alerts are about no component, and NotifyFunction's cold start stays as it was."""

    def __init__(self, client_factory: Callable[[], Any]) -> None:
        self._client_factory = client_factory
        self._reader: SageMakerEndpoints | None = None

    def describe_component(self, name: str) -> dict[str, Any] | None:
        if self._reader is None:
            self._reader = SageMakerEndpoints(self._client_factory())
        return self._reader.describe_component(name)

    def describe_endpoint(self, name: str) -> dict[str, Any] | None:
        """DescribeEndpoint for an ALARM's deployment line (core.alerting.deployment); None if gone."""
        if self._reader is None:
            self._reader = SageMakerEndpoints(self._client_factory())
        try:
            return self._reader.describe_endpoint(name)
        except EndpointNotFoundError:
            return None
