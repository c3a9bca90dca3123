"""The proof: an alarm storm through five concurrent SQS pollers, each batch in an execution
environment of its own (so no in-process state is shared), at Slack's pace.

Nothing is lost (the DLQ stays empty: no reserved concurrency, nothing throttled), nothing is
doubled (the delivery ledger), and no channel gets two requests within Slack's interval —
measured on the fake Slack's receive timestamps, which only the per-channel lease in
DeliveryTable can guarantee across environments (see docs/delivery.md).

Here the interval is scaled to 0.1 s and the storm is 60 alerts (what the guarantee needs: five
environments contending for one channel); ``make bench`` runs 300 alerts at Slack's real
one message per second (tests/bench/delivery.py).
"""

from __future__ import annotations

from collections import Counter

import pytest

from sagewatch_emulator.slack_blocks import validate_slack_message
from tests.integration.delivery_support import (
    FUNCTION,
    QUEUE,
    STORM_INTERVAL,
    alarm_message,
    closest_requests,
    delivery_account,
    dlq_message_ids,
    ids_in,
)

pytestmark = pytest.mark.integration

POLLERS = 5  # what Lambda starts an SQS event source with


def test_a_storm_through_five_concurrent_pollers_loses_nothing_doubles_nothing_and_keeps_slacks_pace() -> None:
    alerts = 60  # six batches of ten: enough for five pollers at once
    with delivery_account(interval=STORM_INTERVAL, digest_threshold=5) as (account, environment):
        environment["SAGEWATCH_SLACK_MIN_INTERVAL_SECONDS"] = f"{STORM_INTERVAL:g}"
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
        closest = closest_requests(account)
        assert closest, "no channel got two requests"
        for channel, gap in closest.items():
            assert gap >= STORM_INTERVAL, (channel, gap)  # at most one request per interval per channel
        assert not [r for _p, r, _ok in account.slack.replies() if r.status == 429 and r.fault is None]
