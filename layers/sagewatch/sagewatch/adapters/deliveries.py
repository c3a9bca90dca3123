"""What already went out: one record per (SNS MessageId, destination), and bot-mode threads.

SNS and SQS deliver at least once, and a batch may be retried after some of its alerts were
sent. Every send is therefore claimed first and completed after, with Powertools' idempotency
records (``DynamoDBPersistenceLayer``, the same items and states ``@idempotent_function``
writes: INPROGRESS with an in-progress expiry taken from the Lambda's remaining time, then
COMPLETED with a TTL). The decorator is not used directly because a digest covers many
notifications at once: each of them is claimed under its own key.

A crash between Slack's "ok" and the COMPLETED write is the one window left: Slack webhooks
have no idempotency key, so that alert would go out again once the in-progress claim expires.

The same table keeps the *incidents*: per endpoint (SageWatch's alarms) or alarm (any other) and
destination, which ALARMs were told there and which still fire (and, in bot mode, the ``ts`` of
the first message, whose thread carries the rest), so that an OK is told only where its ALARM was
and once per incident (core.alerting.incident). Items expire by the table's TTL attribute.
"""

from __future__ import annotations

import enum
import json
import time
from datetime import datetime
from typing import Any

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)

from sagewatch.adapters.aws import call
from sagewatch.core.alerting.incident import ALARM_ARN_MARKER, AlarmTrack, Incident
from sagewatch.core.shared.errors import AwsCallError

RECORD_TTL_SECONDS = 24 * 3600  # longer than a message can live in AlertQueue + redrives of a day
# An open incident is kept a month: an OK after that (an alarm in ALARM for 30 days) is not told.
OPEN_INCIDENT_TTL_SECONDS = 30 * 24 * 3600
# A resolved one only needs to outlive the settle window and late duplicates of its transitions.
RESOLVED_INCIDENT_TTL_SECONDS = 24 * 3600
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


class IncidentStore:
    """Incident records (``incident#<destination>#<incident key>``), written only conditionally.

    Every write names the version it read: a concurrent writer makes it fail instead of being
    overwritten, and the caller decides again from the fresh record (no lost update). An item
    past its expiry counts as absent even before DynamoDB's TTL sweep removes it.

    Records written before incidents became endpoint-level were keyed by alarm ARN and had no
    ``alarms`` attribute. An alarm SageWatch does not own keeps that key, and such a record is read
    as an incident of that one alarm (still firing unless resolved). SageWatch's own alarms now use
    the endpoint's key (``…:endpoint/<name>``, never an alarm ARN), so their old per-alarm records
    are no longer read and expire by their TTL (30 days open, 1 day resolved): an ALARM told before
    the upgrade whose OK comes after it is not resolved in Slack, which beats mixing both shapes.
    """

    def __init__(self, table_name: str, dynamodb_client: Any, *, clock: Any = time.time) -> None:
        self._table = table_name
        self._client = dynamodb_client
        self._clock = clock

    @staticmethod
    def _key(key: str, destination: str) -> dict[str, Any]:
        return {"id": {"S": f"incident#{destination}#{key}"}}

    def get(self, key: str, destination: str) -> Incident | None:
        item = call(
            "GetItem",
            self._client.get_item,
            TableName=self._table,
            Key=self._key(key, destination),
            ConsistentRead=True,
        ).get("Item")
        if not item or int(item.get(EXPIRY_ATTRIBUTE, {}).get("N", "0")) < self._clock():
            return None
        resolved_text = item.get("resolved_at", {}).get("S")
        resolved = datetime.fromisoformat(resolved_text) if resolved_text else None
        if "alarms" in item:
            alarms = tuple(_track(entry) for entry in json.loads(item["alarms"]["S"]))
        else:  # a per-alarm record from before endpoint-level incidents (see the class docstring)
            alarms = (
                AlarmTrack(
                    key.split(ALARM_ARN_MARKER, 1)[-1],
                    int(item.get("fired", {}).get("N", "1")),
                    datetime.fromisoformat(item["last_alarm_at"]["S"]),
                    resolved,
                ),
            )
        return Incident(
            key,
            destination,
            opened_at=datetime.fromisoformat(item["opened_at"]["S"]),
            alarms=alarms,
            thread_ts=item.get("ts", {}).get("S") or None,
            resolved_at=resolved,
            version=int(item.get("version", {}).get("N", "1")),
        )

    def save(self, record: Incident) -> bool:
        """Write ``record`` if the stored one is still version ``record.version - 1``; False on a conflict."""
        now = int(self._clock())
        ttl = OPEN_INCIDENT_TTL_SECONDS if record.is_open else RESOLVED_INCIDENT_TTL_SECONDS
        item: dict[str, Any] = {
            **self._key(record.key, record.destination),
            "opened_at": {"S": record.opened_at.isoformat()},
            "last_alarm_at": {"S": record.last_alarm_at.isoformat()},
            "fired": {"N": str(record.fired)},
            "alarms": {"S": json.dumps([_track_item(a) for a in record.alarms], separators=(",", ":"))},
            "version": {"N": str(record.version)},
            EXPIRY_ATTRIBUTE: {"N": str(now + ttl)},
        }
        if record.thread_ts:
            item["ts"] = {"S": record.thread_ts}
        if record.resolved_at is not None:
            item["resolved_at"] = {"S": record.resolved_at.isoformat()}
        if record.version <= 1:  # a new incident: nothing there, or only an expired one
            condition = "attribute_not_exists(id) OR #expiry < :now"
            values: dict[str, Any] = {":now": {"N": str(now)}}
            names = {"#expiry": EXPIRY_ATTRIBUTE}
        else:
            condition = "#version = :read OR attribute_not_exists(id) OR #expiry < :now"
            values = {":read": {"N": str(record.version - 1)}, ":now": {"N": str(now)}}
            names = {"#version": "version", "#expiry": EXPIRY_ATTRIBUTE}
        try:
            call(
                "PutItem",
                self._client.put_item,
                TableName=self._table,
                Item=item,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except AwsCallError as exc:
            if exc.code == "ConditionalCheckFailedException":
                return False
            raise
        return True


def _track_item(track: AlarmTrack) -> dict[str, Any]:
    item: dict[str, Any] = {"name": track.name, "fired": track.fired, "alarm_at": track.last_alarm_at.isoformat()}
    if track.ok_at is not None:
        item["ok_at"] = track.ok_at.isoformat()
    return item


def _track(item: dict[str, Any]) -> AlarmTrack:
    ok_at = item.get("ok_at")
    return AlarmTrack(
        str(item["name"]),
        int(item["fired"]),
        datetime.fromisoformat(item["alarm_at"]),
        datetime.fromisoformat(ok_at) if ok_at else None,
    )
