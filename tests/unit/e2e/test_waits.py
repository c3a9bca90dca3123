"""Bounded waits (tests/e2e/waits.py) with an injected clock: no time passes in these tests."""

from __future__ import annotations

import pytest

from tests.e2e.waits import Clock, WaitTimeoutError, wait_for


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0
        self.slept: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds

    @property
    def clock(self) -> Clock:
        return Clock(now=self.now, sleep=self.sleep)


def test_returns_what_the_probe_found_and_says_what_it_waited_for() -> None:
    fake = FakeClock()
    answers = iter([None, False, "ready"])
    said: list[str] = []
    found = wait_for("the thing", lambda: next(answers), timeout=60, interval=10, clock=fake.clock, say=said.append)
    assert found == "ready"
    assert fake.slept == [10, 10]
    assert said[0] == "waiting up to 60 s for the thing"
    assert "after 20 s (3 looks)" in said[1]


def test_gives_up_at_the_bound_naming_the_wait_and_what_it_last_saw() -> None:
    fake = FakeClock()
    looks: list[float] = []

    def probe() -> None:
        looks.append(fake.t)

    with pytest.raises(WaitTimeoutError) as raised:
        wait_for(
            "stack x to be deleted",
            probe,
            timeout=25,
            interval=10,
            clock=fake.clock,
            say=lambda _: None,
            describe=lambda: "DELETE_IN_PROGRESS",
        )
    message = str(raised.value)
    assert "stack x to be deleted" in message and "25 s" in message and "DELETE_IN_PROGRESS" in message
    # Looks at 0, 10, 20 and once more exactly at the deadline (the last sleep is shortened).
    assert [t - 1000.0 for t in looks] == [0, 10, 20, 25]
    assert fake.slept == [10, 10, 5]


def test_a_zero_timeout_is_a_single_look() -> None:
    fake = FakeClock()
    with pytest.raises(WaitTimeoutError):
        wait_for("x", lambda: None, timeout=0, interval=1, clock=fake.clock, say=lambda _: None)
    assert fake.slept == []


def test_nonsense_bounds_are_refused() -> None:
    with pytest.raises(ValueError, match="interval"):
        wait_for("x", lambda: True, timeout=10, interval=0, say=lambda _: None)
