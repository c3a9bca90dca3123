"""Shared pieces of the delivery tests and the delivery benchmark: alarm notifications of the
real shape, an account wired SNS → SQS → NotifyFunction, and counting at the fake Slack.

Time is scaled where it says so: Slack's ~1 message/second/channel becomes ``interval`` seconds
both at the fake Slack (429 beyond) and in the function's pacing
(SAGEWATCH_SLACK_MIN_INTERVAL_SECONDS), so hundreds of alerts run in seconds. What the storm tests
prove - no two requests to a channel closer than the interval, whichever environment sends them -
does not depend on the interval's length (a request waits for the answer to the one before, then
the interval); ``make bench`` runs the same storms at full size and Slack's real pace
(tests/bench/delivery.py).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

from sagewatch.core.alerting.render_slack import render_slack
from sagewatch_emulator import EmulatedAccount

EVENTS = Path(__file__).resolve().parents[2] / "events" / "notify"
SECRET = "sagewatch/slack-webhook"
FUNCTION = "NotifyFunction"
QUEUE = "AlertQueue"
DLQ = "AlertDeadLetterQueue"
STORM_INTERVAL = 0.1  # Slack's one message per second per channel, scaled tenfold in `make test`
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def alarm_message(index: int, state: str = "ALARM", *, at: datetime | None = None, host: str | None = None) -> str:
    """A generic (EC2) metric alarm notification, one alarm per ``index`` (cheap to enrich)."""
    sample = json.loads((EVENTS / "alarm-generic-ec2.json").read_text())
    message = json.loads(sample["Records"][0]["Sns"]["Message"])
    when = at or datetime.now(tz=UTC).replace(microsecond=0) - timedelta(minutes=1)
    message["AlarmName"] = f"{host or 'web'}-{index:03d} high CPU"
    message["AlarmArn"] = message["AlarmArn"].rsplit(":", 1)[0] + f":{message['AlarmName']}"
    message["NewStateValue"] = state
    message["OldStateValue"] = "OK" if state == "ALARM" else "ALARM"
    value = 80.0 + index % 20 if state == "ALARM" else 20.0
    message["NewStateReason"] = (
        f"Threshold Crossed: 1 out of the last 1 datapoints [{value} (28/11/26 01:00:00)] was "
        f"{'greater' if state == 'ALARM' else 'not greater'} than the threshold (80.0)."
    )
    message["StateChangeTime"] = when.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    return json.dumps(message)


@contextmanager
def delivery_account(
    *,
    interval: float = 0.05,
    digest_threshold: int = 1000,
    max_receive_count: int = 5,
    parameters: Mapping[str, Any] | None = None,
) -> Iterator[tuple[EmulatedAccount, dict[str, str]]]:
    """An account with a default webhook, the fake Slack limiting at ``interval`` and the
    function pacing itself to it; yields (account, the function's extra environment)."""
    values = {
        "SlackWebhookSecretName": SECRET,
        "DigestThreshold": digest_threshold,
        "AlertMaxReceiveCount": max_receive_count,
        **(parameters or {}),
    }
    with EmulatedAccount(parameters=values) as account:
        account.client("secretsmanager").create_secret(Name=SECRET, SecretString=account.slack_url)
        account.slack.rate_limit_interval = interval
        environment = {
            "SAGEWATCH_SLACK_MIN_INTERVAL_SECONDS": f"{interval * 1.2:g}",
            "SAGEWATCH_SLACK_TIMEOUT_SECONDS": "0.3",
            "SAGEWATCH_ENRICHMENT_TIMEOUT_SECONDS": "2",
        }
        yield account, environment


def ids_in(messages: Iterable[Mapping[str, Any]]) -> Counter[str]:
    """How often each SNS MessageId appears across accepted Slack messages (footers, digest lines)."""
    seen: Counter[str] = Counter()
    for message in messages:
        seen.update(set(_UUID.findall(json.dumps(message))))
    return seen


def dlq_message_ids(account: EmulatedAccount) -> list[str]:
    sqs = account.client("sqs")
    url = account.physical_id(DLQ)
    found: list[str] = []
    for _ in range(200):  # bounded
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60).get("Messages", [])
        if not batch:
            break
        found += [json.loads(m["Body"])["MessageId"] for m in batch]
    return found


class CrashOnce:
    """Stands in for a bug: rendering the ``nth`` Slack message raises once (an unexpected
    error, not a delivery failure), so the invocation crashes in the middle of its batch."""

    def __init__(self, nth: int) -> None:
        self.nth = nth
        self.calls = 0
        self.crashed = 0
        self.real = render_slack

    def __call__(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self.calls += 1
        if self.calls == self.nth:
            self.crashed += 1
            raise RuntimeError("simulated crash in the middle of a batch")
        return self.real(*args, **kwargs)


def arrival_times(account: EmulatedAccount) -> dict[str, list[float]]:
    """Per channel, when every message request reached the fake Slack — accepted or not.

    Accepted messages alone would prove nothing: the fake answers 429 to one that comes too soon.
    What must hold is that no environment even tries within the interval of the last message.
    """
    by_channel: dict[str, list[float]] = {}
    for post in account.slack.requests:
        if post.channel:
            by_channel.setdefault(post.channel, []).append(post.received_at)
    return {channel: sorted(times) for channel, times in by_channel.items()}


def closest_requests(account: EmulatedAccount) -> dict[str, float]:
    """Per channel that got two requests or more, the shortest time between two of them."""
    return {
        channel: min(b - a for a, b in pairwise(times))
        for channel, times in arrival_times(account).items()
        if len(times) > 1
    }
