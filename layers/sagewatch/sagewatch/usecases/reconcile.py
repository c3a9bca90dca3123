"""Fleet reconcile: find what needs onboarding, repair or removal, and hand it to the worker queue.

The reconcile itself only reads (in bulk) and enqueues; every CloudWatch write happens in the
onboarding worker, whose concurrency keeps the fleet inside CloudWatch's write quotas. See
docs/fleet.md.

Continuation: work items are sorted by endpoint name and sent in batches of 10. When the time
budget runs out, the name of the last endpoint sent is saved as a checkpoint (state table item
``#reconcile``) and the run returns a continuation event. The next invocation re-reads (cheap),
re-plans (work finished meanwhile drops out), and only sends items after the cursor: no item is
lost and none is sent twice. A completed run deletes the checkpoint.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sagewatch.core.fleet.plan import FleetPlan, WorkItem, group_alarms, plan_fleet
from sagewatch.core.model_monitor.schedules import fingerprints_from_summaries
from sagewatch.core.monitoring.alarms import LATENCY_KEY
from sagewatch.core.monitoring.latency_fit import latency_targets, refit_reasons
from sagewatch.core.shared.naming import dashboard_prefix
from sagewatch.usecases.latency_traffic import TrafficHistoryPort, quiet_rates
from sagewatch.usecases.model_monitor.drift_metrics import discovered_features
from sagewatch.usecases.reconcile_ports import FleetAlarmsPort, FleetEndpointsPort, FleetStatePort, WorkQueuePort

log = logging.getLogger(__name__)

SEND_CHUNK = 10


@dataclass
class ReconcileResult:
    run: str
    outcome: str  # complete | continuing
    listed: int = 0
    in_service: int = 0
    unchanged: int = 0
    enqueued: int = 0
    skipped_already_sent: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    not_in_service: list[str] = field(default_factory=list)
    continuation: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Reconciler:
    def __init__(
        self,
        *,
        sagemaker: FleetEndpointsPort,
        cloudwatch: FleetAlarmsPort,
        traffic: TrafficHistoryPort,
        state: FleetStatePort,
        queue: WorkQueuePort,
        prefix: str,
        region: str,
        policy_version: str,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        where: Mapping[str, str] | None = None,
    ) -> None:
        # A spoke's account and region, carried by every message so the worker acts there
        # (empty for the hub's own place: its messages are exactly as before).
        self._where = dict(where or {})
        self._sagemaker = sagemaker
        self._cloudwatch = cloudwatch
        self._traffic = traffic
        self._state = state
        self._queue = queue
        self._prefix = prefix
        self._region = region
        self._policy_version = policy_version
        self._clock = clock
        self._now = now

    def plan(self, *, full: bool = False) -> tuple[FleetPlan, dict[str, Any] | None]:
        """Bulk reads only: ListEndpoints, ListInferenceComponents, one Scan, DescribeAlarms by
        prefix, ListDashboards, ListMonitoringSchedules (and, when schedules exist, ListMetrics per
        data-quality namespace), and one GetMetricData (paged within its limits) for the traffic of
        every latency alarm."""
        components = self._sagemaker.components_by_endpoint()
        endpoints = [replace(e, components=components.get(e.name, ())) for e in self._sagemaker.list_endpoints()]
        states, checkpoint = self._state.scan()
        alarms = group_alarms(self._prefix, self._cloudwatch.list_alarms(f"{self._prefix}/"))
        # Dashboards are account-wide: list only this region's, so another region's stack's
        # dashboards are never taken for orphans (core.shared.naming).
        boards = self._cloudwatch.list_dashboards(dashboard_prefix(self._prefix, self._region))
        # One account-wide ListMonitoringSchedules, and the drift features the schedules have
        # published (ListMetrics per data-quality namespace): an endpoint whose schedules changed,
        # or published a feature not alarmed yet, is re-fitted.
        summaries = self._sagemaker.list_monitoring_schedules()
        features = discovered_features(self._cloudwatch) if summaries else {}
        schedules = fingerprints_from_summaries(summaries, features)
        fleet = plan_fleet(
            self._prefix,
            endpoints,
            states,
            alarms,
            boards,
            self._policy_version,
            region=self._region,
            full=full,
            schedules=schedules,
        )
        return self._with_traffic_refits(fleet, alarms), checkpoint

    def _with_traffic_refits(self, fleet: FleetPlan, alarms: dict[str, dict[str, Any]]) -> FleetPlan:
        """Endpoints otherwise unchanged whose latency alarm's traffic class changed: re-fit them
        (core.monitoring.latency_fit; the hysteresis keeps a rate near a boundary from flapping)."""
        queued = {item.endpoint for item in fleet.work} | set(fleet.skipped)
        targets = [t for t in latency_targets(alarms, LATENCY_KEY) if t.endpoint not in queued]
        if not targets:
            return fleet
        rates = quiet_rates(self._traffic, [t.dimensions for t in targets], self._now())
        reasons = refit_reasons(targets, rates)
        if not reasons:
            return fleet
        extra = [WorkItem(endpoint, "traffic", tuple(why)) for endpoint, why in reasons.items()]
        work = tuple(sorted((*fleet.work, *extra), key=lambda w: w.endpoint))
        return replace(fleet, work=work, unchanged=fleet.unchanged - len(extra))

    def run(
        self,
        *,
        continue_run: str | None = None,
        full: bool = False,
        budget_seconds: float | None = None,
        max_items: int | None = None,
    ) -> ReconcileResult:
        """Plan and enqueue. Stops early (checkpoint + continuation) past the budget or ``max_items``."""
        started = self._clock()
        plan, checkpoint = self.plan(full=full)
        cursor = ""
        run_id = continue_run or uuid.uuid4().hex[:12]
        if continue_run:
            if checkpoint and checkpoint.get("run") == continue_run:
                cursor = str(checkpoint.get("cursor", ""))
            else:
                log.warning("reconcile %s: no checkpoint for this run; starting from the beginning", continue_run)
        elif checkpoint:
            # A new run supersedes an unfinished one: it re-plans everything anyway.
            log.info("reconcile %s supersedes unfinished run %s", run_id, checkpoint.get("run"))
        todo = [w for w in plan.work if w.endpoint > cursor]
        result = ReconcileResult(
            run=run_id,
            outcome="complete",
            listed=plan.listed,
            in_service=plan.in_service,
            unchanged=plan.unchanged,
            skipped_already_sent=len(plan.work) - len(todo),
            by_kind=plan.by_kind(),
            not_in_service=list(plan.skipped),
        )
        for item in todo:
            log.info(
                "reconcile %s: %s %s: %s",
                run_id,
                item.kind,
                item.endpoint,
                "; ".join(item.reasons),
                extra={"endpoint": item.endpoint, "kind": item.kind, "reasons": list(item.reasons)},
            )
        sent = 0
        for start in range(0, len(todo), SEND_CHUNK):
            out_of_time = budget_seconds is not None and self._clock() - started > budget_seconds
            out_of_items = max_items is not None and sent >= max_items
            if out_of_time or out_of_items:
                last = todo[start - 1].endpoint
                self._state.put_checkpoint(run_id, last, datetime.now(UTC).isoformat())
                result.outcome = "continuing"
                result.continuation = {"sagewatch": "reconcile", "continue": run_id, "full": full}
                log.info("reconcile %s: stopping after %s (%d sent); a continuation follows", run_id, last, sent)
                break
            chunk = todo[start : start + SEND_CHUNK]
            self._queue.send([w.message(run_id) | {"policy": self._policy_version} | self._where for w in chunk])
            sent += len(chunk)
        result.enqueued = sent
        if result.outcome == "complete" and checkpoint is not None:
            self._state.delete_checkpoint()
        log.info(
            "reconcile %s %s: %d endpoints listed, %d InService, %d unchanged, %d enqueued %s",
            run_id,
            result.outcome,
            result.listed,
            result.in_service,
            result.unchanged,
            sent,
            result.by_kind,
        )
        return result
