"""The fleet across accounts of ``make bench`` (tests/bench/spokes.py), small: 3 spokes x 5 endpoints.

``make bench`` runs 10 spokes x 100 endpoints and reports; this runs the same code at a size that
fits ``make test`` and asserts the counts: each place's work in its own message groups and never
more than one message in flight per group, the backfill projected side by side (the largest place,
not the sum), 0 writes on a no-op reconcile, an alert from each of three accounts with its calls.
"""

from __future__ import annotations

from typing import Any

import pytest

from sagewatch.core.shared.places import WORK_LANES
from sagewatch_emulator import VariantSpec
from sagewatch_emulator.world import EmulatedWorld
from tests.bench.spokes import SHARED_WORKERS, projection, run_spoke_fleet_bench, worker_write_tps

pytestmark = pytest.mark.integration

SPOKES, ENDPOINTS = 3, 5
QUOTA_PUT_METRIC_ALARM = 3.0  # TPS per account and region (CloudWatch's default quota)


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return run_spoke_fleet_bench(SPOKES, ENDPOINTS)


def test_the_backfill_writes_only_in_the_spokes_and_every_endpoint_once(report: dict[str, Any]) -> None:
    backfill = report["backfill"]
    assert backfill["enqueued"] == SPOKES * ENDPOINTS
    assert backfill["worker_invocations"] == SPOKES * ENDPOINTS and backfill["worker_errors"] == 0
    assert len(backfill["writes_by_place"]) == SPOKES
    assert backfill["writes_in_hub"] == 0
    assert all(w["PutMetricAlarm"] > 0 and w["PutDashboard"] == ENDPOINTS for w in backfill["writes_by_place"].values())
    assert report["refusals"] == 0


def test_each_place_is_worked_at_most_its_lanes_wide_and_places_side_by_side(report: dict[str, Any]) -> None:
    queue = report["backfill"]["queue"]
    # Every message's group is its place and lane, as planned; SQS hands out one per group at a time.
    assert queue["groups_as_planned"]
    assert queue["most_in_flight_of_one_group"] == 1
    assert queue["in_flight_at_once"] == queue["distinct_groups_in_flight"] <= SPOKES * WORK_LANES
    assert queue["distinct_groups_in_flight"] > WORK_LANES  # more than one place at once
    # The per-place pacing budget stays under the per-account-region quota.
    projected = report["backfill"]["projection"]
    assert projected["per_place_write_budget_tps"] == WORK_LANES * worker_write_tps() < QUOTA_PUT_METRIC_ALARM


def test_the_backfill_takes_the_largest_places_time_not_the_sum(report: dict[str, Any]) -> None:
    backfill = report["backfill"]
    assert backfill["groups_account_for_every_write"]
    projected = backfill["projection"]
    assert projected["places"] == SPOKES and projected["message_groups"] <= SPOKES * WORK_LANES
    # The places side by side: the longest lane, not the sum of the places.
    assert projected["parallel_s"] == projected["largest_lane_s"]
    assert projected["largest_place_evenly_split_s"] <= projected["parallel_s"]
    assert projected["parallel_s"] <= WORK_LANES * projected["largest_place_evenly_split_s"]
    assert projected["shared_workers_s"] > 2 * projected["parallel_s"]  # three equal places, one after another
    # Budget 2.4 TPS against the quota of 3: at least 1.25 x the floor (more when the lanes are uneven).
    assert projected["floor_s"] < projected["parallel_s"]
    assert projected["parallel_over_floor"] >= QUOTA_PUT_METRIC_ALARM / (WORK_LANES * worker_write_tps()) - 0.01


def test_the_projection_shares_maximum_concurrency_when_groups_outnumber_it() -> None:
    lane = {"PutMetricAlarm": 120, "PutDashboard": 5}
    groups = {f"{n:012d}/eu-west-1#{k}": lane for n in range(30) for k in range(2)}  # 60 groups, 20 workers
    projected = projection(groups, tps=1.2, lanes=2, max_concurrency=20)
    one_lane_s = 120 / 1.2
    assert projected["places"] == 30 and projected["message_groups"] == 60
    assert projected["parallel_s"] == pytest.approx(one_lane_s * 60 / 20, abs=1)
    assert projected["shared_workers_s"] == pytest.approx(30 * 240 / (SHARED_WORKERS * 1.2), abs=1)
    assert projected["floor_s"] == pytest.approx(240 / QUOTA_PUT_METRIC_ALARM, abs=1)


def test_a_no_op_reconcile_writes_nothing_in_any_account(report: dict[str, Any]) -> None:
    noop = report["noop_reconcile"]
    assert noop["writes"] == 0 and noop["enqueued"] == 0 and noop["writes_by_place"] == {}
    # The same few bulk reads in every spoke, whatever its size.
    assert noop["calls_per_spoke"]["min"] == noop["calls_per_spoke"]["max"] <= 8


def test_an_alert_from_each_of_three_accounts_assumes_its_role_and_names_it(report: dict[str, Any]) -> None:
    alerts = report["alerts"]
    assert len(alerts) == 3 and len({a["place"] for a in alerts}) == 3
    for alert in alerts:
        assert alert["errors"] == []
        assert alert["assume_role"] == 1 and alert["list_account_aliases"] == 1
        assert alert["enrichment_by_operation"].get("cloudwatch.GetMetricData", 0) >= 1
        assert alert["slack_messages"] == 1 and alert["slack_names_account_and_region"]


def test_lambdas_pollers_never_hold_one_group_twice_and_run_one_per_group() -> None:
    # OnboardQueue as Lambda polls it: MaximumConcurrency (20) pollers, BatchSize 1. With 3 places
    # x 2 lanes, at most 6 batches are in flight at once, never two of one group.
    with EmulatedWorld(spoke_regions=["eu-west-1"]) as world:
        for n in range(3):
            spoke = world.add_spoke(world.create_account(f"team-{n}"), "eu-west-1")
            for i in range(4):
                spoke.create_endpoint(f"ep-{i}", variants=[VariantSpec("AllTraffic", "ml.m5.large", 1)])
        assert world.invoke("ReconcileFunction", {"sagewatch": "reconcile"}).error is None
        drained = world.drain(
            "OnboardQueue",
            "OnboardFunction",
            concurrent=True,
            batch_size=1,
            environment={"SAGEWATCH_CLOUDWATCH_WRITE_TPS": "0"},
        )
    assert len(drained) == 12 and all(i.error is None for i in drained)
    assert drained.groups_split_across_batches == 0
    assert WORK_LANES < drained.peak_groups_in_flight == drained.peak_in_flight <= 3 * WORK_LANES
