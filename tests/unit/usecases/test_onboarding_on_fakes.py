"""Onboarding through the composition root on in-memory clients and simulated time."""

from __future__ import annotations

import time

import pytest

from sagewatch.adapters.aws import MAX_RETRIES
from sagewatch.config import OnboardConfig
from sagewatch.core.shared.errors import AwsCallError
from sagewatch.wiring import Wiring
from tests.fakes.aws import Clients, FakeCloudWatch, FakeEndpoint, FakeSageMaker
from tests.fakes.time import SimulatedTime

KEYS = {
    "invocation-5xx-rate",
    "invocation-4xx-rate",
    "model-latency-p99",
    "cpu-utilization",
    "memory-utilization",
    "disk-utilization",
}


@pytest.fixture(autouse=True)
def _no_real_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every wait goes through the wiring's sleep: a real one fails the test."""

    def forbidden(seconds: float) -> None:
        raise AssertionError(f"slept {seconds} s of real time")

    monkeypatch.setattr(time, "sleep", forbidden)


def wired(cloudwatch: FakeCloudWatch, clock: SimulatedTime, **tags: str) -> Wiring:
    sagemaker = FakeSageMaker([FakeEndpoint("fraud-scorer", tags={"team": "risk", **tags})], page_size=1)
    return Wiring(
        Clients(sagemaker=sagemaker, cloudwatch=cloudwatch),
        clock=clock.monotonic,
        wall_clock=clock.wall,
        sleep=clock.sleep,
    )


def test_cloudwatch_throttling_is_retried_on_the_wirings_clock_not_a_failure() -> None:
    clock, cloudwatch = SimulatedTime(), FakeCloudWatch(page_size=2)
    cloudwatch.faults.throttle("PutMetricAlarm", times=3)
    result = wired(cloudwatch, clock).onboarding(OnboardConfig()).onboard("fraud-scorer")
    assert result.outcome == "onboarded"
    assert cloudwatch.faults.triggered["PutMetricAlarm"] == 3
    assert {name.rsplit("/", 1)[1] for name in cloudwatch.alarms} == KEYS
    assert len(clock.sleeps) == 3  # one backoff per throttled answer, on simulated time
    assert all(0 <= s <= 8 for s in clock.sleeps)


def test_throttling_that_never_ends_fails_the_onboarding_after_the_last_retry() -> None:
    clock, cloudwatch = SimulatedTime(), FakeCloudWatch()
    cloudwatch.faults.throttle("PutMetricAlarm", times=MAX_RETRIES + 1)
    with pytest.raises(AwsCallError, match="PutMetricAlarm failed: Throttling"):
        wired(cloudwatch, clock).onboarding(OnboardConfig()).onboard("fraud-scorer")
    assert len(clock.sleeps) == MAX_RETRIES


def test_the_paced_worker_spaces_its_writes_on_the_wirings_clock() -> None:
    clock, cloudwatch = SimulatedTime(), FakeCloudWatch()
    config = OnboardConfig(cloudwatch_write_tps=2.0)
    result = wired(cloudwatch, clock).onboard_worker(config).onboard("fraud-scorer")
    assert result.outcome == "onboarded"
    writes = cloudwatch.calls["PutMetricAlarm"] + cloudwatch.calls["PutDashboard"]
    assert writes == 7
    # A budget per operation: six PutMetricAlarm 0.5 s apart start to start; PutDashboard's first is free.
    assert clock.slept == pytest.approx(5 * 0.5)
