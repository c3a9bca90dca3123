"""The endpoint dashboard's Model Monitor section (pure): its schedules and what they publish.

Graphs use SEARCH expressions, so a feature that appears after the fit is graphed without a
re-fit (alarms still need concrete metrics: core.model_monitor.drift_alarms). The search names no
namespace or dimension names, only the endpoint and schedule values and a metric-name pattern
(the SageMaker Python SDK's own data-quality dashboard uses the same ``%^feature_baseline_drift_.*%``
pattern), because AWS documents more than one spelling of both (core.shared.namespaces).
"""

from __future__ import annotations

from typing import Any

from sagewatch.core.model_monitor.schedules import DRIFT_METRIC_PREFIX, MonitoringSchedule
from sagewatch.core.monitoring.profile import EndpointProfile
from sagewatch.core.shared.namespaces import BIAS_NAMESPACE, EXPLAINABILITY_NAMESPACE, MODEL_QUALITY_NAMESPACE

Widget = dict[str, Any]
SEARCH_PERIOD = 3600  # schedules run hourly at most
_OTHER_NAMESPACES = {
    "ModelQuality": MODEL_QUALITY_NAMESPACE,
    "ModelBias": BIAS_NAMESPACE,
    "ModelExplainability": EXPLAINABILITY_NAMESPACE,
}


def model_monitor_widgets(profile: EndpointProfile) -> tuple[Widget, list[Widget]]:
    """(the schedules table, one graph per schedule); call only when the endpoint has schedules."""
    return _table(profile), [_graph(profile, s) for s in profile.monitoring_schedules]


def _last_run(schedule: MonitoringSchedule) -> str:
    if schedule.last_run_status is None:
        return "none yet"
    when = schedule.last_run_time.strftime("%Y-%m-%d %H:%M UTC") if schedule.last_run_time else "?"
    return f"{schedule.last_run_status} ({when})"


def _table(profile: EndpointProfile) -> Widget:
    lines = [
        "## Model quality (Model Monitor)",
        "| Schedule | Type | Status | Last run (at the last fit) | Drift alarms | Not alarmed |",
        "|---|---|---|---|---|---|",
    ]
    for s in profile.monitoring_schedules:
        alarmed = ", ".join(m.feature for m in s.drift_metrics) or "-"
        if not s.is_data_quality:
            alarmed = "graphed only"
        left_out = ", ".join(s.left_out) or "-"
        lines.append(f"| {s.name} | {s.monitoring_type} | {s.status} | {_last_run(s)} | {alarmed} | {left_out} |")
    lines += [
        "",
        "Drift alarms fire when a feature's baseline drift exceeds the threshold (default 0.1, "
        "Model Monitor's own comparison threshold); features beyond the per-schedule cap are graphed, not alarmed. "
        "A run that fails or finds violations alerts on its own.",
    ]
    return {"type": "text", "properties": {"markdown": "\n".join(lines)}}


def _graph(profile: EndpointProfile, schedule: MonitoringSchedule) -> Widget:
    if schedule.is_data_quality:
        pattern = f"%^{DRIFT_METRIC_PREFIX}.*%"
        title = f"Baseline drift per feature: {schedule.name}"
        terms = f'{pattern} "{profile.name}" "{schedule.name}"'
    else:
        namespace = _OTHER_NAMESPACES.get(schedule.monitoring_type, MODEL_QUALITY_NAMESPACE)
        title = f"{schedule.monitoring_type}: {schedule.name}"
        terms = f'Namespace="{namespace}" "{profile.name}" "{schedule.name}"'
    expression = f"SEARCH('{terms}', 'Maximum', {SEARCH_PERIOD})"
    properties: dict[str, Any] = {
        "region": profile.region,
        "title": title,
        "view": "timeSeries",
        "stacked": False,
        "period": SEARCH_PERIOD,
        "metrics": [[{"id": "e1", "expression": expression, "label": ""}]],
    }
    return {"type": "metric", "properties": properties}
