"""The endpoint dashboard's metric widgets (pure): the async queue, each production variant's rows
and each inference component's rows; ``core.monitoring.dashboard`` lays them out.

The corrections the widgets make, because the raw metrics mislead people, are listed in
``core.monitoring.dashboard``'s docstring (latency in ms, utilization per core, the dimensions
each metric is published under).
"""

from __future__ import annotations

from typing import Any

from sagewatch.core.monitoring.alarm_spec import Dimensions
from sagewatch.core.monitoring.profile import EndpointProfile, VariantProfile
from sagewatch.core.shared.instance_types import InstanceType, lookup
from sagewatch.core.shared.namespaces import (
    INFERENCE_COMPONENT_NAMESPACE,
    INSTANCE_NAMESPACE,
    INVOCATION_NAMESPACE,
)

PERIOD = 60

_LATENCY_PERCENTILES = ("p50", "p90", "p99")

Widget = dict[str, Any]
MetricEntry = list[Any] | dict[str, Any]


def _metric(namespace: str, name: str, dims: Dimensions, **options: Any) -> list[Any]:
    entry: list[Any] = [namespace, name]
    for key, value in dims:
        entry += [key, value]
    entry.append(options)
    return entry


def _expression(expr_id: str, expression: str, label: str) -> dict[str, Any]:
    return {"id": expr_id, "expression": expression, "label": label}


def _percent_axis(*, cap: bool = True) -> dict[str, Any]:
    axis: dict[str, Any] = {"min": 0, "label": "%", "showUnits": False}
    if cap:
        axis["max"] = 100
    return {"left": axis}


def _metric_widget(
    region: str, title: str, metrics: list[MetricEntry], *, y_axis: dict[str, Any] | None = None
) -> Widget:
    properties: dict[str, Any] = {
        "region": region,
        "title": title,
        "view": "timeSeries",
        "stacked": False,
        "period": PERIOD,
        "metrics": metrics,
    }
    if y_axis is not None:
        properties["yAxis"] = y_axis
    return {"type": "metric", "properties": properties}


def async_queue_widgets(profile: EndpointProfile) -> list[Widget]:
    # The queue belongs to the endpoint, not a variant: these metrics carry EndpointName only.
    dims: Dimensions = (("EndpointName", profile.name),)
    ns, region = INVOCATION_NAMESPACE, profile.region
    count_axis = {"left": {"min": 0, "showUnits": False}}
    return [
        _metric_widget(
            region,
            "Async backlog (requests)",
            [
                _metric(ns, "ApproximateBacklogSize", dims, id="backlog", stat="Average", label="Backlog avg"),
                _metric(ns, "ApproximateBacklogSize", dims, id="backlogmax", stat="Maximum", label="Backlog max"),
            ],
            y_axis=count_axis,
        ),
        _metric_widget(
            region,
            "Async age of oldest request (s)",
            [_metric(ns, "ApproximateAgeOfOldestRequest", dims, id="age", stat="Maximum", label="Oldest (s)")],
            y_axis={"left": {"min": 0, "label": "s", "showUnits": False}},
        ),
        _metric_widget(
            region,
            "Async backlog without capacity",
            [
                _metric(
                    ns,
                    "HasBacklogWithoutCapacity",
                    dims,
                    id="nocap",
                    stat="Maximum",
                    label="Backlog waiting for an instance (1 = yes)",
                )
            ],
            y_axis={"left": {"min": 0, "max": 1, "showUnits": False}},
        ),
    ]


def _traffic(region: str, title: str, dims: Dimensions) -> Widget:
    """Invocations per minute (AWS/SageMaker) of a variant or an inference component."""
    metric = _metric(INVOCATION_NAMESPACE, "Invocations", dims, id="inv", stat="Sum", label="Invocations / min")
    return _metric_widget(region, title, [metric], y_axis={"left": {"min": 0, "showUnits": False}})


def _error_rates(region: str, title: str, dims: Dimensions) -> Widget:
    """4XX and 5XX as % of invocations, of a variant or an inference component."""
    ns = INVOCATION_NAMESPACE
    metrics: list[MetricEntry] = [
        _metric(ns, "Invocations", dims, id="inv", stat="Sum", visible=False),
        _metric(ns, "Invocation4XXErrors", dims, id="err4", stat="Sum", visible=False),
        _metric(ns, "Invocation5XXErrors", dims, id="err5", stat="Sum", visible=False),
        # The two-argument IF yields no point when there was no traffic: no division by zero
        # and no misleading 0 % line through idle periods.
        _expression("rate4", "IF(inv > 0, 100 * err4 / inv)", "4XX %"),
        _expression("rate5", "IF(inv > 0, 100 * err5 / inv)", "5XX %"),
    ]
    return _metric_widget(region, title, metrics, y_axis=_percent_axis(cap=False))


class VariantView:
    """The widgets of one production variant."""

    def __init__(self, profile: EndpointProfile, variant: VariantProfile, multi: bool) -> None:
        self.profile = profile
        self.variant = variant
        self.multi = multi
        self.region = profile.region
        self.dims: Dimensions = (("EndpointName", profile.name), ("VariantName", variant.name))
        self.spec: InstanceType | None = lookup(variant.instance_type) if variant.instance_type else None

    def title(self, text: str) -> str:
        return f"{self.variant.name}: {text}" if self.multi else text

    def rows(self) -> list[list[Widget]]:
        if self.variant.is_serverless:
            return [
                [
                    self.traffic(),
                    self.error_rates(),
                    self.latency("ModelLatency"),
                    self.latency("OverheadLatency"),
                ],
                [self.model_setup_time(), self.serverless_concurrency(), self.serverless_memory()],
            ]
        if self.variant.is_component_host:
            # Its requests are drawn per component (ComponentView): none are published per variant.
            requests = []
        elif self.profile.is_async:
            # Async endpoints publish no Invocations and no OverheadLatency, so no error rate.
            requests = [self.async_processed(), self.async_errors(), self.latency("ModelLatency")]
        else:
            requests = [
                self.traffic(),
                self.error_rates(),
                self.latency("ModelLatency"),
                self.latency("OverheadLatency"),
            ]
        resources = [self.cpu(), self.memory_and_disk()]
        if self.spec is not None and self.spec.gpus > 0:
            resources.append(self.gpu(self.spec.gpus))
        return [row for row in (requests, resources) if row]

    # invocation metrics (AWS/SageMaker)

    def traffic(self) -> Widget:
        return _traffic(self.region, self.title("Traffic"), self.dims)

    def error_rates(self) -> Widget:
        return _error_rates(self.region, self.title("Errors (% of invocations)"), self.dims)

    def latency(self, metric_name: str) -> Widget:
        short = "ml" if metric_name == "ModelLatency" else "ol"
        metrics: list[MetricEntry] = []
        for stat in _LATENCY_PERCENTILES:
            metrics.append(
                _metric(
                    INVOCATION_NAMESPACE,
                    metric_name,
                    self.dims,
                    id=f"{short}{stat}",
                    stat=stat,
                    visible=False,
                )
            )
        for stat in _LATENCY_PERCENTILES:
            # Published in microseconds; people read milliseconds.
            metrics.append(_expression(f"{short}{stat}ms", f"{short}{stat} / 1000", f"{metric_name} {stat} (ms)"))
        return _metric_widget(
            self.region,
            self.title(f"{metric_name} (ms)"),
            metrics,
            y_axis={"left": {"min": 0, "label": "ms", "showUnits": False}},
        )

    def model_setup_time(self) -> Widget:
        ns, dims = INVOCATION_NAMESPACE, self.dims
        metrics: list[MetricEntry] = [
            _metric(ns, "ModelSetupTime", dims, id="setupavg", stat="Average", visible=False),
            _metric(ns, "ModelSetupTime", dims, id="setupmax", stat="Maximum", visible=False),
            _expression("setupavgms", "setupavg / 1000", "ModelSetupTime avg (ms)"),
            _expression("setupmaxms", "setupmax / 1000", "ModelSetupTime max (ms)"),
        ]
        return _metric_widget(
            self.region,
            self.title("Cold starts: ModelSetupTime (ms)"),
            metrics,
            y_axis={"left": {"min": 0, "label": "ms", "showUnits": False}},
        )

    def serverless_concurrency(self) -> Widget:
        # Published as a fraction of MaxConcurrency (unit None); shown as a percentage.
        metrics: list[MetricEntry] = [
            _metric(
                INVOCATION_NAMESPACE,
                "ServerlessConcurrentExecutionsUtilization",
                self.dims,
                id="conc",
                stat="Maximum",
                visible=False,
            ),
            _expression("concpct", "100 * conc", "Concurrency used (% of max)"),
        ]
        return _metric_widget(
            self.region, self.title("Serverless concurrency (%)"), metrics, y_axis=_percent_axis(cap=False)
        )

    def serverless_memory(self) -> Widget:
        # Serverless variants publish MemoryUtilization in /aws/sagemaker/Endpoints, like instance
        # variants: the only namespace AWS documents it in (docs/alarms.md, "Where the metrics live").
        metric = _metric(
            INSTANCE_NAMESPACE,
            "MemoryUtilization",
            self.dims,
            id="mem",
            stat="Maximum",
            label="Memory max %",
        )
        return _metric_widget(self.region, self.title("Memory (%)"), [metric], y_axis=_percent_axis())

    def async_processed(self) -> Widget:
        # AWS documents the metric as "InvocationsProcesssed" (three s) while other sources name it
        # "InvocationsProcessed"; both are queried so the widget shows whichever is published.
        metrics: list[MetricEntry] = [
            _metric(INVOCATION_NAMESPACE, name, self.dims, id=f"proc{i}", stat="Sum", label="Processed / min")
            for i, name in enumerate(("InvocationsProcesssed", "InvocationsProcessed"))
        ]
        return _metric_widget(
            self.region,
            self.title("Async requests processed"),
            metrics,
            y_axis={"left": {"min": 0, "showUnits": False}},
        )

    def async_errors(self) -> Widget:
        ns, dims = INVOCATION_NAMESPACE, self.dims
        metrics: list[MetricEntry] = [
            _metric(ns, "Invocation4XXErrors", dims, id="err4", stat="Sum", label="4XX / min"),
            _metric(ns, "Invocation5XXErrors", dims, id="err5", stat="Sum", label="5XX / min"),
            _metric(ns, "InvocationFailures", dims, id="fail", stat="Sum", label="Failures / min"),
        ]
        return _metric_widget(
            self.region,
            self.title("Async errors (count)"),
            metrics,
            y_axis={"left": {"min": 0, "showUnits": False}},
        )

    # instance metrics (/aws/sagemaker/Endpoints)

    def cpu(self) -> Widget:
        ns, dims = INSTANCE_NAMESPACE, self.dims
        if self.spec is None:
            # Without the vCPU count there is nothing honest to divide by: show the raw sum.
            raw = _metric(
                ns,
                "CPUUtilization",
                dims,
                id="cpu",
                stat="Average",
                label="CPUUtilization (summed over cores)",
            )
            return _metric_widget(
                self.region, self.title("CPU (% summed over cores)"), [raw], y_axis=_percent_axis(cap=False)
            )
        vcpus = self.spec.vcpus
        metrics: list[MetricEntry] = [
            _metric(ns, "CPUUtilization", dims, id="cpuavg", stat="Average", visible=False),
            _metric(ns, "CPUUtilization", dims, id="cpumax", stat="Maximum", visible=False),
            _expression("cpuavgn", f"cpuavg / {vcpus}", f"CPU avg (% of {vcpus} vCPUs)"),
            _expression("cpumaxn", f"cpumax / {vcpus}", f"CPU busiest instance (% of {vcpus} vCPUs)"),
        ]
        return _metric_widget(self.region, self.title("CPU (%)"), metrics, y_axis=_percent_axis())

    def memory_and_disk(self) -> Widget:
        ns, dims = INSTANCE_NAMESPACE, self.dims
        metrics: list[MetricEntry] = [
            _metric(ns, "MemoryUtilization", dims, id="mem", stat="Maximum", label="Memory max %"),
            _metric(ns, "DiskUtilization", dims, id="disk", stat="Maximum", label="Disk max %"),
        ]
        return _metric_widget(self.region, self.title("Memory & disk (%)"), metrics, y_axis=_percent_axis())

    def gpu(self, gpus: int) -> Widget:
        ns, dims = INSTANCE_NAMESPACE, self.dims
        metrics: list[MetricEntry] = [
            _metric(ns, "GPUUtilization", dims, id="gpu", stat="Average", visible=False),
            _metric(ns, "GPUMemoryUtilization", dims, id="gpumem", stat="Average", visible=False),
            _expression("gpun", f"gpu / {gpus}", f"GPU utilization (% of {gpus} GPUs)"),
            _expression("gpumemn", f"gpumem / {gpus}", f"GPU memory (% of {gpus} GPUs)"),
        ]
        return _metric_widget(self.region, self.title("GPU (%)"), metrics, y_axis=_percent_axis())


# Per-copy utilization of an inference component, normalized to 0-100 % of what the component
# reserved (/aws/sagemaker/InferenceComponents, by InferenceComponentName; "Amazon SageMaker AI
# metrics in Amazon CloudWatch", inference component metrics).
_COMPONENT_UTILIZATION = (
    ("CPUUtilizationNormalized", "CPU"),
    ("MemoryUtilizationNormalized", "Memory"),
    ("GPUUtilizationNormalized", "GPU"),
    ("GPUMemoryUtilizationNormalized", "GPU memory"),
)


class ComponentView:
    """The widgets of one inference component; every series by InferenceComponentName alone.

    Dimension sets (docs/alarms.md, "Inference components"): Invocations, Invocation4XX/5XXErrors,
    ModelLatency, InvocationsPerCopy and ConcurrentRequestsPerCopy in AWS/SageMaker by
    InferenceComponentName ("Metric name mapping: legacy to OTel", SageMaker AI developer guide);
    the normalized utilization in /aws/sagemaker/InferenceComponents by InferenceComponentName.
    CloudWatch documents no copy-count metric: the copies show through the per-copy series.
    """

    def __init__(self, region: str, component: str) -> None:
        self.region = region
        self.component = component
        self.dims: Dimensions = (("InferenceComponentName", component),)

    def title(self, text: str) -> str:
        return f"{self.component}: {text}"

    def rows(self) -> list[list[Widget]]:
        return [
            [self.traffic(), self.error_rates(), self.latency()],
            [self.load_per_copy(), self.utilization()],
        ]

    def traffic(self) -> Widget:
        return _traffic(self.region, self.title("Traffic"), self.dims)

    def error_rates(self) -> Widget:
        return _error_rates(self.region, self.title("Errors (% of invocations)"), self.dims)

    def latency(self) -> Widget:
        metrics: list[MetricEntry] = [
            _metric(INVOCATION_NAMESPACE, "ModelLatency", self.dims, id=f"ml{stat}", stat=stat, visible=False)
            for stat in _LATENCY_PERCENTILES
        ]
        # Published in microseconds; people read milliseconds.
        metrics += [_expression(f"ml{s}ms", f"ml{s} / 1000", f"ModelLatency {s} (ms)") for s in _LATENCY_PERCENTILES]
        return _metric_widget(
            self.region,
            self.title("ModelLatency (ms)"),
            metrics,
            y_axis={"left": {"min": 0, "label": "ms", "showUnits": False}},
        )

    def load_per_copy(self) -> Widget:
        # Capacity signals, graphed and not alarmed: what a copy can take depends on the model,
        # and auto scaling targets these very metrics (SageMakerInferenceComponentInvocationsPerCopy,
        # ...ConcurrentRequestsPerCopyHighResolution): a fixed threshold would fight it.
        ns, dims = INVOCATION_NAMESPACE, self.dims
        metrics: list[MetricEntry] = [
            _metric(ns, "InvocationsPerCopy", dims, id="ipc", stat="Sum", label="Invocations per copy / min"),
            _metric(
                ns, "ConcurrentRequestsPerCopy", dims, id="crpc", stat="Maximum", label="Concurrent requests per copy"
            ),
        ]
        return _metric_widget(
            self.region, self.title("Load per copy"), metrics, y_axis={"left": {"min": 0, "showUnits": False}}
        )

    def utilization(self) -> Widget:
        metrics: list[MetricEntry] = [
            _metric(INFERENCE_COMPONENT_NAMESPACE, name, self.dims, id=f"u{i}", stat="Average", label=f"{label} avg %")
            for i, (name, label) in enumerate(_COMPONENT_UTILIZATION)
        ]
        return _metric_widget(self.region, self.title("Utilization per copy (%)"), metrics, y_axis=_percent_axis())
