"""The proof: an alarm storm through five concurrent SQS pollers, each batch in an execution
environment of its own (so no in-process state is shared), at Slack's real pace.

Nothing is lost (the DLQ stays empty: no reserved concurrency, nothing throttled), nothing is
doubled (the delivery ledger), and no channel gets more than one message a second — measured on
the fake Slack's receive timestamps, which only the per-channel lease in DeliveryTable can
guarantee across environments (see docs/delivery.md).
"""

from __future__ import annotations

import time
from collections import Counter
from itertools import pairwise

import pytest

from sagewatch_emulator import EmulatedAccount
from sagewatch_emulator.slack_blocks import validate_slack_message
from tests.integration.delivery_support import (
    FUNCTION,
    QUEUE,
    alarm_message,
    delivery_account,
    dlq_message_ids,
    ids_in,
)

pytestmark = pytest.mark.integration

POLLERS = 5  # what Lambda starts an SQS event source with


def arrival_times(account: EmulatedAccount) -> dict[str, list[float]]:
    """Per channel, when every message request reached the fake Slack — accepted or not.

    Accepted messages alone would prove nothing: the fake answers 429 to one that comes too soon.
    What must hold is that no environment even tries within a second of the last message.
    """
    by_channel: dict[str, list[float]] = {}
    for post in account.slack.requests:
        if post.channel:
            by_channel.setdefault(post.channel, []).append(post.received_at)
    return {channel: sorted(times) for channel, times in by_channel.items()}


def test_300_alerts_through_five_concurrent_pollers_lose_nothing_double_nothing_and_keep_slacks_pace() -> None:
    alerts = 300
    started = time.monotonic()
    with delivery_account(interval=1.0, digest_threshold=5) as (account, environment):
        environment["SAGEWATCH_SLACK_MIN_INTERVAL_SECONDS"] = "1.0"
        published = [account.publish_alert(alarm_message(i, host="db")) for i in range(alerts // 2)]
        published += [account.publish_alert(alarm_message(i, "OK", host="db")) for i in range(alerts // 4)]
        published += [account.publish_alert(alarm_message(500 + i, host="cache")) for i in range(alerts // 4)]

        drained = account.drain_queue(
            QUEUE, FUNCTION, pollers=POLLERS, max_rounds=60, max_seconds=120, environment=environment
        )

        assert drained.peak_in_flight == POLLERS and drained.throttled_batches == 0
        assert account.queue_depth(QUEUE)["visible"] == 0
        assert dlq_message_ids(account) == []  # nothing lost
        messages = account.slack.messages
        assert ids_in(messages) == Counter(dict.fromkeys(published, 1))  # every alert, exactly once
        assert all(validate_slack_message(m) == [] for m in messages)
        times = arrival_times(account)
        assert times, "nothing reached Slack"
        for channel, arrivals in times.items():
            gaps = [b - a for a, b in pairwise(arrivals)]
            assert not gaps or min(gaps) >= 1.0, (channel, min(gaps))  # at most 1 message/s per channel
        assert max(account.slack.peak_per_second().values()) <= 1
        assert not [r for _p, r, _ok in account.slack.replies() if r.status == 429 and r.fault is None]
    assert time.monotonic() - started < 120
