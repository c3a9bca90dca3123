"""The endpoint lifecycle that goes with a simulation, as OnboardFunction sees it.

SageMaker emits "SageMaker Endpoint State Change" events to EventBridge (``source``
``aws.sagemaker``, ``detail.EndpointStatus`` in UPPER_SNAKE); there is no "deleted" event, only
DELETING. :func:`lifecycle_events` lists the transitions of a fleet in a window,
:func:`state_change_event` renders one as the EventBridge event (the shape of
``events/onboard/*.json``), and :func:`endpoint_config_request` gives the CreateEndpointConfig
arguments that describe the variants, for whoever creates the endpoint in the emulated account.
All pure: nothing here calls AWS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sagewatch.core.shared.partitions import partition
from sagewatch_simulator.traffic.model import Endpoint, EndpointKind, Fleet, Variant


class Status(StrEnum):
    IN_SERVICE = "IN_SERVICE"
    UPDATING = "UPDATING"
    DELETING = "DELETING"


@dataclass(frozen=True)
class LifecycleEvent:
    at: datetime
    endpoint: Endpoint
    status: Status
    variants: tuple[Variant, ...]  # the variants serving once this status holds
    config_name: str


def _config_name(endpoint: Endpoint, version: int) -> str:
    return f"{endpoint.config_name or endpoint.name + '-config'}-v{version}"


def lifecycle_events(fleet: Fleet, start: datetime, end: datetime) -> list[LifecycleEvent]:
    """The state changes in [start, end), in time order (ties: fleet order).

    Creation is the moment an endpoint reaches InService; an update is UPDATING at ``update.at``
    and IN_SERVICE with the new variants at ``update.done``; deletion is DELETING."""
    events: list[LifecycleEvent] = []
    for endpoint in fleet.endpoints:
        first, second = _config_name(endpoint, 1), _config_name(endpoint, 2)
        if endpoint.created_at is not None:
            events.append(LifecycleEvent(endpoint.created_at, endpoint, Status.IN_SERVICE, endpoint.variants, first))
        if endpoint.update is not None:
            update = endpoint.update
            events.append(LifecycleEvent(update.at, endpoint, Status.UPDATING, endpoint.variants, first))
            events.append(LifecycleEvent(update.done, endpoint, Status.IN_SERVICE, update.variants, second))
        if endpoint.deleted_at is not None:
            at = endpoint.deleted_at
            version = 2 if endpoint.update is not None and at >= endpoint.update.done else 1
            events.append(
                LifecycleEvent(at, endpoint, Status.DELETING, endpoint.variants_at(at), _config_name(endpoint, version))
            )
    order = {endpoint.name: index for index, endpoint in enumerate(fleet.endpoints)}
    return sorted(
        (event for event in events if start <= event.at < end),
        key=lambda event: (event.at, order[event.endpoint.name]),
    )


def _serverless_config(endpoint: Endpoint) -> dict[str, int]:
    settings = endpoint.serverless_settings
    return {"MemorySizeInMB": settings.memory_mb, "MaxConcurrency": settings.max_concurrency}


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _variant_detail(variant: Variant, kind: EndpointKind, endpoint: Endpoint) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "VariantName": variant.name,
        "CurrentWeight": variant.weight,
        "DesiredWeight": variant.weight,
    }
    if kind is EndpointKind.SERVERLESS:
        detail["CurrentServerlessConfig"] = _serverless_config(endpoint)
    else:
        detail["CurrentInstanceCount"] = variant.instance_count
        detail["DesiredInstanceCount"] = variant.instance_count
    return detail


def state_change_event(
    event: LifecycleEvent, *, account: str = "123456789012", region: str = "us-east-1"
) -> dict[str, Any]:
    """The EventBridge event SageMaker sends for ``event``."""
    endpoint = event.endpoint
    arn = f"arn:{partition(region)}:sagemaker:{region}:{account}:endpoint/{endpoint.name}"
    stamp = event.at.strftime("%Y-%m-%dT%H:%M:%SZ")
    created = endpoint.created_at or event.at
    return {
        "version": "0",
        "id": f"sagewatch-sim-{endpoint.name}-{event.status.value.lower()}-{_millis(event.at)}",
        "detail-type": "SageMaker Endpoint State Change",
        "source": "aws.sagemaker",
        "account": account,
        "time": stamp,
        "region": region,
        "resources": [arn],
        "detail": {
            "EndpointName": endpoint.name,
            "EndpointArn": arn,
            "EndpointConfigName": event.config_name,
            "ProductionVariants": [_variant_detail(v, endpoint.kind, endpoint) for v in event.variants],
            "EndpointStatus": event.status.value,
            "CreationTime": _millis(created),
            "LastModifiedTime": _millis(event.at),
            "Tags": {},
        },
    }


def endpoint_config_request(event: LifecycleEvent, *, model_name: str | None = None) -> dict[str, Any]:
    """CreateEndpointConfig keyword arguments for the variants of ``event``."""
    endpoint = event.endpoint
    variants: list[dict[str, Any]] = []
    for variant in event.variants:
        item: dict[str, Any] = {
            "VariantName": variant.name,
            "ModelName": model_name or f"{endpoint.name}-model",
            "InitialVariantWeight": variant.weight,
        }
        if endpoint.kind is EndpointKind.SERVERLESS:
            item["ServerlessConfig"] = _serverless_config(endpoint)
        else:
            item["InstanceType"] = variant.instance_type
            item["InitialInstanceCount"] = variant.instance_count
        variants.append(item)
    request: dict[str, Any] = {"EndpointConfigName": event.config_name, "ProductionVariants": variants}
    if endpoint.kind is EndpointKind.ASYNC:
        request["AsyncInferenceConfig"] = {"OutputConfig": {"S3OutputPath": f"s3://sagewatch-sim/{endpoint.name}/out/"}}
    return request
