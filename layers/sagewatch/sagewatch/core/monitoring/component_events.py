"""Inference component lifecycle, read from CloudTrail API-call events on EventBridge.

SageMaker emits no state-change event for inference components, so SageWatch listens to the
API calls that change them: EventBridge delivers every management event CloudTrail records as
``detail-type: "AWS API Call via CloudTrail"`` with ``source: aws.sagemaker`` ("Events from AWS
services delivered via AWS CloudTrail", Amazon EventBridge user guide). Such events flow only
while the account records management events with CloudTrail (a trail; docs/deploy.md).

The ``detail`` is the CloudTrail record ("CloudTrail record contents", AWS CloudTrail user
guide): ``eventSource`` (``sagemaker.amazonaws.com``), ``eventName``, ``requestParameters`` (the
call's parameters, in lower camel case: ``inferenceComponentName``, ``endpointName``),
``responseElements`` (``inferenceComponentArn``), and ``errorCode``/``errorMessage`` when the call
failed — a failed call changed nothing, so it is ignored, and its parameters are not required: a
call refused by IAM (AccessDenied) is recorded with ``requestParameters: null``. Keys are also
accepted in the API's Pascal case, in case a record spells them so.

Like the endpoint event, this one is only a trigger: onboarding re-reads the endpoint.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sagewatch.core.shared.errors import InvalidEventError
from sagewatch.core.shared.naming import is_valid_endpoint_name, parse_alarm_name

SOURCE = "aws.sagemaker"
DETAIL_TYPE = "AWS API Call via CloudTrail"
EVENT_SOURCE = "sagemaker.amazonaws.com"
# The calls that add, change or remove a component (template.yaml's rule lists the same).
EVENT_NAMES: tuple[str, ...] = (
    "CreateInferenceComponent",
    "UpdateInferenceComponent",
    "DeleteInferenceComponent",
)
# ListInferenceComponents statuses of a component that is going or never came: it gets no alarms.
GONE_STATUSES = frozenset({"Deleting", "Failed"})


@dataclass(frozen=True)
class ComponentChange:
    operation: str  # the eventName, e.g. "CreateInferenceComponent"
    component: str | None  # None only for a failed call that names none (requestParameters null)
    endpoint: str | None  # named by the call (CreateInferenceComponent); otherwise looked up
    error_code: str | None  # the call failed: nothing changed
    region: str | None
    account: str | None
    event_id: str | None


def is_component_call(event: Any) -> bool:
    if not isinstance(event, Mapping) or event.get("source") != SOURCE or event.get("detail-type") != DETAIL_TYPE:
        return False
    detail = event.get("detail")
    return isinstance(detail, Mapping) and detail.get("eventName") in EVENT_NAMES


def _param(values: Any, name: str) -> str | None:
    """A string parameter in CloudTrail's lower camel case, or the API's Pascal case."""
    if not isinstance(values, Mapping):
        return None
    value = values.get(name[0].lower() + name[1:], values.get(name))
    return value if isinstance(value, str) and value else None


def parse_component_call(event: Any) -> ComponentChange:
    """Parse a CloudTrail-via-EventBridge inference component call; InvalidEventError says what is wrong."""
    if not is_component_call(event):
        raise InvalidEventError("not a CloudTrail event of an inference component call")
    detail = event["detail"]
    if detail.get("eventSource") not in (None, EVENT_SOURCE):
        raise InvalidEventError(f"detail.eventSource {detail.get('eventSource')!r} is not {EVENT_SOURCE}")
    request = detail.get("requestParameters")
    component = _param(request, "InferenceComponentName")
    if component is None:
        # The name is also the last part of the ARN the call returned.
        arn = _param(detail.get("responseElements"), "InferenceComponentArn")
        component = arn.rsplit("/", 1)[-1] if arn and "/" in arn else None
    endpoint = _param(request, "EndpointName")
    error = _str_or_none(detail.get("errorCode"))
    if error is not None:
        # A failed call changed nothing: what it named is kept for the log when it is valid,
        # and a record without parameters (AccessDenied) is no invalid event.
        return ComponentChange(
            operation=str(detail["eventName"]),
            component=component if component and is_valid_endpoint_name(component) else None,
            endpoint=endpoint if endpoint and is_valid_endpoint_name(endpoint) else None,
            error_code=error,
            region=_str_or_none(event.get("region")),
            account=_str_or_none(event.get("account")),
            event_id=_str_or_none(event.get("id")),
        )
    if component is None or not is_valid_endpoint_name(component):
        raise InvalidEventError(f"detail.requestParameters.inferenceComponentName is missing or invalid: {component!r}")
    if endpoint is not None and not is_valid_endpoint_name(endpoint):
        raise InvalidEventError(f"detail.requestParameters.endpointName {endpoint!r} is not a valid endpoint name")
    return ComponentChange(
        operation=str(detail["eventName"]),
        component=component,
        endpoint=endpoint,
        error_code=None,
        region=_str_or_none(event.get("region")),
        account=_str_or_none(event.get("account")),
        event_id=_str_or_none(event.get("id")),
    )


def endpoint_of_component_alarms(prefix: str, alarm_names: Iterable[str], component: str) -> str | None:
    """The endpoint whose SageWatch alarms watch ``component`` (keys ``<key>.<component>``), if any.

    When a component is already gone, SageMaker no longer says which endpoint hosted it; the
    alarms SageWatch applied still do."""
    suffix = f".{component}"
    for name in alarm_names:
        parsed = parse_alarm_name(prefix, name)
        if parsed is not None and parsed[2].endswith(suffix):
            return parsed[0]
    return None


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
