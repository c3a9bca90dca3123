"""Each incident moves the metric it should, where it should, and only while it lasts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import pytest

from sagewatch_simulator.traffic import (
    AsyncSettings,
    Endpoint,
    EndpointKind,
    Incident,
    IncidentKind,
    LatencyProfile,
    Published,
    ServerlessSettings,
    TrafficProfile,
    Variant,
)
from tests.unit.simulator.traffic.helpers import HOUR, MINUTE, MONDAY, realtime, run, series

START, END = MONDAY + 12 * HOUR, MONDAY + 13 * HOUR

GPU = realtime(
    "gpu",
    Variant("blue", "ml.g5.12xlarge", 1, weight=0.5, capacity_rpm=300),
    Variant("green", "ml.g5.12xlarge", 1, weight=0.5, capacity_rpm=300),
)
SPARSE_SERVERLESS = Endpoint(
    "sls",
    EndpointKind.SERVERLESS,
    (Variant("AllTraffic", None),),
    TrafficProfile(peak_rpm=0.5),
    serverless=ServerlessSettings(keep_warm_minutes=5),
)
ASYNC = Endpoint(
    "batch",
    EndpointKind.ASYNC,
    (Variant("AllTraffic", "ml.m5.xlarge", 1, capacity_rpm=10, latency=LatencyProfile(model_median_ms=5000)),),
    TrafficProfile(peak_rpm=3),
    asynchronous=AsyncSettings(requests_per_instance_minute=6),
)


@dataclass(frozen=True)
class Case:
    kind: IncidentKind
    endpoint: Endpoint
    metric: str
    magnitude: float
    moved: Callable[[Published, Published], bool]  # (baseline, incident) for one minute in the window
    variant: str | None = None
    stateful: bool = False  # its consequences outlive the window (a queue drains afterwards)


def p50_times(factor: float) -> Callable[[Published, Published], bool]:
    return lambda base, hit: hit.percentile(50) > factor * base.percentile(50)


def average_above(level: float) -> Callable[[Published, Published], bool]:
    return lambda base, hit: hit.average > level > base.average


CASES = [
    Case(IncidentKind.LATENCY_REGRESSION, realtime(), "ModelLatency", 5.0, p50_times(4)),
    Case(IncidentKind.ERROR_5XX_BURST, realtime(), "Invocation5XXErrors", 0.3, average_above(0.15)),
    Case(IncidentKind.CLIENT_4XX, realtime(), "Invocation4XXErrors", 0.4, average_above(0.2)),
    Case(
        IncidentKind.GPU_MEMORY_CREEP,
        GPU,
        "GPUMemoryUtilization",
        60.0,  # percentage points per GPU per hour
        lambda base, hit: hit.average >= base.average,
        variant="blue",
    ),
    Case(IncidentKind.DISK_FILLING, realtime(), "DiskUtilization", 30.0, lambda b, h: h.maximum >= b.maximum),
    Case(
        IncidentKind.SLOW_COLD_STARTS,
        SPARSE_SERVERLESS,
        "ModelSetupTime",
        5.0,
        lambda base, hit: hit.minimum > 4 * base.minimum,
    ),
    Case(
        IncidentKind.ASYNC_NO_CAPACITY,
        ASYNC,
        "ApproximateBacklogSize",
        1.0,
        lambda base, hit: hit.maximum >= base.maximum,
        stateful=True,
    ),
    Case(IncidentKind.BAD_MINUTE, realtime(), "Invocation5XXErrors", 0.5, average_above(0.3)),
    Case(IncidentKind.DEPLOY_BLIP, realtime(), "ModelLatency", 0.02, p50_times(1.2)),
]


def _outside(items: Sequence[Published], start: datetime, end: datetime | None) -> list[Published]:
    return [i for i in items if i.timestamp < start or (end is not None and i.timestamp >= end)]


@pytest.mark.parametrize("case", CASES, ids=[c.kind.value for c in CASES])
def test_incident_moves_its_metric_inside_its_window_only(case: Case) -> None:
    end = START + MINUTE if case.kind is IncidentKind.BAD_MINUTE else END
    incident = Incident(case.kind, case.endpoint.name, START, end, case.magnitude, variant=case.variant)
    baseline = run([case.endpoint], end=MONDAY + 24 * HOUR)
    hit = run([case.endpoint], [incident], end=MONDAY + 24 * HOUR)

    unaffected_from = None if case.stateful else end
    assert _outside(hit, START, unaffected_from) == _outside(baseline, START, unaffected_from)
    before, after = series(baseline, case.metric, variant=case.variant), series(hit, case.metric, variant=case.variant)
    window = [m for m in after if START <= m < end and m in before]
    assert window, "the metric is published inside the window"
    assert all(case.moved(before[m], after[m]) for m in window)
    assert any(before[m] != after[m] for m in window)


def test_gpu_memory_creep_grows_over_the_window_and_spares_the_other_variant() -> None:
    incident = Incident(IncidentKind.GPU_MEMORY_CREEP, "gpu", START, END, 40.0, variant="blue")
    items = run([GPU], [incident], end=MONDAY + 24 * HOUR)
    blue = series(items, "GPUMemoryUtilization", variant="blue")
    green = series(items, "GPUMemoryUtilization", variant="green")
    assert blue[END - MINUTE].average > blue[START].average + 4 * 35  # ~40 pp per GPU on 4 GPUs
    assert abs(green[END - MINUTE].average - green[START].average) < 10


def test_async_without_capacity_raises_the_flag_and_the_age_of_the_oldest_request() -> None:
    incident = Incident(IncidentKind.ASYNC_NO_CAPACITY, "batch", START, END, 1.0)
    items = run([ASYNC], [incident], end=MONDAY + 24 * HOUR)
    flag = series(items, "HasBacklogWithoutCapacity")
    age = series(items, "ApproximateAgeOfOldestRequest")
    assert all(flag[m].maximum == 1 for m in flag if START + 5 * MINUTE <= m < END)
    assert age[END - MINUTE].maximum > 50 * 60
    assert all(flag[m].maximum == 0 for m in flag if m < START)
    assert "CPUUtilization" not in {i.key.name for i in items if START <= i.timestamp < END}


def test_a_flapping_incident_is_on_and_off_in_its_pattern() -> None:
    incident = Incident(IncidentKind.ERROR_5XX_BURST, "svc", START, END, 0.5, flap=(3, 4))
    items = run([realtime()], [incident], end=MONDAY + 24 * HOUR)
    errors = series(items, "Invocation5XXErrors")
    for minute in range(60):
        moment = START + minute * MINUTE
        expected_on = minute % 7 < 3
        assert (errors[moment].average > 0.3) is expected_on, minute


def test_incidents_on_unknown_endpoints_are_refused() -> None:
    incident = Incident(IncidentKind.ERROR_5XX_BURST, "nope", START, END, 0.5)
    with pytest.raises(ValueError, match="nope"):
        run([realtime()], [incident])
