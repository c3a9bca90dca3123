"""Fleet-scale benchmark: reconcile 1,000 endpoints in the emulated account under CloudWatch quotas.

``run_fleet_bench(endpoints=1000)`` (wired into ``make bench`` by tests/bench/run.py) measures:

1. **First reconcile**: every endpoint is new. ReconcileFunction plans and enqueues; the worker
   (OnboardFunction, one message per invocation as ``BatchSize: 1``) onboards each endpoint with
   paced writes. Reported: API calls, throttling answered by the emulator, whether any throttling
   error surfaced to a caller (it must not), and the projected wall time at the real quotas.
2. **No-op reconcile**: nothing changed → 0 writes, at most 150 API calls in total.
3. **Churn**: 10 endpoints updated, 10 deleted (no event), 20 managed alarms deleted by hand →
   one reconcile + worker pass; expected writes (planned independently, before the run) vs
   actual writes.

Time scaling: the emulator applies CloudWatch's default quotas as token buckets sped up by
``speedup`` (50: PutMetricAlarm 150/s instead of 3/s) and the worker's pacing is sped up by the
same factor, so the run behaves like the real one, compressed. Wall time at the real quotas is
projected from call counts: the worker pool (2 invocations x WorkerWriteTps) bounds
PutMetricAlarm; the quotas bound every other operation.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Mapping
from typing import Any

from sagewatch.adapters.cloudwatch.alarms_and_dashboards import CloudWatchWriter
from sagewatch.adapters.sagemaker import SageMakerEndpoints
from sagewatch.config import OnboardConfig
from sagewatch.core.shared.places import WORK_LANES
from sagewatch.usecases.onboarding import Onboarding
from sagewatch_emulator import EmulatedAccount, VariantSpec
from sagewatch_emulator.calls import is_write
from sagewatch_emulator.cloudwatch.quotas import DEFAULT_CLOUDWATCH_QUOTAS
from sagewatch_emulator.sqs_event_source import drain_one_at_a_time

WORKER_CONCURRENCY = WORK_LANES  # one place: its message groups in the FIFO OnboardQueue (core.shared.places)
NO_OP_CALL_BUDGET = 150


def _kinds(i: int) -> tuple[list[VariantSpec], bool]:
    kind = i % 5
    if kind == 0:
        return [VariantSpec("AllTraffic", "ml.m5.xlarge", 2)], False
    if kind == 1:
        return [VariantSpec("gpu", "ml.g5.12xlarge", 2), VariantSpec("canary", "ml.g5.2xlarge", 1)], False
    if kind == 2:
        return [VariantSpec("AllTraffic", serverless_memory_mb=2048)], False
    if kind == 3:
        return [VariantSpec("AllTraffic", "ml.m5.large", 1)], True
    return [VariantSpec("AllTraffic", "ml.c5.2xlarge", 1)], False


def _writes(calls: Mapping[str, int]) -> dict[str, int]:
    return {k: v for k, v in sorted(calls.items()) if is_write(k)}


def _projection(calls: Mapping[str, int], worker_tps: float) -> dict[str, Any]:
    per_op = {
        op: round(calls.get(f"cloudwatch.{op}", 0) / rate, 1)
        for op, rate in DEFAULT_CLOUDWATCH_QUOTAS.items()
        if calls.get(f"cloudwatch.{op}", 0)
    }
    pool = WORKER_CONCURRENCY * worker_tps
    paced = calls.get("cloudwatch.PutMetricAlarm", 0) / pool if pool else 0.0
    seconds = max([paced, *per_op.values()], default=0.0)
    return {
        "seconds_per_operation_at_quota": per_op,
        "puts_at_worker_pool_rate_s": round(paced, 1),
        "worker_pool_put_tps": pool,
        "projected_wall_s": math.ceil(seconds),
        "projected_wall_min": round(seconds / 60, 1),
    }


def run_fleet_bench(endpoints: int = 1000, *, speedup: float = 50.0, worker_tps: float = 1.2) -> dict[str, Any]:
    report: dict[str, Any] = {"endpoints": endpoints, "speedup": speedup, "worker_write_tps": worker_tps}
    reconcile_env = {"SAGEWATCH_RECONCILE_SELF_INVOKE": "false"}
    worker_env = {"SAGEWATCH_CLOUDWATCH_WRITE_TPS": str(worker_tps * speedup)}
    with EmulatedAccount() as account:
        quotas = account.cloudwatch.enable_quotas(speedup=speedup)
        started = time.perf_counter()
        names = []
        for i in range(endpoints):
            variants, is_async = _kinds(i)
            name = f"ep-{i:04d}"
            account.create_endpoint(name, variants=variants, async_inference=is_async)
            names.append(name)
        report["create_endpoints_s"] = round(time.perf_counter() - started, 1)

        def reconcile() -> Any:
            result = account.invoke("ReconcileFunction", {"sagewatch": "reconcile"}, environment=reconcile_env)
            if result.error:
                raise RuntimeError(result.error)
            return result

        # 1. first reconcile: everything is new
        quotas.reset_counters()
        started = time.perf_counter()
        first = reconcile()
        drained = drain_one_at_a_time(account, environment=worker_env)
        calls = Counter(first.aws_calls) + drained.aws_calls
        report["first"] = {
            "enqueued": first.response["enqueued"],
            "by_kind": first.response["by_kind"],
            "worker_invocations": drained.invocations,
            "worker_failures": len(drained.failed),
            "api_calls_total": sum(calls.values()),
            "api_calls": dict(sorted(calls.items())),
            "writes": sum(_writes(calls).values()),
            "reconcile_api_calls": sum(first.aws_calls.values()),
            "throttled_by_emulator": dict(quotas.throttled),
            "throttling_surfaced_to_caller": bool(drained.failed)
            or any("Throttling" in line and "failed" in line for line in drained.logs),
            "emulated_wall_s": round(time.perf_counter() - started, 1),
            "projection": _projection(calls, worker_tps),
        }

        # 2. nothing changed
        second = reconcile()
        noop_drain = drain_one_at_a_time(account, environment=worker_env)
        report["noop"] = {
            "api_calls_total": sum(second.aws_calls.values()) + sum(noop_drain.aws_calls.values()),
            "api_calls": second.aws_calls,
            "writes": sum(_writes(second.aws_calls).values()) + sum(noop_drain.writes.values()),
            "budget": NO_OP_CALL_BUDGET,
        }

        # 3. churn: 10 changed, 10 deleted, 20 alarms deleted by hand
        changed = names[0:50:5]  # ml.m5.xlarge x2 endpoints -> ml.m5.2xlarge x2 (CPU threshold, dashboard)
        deleted = names[1:100:10]
        cloudwatch = account.client("cloudwatch")
        untouched = [n for n in names[200:] if n not in changed and n not in deleted][:20]
        hand_deleted = []
        for name in untouched:
            alarm = cloudwatch.describe_alarms(AlarmNamePrefix=f"SageWatch/{name}/", MaxRecords=1)["MetricAlarms"][0]
            hand_deleted.append(alarm["AlarmName"])
        for name in changed:
            account.update_endpoint(name, variants=[VariantSpec("AllTraffic", "ml.m5.2xlarge", 2)])
        # Expected writes, planned before the run with uncounted clients.
        settings = OnboardConfig.from_env(account.function_environment("OnboardFunction"))
        planner = Onboarding(
            SageMakerEndpoints(account.client("sagemaker")), CloudWatchWriter(account.client("cloudwatch")), settings
        )
        expected_cw = 0
        for name in changed:
            expected_cw += planner.plan(SageMakerEndpoints(account.client("sagemaker")).read_profile(name)).write_count
        for name in deleted:
            count = len(CloudWatchWriter(cloudwatch).list_alarms(f"SageWatch/{name}/"))
            expected_cw += math.ceil(count / 100) + 1  # DeleteAlarms batches + DeleteDashboards
        expected_cw += len(hand_deleted)  # one PutMetricAlarm each
        for name in deleted:
            account.delete_endpoint(name)
        cloudwatch.delete_alarms(AlarmNames=hand_deleted)
        work_items = len(changed) + len(deleted) + len(untouched)
        expected = {
            "cloudwatch": expected_cw,
            "dynamodb": len(changed) + len(deleted),  # PutItem for re-fits, DeleteItem for removals
            "sqs": math.ceil(work_items / 10),  # SendMessageBatch
        }
        third = reconcile()
        churn_drain = drain_one_at_a_time(account, environment=worker_env)
        writes = Counter(_writes(third.aws_calls)) + Counter(churn_drain.writes)
        actual = {
            svc: sum(v for k, v in writes.items() if k.startswith(f"{svc}."))
            for svc in ("cloudwatch", "dynamodb", "sqs")
        }
        report["churn"] = {
            "by_kind": third.response["by_kind"],
            "expected_writes": expected,
            "actual_writes": actual,
            "write_calls": dict(sorted(writes.items())),
            "exact": expected == actual,
            "worker_failures": len(churn_drain.failed),
        }
        final = reconcile()
        report["after_churn_noop_writes"] = sum(_writes(final.aws_calls).values())
        report["throttled_by_emulator_total"] = dict(quotas.throttled)
    return report


if __name__ == "__main__":  # pragma: no cover - manual runs: python -m tests.bench.fleet [N]
    import json
    import sys

    print(json.dumps(run_fleet_bench(int(sys.argv[1]) if len(sys.argv) > 1 else 1000), indent=2))
