"""The one rate limiter: start-to-start spacing for CloudWatch writes, and Slack's per-channel pace
with Retry-After, both on an injected clock."""

from __future__ import annotations

import pytest

from sagewatch.adapters.pacing import PacedClient, paced_cloudwatch
from sagewatch.adapters.rate_limit import NoTimeLeftError, RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_calls_are_spaced_evenly() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter.per_second(2.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        limiter.take()
    assert slept == [0.5, 0.5, 0.5, 0.5]
    assert RateLimiter.per_second(0).min_interval == 0  # 0 = off


def test_one_message_per_interval_per_channel_and_retry_after_honoured() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1.0, clock=clock, sleep=clock.sleep)
    plenty = lambda: 60.0  # noqa: E731
    limiter.wait("a", time_left=plenty)
    limiter.hold("a")
    limiter.wait("b", time_left=plenty)  # another channel is not held back
    assert clock.slept == []
    limiter.wait("a", time_left=plenty)
    assert clock.slept == [1.0]
    limiter.hold("a")
    limiter.hold("a", 7.0)  # 429 Retry-After: 7
    with pytest.raises(NoTimeLeftError):
        limiter.wait("a", time_left=lambda: 5.0)  # would not fit in the invocation: back to the queue
    limiter.wait("a", time_left=plenty)
    assert clock.slept[-1] == pytest.approx(7.0)


def test_paced_client_paces_only_writes() -> None:
    calls: list[str] = []

    class Fake:
        def put_metric_alarm(self, **kw: object) -> str:
            calls.append("put")
            return "ok"

        def describe_alarms(self, **kw: object) -> str:
            return "read"

    waited: list[str] = []

    class CountingLimiter(RateLimiter):
        def take(self, key: object = "") -> None:
            waited.append("w")

    client = PacedClient(Fake(), {"put_metric_alarm": CountingLimiter(1)})
    assert client.put_metric_alarm(AlarmName="x") == "ok"
    assert client.describe_alarms() == "read"
    assert waited == ["w"]
    raw = Fake()
    assert paced_cloudwatch(raw, 0) is raw
