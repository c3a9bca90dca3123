"""What the simulator publishes, minute by minute, for each kind of endpoint."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sagewatch_simulator.traffic import (
    INSTANCE_NS,
    INVOCATION_NS,
    AsyncSettings,
    Endpoint,
    EndpointKind,
    LatencyProfile,
    ServerlessSettings,
    TrafficProfile,
    Update,
    Variant,
    check,
    simulate,
)
from sagewatch_simulator.traffic.sample import sample_fleet, sample_incidents
from tests.unit.simulator.traffic.helpers import HOUR, MINUTE, MONDAY, realtime, run, series

INVOCATION_METRICS = ("Invocations", "InvocationsPerInstance", "ModelLatency", "OverheadLatency", "Invocation5XXErrors")


def serverless(name: str = "sls", peak_rpm: float = 30, **settings: int) -> Endpoint:
    return Endpoint(
        name,
        EndpointKind.SERVERLESS,
        (Variant("AllTraffic", None),),
        TrafficProfile(peak_rpm=peak_rpm, night_start_hour=22, night_end_hour=6),
        serverless=ServerlessSettings(**settings),
    )


def asynchronous(name: str = "batch", **settings: int) -> Endpoint:
    return Endpoint(
        name,
        EndpointKind.ASYNC,
        (Variant("AllTraffic", "ml.m5.xlarge", 1, capacity_rpm=10, latency=LatencyProfile(model_median_ms=5000)),),
        TrafficProfile(peak_rpm=3, night_start_hour=20, night_end_hour=8),
        asynchronous=AsyncSettings(**settings),
    )


def test_every_item_is_valid_minute_aligned_and_inside_the_window() -> None:
    end = MONDAY + 24 * HOUR
    items = run([realtime(), serverless(), asynchronous()], end=end)
    for item in items:
        check(item)
        assert MONDAY <= item.timestamp < end


def test_one_list_per_minute_even_when_nothing_is_published() -> None:
    minutes = list(simulate(sample_fleet(MONDAY), (), MONDAY, MONDAY + 10 * MINUTE))
    assert len(minutes) == 10
    quiet = list(simulate(sample_fleet(MONDAY), (), MONDAY, MONDAY))
    assert quiet == []


def test_start_and_end_must_be_minute_aligned_utc() -> None:
    with pytest.raises(ValueError):
        next(simulate(sample_fleet(MONDAY), (), MONDAY + timedelta(seconds=5), MONDAY + HOUR))


def test_latency_is_in_microseconds_and_p99_is_well_above_p50() -> None:
    items = run([realtime()], start=MONDAY + 12 * HOUR, end=MONDAY + 13 * HOUR)
    latency = series(items, "ModelLatency")
    invocations = series(items, "Invocations")
    assert len(latency) == 60
    for minute, item in latency.items():
        assert item.key.namespace == INVOCATION_NS and item.key.unit == "Microseconds"
        assert item.sample_count == invocations[minute].total  # one latency sample per request
        assert item.percentile(99) > 1.8 * item.percentile(50)
        assert 20_000 < item.percentile(50) < 80_000  # the 40 ms median, in µs
    assert all(item.percentile(99) > item.percentile(50) for item in series(items, "OverheadLatency").values())


def test_error_metrics_are_one_or_zero_per_request() -> None:
    items = run([realtime()], start=MONDAY + 12 * HOUR, end=MONDAY + 13 * HOUR)
    invocations = series(items, "Invocations")
    for name in ("Invocation4XXErrors", "Invocation5XXErrors"):
        for minute, item in series(items, name).items():
            assert set(item.values) <= {0.0, 1.0}
            assert item.sample_count == invocations[minute].total
    per_instance = series(items, "InvocationsPerInstance")
    for minute, item in per_instance.items():
        assert item.total == pytest.approx(invocations[minute].total / 2)  # two instances


def test_utilization_is_summed_over_cores_and_gpus() -> None:
    small = Variant("small", "ml.m5.large", 1, capacity_rpm=300)  # 2 vCPUs
    big = Variant("big", "ml.m5.4xlarge", 1, capacity_rpm=300)  # 16 vCPUs
    gpu1 = Variant("one", "ml.g5.xlarge", 1, capacity_rpm=300)  # 1 GPU
    gpu4 = Variant("four", "ml.g5.12xlarge", 1, capacity_rpm=300)  # 4 GPUs
    noon = MONDAY + 12 * HOUR
    items = run([realtime("cpu", small, big), realtime("gpu", gpu1, gpu4)], start=noon, end=noon + HOUR)

    def mean(name: str, endpoint: str, variant: str) -> float:
        found = series(items, name, endpoint, variant)
        assert found and all(i.key.namespace == INSTANCE_NS and i.key.unit == "Percent" for i in found.values())
        return sum(i.average for i in found.values()) / len(found)

    assert mean("CPUUtilization", "cpu", "big") / mean("CPUUtilization", "cpu", "small") == pytest.approx(8, rel=0.1)
    assert mean("GPUUtilization", "gpu", "four") / mean("GPUUtilization", "gpu", "one") == pytest.approx(4, rel=0.1)
    assert 100 < mean("GPUMemoryUtilization", "gpu", "four") <= 400
    assert all(i.maximum <= 100 for i in series(items, "MemoryUtilization", "gpu", "four").values())
    assert "GPUUtilization" not in {i.key.name for i in items if i.key.dimension("EndpointName") == "cpu"}


def test_each_instance_reports_its_own_value() -> None:
    items = run([realtime("svc", Variant("AllTraffic", "ml.m5.xlarge", 3))], end=MONDAY + HOUR)
    assert {item.sample_count for item in series(items, "CPUUtilization").values()} == {3}


def test_idle_nights_publish_no_invocation_metrics_but_instances_keep_reporting() -> None:
    items = run([realtime()], start=MONDAY, end=MONDAY + 24 * HOUR)
    night = [MONDAY + h * HOUR + m * MINUTE for h in (*range(6), 22, 23) for m in range(60)]
    for name in INVOCATION_METRICS:
        published = series(items, name)
        assert not set(night) & set(published), f"{name} published at night"
        assert len(published) > 15 * 60
    assert set(night) <= set(series(items, "CPUUtilization"))
    assert len(series(items, "MemoryUtilization")) == 24 * 60


def test_serverless_scaled_to_zero_publishes_nothing() -> None:
    items = run([serverless()], start=MONDAY, end=MONDAY + 24 * HOUR)
    stamps = {item.timestamp for item in items}
    assert stamps, "the day has traffic"
    assert not any(stamp.hour < 6 or stamp.hour >= 22 for stamp in stamps)
    names = {item.key.name for item in items}
    assert "Invocations" in names and "InvocationsPerInstance" not in names
    assert not names & {"CPUUtilization", "DiskUtilization", "GPUUtilization"}
    utilization = series(items, "ServerlessConcurrentExecutionsUtilization")
    assert all(0 <= item.maximum <= 1 and item.key.unit == "None" for item in utilization.values())
    assert any(item.maximum > 0 for item in utilization.values())


def test_serverless_cold_start_after_idle_reports_setup_time_and_slow_overhead() -> None:
    items = run([serverless()], start=MONDAY, end=MONDAY + 24 * HOUR)
    setup = series(items, "ModelSetupTime")
    first = min(item.timestamp for item in items)
    assert first in setup, "the first request of the morning is a cold start"
    assert setup[first].key.unit == "Microseconds" and setup[first].minimum > 1_000_000
    overhead = series(items, "OverheadLatency")
    assert overhead[first].maximum > 1_000_000 > overhead[first].percentile(50)


def test_sparse_serverless_traffic_cold_starts_again_after_keep_warm() -> None:
    items = run([serverless(peak_rpm=0.3, keep_warm_minutes=10)], start=MONDAY, end=MONDAY + 24 * HOUR)
    assert len(series(items, "ModelSetupTime")) > 10


def test_async_publishes_backlog_per_endpoint_and_no_invocations() -> None:
    items = run([asynchronous()], start=MONDAY, end=MONDAY + 24 * HOUR)
    names = {item.key.name for item in items}
    assert not names & {"Invocations", "InvocationsPerInstance", "OverheadLatency"}
    assert {"ModelLatency", "InvocationFailures", "CPUUtilization"} <= names
    for name in ("ApproximateBacklogSize", "ApproximateAgeOfOldestRequest", "HasBacklogWithoutCapacity"):
        found = series(items, name)
        assert len(found) == 24 * 60
        assert all(dict(i.key.dimensions).keys() == {"EndpointName"} for i in found.values())
    assert max(i.maximum for i in series(items, "ApproximateBacklogSize").values()) > 0
    assert series(items, "ApproximateAgeOfOldestRequest")[MONDAY].maximum == 0


def test_async_scales_to_zero_and_back_out_with_a_short_backlog_without_capacity() -> None:
    items = run([asynchronous(min_instances=0, scale_in_idle_minutes=30, scale_out_minutes=2)], end=MONDAY + 24 * HOUR)
    cpu = series(items, "CPUUtilization")
    assert MONDAY in cpu and MONDAY + 3 * HOUR not in cpu, "scaled to zero during the night"
    flags = series(items, "HasBacklogWithoutCapacity")
    raised = sorted(m for m, item in flags.items() if item.maximum == 1)
    assert raised and len(raised) <= 6, "only the minutes it takes to scale out from zero each time"
    assert all(m not in series(items, "ApproximateBacklogSizePerInstance") for m in raised)


def test_the_same_seed_gives_the_same_minutes_and_another_seed_does_not() -> None:
    fleet = [realtime(), serverless(), asynchronous()]
    first = run(fleet, end=MONDAY + 24 * HOUR)
    assert first == run(fleet, end=MONDAY + 24 * HOUR)
    assert first != run(fleet, end=MONDAY + 24 * HOUR, seed=8)


def test_an_endpoint_exists_only_between_creation_and_deletion() -> None:
    created, deleted = MONDAY + 9 * HOUR, MONDAY + 15 * HOUR
    items = run([realtime(created_at=created, deleted_at=deleted)], end=MONDAY + 24 * HOUR)
    stamps = {item.timestamp for item in items}
    assert min(stamps) == created and max(stamps) == deleted - MINUTE


def test_the_first_minutes_after_creation_ramp_traffic_up() -> None:
    created = MONDAY + 12 * HOUR
    items = run([realtime(created_at=created)], end=MONDAY + 14 * HOUR)
    invocations = series(items, "Invocations")
    first = sum(invocations[created + m * MINUTE].total for m in range(3) if created + m * MINUTE in invocations)
    later = sum(invocations[created + m * MINUTE].total for m in range(60, 63))
    assert first < later / 2


def test_an_update_switches_variants_when_it_completes() -> None:
    update = Update(MONDAY + 12 * HOUR, (Variant("new", "ml.c5.xlarge", 1),), minutes=8)
    items = run([realtime(update=update)], end=MONDAY + 13 * HOUR)
    old = series(items, "CPUUtilization", variant="AllTraffic")
    new = series(items, "CPUUtilization", variant="new")
    assert max(old) == update.done - MINUTE and min(new) == update.done


def test_a_week_for_ten_endpoints_has_a_bounded_size() -> None:
    """Size, not speed: the count is reported in docs/simulator.md (748,121 items for the sample week)."""
    fleet = sample_fleet(MONDAY)
    assert len(fleet.endpoints) == 10
    total = values = 0
    for minute in simulate(fleet, sample_incidents(MONDAY), MONDAY, MONDAY + timedelta(days=7)):
        total += len(minute)
        values += sum(len(item.values) for item in minute)
    assert 500_000 < total < 1_000_000
    assert values < 4 * total  # histograms, not one value per request
