"""The metrics of one variant in one minute: instance gauges and per-request metrics.

Shared by the real-time, serverless and asynchronous simulations (``generator.py``), which decide
*how many* requests and instances there are; this module decides what SageMaker publishes for them.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime

from sagewatch_emulator.cloudwatch.published import MetricKey, Published
from sagewatch_simulator.traffic.distributions import failures, flags, latencies
from sagewatch_simulator.traffic.effects import Effects
from sagewatch_simulator.traffic.metrics import Kind, Scope, spec
from sagewatch_simulator.traffic.model import EndpointKind, Variant

# Background error rates of a healthy endpoint: a stray 5XX and a few malformed client requests.
BASE_5XX = 0.0005
BASE_4XX = 0.003
_MICROS_PER_MS = 1000.0

_KIND = {
    EndpointKind.REALTIME: Kind.REALTIME,
    EndpointKind.SERVERLESS: Kind.SERVERLESS,
    EndpointKind.ASYNC: Kind.ASYNC,
}


def metric_key(name: str, kind: EndpointKind, endpoint: str, variant: str | None) -> MetricKey:
    """The key SageMaker publishes ``name`` under for an endpoint of ``kind``."""
    item = spec(name, _KIND[kind])
    dimensions = {"EndpointName": endpoint}
    if item.scope is Scope.VARIANT:
        if variant is None:
            raise ValueError(f"{name} is published per variant")
        dimensions["VariantName"] = variant
    return MetricKey.of(item.namespace, name, item.unit, dimensions)


def _clamp(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


@dataclass
class VariantStream:
    """One variant's random stream and metric keys (built once, reused every minute)."""

    endpoint: str
    kind: EndpointKind
    variant: Variant
    rng: random.Random

    def __post_init__(self) -> None:
        self._keys: dict[str, MetricKey] = {}

    def key(self, name: str) -> MetricKey:
        found = self._keys.get(name)
        if found is None:
            found = self._keys[name] = metric_key(name, self.kind, self.endpoint, self.variant.name)
        return found

    def instance_gauges(self, out: list[Published], moment: datetime, instances: int, load: float, fx: Effects) -> None:
        """CPU/memory/disk (and GPU) of each running instance; CPU and GPU summed over cores/GPUs."""
        if instances <= 0:
            return
        v, gauss = self.variant, self.rng.gauss
        vcpus, gpus = v.vcpus, v.gpus
        cpu: list[float] = []
        memory: list[float] = []
        disk: list[float] = []
        gpu: list[float] = []
        gpu_memory: list[float] = []
        # On GPU instances the CPUs mostly feed the GPUs; on CPU instances they do the work.
        cpu_per_load = 15.0 if gpus else 80.0
        for _ in range(instances):
            per_core = _clamp(4.0 + cpu_per_load * load + gauss(0.0, 1.0), 0.5, 100.0)
            cpu.append(round(per_core * vcpus, 2))
            memory.append(round(_clamp(v.memory_pct + 8.0 * load + gauss(0.0, 1.0), 0.0, 100.0), 2))
            disk.append(round(_clamp(v.disk_pct + fx.disk_add + gauss(0.0, 0.2), 0.0, 100.0), 2))
            if gpus:
                per_gpu = _clamp(2.0 + 85.0 * load + gauss(0.0, 2.0), 0.0, 100.0)
                gpu.append(round(per_gpu * gpus, 2))
                per_gpu_memory = _clamp(v.gpu_memory_pct + fx.gpu_memory_add + gauss(0.0, 0.5), 0.0, 100.0)
                gpu_memory.append(round(per_gpu_memory * gpus, 2))
        ones = (1.0,) * instances
        out.append(Published(self.key("CPUUtilization"), moment, tuple(cpu), ones))
        out.append(Published(self.key("MemoryUtilization"), moment, tuple(memory), ones))
        out.append(Published(self.key("DiskUtilization"), moment, tuple(disk), ones))
        if gpus:
            out.append(Published(self.key("GPUUtilization"), moment, tuple(gpu), ones))
            out.append(Published(self.key("GPUMemoryUtilization"), moment, tuple(gpu_memory), ones))

    def requests(
        self,
        out: list[Published],
        moment: datetime,
        n: int,
        fx: Effects,
        *,
        slowdown: float = 1.0,
        instances: int | None = None,
        cold_overheads: tuple[float, ...] = (),
    ) -> None:
        """The per-request metrics of ``n`` requests. ``instances`` adds InvocationsPerInstance
        (real-time only); ``cold_overheads`` are the OverheadLatency of requests that waited for
        a serverless cold start (µs), counted among the ``n``."""
        if n <= 0:
            return
        rng, latency = self.rng, self.variant.latency
        errors_5xx = failures(rng, n, BASE_5XX + fx.error_5xx)
        errors_4xx = failures(rng, n - errors_5xx, BASE_4XX + fx.error_4xx)
        model_values, model_counts = latencies(rng, n, latency.model_median_ms * _MICROS_PER_MS, latency.model_sigma)
        factor = slowdown * fx.latency
        if factor != 1.0:
            model_values = [round(value * factor) for value in model_values]
        if self.kind is EndpointKind.ASYNC:
            out.append(Published(self.key("InvocationFailures"), moment, *flags(errors_5xx + errors_4xx, n)))
        else:
            out.append(Published(self.key("Invocations"), moment, (1.0,), (float(n),)))
            warm = n - len(cold_overheads)
            over_values, over_counts = latencies(
                rng, warm, latency.overhead_median_ms * _MICROS_PER_MS, latency.overhead_sigma
            )
            over_values += [round(value) for value in cold_overheads]
            over_counts += [1.0] * len(cold_overheads)
            out.append(Published(self.key("OverheadLatency"), moment, tuple(over_values), tuple(over_counts)))
        if instances:
            out.append(Published(self.key("InvocationsPerInstance"), moment, (1.0 / instances,), (float(n),)))
        out.append(Published(self.key("Invocation4XXErrors"), moment, *flags(errors_4xx, n)))
        out.append(Published(self.key("Invocation5XXErrors"), moment, *flags(errors_5xx, n)))
        out.append(Published(self.key("ModelLatency"), moment, tuple(model_values), tuple(model_counts)))

    def gauge(self, out: list[Published], moment: datetime, name: str, value: float) -> None:
        out.append(Published(self.key(name), moment, (value,), (1.0,)))


def saturation(load: float) -> float:
    """Latency multiplier as an instance nears its capacity (queueing inside the container)."""
    return 1.0 + max(0.0, load - 0.7) * 3.0


def mean_latency_s(variant: Variant) -> float:
    """Mean request time (model + overhead) of the log-normal profile, in seconds."""
    lat = variant.latency
    model = lat.model_median_ms * math.exp(lat.model_sigma**2 / 2)
    overhead = lat.overhead_median_ms * math.exp(lat.overhead_sigma**2 / 2)
    return (model + overhead) / 1000.0
