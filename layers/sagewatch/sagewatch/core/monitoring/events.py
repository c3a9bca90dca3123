"""EventBridge "SageMaker Endpoint State Change" events, parsed into a small typed model.

The event is only a trigger: onboarding re-reads the endpoint, so fields that may be missing
(ProductionVariants, VariantName, EndpointConfigName, Tags) are optional here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sagewatch.core.monitoring.tags import normalize_tags
from sagewatch.core.shared.errors import InvalidEventError
from sagewatch.core.shared.naming import is_valid_endpoint_name

SOURCE = "aws.sagemaker"
DETAIL_TYPE = "SageMaker Endpoint State Change"


class Action(StrEnum):
    ONBOARD = "onboard"
    OFFBOARD = "offboard"
    FAILED = "failed"
    DEPLOYING = "deploying"  # hold the alarms a deployment moves (core.monitoring.mute_rules)
    IGNORE = "ignore"


# Every EndpointStatus SageMaker sends, and what SageWatch does about it. A deployment
# (UPDATING, or SageMaker's own SYSTEM_UPDATING) holds the alarms it is expected to move for a
# while (docs/alerts.md, "Quiet hours and deployments"); UPDATE_ROLLBACK_FAILED ("Both the
# rolling deployment and auto-rollback failed", API Reference "DescribeEndpoint") is reported
# like FAILED. Other intermediate states need nothing: the endpoint reaches IN_SERVICE (re-fit)
# or DELETING (clean-up) afterwards.
STATUS_ACTIONS: Mapping[str, Action] = {
    "IN_SERVICE": Action.ONBOARD,
    "DELETING": Action.OFFBOARD,
    "FAILED": Action.FAILED,
    "UPDATE_ROLLBACK_FAILED": Action.FAILED,
    "UPDATING": Action.DEPLOYING,
    "SYSTEM_UPDATING": Action.DEPLOYING,
    "CREATING": Action.IGNORE,
    "ROLLING_BACK": Action.IGNORE,
    "OUT_OF_SERVICE": Action.IGNORE,
}
# The statuses the EventBridge rule lets through (template.yaml must say the same).
ACTED_ON_STATUSES: tuple[str, ...] = tuple(s for s, a in STATUS_ACTIONS.items() if a is not Action.IGNORE)


@dataclass(frozen=True)
class EndpointStateChange:
    endpoint_name: str
    status: str
    region: str | None
    account: str | None
    event_id: str | None
    config_name: str | None
    variant_names: tuple[str, ...]
    tags: Mapping[str, str]
    failure_reason: str | None
    time: datetime | None = None  # the event's time: when SageMaker saw the status

    @property
    def action(self) -> Action:
        return STATUS_ACTIONS[self.status]


def is_endpoint_state_change(event: Any) -> bool:
    return isinstance(event, Mapping) and event.get("source") == SOURCE and event.get("detail-type") == DETAIL_TYPE


def parse_state_change(event: Any) -> EndpointStateChange:
    """Parse a SageMaker endpoint state change; InvalidEventError names what is wrong."""
    if not isinstance(event, Mapping):
        raise InvalidEventError(f"event must be a JSON object, got {type(event).__name__}")
    if not is_endpoint_state_change(event):
        raise InvalidEventError(
            f"not a SageMaker endpoint state change: source={event.get('source')!r}, "
            f"detail-type={event.get('detail-type')!r}"
        )
    if "detail" not in event or event["detail"] is None:
        raise InvalidEventError("event has no detail")
    detail = event["detail"]
    if not isinstance(detail, Mapping):
        raise InvalidEventError(f"event detail must be an object, got {type(detail).__name__}")
    name = detail.get("EndpointName")
    if not isinstance(name, str) or not name:
        raise InvalidEventError(f"detail.EndpointName must be a non-empty string, got {name!r}")
    if not is_valid_endpoint_name(name):
        raise InvalidEventError(f"detail.EndpointName {name!r} is not a valid SageMaker endpoint name")
    status = detail.get("EndpointStatus")
    if not isinstance(status, str) or not status:
        raise InvalidEventError(f"detail.EndpointStatus must be a non-empty string, got {status!r}")
    status = status.upper()
    if status not in STATUS_ACTIONS:
        raise InvalidEventError(
            f"detail.EndpointStatus {status!r} is not a known endpoint status (known: {', '.join(STATUS_ACTIONS)})"
        )
    variants = detail.get("ProductionVariants")
    variant_names: tuple[str, ...] = ()
    if isinstance(variants, list):
        variant_names = tuple(
            str(v["VariantName"]) for v in variants if isinstance(v, Mapping) and v.get("VariantName")
        )
    config_name = detail.get("EndpointConfigName")
    failure = detail.get("FailureReason")
    return EndpointStateChange(
        endpoint_name=name,
        status=status,
        region=_str_or_none(event.get("region")),
        account=_str_or_none(event.get("account")),
        event_id=_str_or_none(event.get("id")),
        config_name=config_name if isinstance(config_name, str) and config_name else None,
        variant_names=variant_names,
        tags=normalize_tags(detail.get("Tags")),
        failure_reason=failure if isinstance(failure, str) and failure else None,
        time=_time(event.get("time")),
    )


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
