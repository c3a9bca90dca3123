"""EventBridge "SageMaker Monitoring Schedule State Change" events, parsed into a small model.

SageMaker lists this detail-type among the events it sends to EventBridge ("Events that Amazon
SageMaker AI sends to Amazon EventBridge"), but the page shows no example of it. Like the other
SageMaker state-change events (whose detail is the Describe* shape of the resource), the detail is
read as a DescribeMonitoringSchedule-like object: ``MonitoringScheduleName``,
``MonitoringScheduleStatus``, ``MonitoringType``, ``EndpointName`` — every field optional but the
name, which may also come from the schedule's ARN in ``resources``. The event is only a trigger:
onboarding re-reads the endpoint and its schedules, so what the detail lacks costs a describe,
never a wrong decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sagewatch.core.shared.errors import InvalidEventError
from sagewatch.core.shared.naming import is_valid_endpoint_name

SOURCE = "aws.sagemaker"
DETAIL_TYPE = "SageMaker Monitoring Schedule State Change"
_ARN_MARK = ":monitoring-schedule/"


@dataclass(frozen=True)
class ScheduleStateChange:
    schedule_name: str
    status: str | None  # PENDING | FAILED | SCHEDULED | STOPPED (any case), when the detail says
    endpoint_name: str | None  # None when the detail does not name it
    monitoring_type: str | None
    event_id: str | None
    account: str | None = None  # where the schedule lives (a spoke's forwarded event keeps its own)
    region: str | None = None


def is_schedule_state_change(event: Any) -> bool:
    return isinstance(event, Mapping) and event.get("source") == SOURCE and event.get("detail-type") == DETAIL_TYPE


def parse_schedule_change(event: Any) -> ScheduleStateChange:
    """Parse a monitoring schedule state change; InvalidEventError names what is wrong."""
    if not is_schedule_state_change(event):
        raise InvalidEventError("not a SageMaker monitoring schedule state change")
    detail = event.get("detail")
    if not isinstance(detail, Mapping):
        raise InvalidEventError(f"event detail must be an object, got {type(detail).__name__}")
    name = _text(detail.get("MonitoringScheduleName")) or _name_from_arn(
        _text(detail.get("MonitoringScheduleArn")), event.get("resources")
    )
    if not name or not is_valid_endpoint_name(name):  # schedule names follow the endpoint-name pattern
        raise InvalidEventError(f"no valid monitoring schedule name in the event (got {name!r})")
    endpoint = _text(detail.get("EndpointName"))
    if endpoint is not None and not is_valid_endpoint_name(endpoint):
        raise InvalidEventError(f"detail.EndpointName {endpoint!r} is not a valid SageMaker endpoint name")
    status = _text(detail.get("MonitoringScheduleStatus"))
    return ScheduleStateChange(
        schedule_name=name,
        status=status.upper() if status else None,
        endpoint_name=endpoint,
        monitoring_type=_text(detail.get("MonitoringType")),
        event_id=_text(event.get("id")),
        account=_text(event.get("account")),
        region=_text(event.get("region")),
    )


def _name_from_arn(arn: str | None, resources: Any) -> str | None:
    candidates = [arn] + (list(resources) if isinstance(resources, list) else [])
    for candidate in candidates:
        if isinstance(candidate, str) and _ARN_MARK in candidate:
            return candidate.rsplit(_ARN_MARK, 1)[1] or None
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
