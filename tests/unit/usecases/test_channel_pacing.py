"""The Slack poster's pacing: the in-process limiter first, then the lease shared by every environment."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sagewatch.adapters.rate_limit import RateLimiter
from sagewatch.adapters.slack import OutOfTimeError, SlackDeliveryError
from sagewatch.config import NotifyConfig
from sagewatch.usecases.notify.channel_pacing import ChannelPacer
from sagewatch.usecases.notify.slack_post import SlackPoster

URL = "https://hooks.slack.invalid/services/T/B/x"
CHANNEL = f"webhook:{URL}"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class MemoryLease:
    """Records what the poster asks of the shared lease."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str | None, float]] = []
        self._count = 0

    def acquire(
        self,
        channel: str,
        *,
        time_left: Callable[[], float] | None = None,
        reserve: float = 0.0,
        held: str | None = None,
    ) -> str:
        self._count += 1
        token = held or f"t{self._count}"
        self.events.append(("acquire", token, 0.0))
        return token

    def release(self, channel: str, token: str | None, seconds: float) -> None:
        self.events.append(("release", token, seconds))


class Webhook:
    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.sent = 0

    def send(self, webhook_url: str, payload: dict[str, Any]) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent += 1


def poster(webhook: Webhook, lease: MemoryLease, clock: Clock) -> SlackPoster:
    settings = NotifyConfig(
        name_prefix="SageWatch",
        create_dashboards=True,
        default_slack_secret="sagewatch/slack",
        email_sender=None,
        email_recipients=(),
        enrichment_timeout=1.0,
        digest_threshold=5,
        slack_min_interval=1.0,
        slack_timeout=2.0,
    )
    local = RateLimiter(1.0, clock=clock, sleep=clock.sleep)
    return SlackPoster(
        settings=settings,
        webhook=webhook,
        webhook_url=lambda secret: URL,
        bot=None,
        bot_token=None,
        pacer=ChannelPacer(local, lease, clock=clock),
    )


def test_every_message_holds_the_channel_lease_and_its_release_is_kept_for_the_settlement() -> None:
    lease, clock = MemoryLease(), Clock()
    post = poster(Webhook(), lease, clock)
    post.post("sagewatch/slack", {"text": "a"}, lambda: 30_000)
    post.post("sagewatch/slack", {"text": "b"}, lambda: 30_000)  # the same lease, taken again
    assert lease.events == [("acquire", "t1", 0.0), ("acquire", "t1", 0.0)]
    assert clock.now == pytest.approx(1.0)  # the local limiter still spaces this process's own sends
    kept = post.take_release()
    assert kept is not None and kept.token == "t1" and kept.next_at == pytest.approx(2.0)  # Slack's second
    assert post.take_release() is None  # it is the settlement's now
    post.post("sagewatch/slack", {"text": "c"}, lambda: 30_000)
    post.flush()  # nothing settles it: released on its own
    assert lease.events[-2:] == [("acquire", "t3", 0.0), ("release", "t3", 1.0)]


def test_retry_after_is_pushed_to_every_environment() -> None:
    lease, clock = MemoryLease(), Clock()
    post = poster(Webhook(SlackDeliveryError(429, "rate_limited", retry_after=7.0)), lease, clock)
    post.post("sagewatch/slack", {"text": "a"}, lambda: 30_000)
    assert ("release", None, 7.0) in lease.events  # after the lease went back, the push still applies
    assert lease.events[-1] == ("acquire", "t2", 0.0)  # then the retry went out under a new lease
    assert post.take_release() is not None
    assert clock.now == pytest.approx(7.0)


def test_a_send_that_ran_out_of_time_gives_the_lease_back_for_an_interval() -> None:
    lease, clock = MemoryLease(), Clock()
    post = poster(Webhook(OutOfTimeError(0.0)), lease, clock)
    with pytest.raises(OutOfTimeError):
        post.post("sagewatch/slack", {"text": "a"}, lambda: 30_000)
    assert lease.events == [("acquire", "t1", 0.0), ("release", "t1", 1.0)]


def test_no_time_left_to_send_frees_the_lease_at_once() -> None:
    lease, clock = MemoryLease(), Clock()
    post = poster(Webhook(), lease, clock)
    with pytest.raises(OutOfTimeError):  # the lease came at once, but 1 s cannot fit a 2 s request
        post.post("sagewatch/slack", {"text": "a"}, lambda: 1_000)
    assert lease.events == [("acquire", "t1", 0.0), ("release", "t1", 0.0)]


def test_without_a_table_or_pacing_the_lease_is_not_used() -> None:
    lease, clock = MemoryLease(), Clock()
    unpaced = ChannelPacer(RateLimiter(0.0, clock=clock, sleep=clock.sleep), lease)
    unpaced.wait(CHANNEL)
    unpaced.hold(CHANNEL)
    assert lease.events == []
    alone = ChannelPacer(RateLimiter(1.0, clock=clock, sleep=clock.sleep))
    alone.wait(CHANNEL)
    alone.hold(CHANNEL)
    alone.abandon(CHANNEL, maybe_sent=True)
