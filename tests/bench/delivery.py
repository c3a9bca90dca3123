"""Delivery benchmark: storms folded into digests, Slack's pace kept, the cost of faults.

``run_delivery_bench()`` runs in the emulated account (loopback only, bounded) and reports
counts and ratios — no absolute times are asserted anywhere:

- storm: alerts for one channel vs Slack messages sent, and the peak messages per second per
  channel seen by the fake Slack (at Slack's real pace of one per second);
- the full-size runs of the delivery tests (``make test`` runs them smaller, at a scaled pace):
  300 alerts through five concurrent pollers and 300 alerts with their OKs folded into digests,
  both at Slack's real pace, and 200 alerts under random Slack faults with a crash in the middle
  of a batch for three seeds - each reported as counts (lost, doubled, closest two requests to a
  channel, rate-limit rejections);
- handler time per alert with random Slack faults (429, 5xx, timeouts, resets) as a ratio to the
  same run without faults (time scaled: 0.02 s per message per channel).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any
from unittest import mock

import sagewatch.usecases.notify.render as notify_render
from sagewatch_emulator import EmulatedAccount
from tests.integration.delivery_support import (
    DLQ,
    FUNCTION,
    QUEUE,
    CrashOnce,
    alarm_message,
    closest_requests,
    delivery_account,
    dlq_message_ids,
    ids_in,
)

STORM_ALERTS = 100
PLAIN_ALERTS = 60
FULL_STORM_ALERTS = 300
POLLERS = 5
CRASH_ALERTS = 200
CRASH_SEEDS = (1, 2, 3)


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


def _publish_storm(account: EmulatedAccount, alerts: int) -> list[str]:
    """Half ALARMs for "db", a quarter of them resolved (OK) within the minute, a quarter for "cache"."""
    published = [account.publish_alert(alarm_message(i, host="db")) for i in range(alerts // 2)]
    published += [account.publish_alert(alarm_message(i, "OK", host="db")) for i in range(alerts // 4)]
    published += [account.publish_alert(alarm_message(500 + i, host="cache")) for i in range(alerts // 4)]
    return published


def _delivery_counts(account: EmulatedAccount, published: list[str]) -> dict[str, Any]:
    seen = ids_in(account.slack.messages)
    closest = closest_requests(account)
    return {
        "alerts": len(published),
        "slack_messages": len(account.slack.messages),
        "lost": sum(1 for m in published if seen[m] == 0),
        "doubled": sum(1 for m in published if seen[m] > 1),
        "dead_lettered": len(dlq_message_ids(account)),
        "closest_requests_to_a_channel_s": round(min(closest.values()), 3) if closest else None,
        "peak_sends_per_second_per_channel": max(account.slack.peak_per_second().values(), default=0),
        "rate_limit_rejections": sum(
            1 for _p, reply, _ok in account.slack.replies() if reply.status == 429 and reply.fault is None
        ),
    }


def _concurrent_storm() -> dict[str, Any]:
    """300 alerts through five concurrent pollers (an environment each) at Slack's real pace."""
    with delivery_account(interval=1.0, digest_threshold=5) as (account, environment):
        environment["SAGEWATCH_SLACK_MIN_INTERVAL_SECONDS"] = "1.0"
        published = _publish_storm(account, FULL_STORM_ALERTS)
        drained = account.drain_queue(
            QUEUE, FUNCTION, pollers=POLLERS, max_rounds=60, max_seconds=240, environment=environment
        )
        return {
            **_delivery_counts(account, published),
            "pollers": POLLERS,
            "peak_in_flight": drained.peak_in_flight,
            "throttled_batches": drained.throttled_batches,
        }


def _digest_storm() -> dict[str, Any]:
    """300 alerts with OKs among them, one poller, at Slack's real pace: how far digests fold them."""
    with delivery_account(interval=1.0, digest_threshold=5) as (account, environment):
        environment["SAGEWATCH_SLACK_MIN_INTERVAL_SECONDS"] = "1.0"
        published = _publish_storm(account, FULL_STORM_ALERTS)
        account.drain_queue(QUEUE, FUNCTION, max_rounds=100, max_seconds=240, environment=environment)
        counts = _delivery_counts(account, published)
        return {**counts, "messages_per_alert": round(counts["slack_messages"] / FULL_STORM_ALERTS, 3)}


def _crash(seed: int) -> dict[str, Any]:
    """200 alerts, 15% of Slack requests failing (429, 5xx, timeouts, resets), one crash mid-batch."""
    crash = CrashOnce(nth=25 + seed)
    with (
        mock.patch.object(notify_render, "render_slack", crash),
        delivery_account(interval=0.02) as (account, environment),
    ):
        account.slack.inject_faults(rate=0.15, seed=seed, timeout_seconds=0.6)
        published = [account.publish_alert(alarm_message(i)) for i in range(CRASH_ALERTS)]
        account.drain_queue(QUEUE, FUNCTION, max_rounds=400, max_seconds=240, environment=environment)
        faults = Counter(str(reply.status) for _p, reply, ok in account.slack.replies() if not ok)
        return {
            **_delivery_counts(account, published),
            "seed": seed,
            "crashed": crash.crashed,
            "slack_faults": dict(sorted(faults.items())),
            "left_in_queue": sum(account.queue_depth(QUEUE).values()),
            "left_in_dlq": account.queue_depth(DLQ)["visible"],
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
        "full_size": {
            "concurrent_storm": _concurrent_storm(),
            "digest_storm": _digest_storm(),
            "crashes": [_crash(seed) for seed in CRASH_SEEDS],
        },
    }


if __name__ == "__main__":
    print(json.dumps(run_delivery_bench(), indent=2))
