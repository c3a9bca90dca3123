"""What already went out: one record per (SNS MessageId, destination), and bot-mode threads.

SNS and SQS deliver at least once, and a batch may be retried after some of its alerts were
sent. Every send is therefore claimed first and completed after, with Powertools' idempotency
records (``DynamoDBPersistenceLayer``, the same items and states ``@idempotent_function``
writes: INPROGRESS with an in-progress expiry taken from the Lambda's remaining time, then
COMPLETED with a TTL). The decorator is not used directly because a digest covers many
notifications at once: each of them is claimed under its own key.

A crash between Slack's "ok" and the COMPLETED write is the one window left: Slack webhooks
have no idempotency key, so that alert would go out again once the in-progress claim expires.

The same table keeps, per alarm ARN, the ``ts`` of the ALARM message posted in bot mode, so
that its OK is posted in that thread (items expire by the table's TTL attribute).
"""

from __future__ import annotations

import enum
import time
from typing import Any

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)

from sagewatch.adapters.aws import call

RECORD_TTL_SECONDS = 24 * 3600  # longer than a message can live in AlertQueue + redrives of a day
THREAD_TTL_SECONDS = 14 * 24 * 3600
EXPIRY_ATTRIBUTE = "expiration"  # the table's TimeToLiveSpecification.AttributeName


class Claim(enum.Enum):
    NEW = "new"  # claimed now: send, then complete() or release()
    DONE = "done"  # already delivered: skip
    BUSY = "busy"  # another (or a crashed) attempt holds it and its claim has not expired: retry later


class DeliveryLedger:
    def __init__(self, table_name: str, dynamodb_client: Any, *, function_name: str = "notify") -> None:
        self._table = table_name
        self._client = dynamodb_client
        self._store = DynamoDBPersistenceLayer(
            table_name=table_name, boto3_client=dynamodb_client, expiry_attr=EXPIRY_ATTRIBUTE
        )
        config = IdempotencyConfig(
            event_key_jmespath="[message_id, destination]",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=RECORD_TTL_SECONDS,
        )
        self._store.configure(config, key_prefix=f"sagewatch-{function_name}-delivery")

    @staticmethod
    def _data(message_id: str, destination: str) -> dict[str, str]:
        return {"message_id": message_id, "destination": destination}

    def claim(self, message_id: str, destination: str, *, remaining_ms: int) -> Claim:
        data = self._data(message_id, destination)
        try:
            self._store.save_inprogress(data, remaining_time_in_millis=remaining_ms)
            return Claim.NEW
        except IdempotencyItemAlreadyExistsError:
            pass
        try:
            record = self._store.get_record(data)
        except IdempotencyItemNotFoundError:
            return Claim.BUSY  # deleted between the two calls: let the next attempt take it
        return Claim.DONE if record is not None and record.status == "COMPLETED" else Claim.BUSY

    def complete(self, message_id: str, destination: str, result: dict[str, Any] | None = None) -> None:
        self._store.save_success(self._data(message_id, destination), result or {})

    def release(self, message_id: str, destination: str, error: Exception) -> None:
        """The send failed: forget the claim, so that the retry sends."""
        self._store.delete_record(self._data(message_id, destination), error)

    # -- bot-mode threads --

    def thread_ts(self, alarm_arn: str) -> str | None:
        item = call(
            "GetItem",
            self._client.get_item,
            TableName=self._table,
            Key={"id": {"S": f"thread#{alarm_arn}"}},
            ConsistentRead=True,
        ).get("Item")
        if not item or int(item.get(EXPIRY_ATTRIBUTE, {}).get("N", "0")) < time.time():
            return None
        ts = item.get("ts", {}).get("S")
        return str(ts) if ts else None

    def remember_thread(self, alarm_arn: str, ts: str) -> None:
        call(
            "PutItem",
            self._client.put_item,
            TableName=self._table,
            Item={
                "id": {"S": f"thread#{alarm_arn}"},
                "ts": {"S": ts},
                EXPIRY_ATTRIBUTE: {"N": str(int(time.time()) + THREAD_TTL_SECONDS)},
            },
        )
