"""The CloudWatch dashboard of one endpoint, built from its profile (pure: no I/O).

``build_dashboard`` lays the widgets out (the header, the alarms, then each variant's, each
inference component's and the Model Monitor widgets, from ``dashboard_widgets`` and
``model_monitor_dashboard``) and returns the dict that becomes PutDashboard's ``DashboardBody``;
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
from sagewatch.core.monitoring.alarm_spec import AlarmSpec
from sagewatch.core.monitoring.dashboard_widgets import ComponentView, VariantView, Widget, async_queue_widgets
from sagewatch.core.monitoring.profile import EndpointProfile, VariantProfile
from sagewatch.core.shared.instance_types import lookup
from sagewatch.core.shared.links import (
    ENDPOINT_AND_AI_INSIGHTS,
    ai_insights_url,
    alarms_search_url,
    endpoint_url,
    logs_url,
)
from sagewatch.core.shared.namespaces import endpoint_log_group
from sagewatch.core.shared.naming import alarm_prefix
from sagewatch.core.shared.partitions import partition

GRID_WIDTH = 24
MAX_ALARMS_PER_WIDGET = 100

_MAX_PER_ROW = 4
_METRIC_HEIGHT = 6
_TIMES = "\u00d7"  # multiplication sign, written as an escape so linters see no look-alike of "x"


def build_dashboard(profile: EndpointProfile, alarms: Sequence[AlarmSpec], *, prefix: str) -> dict[str, Any]:
    grid = _Grid()
    grid.row([_header_widget(profile, prefix)], min(6 + len(profile.variants), 14))

    chunks = _alarm_arn_chunks(profile, alarms)
    for index, chunk in enumerate(chunks):
        title = "Alarms" if len(chunks) == 1 else f"Alarms ({index + 1} of {len(chunks)})"
        grid.row([_alarm_widget(title, chunk)], _alarm_height(chunk))

    if profile.is_async:
        grid.row(async_queue_widgets(profile), _METRIC_HEIGHT)

    multi = len(profile.variants) > 1
    for variant in profile.variants:
        # Each variant gets its own rows: requests first, then the resources serving them.
        for row in VariantView(profile, variant, multi).rows():
            grid.row(row, _METRIC_HEIGHT)
        for component in variant.inference_components:
            for row in ComponentView(profile.region, component).rows():
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
