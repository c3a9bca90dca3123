"""Every input OnboardFunction receives, parsed once into one typed value.

The function is triggered by EventBridge (endpoint, processing job and monitoring schedule state
changes; inference component calls recorded by CloudTrail; its hourly schedule) and by
OnboardQueue (SQS, the fleet worker). :func:`parse_onboard_input` turns any of them into exactly
one member of :data:`OnboardInput`, whose type alone says what to do: the handler dispatches on
it once, and no use case looks at the event again. What the event decides by itself (a status
that needs nothing, a call that failed, a job no schedule started) is decided here, so those
cost no AWS read. Malformed input becomes :class:`InvalidInput` naming what is wrong: retrying it
cannot help, so it is answered, never raised.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sagewatch.core.model_monitor.runs import (
    MonitoringJobFinished,
    is_processing_job_state_change,
    is_scheduled_event,
    parse_monitoring_job,
)
from sagewatch.core.model_monitor.schedule_events import (
    ScheduleStateChange,
    is_schedule_state_change,
    parse_schedule_change,
)
from sagewatch.core.monitoring.component_events import ComponentChange, is_component_call, parse_component_call
from sagewatch.core.monitoring.events import (
    Action,
    EndpointStateChange,
    is_endpoint_state_change,
    parse_state_change,
)
from sagewatch.core.shared.errors import InvalidEventError
from sagewatch.core.shared.naming import is_valid_endpoint_name
from sagewatch.core.shared.places import place_or_none

SQS_EVENT_SOURCE = "aws:sqs"


# --- endpoint state changes: the status decides the action, once -----------------------------


@dataclass(frozen=True)
class EndpointInService:
    """IN_SERVICE: fit the endpoint's alarms and dashboard."""

    change: EndpointStateChange


@dataclass(frozen=True)
class EndpointDeleting:
    """DELETING: remove what SageWatch made for it."""

    change: EndpointStateChange


@dataclass(frozen=True)
class EndpointFailed:
    """FAILED: tell people, through the alert topic."""

    change: EndpointStateChange


@dataclass(frozen=True)
class EndpointDeploying:
    """UPDATING or SYSTEM_UPDATING: hold the alarms a deployment moves, for a while."""

    change: EndpointStateChange


@dataclass(frozen=True)
class EndpointStatusIgnored:
    """An intermediate status (CREATING, UPDATING …): the endpoint reaches IN_SERVICE or DELETING next."""

    change: EndpointStateChange


_ByAction = type[EndpointInService | EndpointDeleting | EndpointFailed | EndpointDeploying | EndpointStatusIgnored]
_BY_ACTION: Mapping[Action, _ByAction] = {
    Action.ONBOARD: EndpointInService,
    Action.OFFBOARD: EndpointDeleting,
    Action.FAILED: EndpointFailed,
    Action.DEPLOYING: EndpointDeploying,
    Action.IGNORE: EndpointStatusIgnored,
}


# --- Model Monitor and inference components ----------------------------------------------------


@dataclass(frozen=True)
class NotAMonitoringRun:
    """A processing job whose event shows no monitoring schedule started it."""

    job_name: str | None
    event_id: str | None


@dataclass(frozen=True)
class ExecutionsCheck:
    """The hourly schedule: look for Model Monitor executions that failed without a processing job."""

    region: str
    account: str


@dataclass(frozen=True)
class ComponentCallFailed:
    """A recorded inference component call that failed: nothing changed."""

    change: ComponentChange


# --- the fleet worker ---------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueBatch:
    """A batch of OnboardQueue messages: each record is parsed by itself (:func:`parse_onboard_input`
    again, one record at a time), so one bad message fails alone."""

    event: Mapping[str, Any]


@dataclass(frozen=True)
class QueuedEndpoint:
    """One OnboardQueue message (sent by the reconcile): fit or remove this endpoint."""

    message_id: str | None
    endpoint: str
    policy: str | None  # the policy version the reconcile planned under
    why: str  # the plan's reasons, or its kind: for the log
    account: str | None = None  # a spoke's endpoint: where it lives (None: the hub's own account-region)
    region: str | None = None


# --- neither --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unrecognized:
    """Not an input this function acts on (another rule's event, a test invoke)."""

    source: Any
    detail_type: Any


@dataclass(frozen=True)
class InvalidInput:
    """Input of a known kind that cannot be read; ``error`` says what is wrong."""

    what: str  # "event", or "queue message <message id>": what the log line names
    error: str
    event_id: str | None


OnboardInput = (
    EndpointInService
    | EndpointDeleting
    | EndpointFailed
    | EndpointDeploying
    | EndpointStatusIgnored
    | MonitoringJobFinished
    | NotAMonitoringRun
    | ScheduleStateChange
    | ExecutionsCheck
    | ComponentChange
    | ComponentCallFailed
    | QueueBatch
    | QueuedEndpoint
    | Unrecognized
    | InvalidInput
)


def parse_onboard_input(event: Any) -> OnboardInput:
    """The one typed value of anything OnboardFunction is invoked with (a whole event, or one
    record of an OnboardQueue batch). Never raises for what the input contains."""
    if _is_queue_batch(event):
        return QueueBatch(event)
    if _is_queue_record(event):
        return _queued_endpoint(event)
    try:
        if is_component_call(event):
            change = parse_component_call(event)
            return ComponentCallFailed(change) if change.error_code is not None else change
        if is_processing_job_state_change(event):
            job = parse_monitoring_job(event)
            return job if job is not None else NotAMonitoringRun(_job_name(event), _text(event.get("id")))
        if is_schedule_state_change(event):
            return parse_schedule_change(event)
        if is_scheduled_event(event):
            return ExecutionsCheck(region=_text(event.get("region")) or "", account=_text(event.get("account")) or "")
        if is_endpoint_state_change(event):
            state = parse_state_change(event)
            return _BY_ACTION[state.action](state)
    except InvalidEventError as exc:
        return InvalidInput("event", str(exc), _text(event.get("id")))
    is_object = isinstance(event, Mapping)
    return Unrecognized(event.get("source") if is_object else None, event.get("detail-type") if is_object else None)


def _is_queue_batch(event: Any) -> bool:
    records = event.get("Records") if isinstance(event, Mapping) else None
    if not isinstance(records, list) or not records:
        return False
    return all(_is_queue_record(r) for r in records)


def _is_queue_record(event: Any) -> bool:
    return isinstance(event, Mapping) and event.get("eventSource") == SQS_EVENT_SOURCE


def _queued_endpoint(record: Mapping[str, Any]) -> QueuedEndpoint | InvalidInput:
    """An OnboardQueue message: ``{"endpoint": …, "policy": …, "kind": …, "reasons": […]}``."""
    message_id = _text(record.get("messageId"))
    what = f"queue message {message_id}"
    try:
        body = json.loads(record.get("body") or "")
    except (json.JSONDecodeError, TypeError) as exc:
        return InvalidInput(what, f"body is not JSON: {exc}", message_id)
    endpoint = body.get("endpoint") if isinstance(body, dict) else None
    if not isinstance(endpoint, str) or not is_valid_endpoint_name(endpoint):
        return InvalidInput(what, f"not an endpoint name: {endpoint!r}", message_id)
    reasons = body.get("reasons")
    why = "; ".join(str(r) for r in reasons) if isinstance(reasons, list) else ""
    account, region = _text(body.get("account")), _text(body.get("region"))
    if (account is None) != (region is None) or (account is not None and place_or_none(account, region) is None):
        return InvalidInput(what, f"account {account!r} and region {region!r} do not name a place", message_id)
    return QueuedEndpoint(
        message_id=message_id,
        endpoint=endpoint,
        policy=_text(body.get("policy")),
        why=why or str(body.get("kind") or ""),
        account=account,
        region=region,
    )


def _job_name(event: Mapping[str, Any]) -> str | None:
    detail = event.get("detail")
    return _text(detail.get("ProcessingJobName")) if isinstance(detail, Mapping) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
