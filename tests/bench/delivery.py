"""Delivery benchmark: storms folded into digests, Slack's pace kept, the cost of faults.

``run_delivery_bench()`` runs in the emulated account (loopback only, bounded) and reports
counts and ratios — no absolute times are asserted anywhere:

- storm: alerts for one channel vs Slack messages sent, and the peak messages per second per
  channel seen by the fake Slack (at Slack's real pace of one per second);
- handler time per alert with random Slack faults (429, 5xx, timeouts, resets) as a ratio to the
  same run without faults (time scaled: 0.02 s per message per channel).
"""

from __future__ import annotations

import json
from typing import Any

from tests.integration.delivery_support import FUNCTION, QUEUE, alarm_message, delivery_account, ids_in

STORM_ALERTS = 100
PLAIN_ALERTS = 60


def _storm() -> dict[str, Any]:
    with delivery_account(interval=1.0, digest_threshold=5) as (account, environment):
        environment["SAGEWATCH_SLACK_MIN_INTERVAL_SECONDS"] = "1.0"
        published = [account.publish_alert(alarm_message(i, host="db")) for i in range(STORM_ALERTS)]
        invocations = account.drain_queue(QUEUE, FUNCTION, max_rounds=60, max_seconds=180, environment=environment)
        messages = account.slack.messages
        seen = ids_in(messages)
        return {
            "alerts": STORM_ALERTS,
            "slack_messages": len(messages),
            "messages_per_alert": round(len(messages) / STORM_ALERTS, 3),
            "every_alert_named_once": all(seen[m] == 1 for m in published),
            "peak_sends_per_second_per_channel": max(account.slack.peak_per_second().values(), default=0),
            "rate_limit_rejections": sum(
                1 for _p, reply, _ok in account.slack.replies() if reply.status == 429 and reply.fault is None
            ),
            "invocations": len(invocations),
        }


def _per_alert_ms(*, faults: bool) -> dict[str, Any]:
    with delivery_account(interval=0.02) as (account, environment):
        if faults:
            account.slack.inject_faults(rate=0.15, seed=7, timeout_seconds=0.4)
        for i in range(PLAIN_ALERTS):
            account.publish_alert(alarm_message(i))
        invocations = account.drain_queue(QUEUE, FUNCTION, max_rounds=200, max_seconds=180, environment=environment)
        handler_ms = sum(i.duration_ms for i in invocations)
        return {
            "alerts": PLAIN_ALERTS,
            "delivered_once": sum(1 for n in ids_in(account.slack.messages).values() if n == 1),
            "invocations": len(invocations),
            "failed_slack_requests": sum(1 for _p, _r, ok in account.slack.replies() if not ok),
            "handler_ms_per_alert": handler_ms / PLAIN_ALERTS,
        }


def run_delivery_bench() -> dict[str, Any]:
    storm = _storm()
    plain = _per_alert_ms(faults=False)
    faulty = _per_alert_ms(faults=True)
    return {
        "storm": storm,
        "plain": {k: v for k, v in plain.items() if k != "handler_ms_per_alert"},
        "with_faults": {k: v for k, v in faulty.items() if k != "handler_ms_per_alert"},
        "handler_time_per_alert_ratio_faults_vs_plain": round(
            faulty["handler_ms_per_alert"] / max(plain["handler_ms_per_alert"], 1e-9), 2
        ),
    }


if __name__ == "__main__":
    print(json.dumps(run_delivery_bench(), indent=2))
