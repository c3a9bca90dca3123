"""The SQS event source mapping, played: SQS → Lambda is not wired in moto (it needs Docker).

The emulator receives the queue's messages, invokes the function in-process with an SQS event of
the real shape, and deletes what succeeded, as Lambda's event source mapping does:

- :func:`drain_in_batches` (``EmulatedAccount.drain_queue``) — batches, ``batchItemFailures``,
  failed messages visible again at once (the visibility timeout passing), so moto's
  RedrivePolicy moves a message to the dead-letter queue after ``maxReceiveCount`` receives;
- :func:`drain_concurrently` (``EmulatedAccount.drain_queue(pollers=…)``) — Lambda's poller
  with its concurrency (below);
- :func:`drain_one_at_a_time` — the fleet's onboarding queue at scale: one message per
  invocation (``BatchSize: 1``), the AWS calls summed in a :class:`DrainResult`.

What :func:`drain_concurrently` models. Lambda "starts processing five batches at a time with
five concurrent invocations of your function", up to the event source's MaximumConcurrency
("Configuring scaling behavior for SQS event source mappings",
https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html). Each round, every
poller receives a batch, so that many batches are in flight (invisible) at once. A batch
beyond the function's reserved concurrency is throttled: not invoked, visible again, and its
receive has counted toward ``maxReceiveCount`` — which is how a reservation below the pollers
sends valid messages to the dead-letter queue untried
(https://repost.aws/knowledge-center/lambda-sqs-scaling). The batches admitted then run one
after another — the emulator's invocations share one process and are serialised — but each
poller's batch runs in an execution environment of its own (``EmulatedAccount.invoke(sandbox=…)``),
so state kept in a process (an in-process rate limiter) is not shared, as between real
concurrent environments; only what goes through AWS (DynamoDB) is.

FIFO queues (OnboardQueue). "For FIFO queues, concurrent invocations are capped either by the
number of message group IDs or the maximum concurrency setting, whichever is lower" (the same
page), because SQS hands out no message of a group while another of it is in flight ("Using the
message group ID with Amazon SQS FIFO Queues": "no two messages from the same group are processed
simultaneously"). moto's ReceiveMessage already holds a group back while a message of it is in
flight, and a failed message made visible again comes back first in its group; so the pollers
here never hold one group twice in a round. :class:`Drained` counts the groups in flight
(``peak_groups_in_flight``) and any group seen in two batches of one round
(``groups_split_across_batches``, 0 as SQS guarantees) so tests can assert it.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from sagewatch_emulator.calls import is_write

if TYPE_CHECKING:
    from sagewatch_emulator.sam.invoke import Invocation

__all__ = [
    "DEFAULT_POLLERS",
    "DrainResult",
    "Drained",
    "drain_concurrently",
    "drain_in_batches",
    "drain_one_at_a_time",
    "queue_depth",
    "sqs_record",
]

DEFAULT_POLLERS = 5  # Lambda's SQS poller starts with five concurrent batches

_LOG = logging.getLogger(__name__)


def sqs_record(message: Mapping[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One record of an SQS event, as the event source mapping builds it from a received message."""
    attributes = dict(message.get("Attributes") or {})
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {
            "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
            "SentTimestamp": attributes.get("SentTimestamp", ""),
            "SenderId": attributes.get("SenderId", ""),
            "ApproximateFirstReceiveTimestamp": attributes.get("ApproximateFirstReceiveTimestamp", ""),
        },
        "messageAttributes": message.get("MessageAttributes") or {},
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def queue_depth(sqs: Any, queue_url: str) -> dict[str, int]:
    """ApproximateNumberOfMessages (visible), …NotVisible and …Delayed of a queue."""
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    return {
        "visible": int(attributes.get("ApproximateNumberOfMessages", 0)),
        "not_visible": int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
        "delayed": int(attributes.get("ApproximateNumberOfMessagesDelayed", 0)),
    }


def drain_in_batches(
    sqs: Any,
    *,
    queue_url: str,
    queue_arn: str,
    region: str,
    invoke: Callable[[dict[str, Any]], Invocation],
    batch_size: int,
    max_rounds: int,
    max_seconds: float,
    name: str,
) -> list[Invocation]:
    """Receive, ``invoke`` and settle batches until the queue is empty or a bound is reached.

    See ``EmulatedAccount.drain_queue``; ``name`` is the queue as log lines call it.
    """
    invocations: list[Invocation] = []
    deadline = time.monotonic() + max_seconds
    empty_rounds = 0
    for _ in range(max_rounds):
        if time.monotonic() > deadline:
            _LOG.warning("drain_queue(%s): stopped after %.0f s", name, max_seconds)
            break
        messages = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=min(10, batch_size),
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            depth = queue_depth(sqs, queue_url)
            if depth["visible"] == 0 and depth["delayed"] == 0:
                break
            # Visible or delayed messages this receive did not return: try again, a bounded number of times.
            empty_rounds += 1
            if empty_rounds > 20:
                break
            continue
        empty_rounds = 0
        invocation = invoke({"Records": [sqs_record(m, queue_arn, region) for m in messages]})
        invocations.append(invocation)
        _settle(sqs, queue_url, messages, invocation)
    return invocations


class Drained(list["Invocation"]):
    """The invocations of :func:`drain_concurrently`, in order, and the batches throttled."""

    def __init__(self) -> None:
        super().__init__()
        self.throttled_batches = 0  # received, not invoked (beyond the reserved concurrency)
        self.throttled_messages = 0  # their receives counted toward maxReceiveCount all the same
        self.peak_in_flight = 0  # the most batches received and not yet settled at one time
        self.peak_groups_in_flight = 0  # FIFO: the most message groups in flight at one time
        self.groups_split_across_batches = 0  # FIFO: a group in two batches of one round (never, in SQS)


def _settle(sqs: Any, queue_url: str, messages: list[dict[str, Any]], invocation: Invocation | None) -> None:
    """Delete what the invocation processed; make the rest visible again (``None``: throttled)."""
    by_id = {m["MessageId"]: m for m in messages}
    if invocation is None or invocation.error is not None:
        failed = set(by_id)
    else:
        response = invocation.response if isinstance(invocation.response, dict) else {}
        failed = {str(f.get("itemIdentifier")) for f in response.get("batchItemFailures", []) if isinstance(f, dict)}
    for message_id, message in by_id.items():
        if message_id in failed:
            sqs.change_message_visibility(
                QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
        else:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def _count_groups(drained: Drained, batches: list[list[dict[str, Any]]]) -> None:
    """FIFO message groups of one round's batches (standard queues' messages have none)."""
    seen: set[str] = set()
    for messages in batches:
        groups = {
            str(m["Attributes"]["MessageGroupId"]) for m in messages if "MessageGroupId" in m.get("Attributes", {})
        }
        drained.groups_split_across_batches += len(groups & seen)
        seen |= groups
    drained.peak_groups_in_flight = max(drained.peak_groups_in_flight, len(seen))


def drain_concurrently(
    sqs: Any,
    *,
    queue_url: str,
    queue_arn: str,
    region: str,
    invoke_in: Callable[[int, dict[str, Any]], Invocation],
    batch_size: int,
    pollers: int,
    reserved_concurrency: int | None,
    max_rounds: int,
    max_seconds: float,
    name: str,
) -> Drained:
    """Rounds of ``pollers`` batches in flight at once; those beyond ``reserved_concurrency`` throttled.

    ``invoke_in(poller, event)`` runs a batch in poller ``poller``'s execution environment.
    Stops when the queue is empty or after ``max_rounds`` rounds or ``max_seconds``.
    """
    drained = Drained()
    deadline = time.monotonic() + max_seconds
    empty_rounds = 0
    for _ in range(max_rounds):
        if time.monotonic() > deadline:
            _LOG.warning("drain_queue(%s): stopped after %.0f s", name, max_seconds)
            break
        batches: list[list[dict[str, Any]]] = []
        for _poller in range(pollers):  # every poller receives before any batch is settled
            messages = sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=min(10, batch_size),
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if messages:
                batches.append(messages)
        if not batches:
            depth = queue_depth(sqs, queue_url)
            empty_rounds += 1
            if (depth["visible"] == 0 and depth["delayed"] == 0) or empty_rounds > 20:
                break
            continue
        empty_rounds = 0
        drained.peak_in_flight = max(drained.peak_in_flight, len(batches))
        _count_groups(drained, batches)
        admitted = len(batches) if reserved_concurrency is None else min(len(batches), reserved_concurrency)
        for messages in batches[admitted:]:  # Lambda throttles these: back to the queue, untried
            drained.throttled_batches += 1
            drained.throttled_messages += len(messages)
            _settle(sqs, queue_url, messages, None)
        for poller, messages in enumerate(batches[:admitted]):
            invocation = invoke_in(poller, {"Records": [sqs_record(m, queue_arn, region) for m in messages]})
            drained.append(invocation)
            _settle(sqs, queue_url, messages, invocation)
    return drained


@dataclass
class DrainResult:
    """What :func:`drain_one_at_a_time` did, summed over its invocations."""

    invocations: int = 0
    failed: list[str] = field(default_factory=list)  # message ids answered as failures or raised
    aws_calls: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    logs: list[str] = field(default_factory=list)

    @property
    def writes(self) -> dict[str, int]:
        return {k: v for k, v in sorted(self.aws_calls.items()) if is_write(k)}


class _Account(Protocol):
    """What :func:`drain_one_at_a_time` needs of the account (an ``EmulatedAccount``)."""

    region: str

    def client(self, service_name: str) -> Any: ...
    def physical_id(self, logical_id: str) -> str: ...
    def attribute(self, logical_id: str, name: str) -> Any: ...
    def invoke(
        self, logical_id: str, event: Mapping[str, Any], *, environment: Mapping[str, str] | None
    ) -> Invocation: ...


def drain_one_at_a_time(
    account: _Account,
    queue: str = "OnboardQueue",
    function: str = "OnboardFunction",
    *,
    environment: Mapping[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> DrainResult:
    """Deliver every visible message of ``queue`` to ``function``, one per invocation
    (``BatchSize: 1``), until the queue is empty; a failed message stays invisible (not retried)."""
    sqs = account.client("sqs")
    url = account.physical_id(queue)
    arn = account.attribute(queue, "Arn")
    result = DrainResult()
    while True:
        answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = answer.get("Messages", [])
        if not messages:
            return result
        for message in messages:
            body = message["Body"]
            event = {
                "Records": [
                    {
                        "messageId": message["MessageId"],
                        "receiptHandle": message["ReceiptHandle"],
                        "body": body,
                        "attributes": {"ApproximateReceiveCount": "1"},
                        "messageAttributes": {},
                        "md5OfBody": hashlib.md5(body.encode()).hexdigest(),  # noqa: S324 - SQS's own checksum
                        "eventSource": "aws:sqs",
                        "eventSourceARN": arn,
                        "awsRegion": account.region,
                    }
                ]
            }
            invocation = account.invoke(function, event, environment=environment)
            result.invocations += 1
            result.aws_calls.update(invocation.aws_calls)
            result.logs.extend(invocation.logs)
            failures = {f.get("itemIdentifier") for f in (invocation.response or {}).get("batchItemFailures", [])}
            if invocation.error is not None or message["MessageId"] in failures:
                result.failed.append(message["MessageId"])
                result.outcomes["failed"] += 1
            else:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                result.outcomes["ok"] += 1
            if progress is not None:
                progress(result.invocations)
