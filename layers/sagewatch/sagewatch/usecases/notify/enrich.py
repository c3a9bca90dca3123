"""Enrich, the third stage: the reads that make an alert actionable, and its one view.

What to read is the alert's kind's to say (``core.alerting.alert_kinds``: ``Reads``): one
GetMetricData for every series, at most one log read, the chart only when an email or a bot-mode
post goes out, the alarm's history only for OK, a Model Monitor run's violation report. They
run concurrently, bounded in time; the kind builds its ``AlertView`` from what they found, once
per alert (render hands it to every destination). A read that fails or is too slow becomes a
"missing context" line (and counts in ``EnrichmentReadsMissing``): enrichment never blocks
delivery. Only alerts the gate let through are enriched, and one that only goes in digests is
not read at all.

A spoke's alert (its account and region are not the hub's: docs/hub-and-spokes.md) is read
through that account-region's readers (``SpokeReadsPort``: clients of the spoke role), and its
view names the account, with links that say which account they open (``core.alerting.spoke_view``).
The hub's own alerts are read and shown exactly as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Protocol

from sagewatch.core.alerting.alert import AlertView
from sagewatch.core.alerting.alert_kinds import AlertKind, Found, Reads
from sagewatch.core.alerting.spoke_view import in_spoke
from sagewatch.observability import ENRICHMENT_READS_MISSING, count
from sagewatch.usecases.model_monitor.reports import MonitoringReports
from sagewatch.usecases.notify.intake import Alert
from sagewatch.usecases.notify.ports import ComponentsPort, HistoryPort, LogsPort, MetricsPort, MuteRulesPort

log = logging.getLogger(__name__)

WORKERS = 6  # metrics, logs, chart, component, endpoint, mute rules (ALARM); metrics, component, history (OK)
_WHAT = {
    "metrics": "recent metrics",
    "logs": "recent log lines",
    "chart": "chart",
    "history": "alarm start",
    "component": "inference component's model",
    "report": "violation report",
    "mute_rules": "quiet windows",
    "endpoint": "deployment status",
}

SeriesToMinutes = Callable[[Any, Any, Any], tuple[float | None, ...]]


@dataclass(frozen=True)
class SpokeReads:
    """The readers of one spoke account-region, and how its alerts name it."""

    metrics: MetricsPort
    logs: LogsPort
    history: HistoryPort
    components: ComponentsPort | None
    mute_rules: MuteRulesPort | None
    account_name: Callable[[], str | None]  # its alias or Organizations name (cached; None: the ID alone)
    console_role: str | None  # the people's role there, for the switch-role link


class SpokeReadsPort(Protocol):
    def reads_in(self, account: str, region: str) -> SpokeReads | None:
        """That account-region's readers; None when it is the hub's own (read with the hub's clients)."""
        ...


def _where(kind: AlertKind) -> tuple[str, str] | None:
    """The account and region an alert is about (alarm notifications and SageWatch's notices carry both)."""
    source = getattr(kind, "notification", None) or getattr(kind, "notice", None)
    account, region = getattr(source, "account_id", None), getattr(source, "region", None)
    return (account, region) if isinstance(account, str) and isinstance(region, str) else None


class Enricher:
    """Builds an alert's one view; its thread pool outlives an invocation (kept by the wiring)."""

    def __init__(
        self,
        *,
        metrics: MetricsPort,
        logs: LogsPort,
        history: HistoryPort,
        series_to_minutes: SeriesToMinutes,
        timeout: float,
        reports: MonitoringReports | None = None,
        components: ComponentsPort | None = None,
        spokes: SpokeReadsPort | None = None,
        mute_rules: MuteRulesPort | None = None,
    ) -> None:
        self._spokes = spokes
        self._reports = reports or MonitoringReports(None, lambda _bucket, _key: False)
        self._metrics = metrics
        # DescribeInferenceComponent, only for a component's alarm: its model and endpoint.
        self._components = components
        # ListAlarmMuteRules, only for an ALARM published well after it fired (core.alerting.quiet_window).
        self._mute_rules = mute_rules
        self._logs = logs
        self._history = history
        self._series_to_minutes = series_to_minutes
        self._timeout = timeout
        self._pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="sagewatch-enrich")

    def view(self, alert: Alert) -> AlertView:
        """The alert's one view: with what its reads found when it is sent on its own somewhere
        (the chart only for an e-mail or a bot channel), without any read when it only goes in
        digests."""
        kind = alert.kind
        where = _where(kind) if self._spokes is not None else None
        spoke = self._spokes.reads_in(*where) if self._spokes is not None and where is not None else None
        if not alert.alone:
            view = kind.view(Found())
        else:
            view = kind.view(self.read(kind.reads(want_chart=alert.wants_chart), alarm=kind.headline.alarm, at=spoke))
        if spoke is None:
            return view
        return in_spoke(view, account_name=spoke.account_name(), console_role=spoke.console_role)

    def read(self, reads: Reads, *, alarm: str, at: SpokeReads | None = None) -> Found:
        """Make ``reads`` concurrently, within the time limit; what failed or was too slow is missing.
        ``at``: a spoke's readers (None: the hub's own)."""
        metrics, logs_reader, history = (
            (at.metrics, at.logs, at.history) if at else (self._metrics, self._logs, self._history)
        )
        components = at.components if at else self._components
        mute_rules = at.mute_rules if at else self._mute_rules
        tasks: dict[str, Future[Any]] = {}
        plan = reads.metrics
        if plan is not None:
            tasks["metrics"] = self._pool.submit(metrics.get_metric_data, plan.queries, plan.start, plan.end)
        if reads.logs is not None:
            logs = reads.logs
            tasks["logs"] = self._pool.submit(
                logs_reader.recent_errors, logs.endpoint, logs.since, logs.until, limit=logs.limit
            )
        if reads.chart is not None:
            tasks["chart"] = self._pool.submit(metrics.get_widget_image, reads.chart)
        if reads.component and components is not None:
            tasks["component"] = self._pool.submit(components.describe_component, reads.component)
        if reads.history is not None:
            tasks["history"] = self._pool.submit(history.alarm_started, *reads.history)
        if reads.endpoint is not None and components is not None:
            tasks["endpoint"] = self._pool.submit(components.describe_endpoint, reads.endpoint)
        if reads.mute_rules is not None and mute_rules is not None:
            tasks["mute_rules"] = self._pool.submit(mute_rules.rules_for_alarm, reads.mute_rules)
        if reads.report is not None:
            tasks["report"] = self._pool.submit(self._reports.view, reads.report)
        if not tasks:
            return Found()
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
                log.warning("enrichment %s failed: %s", name, error, extra={"alarm": alarm})
                missing.append(f"{_WHAT[name]} unavailable ({code})")
                continue
            results[name] = future.result()
        count(ENRICHMENT_READS_MISSING, len(missing))  # reads that failed or timed out, not empty answers
        if plan is not None and "metrics" in results:
            results["metrics"] = {
                qid: self._series_to_minutes(raw, plan.start, plan.end) for qid, raw in results["metrics"].items()
            }
        return Found(results, tuple(missing))
