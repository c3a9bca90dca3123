"""The CloudWatch dashboard of one endpoint, built from its profile (pure: no I/O).

``build_dashboard`` returns the dict that becomes PutDashboard's ``DashboardBody``;
``dashboard_body_json`` serialises it byte-for-byte reproducibly, so the caller can compare the
body it would write with the one that exists and skip unchanged writes.

What the widgets correct for, because the raw metrics mislead people:
- ModelLatency, OverheadLatency and ModelSetupTime are published in microseconds: every latency
  series is a metric-math expression dividing by 1000, with the raw metric hidden.
- CPUUtilization, GPUUtilization and GPUMemoryUtilization are summed over cores/GPUs (400 % on
  4 vCPUs): they are divided by the instance type's vCPU/GPU count so 100 % means "full".
- Metrics are queried with EndpointName + VariantName: a query on EndpointName alone matches
  no metric. Only the async queue metrics belong to the endpoint and take EndpointName alone.
- A variant that hosts inference components publishes its invocation metrics per component, by
  InferenceComponentName alone (docs/alarms.md, "Where the metrics live"): its request widgets
  are drawn per component (traffic, errors, latency, load per copy, utilization per copy), and the
  variant keeps only its instance widgets.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from sagewatch.core.model_monitor.dashboard import model_monitor_widgets
from sagewatch.core.monitoring.alarm_spec import AlarmSpec, Dimensions
from sagewatch.core.monitoring.profile import EndpointProfile, VariantProfile
from sagewatch.core.shared.instance_types import InstanceType, lookup
from sagewatch.core.shared.links import (
    ENDPOINT_AND_AI_INSIGHTS,
    ai_insights_url,
    alarms_search_url,
    endpoint_url,
    logs_url,
)
from sagewatch.core.shared.namespaces import (
    INFERENCE_COMPONENT_NAMESPACE,
    INSTANCE_NAMESPACE,
    INVOCATION_NAMESPACE,
    endpoint_log_group,
)
from sagewatch.core.shared.naming import alarm_prefix
from sagewatch.core.shared.partitions import partition

GRID_WIDTH = 24
PERIOD = 60
MAX_ALARMS_PER_WIDGET = 100

_MAX_PER_ROW = 4
_METRIC_HEIGHT = 6
_LATENCY_PERCENTILES = ("p50", "p90", "p99")
_TIMES = "\u00d7"  # multiplication sign, written as an escape so linters see no look-alike of "x"

Widget = dict[str, Any]
MetricEntry = list[Any] | dict[str, Any]


def build_dashboard(profile: EndpointProfile, alarms: Sequence[AlarmSpec], *, prefix: str) -> dict[str, Any]:
    grid = _Grid()
    grid.row([_header_widget(profile, prefix)], min(6 + len(profile.variants), 14))

    chunks = _alarm_arn_chunks(profile, alarms)
    for index, chunk in enumerate(chunks):
        title = "Alarms" if len(chunks) == 1 else f"Alarms ({index + 1} of {len(chunks)})"
        grid.row([_alarm_widget(title, chunk)], _alarm_height(chunk))

    if profile.is_async:
        grid.row(_async_queue_widgets(profile), _METRIC_HEIGHT)

    multi = len(profile.variants) > 1
    for variant in profile.variants:
        # Each variant gets its own rows: requests first, then the resources serving them.
        for row in _VariantView(profile, variant, multi).rows():
            grid.row(row, _METRIC_HEIGHT)
        for component in variant.inference_components:
            for row in _ComponentView(profile.region, component).rows():
                grid.row(row, _METRIC_HEIGHT)

    if profile.monitoring_schedules:
        table, graphs = model_monitor_widgets(profile)
        grid.row([table], 3 + len(profile.monitoring_schedules) + 2)
        grid.row(graphs, _METRIC_HEIGHT)

    return {"widgets": grid.widgets}


def dashboard_body_json(body: dict[str, Any]) -> str:
    """Deterministic JSON: the same body always gives the same bytes."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


# --- layout --------------------------------------------------------------------------------


class _Grid:
    """Stacks rows on the 24-column grid; the widgets of a row share its width evenly."""

    def __init__(self) -> None:
        self.widgets: list[Widget] = []
        self._y = 0

    def row(self, widgets: Sequence[Widget], height: int) -> None:
        if not widgets:
            return
        # Rows hold at most _MAX_PER_ROW widgets, so every widget stays readable (>= 6 columns).
        for start in range(0, len(widgets), _MAX_PER_ROW):
            chunk = widgets[start : start + _MAX_PER_ROW]
            width = GRID_WIDTH // len(chunk)
            for index, widget in enumerate(chunk):
                widget.update({"x": index * width, "y": self._y, "width": width, "height": height})
                self.widgets.append(widget)
            self._y += height


# --- header --------------------------------------------------------------------------------


def _links(profile: EndpointProfile, prefix: str) -> list[str]:
    """Markdown links to the endpoint, its logs and its alarms (none where the partition has no console)."""
    region, group = profile.region, endpoint_log_group(profile.name)
    endpoint_label = "SageMaker endpoint"
    if profile.detailed_observability and ai_insights_url(region, profile.name):
        # The endpoint page holds "View in SageMaker AI Insights" (no URL of its own is documented).
        endpoint_label = ENDPOINT_AND_AI_INSIGHTS
    candidates = [
        (endpoint_label, endpoint_url(region, profile.name)),
        (f"Logs: {group}", logs_url(region, profile.name)),
        ("Alarms", alarms_search_url(region, alarm_prefix(prefix, profile.name))),
    ]
    return [f"[{label}]({url})" for label, url in candidates if url]


def _capacity(variant: VariantProfile) -> tuple[str, str]:
    """(capacity, shape) cells of the header table for one variant."""
    if variant.serverless is not None:
        sls = variant.serverless
        capacity = f"serverless, {sls.memory_mb} MB, max concurrency {sls.max_concurrency}"
        if sls.provisioned_concurrency:
            capacity += f", provisioned {sls.provisioned_concurrency}"
        return capacity, "-"
    count = "?" if variant.instance_count is None else str(variant.instance_count)
    capacity = f"{variant.instance_type or 'unknown type'} {_TIMES} {count}"
    spec = lookup(variant.instance_type) if variant.instance_type else None
    if spec is None:
        return capacity, "unknown instance type: CPU shown summed over cores"
    shape = f"{spec.vcpus} vCPU, {spec.memory_gib:g} GiB"
    if spec.gpus:
        shape += f", {spec.gpus} {_TIMES} {spec.accelerator}"
    elif spec.neuron_devices:
        shape += f", {spec.neuron_devices} {_TIMES} {spec.accelerator}"
    return capacity, shape + " per instance"


def _header_widget(profile: EndpointProfile, prefix: str) -> Widget:
    lines = [
        f"# SageMaker endpoint {profile.name}",
        f"**Kind** {profile.kind} · **Status** {profile.status} · "
        f"**Config** {profile.config_name} · **Region** {profile.region}",
        "",
        "| Variant | Capacity | Per instance | Inference components |",
        "|---|---|---|---|",
    ]
    for variant in profile.variants:
        capacity, shape = _capacity(variant)
        components = ", ".join(variant.inference_components) or "-"
        lines.append(f"| {variant.name} | {capacity} | {shape} | {components} |")
    lines += ["", " · ".join(_links(profile, prefix)), ""]
    lines.append(f"Managed by {prefix}: manual edits are overwritten when the endpoint changes.")
    return {"type": "text", "properties": {"markdown": "\n".join(lines)}}


# --- alarms --------------------------------------------------------------------------------


def _alarm_arn_chunks(profile: EndpointProfile, alarms: Sequence[AlarmSpec]) -> list[list[str]]:
    head = f"arn:{partition(profile.region)}:cloudwatch:{profile.region}:{profile.account_id}:alarm:"
    # Sorted so the body does not depend on the order the policy produced the alarms in.
    arns = sorted({head + alarm.name for alarm in alarms})
    return [arns[i : i + MAX_ALARMS_PER_WIDGET] for i in range(0, len(arns), MAX_ALARMS_PER_WIDGET)]


def _alarm_height(arns: Sequence[str]) -> int:
    # At full width the alarm widget shows about four alarms to a row; past 12 rows it scrolls.
    return min(2 + math.ceil(len(arns) / 4), 12)


def _alarm_widget(title: str, arns: list[str]) -> Widget:
    return {
        "type": "alarm",
        "properties": {"title": title, "alarms": arns, "sortBy": "stateUpdatedTimestamp"},
    }


# --- metric widgets ------------------------------------------------------------------------


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


def _async_queue_widgets(profile: EndpointProfile) -> list[Widget]:
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


class _VariantView:
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
            # Its requests are drawn per component (_ComponentView): none are published per variant.
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


class _ComponentView:
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
