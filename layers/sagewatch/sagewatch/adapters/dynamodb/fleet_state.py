"""The fleet state table in DynamoDB: what SageWatch applied to each endpoint, and the reconcile's checkpoint.

Every call goes through ``adapters.aws.call`` (throttling retried with backoff, other errors
turned into ``AwsCallError``); the Scan pages through the whole table.

One store serves one place (``core.shared.places``): the hub's own (``place=None``: items keyed by
the bare endpoint name, as a single-account stack always wrote them) or one spoke account-region
(items keyed ``<account>/<region>/<endpoint>``). A scan returns only its own place's items, so two
accounts with an endpoint of the same name never see each other's state.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from sagewatch.adapters.aws import call
from sagewatch.adapters.pagination import DYNAMODB_START_KEY, items
from sagewatch.core.fleet.plan import AppliedState
from sagewatch.core.shared.places import Place, place_of_key, scoped_key, unscoped_key

if TYPE_CHECKING:
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

CHECKPOINT_KEY = "#reconcile"  # not a valid endpoint name, so it never collides with one
SUBSCRIBED_KEY = "#subscribed"  # a spoke's topic the hub's AlertQueue was subscribed to (once)


@functools.cache
def _codec() -> tuple[TypeSerializer, TypeDeserializer]:
    """DynamoDB's attribute-value codec, imported with the state table's first use: it lives in
    boto3, which no path that only imports this module needs otherwise."""
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

    return TypeSerializer(), TypeDeserializer()


def _from_dynamodb(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A DynamoDB item (attribute values such as ``{"S": "fraud"}``) as plain Python values."""
    return {key: _codec()[1].deserialize(value) for key, value in raw.items()}


class StateStore:
    """The state table: one item per endpoint (what was applied) and one reconcile checkpoint."""

    def __init__(
        self, client: Any, table: str, sleep: Callable[[float], None] | None = None, *, place: Place | None = None
    ) -> None:
        self._client = client
        self._table = table
        self._sleep = sleep
        self._place = place

    def _key(self, endpoint: str) -> dict[str, Any]:
        return {"endpoint": {"S": scoped_key(self._place, endpoint)}}

    def scan(self) -> tuple[dict[str, AppliedState], dict[str, Any] | None]:
        """(endpoint → state, the reconcile checkpoint or None): one paginated Scan."""
        states: dict[str, AppliedState] = {}
        checkpoint: dict[str, Any] | None = None
        for raw in items(
            "Scan", self._client.scan, "Items", cursor=DYNAMODB_START_KEY, TableName=self._table, sleep=self._sleep
        ):
            item = _from_dynamodb(raw)
            own = unscoped_key(self._place, str(item.get("endpoint", "")))
            if own is None:
                continue  # another place's item
            item["endpoint"] = own
            if own.startswith("#") and own != CHECKPOINT_KEY:
                continue  # a marker (SUBSCRIBED_KEY), not an endpoint
            if own == CHECKPOINT_KEY:
                checkpoint = item
            else:
                state = AppliedState.from_item(item)
                states[state.endpoint] = state
        return states, checkpoint

    def spoke_places(self) -> frozenset[Place]:
        """The spoke account-regions the table holds state of (one paginated Scan of the keys)."""
        found: set[Place] = set()
        for raw in items(
            "Scan",
            self._client.scan,
            "Items",
            cursor=DYNAMODB_START_KEY,
            TableName=self._table,
            sleep=self._sleep,
        ):
            place = place_of_key(str(raw.get("endpoint", {}).get("S", "")))
            if place is not None:
                found.add(place)
        return frozenset(found)

    def get(self, endpoint: str) -> AppliedState | None:
        result = call(
            "GetItem",
            self._client.get_item,
            TableName=self._table,
            Key=self._key(endpoint),
            ConsistentRead=True,
            sleep=self._sleep,
        )
        raw = result.get("Item")
        if not raw:
            return None
        return AppliedState.from_item(_from_dynamodb(raw) | {"endpoint": endpoint})

    def record(self, state: AppliedState) -> bool:
        """Write the state unless the table already holds exactly it (a repeat writes nothing)."""
        if self.get(state.endpoint) == state:
            return False
        self.put(state)
        return True

    def forget(self, endpoint: str) -> bool:
        """Delete the endpoint's record if there is one."""
        if self.get(endpoint) is None:
            return False
        self.delete(endpoint)
        return True

    def put(self, state: AppliedState) -> None:
        self._put(state.to_item())

    def delete(self, endpoint: str) -> None:
        call(
            "DeleteItem",
            self._client.delete_item,
            TableName=self._table,
            Key=self._key(endpoint),
            sleep=self._sleep,
        )

    def subscribed(self) -> str | None:
        """The subscription this place's topic got from the hub, when one was made."""
        result = call(
            "GetItem",
            self._client.get_item,
            TableName=self._table,
            Key=self._key(SUBSCRIBED_KEY),
            ConsistentRead=True,
            sleep=self._sleep,
        )
        raw = result.get("Item")
        return str(_from_dynamodb(raw).get("subscription", "")) if raw else None

    def record_subscription(self, subscription_arn: str) -> None:
        self._put({"endpoint": SUBSCRIBED_KEY, "subscription": subscription_arn})

    def put_checkpoint(self, run_id: str, cursor: str, started: str) -> None:
        self._put({"endpoint": CHECKPOINT_KEY, "run": run_id, "cursor": cursor, "started": started})

    def delete_checkpoint(self) -> None:
        self.delete(CHECKPOINT_KEY)

    def _put(self, item: Mapping[str, Any]) -> None:
        stored = {**item, "endpoint": scoped_key(self._place, str(item["endpoint"]))}
        serialised = {k: _codec()[0].serialize(v) for k, v in stored.items()}
        call("PutItem", self._client.put_item, TableName=self._table, Item=serialised, sleep=self._sleep)
