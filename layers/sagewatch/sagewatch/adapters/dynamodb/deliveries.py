"""The delivery table's alert items: what went out and what the people were told, in one item.

SNS and SQS deliver at least once, and a batch may be retried after some of its alerts were sent.
Every send is therefore claimed first and completed after, per (SNS MessageId, destination). The
same table keeps the *incidents* (core.alerting.incident): per endpoint (SageWatch's alarms) or
alarm (any other) and destination, which ALARMs were told there and which still fire (and, in bot
mode, the ``ts`` of the first message, whose thread carries the rest).

Both live in one item per scope (``incident#<incident key>``, or ``message#<MessageId>`` for a
notification that belongs to no incident), so an alert costs two conditional ``UpdateItem`` calls
whatever its number of destinations (docs/delivery.md, "What is recorded where"):

- :meth:`DeliveryRecords.claim` — ``SET`` one claim attribute per destination
  (``c#<MessageId>#<destination>`` = ``{s: INPROGRESS, x: expiry}``) if each is absent or
  expired; ``ReturnValues=ALL_NEW`` answers with the incident records to decide
  from (no ``GetItem``), and a refusal returns the item as it was
  (``ReturnValuesOnConditionCheckFailure=ALL_OLD``, "UpdateItem" in the DynamoDB API reference):
  completed destinations are skipped, held ones reported busy, the others claimed again.
- :meth:`DeliveryRecords.settle` — completes (``s: COMPLETED``, kept a day) or removes each claim
  and writes the incident records decided, each on condition that its token is still the one it
  was decided from. A conflict answers with the fresh records (ALL_OLD again), for the caller to
  decide once more. With a Slack lease still held (:class:`LeaseRelease`) both writes go in one
  ``TransactWriteItems``: one call, but DynamoDB writes each item of a transaction twice (prepare
  and commit) and bills both (developer guide, "Amazon DynamoDB Transactions: How it works").

A crash between Slack's "ok" and the settlement is the one window left: Slack webhooks have no
idempotency key, so that alert goes out again once its in-progress claim expires (the claim lasts
the invocation's remaining time).

Items written before this layout (Powertools idempotency records, ``incident#<destination>#…``)
are not read: a notification delivered just before an upgrade and redelivered after it is sent
again, and an ALARM told before it has its OK suppressed. Both expire by the table's TTL.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sagewatch.adapters.aws import call, call_beside_transactions, error_response
from sagewatch.adapters.dynamodb.channel_lease import ChannelLease
from sagewatch.core.alerting.delivery_record import Claim, Claimed, LeaseRelease, Settlement, Stored
from sagewatch.core.alerting.incident import AlarmTrack, Incident
from sagewatch.core.shared.errors import AwsCallError

RECORD_TTL_SECONDS = 24 * 3600  # a completed claim: longer than a message can live in AlertQueue + redrives of a day
# An open incident is kept a month: an OK after that (an alarm in ALARM for 30 days) is not told.
OPEN_INCIDENT_TTL_SECONDS = 30 * 24 * 3600
# A resolved one only needs to outlive the settle window and late duplicates of its transitions.
RESOLVED_INCIDENT_TTL_SECONDS = 24 * 3600
EXPIRY_ATTRIBUTE = "expiration"  # the table's TimeToLiveSpecification.AttributeName
INPROGRESS, COMPLETED = "INPROGRESS", "COMPLETED"
CLAIM_ATTEMPTS = 3  # a refused claim is retried for the destinations still claimable
PRUNE_PER_WRITE = 20  # expired claims removed by one settlement (keeps the item far below 400 KB)
MAX_PENDING_PRUNES = 1000


class DeliveryRecords:
    """Claims and incident records, one item per incident (or per message), in a table keyed by ``id``."""

    def __init__(self, table_name: str, dynamodb_client: Any, *, clock: Callable[[], float] = time.time) -> None:
        self._table = table_name
        self._client = dynamodb_client
        self._clock = clock
        # Claims past their expiry seen by a claim, removed by the settlement that follows it.
        self._prunable: dict[tuple[str, str], tuple[str, ...]] = {}

    # -- claim -------------------------------------------------------------------------------

    def claim(
        self, incident: str | None, message_id: str, destinations: Sequence[str], *, remaining_ms: int
    ) -> Claimed:
        """Claim ``message_id`` for every destination that may take it; the incidents (of ``incident``,
        the notification's incident key, if any) come with the answer."""
        scope = _scope(incident, message_id)
        claims: dict[str, Claim] = {}
        wanted = list(dict.fromkeys(destinations))
        item: dict[str, Any] = {}
        for _ in range(CLAIM_ATTEMPTS):
            if not wanted:
                break
            now = self._clock()
            refused, item = self._try_claim(scope, message_id, wanted, now, now + remaining_ms / 1000)
            if refused is None:
                claims.update(dict.fromkeys(wanted, Claim.NEW))
                break
            still = []
            for destination in wanted:
                held = refused.get(_claim_name(message_id, destination), {}).get("M")
                state = _claim_state(held, now)
                if state is None:
                    still.append(destination)
                else:
                    claims[destination] = state
            wanted = still
        for destination in wanted:  # kept changing under us: let the next attempt take it
            claims.setdefault(destination, Claim.BUSY)
        now = self._clock()
        if len(self._prunable) > MAX_PENDING_PRUNES:  # settlements that never came (failed sends)
            self._prunable.clear()
        self._prunable[(scope, message_id)] = _expired_claims(item, message_id, now)
        return Claimed(
            claims={d: claims[d] for d in destinations},
            incidents={d: _stored(item.get(_incident_name(d)), now, incident, d) for d in destinations},
        )

    def _try_claim(
        self, scope: str, message_id: str, destinations: Sequence[str], now: float, until: float
    ) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """(None, the item after) if claimed; (the item as it was, same) if refused."""
        names = {"#expiry": EXPIRY_ATTRIBUTE, "#x": "x"}
        sets, conditions = ["#expiry = :expiry"], []
        for index, destination in enumerate(destinations):
            names[f"#c{index}"] = _claim_name(message_id, destination)
            sets.append(f"#c{index} = :claim")
            claim = f"#c{index}"
            conditions.append(f"(attribute_not_exists({claim}) OR {claim}.#x < :now)")
        values = {
            ":claim": {"M": {"s": {"S": INPROGRESS}, "x": {"N": str(int(until) + 1)}}},
            ":now": {"N": str(int(now))},
            ":expiry": {"N": str(int(now) + _ttl(scope))},
        }
        try:
            answer = call_beside_transactions(
                "UpdateItem",
                self._client.update_item,
                TableName=self._table,
                Key=_key(scope),
                UpdateExpression="SET " + ", ".join(sets),
                ConditionExpression=" AND ".join(conditions),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except AwsCallError as exc:
            if exc.code != "ConditionalCheckFailedException":
                raise
            old = _failed_item(exc)
            return old, old
        return None, dict(answer.get("Attributes", {}))

    # -- settle ------------------------------------------------------------------------------

    def settle(
        self,
        incident: str | None,
        message_id: str,
        settlements: Sequence[Settlement],
        *,
        lease: LeaseRelease | None = None,
    ) -> dict[str, Stored]:
        """Complete or give back each claim and write the records; {} when written, else the fresh
        incidents of the destinations whose token changed (nothing was written: decide again)."""
        scope = _scope(incident, message_id)
        ours = {_claim_name(message_id, s.destination) for s in settlements}
        prunable = [n for n in self._prunable.pop((scope, message_id), ()) if n not in ours][:PRUNE_PER_WRITE]
        # A refusal that no token explains came from a pruned claim taken again meanwhile (an
        # expired one claimed by a retry): the same settlement again, without pruning.
        for prune in (prunable, []) if prunable else ([],):
            now = self._clock()
            update = self._settle_update(scope, message_id, settlements, now, prune)
            refused = self._write(update, lease)
            if refused is None:
                return {}
            changed = _changed_incidents(refused, settlements, now, incident)
            if changed:
                return changed
        raise AwsCallError("UpdateItem", "ConditionalCheckFailedException", f"settlement of {scope} refused")

    def _write(self, update: dict[str, Any], lease: LeaseRelease | None) -> dict[str, Any] | None:
        """Write ``update`` (with the lease's release, in one transaction); None if written, else
        the item as it was when its condition refused it."""
        if lease is None:
            try:
                call_beside_transactions(
                    "UpdateItem", self._client.update_item, **update, ReturnValuesOnConditionCheckFailure="ALL_OLD"
                )
            except AwsCallError as exc:
                if exc.code != "ConditionalCheckFailedException":
                    raise
                return _failed_item(exc)
            return None
        release = ChannelLease.release_update(self._table, lease.channel, lease.token, lease.next_at)
        try:
            call(
                "TransactWriteItems",
                self._client.transact_write_items,
                TransactItems=[
                    {"Update": {**update, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
                    {"Update": release},
                ],
            )
        except AwsCallError as exc:
            if exc.code != "TransactionCanceledException":
                raise
            reasons = _cancellation_reasons(exc)
            item_reason = reasons[0] if reasons else {}
            if item_reason.get("Code") == "ConditionalCheckFailed":
                return dict(item_reason.get("Item", {}))  # the lease stays held: the caller retries with it
            # The lease was taken over (it expired and another environment holds the channel), or
            # the transaction met a concurrent one: write and release apart (the release writes
            # only if the channel is still ours or its next_at moves later).
            refused = self._write(update, None)
            ChannelLease.release_write(self._client, release)
            return refused
        return None

    def _settle_update(
        self, scope: str, message_id: str, settlements: Sequence[Settlement], now: float, prune: Sequence[str]
    ) -> dict[str, Any]:
        names: dict[str, str] = {"#expiry": EXPIRY_ATTRIBUTE}
        values: dict[str, Any] = {":expiry": {"N": str(int(now) + _ttl(scope))}}
        sets, removes, conditions = ["#expiry = :expiry"], [], []
        for index, name in enumerate(prune):  # each only while it is still expired
            names[f"#p{index}"], names["#x"] = name, "x"
            values[":now"] = {"N": str(int(now))}
            removes.append(f"#p{index}")
            conditions.append(f"(attribute_not_exists(#p{index}) OR #p{index}.#x < :now)")
        for index, settled in enumerate(settlements):
            names[f"#c{index}"] = _claim_name(message_id, settled.destination)
            if settled.done:
                values[":done"] = {"M": {"s": {"S": COMPLETED}, "x": {"N": str(int(now) + RECORD_TTL_SECONDS)}}}
                sets.append(f"#c{index} = :done")
            else:
                removes.append(f"#c{index}")
            if settled.record is None:
                continue
            names[f"#i{index}"] = _incident_name(settled.destination)
            values[f":i{index}"] = {"M": _incident_item(settled.record, settled.token, now)}
            sets.append(f"#i{index} = :i{index}")
            if settled.token is None:
                conditions.append(f"attribute_not_exists(#i{index})")
            else:
                values[f":v{index}"] = {"N": str(settled.token)}
                names["#v"] = "v"
                conditions.append(f"#i{index}.#v = :v{index}")
        update: dict[str, Any] = {
            "TableName": self._table,
            "Key": _key(scope),
            "UpdateExpression": "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else ""),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        if conditions:
            update["ConditionExpression"] = " AND ".join(conditions)
        return update


def _scope(incident: str | None, message_id: str) -> str:
    return f"incident#{incident}" if incident else f"message#{message_id}"


def _ttl(scope: str) -> int:
    """An incident item lives as long as an open incident may; a message's as long as its claims."""
    return OPEN_INCIDENT_TTL_SECONDS if scope.startswith("incident#") else RECORD_TTL_SECONDS


def _key(scope: str) -> dict[str, Any]:
    return {"id": {"S": scope}}


def _claim_name(message_id: str, destination: str) -> str:
    return f"c#{message_id}#{destination}"


def _incident_name(destination: str) -> str:
    return f"i#{destination}"


def _claim_state(held: Mapping[str, Any] | None, now: float) -> Claim | None:
    """What a refused claim found: DONE, BUSY, or None (absent or expired: claimable again).

    A completed claim lasts a day, like the records it replaced; after that the same MessageId
    (a dead-letter redrive of a day ago) is sent again, and the claim is pruned."""
    if not held or float(held.get("x", {}).get("N", "0")) < int(now):
        return None
    return Claim.DONE if held.get("s", {}).get("S") == COMPLETED else Claim.BUSY


def _failed_item(exc: AwsCallError) -> dict[str, Any]:
    return dict(error_response(exc).get("Item", {}))


def _cancellation_reasons(exc: AwsCallError) -> list[dict[str, Any]]:
    return list(error_response(exc).get("CancellationReasons", []))


def _changed_incidents(
    item: Mapping[str, Any], settlements: Iterable[Settlement], now: float, incident: str | None
) -> dict[str, Stored]:
    """The fresh incidents of the destinations whose stored token is no longer the one decided from."""
    fresh = {
        s.destination: _stored(item.get(_incident_name(s.destination)), now, incident, s.destination)
        for s in settlements
        if s.record is not None
    }
    return {d: stored for d, stored in fresh.items() if stored.token != _token_of(settlements, d)}


def _token_of(settlements: Iterable[Settlement], destination: str) -> int | None:
    return next((s.token for s in settlements if s.destination == destination), None)


def _expired_claims(item: Mapping[str, Any], message_id: str, now: float) -> tuple[str, ...]:
    """Claim attributes of other messages past their expiry (completed a day ago, or abandoned)."""
    return tuple(
        name
        for name, value in item.items()
        if name.startswith("c#")
        and not name.startswith(f"c#{message_id}#")
        and float(value.get("M", {}).get("x", {}).get("N", "0")) < int(now)
    )


def _incident_item(record: Incident, token: int | None, now: float) -> dict[str, Any]:
    ttl = OPEN_INCIDENT_TTL_SECONDS if record.is_open else RESOLVED_INCIDENT_TTL_SECONDS
    item: dict[str, Any] = {
        "v": {"N": str((token or 0) + 1)},
        "x": {"N": str(int(now) + ttl)},
        "opened_at": {"S": record.opened_at.isoformat()},
        "alarms": {"S": json.dumps([_track_item(a) for a in record.alarms], separators=(",", ":"))},
    }
    if record.thread_ts:
        item["ts"] = {"S": record.thread_ts}
    if record.resolved_at is not None:
        item["resolved_at"] = {"S": record.resolved_at.isoformat()}
    return item


def _stored(value: Mapping[str, Any] | None, now: float, key: str | None, destination: str) -> Stored:
    """An incident as stored; past its own expiry it counts as absent (its token still counts)."""
    item = (value or {}).get("M")
    if not item:
        return Stored()
    token = int(item["v"]["N"])
    if int(item.get("x", {}).get("N", "0")) < now:
        return Stored(None, token)
    resolved_text = item.get("resolved_at", {}).get("S")
    record = Incident(
        key or "",
        destination,
        opened_at=datetime.fromisoformat(item["opened_at"]["S"]),
        alarms=tuple(_track(entry) for entry in json.loads(item["alarms"]["S"])),
        thread_ts=item.get("ts", {}).get("S") or None,
        resolved_at=datetime.fromisoformat(resolved_text) if resolved_text else None,
        version=token,
    )
    return Stored(record, token)


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
