"""Slack's pace shared by every NotifyFunction environment: one lease per channel in DynamoDB.

Slack accepts about one message per second per channel. NotifyFunction runs without reserved
concurrency, so the AlertQueue event source may run several environments at once (at most its
``ScalingConfig.MaximumConcurrency``), each with its own in-process ``RateLimiter``. The pace is
therefore agreed where they all see it: one item per channel in the delivery table,
``{id: "pace#<sha256 of the channel>", next_at, holder, expiration}``.

- :meth:`ChannelLease.acquire` — a conditional ``UpdateItem``: ``SET next_at = now + lease``
  if ``attribute_not_exists(next_at) OR next_at <= :now`` (or the caller still holds it: ``holder
  = :token``, a second request of the same environment, e.g. a chart after its message). One
  environment at a time holds a channel; the lease (``min_interval`` + the Slack request timeout)
  frees a channel by itself if its holder crashed. Refused (``ConditionalCheckFailedException``),
  the refusal carries the item (``ReturnValuesOnConditionCheckFailure=ALL_OLD``), so it sleeps
  until its ``next_at`` without reading it — never longer than the invocation can afford
  (:class:`NoTimeLeftError`, like ``RateLimiter.wait``) — and tries again, a bounded number of times.
- :meth:`ChannelLease.release` — after the request answered: ``next_at = now + seconds`` where
  ``seconds`` is Slack's interval (its second counts from the message it accepted) or a
  ``Retry-After``, which thereby holds the channel back for every environment. It is written
  if this environment still holds the lease, or if it pushes ``next_at`` later. After a request
  Slack accepted, the release rides on the alert's settlement instead (:meth:`release_update`,
  one ``TransactWriteItems`` with the delivery records, ``adapters.dynamodb.deliveries``).

Times are wall-clock seconds (``time.time``): environments on different hosts share them.
The channel key is hashed because a webhook channel is its URL, which is a secret.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from typing import Any

from sagewatch.adapters.aws import call_beside_transactions, error_response
from sagewatch.adapters.rate_limit import NoTimeLeftError
from sagewatch.core.shared.errors import AwsCallError

KEY_PREFIX = "pace#"
EXPIRY_ATTRIBUTE = "expiration"  # the delivery table's TimeToLiveSpecification.AttributeName
ITEM_TTL_SECONDS = 24 * 3600  # an idle channel's item goes away by itself
MIN_RETRY_DELAY = 0.01  # seconds: a refused acquire never spins
MAX_ACQUIRE_ATTEMPTS = 1000  # with MIN_RETRY_DELAY, longer than any invocation may wait

_ACQUIRE = "attribute_not_exists(next_at) OR next_at <= :now OR holder = :holder"
_RELEASE = "holder = :holder OR attribute_not_exists(next_at) OR next_at < :next"


def item_id(channel: str) -> str:
    """The channel's item key: a hash, so that a webhook URL never lands in the table."""
    return KEY_PREFIX + hashlib.sha256(channel.encode()).hexdigest()


class ChannelLease:
    """Per-channel "next allowed send time" in a DynamoDB table keyed by ``id`` (string)."""

    def __init__(
        self,
        table_name: str,
        dynamodb_client: Any,
        *,
        lease_seconds: float,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        new_token: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self._table = table_name
        self._client = dynamodb_client
        self.lease_seconds = lease_seconds
        self._clock = clock
        self._sleep = sleep
        self._new_token = new_token

    def acquire(
        self,
        channel: str,
        *,
        time_left: Callable[[], float] | None = None,
        reserve: float = 0.0,
        held: str | None = None,
    ) -> str:
        """Wait until ``channel`` is free, hold it, and return the holder token for :meth:`release`.

        ``held``: the token of a lease this environment has not released yet (taken again at once
        if nobody took it over; the caller's own limiter kept the interval).
        """
        token = held or self._new_token()
        for _ in range(MAX_ACQUIRE_ATTEMPTS):
            now = self._clock()
            refused = self._try_acquire(channel, token, now)
            if refused is None:
                return token
            delay = max(MIN_RETRY_DELAY, refused - now)
            if time_left is not None and delay + reserve > time_left():
                raise NoTimeLeftError(delay)
            self._sleep(delay)
        raise NoTimeLeftError(MIN_RETRY_DELAY)  # pragma: no cover - bounded by the time left first

    def release(self, channel: str, token: str | None, seconds: float) -> None:
        """``channel``'s next send no sooner than ``seconds`` from now, for every environment.

        ``token`` is what :meth:`acquire` returned (None: not held, e.g. a second Retry-After);
        without the lease the write only happens if it pushes ``next_at`` later.
        """
        self.release_write(
            self._client, self.release_update(self._table, channel, token, self._clock() + max(0.0, seconds))
        )

    @staticmethod
    def release_update(table: str, channel: str, token: str | None, next_at: float) -> dict[str, Any]:
        """The release as an ``Update`` (``UpdateItem`` parameters, or one action of a transaction)."""
        return {
            "TableName": table,
            "Key": {"id": {"S": item_id(channel)}},
            "UpdateExpression": "SET next_at = :next, #expiry = :expiry REMOVE holder",
            "ConditionExpression": _RELEASE,
            "ExpressionAttributeNames": {"#expiry": EXPIRY_ATTRIBUTE},
            "ExpressionAttributeValues": {
                ":next": {"N": _number(next_at)},
                ":holder": {"S": token or "-"},
                ":expiry": {"N": str(int(next_at) + ITEM_TTL_SECONDS)},
            },
        }

    @staticmethod
    def release_write(client: Any, update: dict[str, Any]) -> None:
        try:
            call_beside_transactions("UpdateItem", client.update_item, **update)
        except AwsCallError as exc:
            if exc.code != "ConditionalCheckFailedException":
                raise
            # Another environment holds the channel now, with a later next_at: nothing to do.

    def _try_acquire(self, channel: str, token: str, now: float) -> float | None:
        """None if held now, else the channel's ``next_at`` (from the refusal, not a read)."""
        try:
            call_beside_transactions(
                "UpdateItem",
                self._client.update_item,
                TableName=self._table,
                Key={"id": {"S": item_id(channel)}},
                UpdateExpression="SET next_at = :lease, holder = :holder, #expiry = :expiry",
                ConditionExpression=_ACQUIRE,
                ExpressionAttributeNames={"#expiry": EXPIRY_ATTRIBUTE},
                ExpressionAttributeValues={
                    ":now": {"N": _number(now)},
                    ":lease": {"N": _number(now + self.lease_seconds)},
                    ":holder": {"S": token},
                    ":expiry": {"N": str(int(now) + ITEM_TTL_SECONDS)},
                },
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except AwsCallError as exc:
            if exc.code != "ConditionalCheckFailedException":
                raise
            item = error_response(exc).get("Item", {})
            return float(item["next_at"]["N"]) if "next_at" in item else now + MIN_RETRY_DELAY
        return None


def _number(seconds: float) -> str:
    return f"{seconds:.6f}"
