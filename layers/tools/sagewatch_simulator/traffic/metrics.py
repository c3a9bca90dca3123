"""Every metric the simulator emits: namespace, unit, dimensions, which endpoints, and the source.

One table, so a fact that turns out wrong is changed in one place (and ``docs/simulator.md``,
which embeds :func:`markdown_table`, follows; a unit test keeps the two in sync).

Sources (AWS SageMaker Developer Guide):

- [INV] "Amazon SageMaker AI metrics in Amazon CloudWatch" → *SageMaker AI endpoint invocation
  metrics* (``monitoring-cloudwatch.html#cloudwatch-metrics-endpoint-invocation``): ``AWS/SageMaker``,
  dimensions EndpointName + VariantName, 1-minute frequency, "request metrics from calls to
  InvokeEndpoint"; latencies in microseconds; per-request 1/0 error values.
- [INST] the same page → *SageMaker AI endpoint metrics* (``/aws/sagemaker/Endpoints``):
  CPUUtilization / GPUUtilization / GPUMemoryUtilization summed over cores and GPUs ("if there are
  four GPUs, the GPUUtilization range is 0%-400%"), Memory/Disk 0-100 %, each instance reports.
- [SRV] "Alarms and logs for tracking metrics from serverless endpoints"
  (``serverless-endpoints-monitoring.html``): an exhaustive list; ModelSetupTime,
  MemoryUtilization, ServerlessConcurrentExecutionsUtilization ("concurrent executions divided by
  the maximum concurrency", Units: None); OverheadLatency includes the cold start.
- [ASYNC] "Alarms and logs for tracking metrics from asynchronous endpoints"
  (``async-inference-monitor.html``): an exhaustive list; "Any metric not listed below is not
  published ... OverheadLatency, Invocations, InvocationsPerInstance"; backlog metrics with
  EndpointName only, InvocationFailures with EndpointName + VariantName.
- [ASCALE] "Autoscale an asynchronous endpoint" (``async-inference-autoscale.html``):
  HasBacklogWithoutCapacity, EndpointName only, for scaling out from zero instances.

Where the docs disagree: serverless **MemoryUtilization**. The current serverless page links it
to the invocation metrics of ``AWS/SageMaker``; the reference page lists it only among the
``/aws/sagemaker/Endpoints`` instance metrics, and the archived preview page (awsdocs/amazon-sagemaker-developer-guide,
``doc_source/serverless-endpoints-monitoring.md``) says "In the ``aws/sagemaker/Endpoints``
namespace, they can use the MemoryUtilization metric". :data:`SERVERLESS_MEMORY_NAMESPACE` is the
one switch, set to ``/aws/sagemaker/Endpoints`` as decided in docs/alarms.md ("Where the
metrics live (evidence)").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

INVOCATION_NS = "AWS/SageMaker"
INSTANCE_NS = "/aws/sagemaker/Endpoints"
# The docs disagree (see the module docstring); docs/alarms.md decides for the instance namespace.
SERVERLESS_MEMORY_NAMESPACE = INSTANCE_NS


class Kind(StrEnum):
    """Which endpoints publish a metric."""

    REALTIME = "real-time"
    SERVERLESS = "serverless"
    ASYNC = "async"
    GPU = "GPU instances"


class Scope(StrEnum):
    VARIANT = "EndpointName, VariantName"
    ENDPOINT = "EndpointName"


class Shape(StrEnum):
    """How one minute's values are built (see ``published.py``)."""

    PER_REQUEST = "one value per request (1, or 1/instances)"
    PER_REQUEST_FLAG = "1 per failed request, 0 per other request"
    LATENCY = "per-request latency distribution"
    PER_INSTANCE = "one value per instance"
    GAUGE = "one value per minute"
    PER_LAUNCH = "one value per compute launch"


@dataclass(frozen=True)
class MetricSpec:
    name: str
    namespace: str
    unit: str
    scope: Scope
    kinds: tuple[Kind, ...]
    shape: Shape
    source: str
    when: str  # when SageMaker publishes it (and so the simulator does)


_TRAFFIC = "minutes with requests"
_INSTANCES = "every minute an instance runs, traffic or not"

CATALOGUE: tuple[MetricSpec, ...] = (
    MetricSpec(
        "Invocations",
        INVOCATION_NS,
        "None",
        Scope.VARIANT,
        (Kind.REALTIME, Kind.SERVERLESS),
        Shape.PER_REQUEST,
        "INV, SRV; absent for async (ASYNC)",
        _TRAFFIC,
    ),
    MetricSpec(
        "InvocationsPerInstance",
        INVOCATION_NS,
        "None",
        Scope.VARIANT,
        (Kind.REALTIME,),
        Shape.PER_REQUEST,
        "INV; not in the serverless list (SRV); absent for async (ASYNC)",
        _TRAFFIC,
    ),
    MetricSpec(
        "Invocation4XXErrors",
        INVOCATION_NS,
        "None",
        Scope.VARIANT,
        (Kind.REALTIME, Kind.SERVERLESS, Kind.ASYNC),
        Shape.PER_REQUEST_FLAG,
        "INV, SRV, ASYNC",
        _TRAFFIC,
    ),
    MetricSpec(
        "Invocation5XXErrors",
        INVOCATION_NS,
        "None",
        Scope.VARIANT,
        (Kind.REALTIME, Kind.SERVERLESS, Kind.ASYNC),
        Shape.PER_REQUEST_FLAG,
        "INV, SRV, ASYNC",
        _TRAFFIC,
    ),
    MetricSpec(
        "ModelLatency",
        INVOCATION_NS,
        "Microseconds",
        Scope.VARIANT,
        (Kind.REALTIME, Kind.SERVERLESS, Kind.ASYNC),
        Shape.LATENCY,
        "INV, SRV, ASYNC",
        _TRAFFIC + " (async: requests processed)",
    ),
    MetricSpec(
        "OverheadLatency",
        INVOCATION_NS,
        "Microseconds",
        Scope.VARIANT,
        (Kind.REALTIME, Kind.SERVERLESS),
        Shape.LATENCY,
        "INV; includes serverless cold starts (SRV); absent for async (ASYNC)",
        _TRAFFIC,
    ),
    MetricSpec(
        "ModelSetupTime",
        INVOCATION_NS,
        "Microseconds",
        Scope.VARIANT,
        (Kind.SERVERLESS,),
        Shape.PER_LAUNCH,
        "INV (Units: Microseconds), SRV",
        "minutes in which new compute is launched",
    ),
    MetricSpec(
        "ServerlessConcurrentExecutionsUtilization",
        INVOCATION_NS,
        "None",
        Scope.VARIANT,
        (Kind.SERVERLESS,),
        Shape.GAUGE,
        "SRV (a fraction 0-1 of MaxConcurrency)",
        _TRAFFIC,
    ),
    MetricSpec(
        "MemoryUtilization",
        SERVERLESS_MEMORY_NAMESPACE,
        "Percent",
        Scope.VARIANT,
        (Kind.SERVERLESS,),
        Shape.GAUGE,
        "SRV (namespace: the docs disagree, see SERVERLESS_MEMORY_NAMESPACE)",
        _TRAFFIC,
    ),
    MetricSpec(
        "CPUUtilization",
        INSTANCE_NS,
        "Percent",
        Scope.VARIANT,
        (Kind.REALTIME, Kind.ASYNC),
        Shape.PER_INSTANCE,
        "INST (summed over vCPUs: 0-100 x vCPUs)",
        _INSTANCES,
    ),
    MetricSpec(
        "MemoryUtilization",
        INSTANCE_NS,
        "Percent",
        Scope.VARIANT,
        (Kind.REALTIME, Kind.ASYNC),
        Shape.PER_INSTANCE,
        "INST (0-100)",
        _INSTANCES,
    ),
    MetricSpec(
        "DiskUtilization",
        INSTANCE_NS,
        "Percent",
        Scope.VARIANT,
        (Kind.REALTIME, Kind.ASYNC),
        Shape.PER_INSTANCE,
        "INST (0-100)",
        _INSTANCES,
    ),
    MetricSpec(
        "GPUUtilization",
        INSTANCE_NS,
        "Percent",
        Scope.VARIANT,
        (Kind.GPU,),
        Shape.PER_INSTANCE,
        "INST (summed over GPUs: 0-100 x GPUs)",
        _INSTANCES,
    ),
    MetricSpec(
        "GPUMemoryUtilization",
        INSTANCE_NS,
        "Percent",
        Scope.VARIANT,
        (Kind.GPU,),
        Shape.PER_INSTANCE,
        "INST (summed over GPUs: 0-100 x GPUs)",
        _INSTANCES,
    ),
    MetricSpec(
        "ApproximateBacklogSize",
        INVOCATION_NS,
        "Count",
        Scope.ENDPOINT,
        (Kind.ASYNC,),
        Shape.GAUGE,
        "ASYNC",
        "every minute the endpoint is in service (assumed; 0 when empty)",
    ),
    MetricSpec(
        "ApproximateBacklogSizePerInstance",
        INVOCATION_NS,
        "Count",
        Scope.ENDPOINT,
        (Kind.ASYNC,),
        Shape.GAUGE,
        "ASYNC",
        "every minute at least one instance runs (assumed: undefined at zero)",
    ),
    MetricSpec(
        "ApproximateAgeOfOldestRequest",
        INVOCATION_NS,
        "Seconds",
        Scope.ENDPOINT,
        (Kind.ASYNC,),
        Shape.GAUGE,
        "ASYNC",
        "every minute the endpoint is in service (assumed; 0 when empty)",
    ),
    MetricSpec(
        "HasBacklogWithoutCapacity",
        INVOCATION_NS,
        "Count",
        Scope.ENDPOINT,
        (Kind.ASYNC,),
        Shape.GAUGE,
        "ASCALE (1 when requests wait and no instance runs)",
        "every minute the endpoint is in service (assumed)",
    ),
    MetricSpec(
        "InvocationFailures",
        INVOCATION_NS,
        "Count",
        Scope.VARIANT,
        (Kind.ASYNC,),
        Shape.PER_REQUEST_FLAG,
        "ASYNC",
        "minutes with requests processed",
    ),
)


def spec(name: str, kind: Kind) -> MetricSpec:
    """The entry for ``name`` as published by endpoints of ``kind`` (MemoryUtilization differs)."""
    wanted = {kind, Kind.GPU} if kind in (Kind.REALTIME, Kind.ASYNC) else {kind}
    for item in CATALOGUE:
        if item.name == name and wanted.intersection(item.kinds):
            return item
    raise KeyError(f"{name} is not published by {kind} endpoints")


def markdown_table() -> str:
    """The catalogue as Markdown (``docs/simulator.md`` embeds exactly this)."""
    rows = [
        "| metric | namespace | unit | dimensions | endpoints | values per minute | published | source |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for item in CATALOGUE:
        rows.append(
            f"| `{item.name}` | `{item.namespace}` | {item.unit} | {item.scope.value} | "
            f"{', '.join(k.value for k in item.kinds)} | {item.shape.value} | {item.when} | {item.source} |"
        )
    return "\n".join(rows)
