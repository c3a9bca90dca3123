"""Metrics of an endpoint that hosts inference components, as SageMaker publishes them (pure).

Where they live (docs/alarms.md, "Where the metrics live"): invocation metrics per component in
``AWS/SageMaker`` by ``InferenceComponentName`` alone (no EndpointName), instance utilization per
host variant in ``/aws/sagemaker/Endpoints`` by ``EndpointName, VariantName``. The values follow
the same per-request / per-instance rules as the rest of the simulator (``published.py``), so
p99 and error rates come out as on AWS. Feed the result to ``EmulatedAccount.publish_metrics``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sagewatch_emulator.cloudwatch.published import MetricKey, Published
from sagewatch_simulator.traffic.distributions import flags
from sagewatch_simulator.traffic.metrics import INSTANCE_NS, INVOCATION_NS

__all__ = ["ComponentHosting", "ComponentStep", "component_key", "component_minute", "host_instance_minute"]

_MICROS_PER_MS = 1000.0


def component_key(component: str, name: str, unit: str = "None") -> MetricKey:
    """The key of one of ``component``'s invocation metrics (``AWS/SageMaker``)."""
    return MetricKey.of(INVOCATION_NS, name, unit, {"InferenceComponentName": component})


def component_minute(
    component: str,
    moment: datetime,
    *,
    requests: int,
    model_latency_ms: float,
    errors_5xx: int = 0,
    errors_4xx: int = 0,
) -> list[Published]:
    """One minute of ``component``'s invocation metrics: ``requests`` requests that each took
    ``model_latency_ms``, of which ``errors_5xx``/``errors_4xx`` failed. No requests: nothing
    (SageMaker publishes no invocation sample in an idle minute)."""
    if requests <= 0:
        return []
    if errors_5xx + errors_4xx > requests:
        raise ValueError("more errors than requests")
    n = float(requests)
    return [
        Published(component_key(component, "Invocations"), moment, (1.0,), (n,)),
        Published(component_key(component, "Invocation5XXErrors"), moment, *flags(errors_5xx, requests)),
        Published(component_key(component, "Invocation4XXErrors"), moment, *flags(errors_4xx, requests)),
        Published(
            component_key(component, "ModelLatency", "Microseconds"),
            moment,
            (model_latency_ms * _MICROS_PER_MS,),
            (n,),
        ),
    ]


def host_instance_minute(
    endpoint: str,
    variant: str,
    moment: datetime,
    *,
    cpu: Sequence[float],
    memory: Sequence[float],
    disk: Sequence[float],
    gpu: Sequence[float] = (),
    gpu_memory: Sequence[float] = (),
) -> list[Published]:
    """One minute of the host variant's instance gauges, one value per instance (CPU and GPU
    summed over cores and GPUs, as SageMaker reports them); GPU metrics only when given."""
    dimensions = {"EndpointName": endpoint, "VariantName": variant}
    series = {
        "CPUUtilization": cpu,
        "MemoryUtilization": memory,
        "DiskUtilization": disk,
        "GPUUtilization": gpu,
        "GPUMemoryUtilization": gpu_memory,
    }
    return [
        Published(MetricKey.of(INSTANCE_NS, name, "Percent", dimensions), moment, tuple(values), (1.0,) * len(values))
        for name, values in series.items()
        if values
    ]


@dataclass(frozen=True)
class ComponentStep:
    """A component created or deleted on the hosting endpoint at ``at`` (``action``: create | delete)."""

    at: datetime
    action: str
    component: str


@dataclass(frozen=True)
class ComponentHosting:
    """An endpoint built for inference components, the components it serves from the start, and
    the components added and removed later: their lifecycle reaches OnboardFunction only as the
    CloudTrail events of the calls (SageMaker sends no state change for components)."""

    endpoint: str
    variant: str
    instance_type: str
    instance_count: int
    components: tuple[str, ...]
    steps: tuple[ComponentStep, ...] = ()
