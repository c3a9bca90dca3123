"""Enrichment: the reads that make an alert actionable, run concurrently and bounded in time.

One GetMetricData for every series, at most one log read, the chart only when an email or a
bot-mode post goes out, the alarm's history only for OK. A read that fails or is too slow
becomes a "missing context" line (and counts in ``EnrichmentReadsMissing``): enrichment never
blocks delivery.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import timedelta
from typing import Any

from sagewatch.core.alerting.alert import AlertView
from sagewatch.core.alerting.alert_builder import Enrichment, build_alarm_view, build_failure_view
from sagewatch.core.alerting.alert_target import AlertTarget
from sagewatch.core.alerting.enrichment import MetricPlan, widget_for
from sagewatch.core.alerting.notification import AlarmNotification, EndpointFailureNotice, MonitoringRunNotice
from sagewatch.observability import ENRICHMENT_READS_MISSING, count
from sagewatch.usecases.model_monitor.reports import MonitoringReports
from sagewatch.usecases.notify.intake import Pending
from sagewatch.usecases.notify.ports import ComponentsPort, HistoryPort, LogsPort, MetricsPort

log = logging.getLogger(__name__)

LOG_LINES = 10
WORKERS = 4  # metrics, logs, chart, component (ALARM) or metrics, component, history (OK): the most at once
_WHAT = {
    "metrics": "recent metrics",
    "logs": "recent log lines",
    "chart": "chart",
    "history": "alarm start",
    "component": "inference component's model",
}

SeriesToMinutes = Callable[[Any, Any, Any], tuple[float | None, ...]]


class Enricher:
    """Builds an alert's full view; its thread pool outlives an invocation (kept by the wiring)."""

    def __init__(
        self,
        *,
        metrics: MetricsPort,
        logs: LogsPort,
        history: HistoryPort,
        series_to_minutes: SeriesToMinutes,
        timeout: float,
        prefix: str,
        dashboards: bool,
        reports: MonitoringReports | None = None,
        components: ComponentsPort | None = None,
    ) -> None:
        self._reports = reports or MonitoringReports(None, lambda _bucket, _key: False)
        self._metrics = metrics
        # DescribeInferenceComponent, only for a component's alarm: its model and endpoint.
        self._components = components
        self._logs = logs
        self._history = history
        self._series_to_minutes = series_to_minutes
        self._timeout = timeout
        self._prefix = prefix
        self._dashboards = dashboards
        self._pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="sagewatch-enrich")

    def full_view(self, entry: Pending, *, want_chart: bool) -> AlertView:
        """The alert's view with what the reads found; an unreadable notification's view as it is."""
        notification = entry.notification
        if isinstance(notification, AlarmNotification) and entry.target is not None and entry.plan is not None:
            enrichment = self._alarm_reads(notification, entry.target, entry.plan, want_chart=want_chart)
            return build_alarm_view(
                notification, entry.target, entry.plan, enrichment, prefix=self._prefix, dashboards=self._dashboards
            )
        if isinstance(notification, EndpointFailureNotice):
            return self._failure_view(notification)
        if isinstance(notification, MonitoringRunNotice):
            return self._reports.view(notification)
        return entry.view

    def _failure_view(self, notification: EndpointFailureNotice) -> AlertView:
        lines: tuple[str, ...] = ()
        missing: tuple[str, ...] = ()
        try:
            lines = tuple(
                self._logs.recent_errors(
                    notification.endpoint_name,
                    notification.time - timedelta(minutes=30),
                    notification.time + timedelta(minutes=1),
                )
            )
        except Exception as exc:  # noqa: BLE001 - enrichment never blocks delivery
            missing = (f"recent log lines unavailable ({getattr(exc, 'code', type(exc).__name__)})",)
            count(ENRICHMENT_READS_MISSING)
        return build_failure_view(notification, log_lines=lines[-LOG_LINES:], missing=missing)

    def _alarm_reads(
        self, notification: AlarmNotification, target: AlertTarget, plan: MetricPlan, *, want_chart: bool
    ) -> Enrichment:
        start, end = plan.start, plan.end
        tasks: dict[str, Future[Any]] = {}
        if plan.queries:
            tasks["metrics"] = self._pool.submit(self._metrics.get_metric_data, plan.queries, start, end)
        resolved = notification.new_state == "OK"
        if target.endpoint and not resolved:
            tasks["logs"] = self._pool.submit(
                self._logs.recent_errors, target.endpoint, end - timedelta(minutes=30), end, limit=LOG_LINES
            )
        widget = widget_for(notification, target) if want_chart and not resolved else None
        if widget is not None:
            tasks["chart"] = self._pool.submit(self._metrics.get_widget_image, widget)
        if target.component and self._components is not None:
            tasks["component"] = self._pool.submit(self._components.describe_component, target.component)
        if resolved:
            tasks["history"] = self._pool.submit(
                self._history.alarm_started, notification.alarm_name, notification.state_change_time
            )
        done, _ = wait(tasks.values(), timeout=self._timeout)
        results: dict[str, Any] = {}
        missing: list[str] = []
        for name, future in tasks.items():
            if future not in done:
                future.cancel()
                missing.append(f"{_WHAT[name]} unavailable (timed out after {self._timeout:g} s)")
                continue
            error = future.exception()
            if error is not None:
                code = getattr(error, "code", type(error).__name__)
                log.warning("enrichment %s failed: %s", name, error, extra={"alarm": notification.alarm_name})
                missing.append(f"{_WHAT[name]} unavailable ({code})")
                continue
            results[name] = future.result()
        count(ENRICHMENT_READS_MISSING, len(missing))  # reads that failed or timed out, not empty answers
        series = None
        if "metrics" in results:
            series = {qid: self._series_to_minutes(raw, start, end) for qid, raw in results["metrics"].items()}
            if not any(any(v is not None for v in values) for values in series.values()):
                missing.append("no metric data in the last hour")
        logs = tuple(results["logs"]) if "logs" in results else None
        component = results.get("component")
        if "component" in results and component is None:
            missing.append(f"inference component {target.component} not found (deleted?)")
        return Enrichment(
            component_model=_component_model(component),
            series=series,
            log_lines=logs,
            chart_png=results.get("chart"),
            alarm_started=results.get("history"),
            missing=tuple(missing),
        )


def _component_model(described: Any) -> str | None:
    """The model(s) of a DescribeInferenceComponent answer (None without one).

    ``Specification.ModelName``; or, for a component created with several specifications, its
    ``Specifications`` (one per instance type; the singular is then not returned, API reference
    DescribeInferenceComponent): their one model, or each model with its instance type."""
    if not isinstance(described, dict):
        return None
    model = (described.get("Specification") or {}).get("ModelName")
    if model:
        return str(model)
    specs = [s for s in described.get("Specifications") or [] if isinstance(s, dict) and s.get("ModelName")]
    models = list(dict.fromkeys(str(s["ModelName"]) for s in specs))
    if len(models) <= 1:
        return models[0] if models else None
    return ", ".join(f"{s['ModelName']} on {s.get('InstanceType') or 'an instance type'}" for s in specs)
