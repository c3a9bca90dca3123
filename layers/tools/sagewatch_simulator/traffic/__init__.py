"""A traffic and incident simulator for SageMaker endpoints (pure: no AWS calls).

``simulate(fleet, incidents, start, end)`` yields each minute's metrics as SageMaker publishes
them (:class:`Published`: metric key, minute, raw values and counts); ``lifecycle_events`` gives
the endpoint state changes that go with it. ``docs/simulator.md`` explains the model and lists
every metric with its AWS source (``metrics.markdown_table``).
"""

from sagewatch_emulator.cloudwatch.published import (
    MAX_VALUES_PER_DATUM,
    MetricKey,
    Published,
    check,
    to_put_metric_data,
)
from sagewatch_simulator.traffic.components import component_key, component_minute, host_instance_minute
from sagewatch_simulator.traffic.generator import MINUTE, simulate
from sagewatch_simulator.traffic.lifecycle import (
    LifecycleEvent,
    Status,
    endpoint_config_request,
    lifecycle_events,
    state_change_event,
)
from sagewatch_simulator.traffic.metrics import CATALOGUE, INSTANCE_NS, INVOCATION_NS, SERVERLESS_MEMORY_NAMESPACE
from sagewatch_simulator.traffic.model import (
    PAGING_KINDS,
    AsyncSettings,
    Endpoint,
    EndpointKind,
    Fleet,
    Incident,
    IncidentKind,
    LatencyProfile,
    ServerlessSettings,
    TrafficProfile,
    Update,
    Variant,
)

__all__ = [
    "CATALOGUE",
    "INSTANCE_NS",
    "INVOCATION_NS",
    "MAX_VALUES_PER_DATUM",
    "MINUTE",
    "PAGING_KINDS",
    "SERVERLESS_MEMORY_NAMESPACE",
    "AsyncSettings",
    "Endpoint",
    "EndpointKind",
    "Fleet",
    "Incident",
    "IncidentKind",
    "LatencyProfile",
    "LifecycleEvent",
    "MetricKey",
    "Published",
    "ServerlessSettings",
    "Status",
    "TrafficProfile",
    "Update",
    "Variant",
    "check",
    "component_key",
    "component_minute",
    "endpoint_config_request",
    "host_instance_minute",
    "lifecycle_events",
    "simulate",
    "state_change_event",
    "to_put_metric_data",
]
