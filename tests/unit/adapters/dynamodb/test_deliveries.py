"""The delivery records (claims and incidents, one item per incident) against DynamoDB's own
condition, update and transaction semantics: moto runs in-process here (``mock_aws``: no server,
no network), so every expression the adapter sends is parsed and evaluated."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from sagewatch.adapters.dynamodb.channel_lease import ChannelLease, item_id
from sagewatch.adapters.dynamodb.deliveries import DeliveryRecords
from sagewatch.core.alerting.delivery_record import Claim, LeaseRelease, Settlement
from sagewatch.core.alerting.incident import AlarmTrack, Incident

TABLE = "deliveries"
KEY = "arn:aws:cloudwatch:us-east-1:123456789012:endpoint/fraud-scorer"
AT = datetime(2026, 11, 28, 3, 12, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class CountingClient:
    """The real (moto) client, counting the calls the adapter makes."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)

        def counted(**kwargs: Any) -> Any:
            self.calls.append(name)
            return method(**kwargs)

        return counted


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[CountingClient]:
    # In-process moto answers only where no endpoint URL sends the client elsewhere (a process
    # that also ran an emulated account may have one in its environment).
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        raw = boto3.client("dynamodb", region_name="us-east-1")
        raw.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield CountingClient(raw)


def opened(destination: str, alarm: str = "p99") -> Incident:
    return Incident(KEY, destination, opened_at=AT, alarms=(AlarmTrack(alarm, 1, AT),))


def test_one_write_claims_every_destination_and_one_write_records_them(client: CountingClient) -> None:
    records = DeliveryRecords(TABLE, client, clock=Clock())
    claimed = records.claim(KEY, "m1", ["slack:a", "email"], remaining_ms=30_000)
    assert claimed.claims == {"slack:a": Claim.NEW, "email": Claim.NEW}
    assert claimed.incident("slack:a").record is None and claimed.incident("slack:a").token is None
    settled = [Settlement(d, True, opened(d), None) for d in ("slack:a", "email")]
    assert records.settle(KEY, "m1", settled) == {}
    assert client.calls == ["update_item", "update_item"]
    again = records.claim(KEY, "m2", ["slack:a", "email"], remaining_ms=30_000)  # the incident's next alert
    stored = again.incident("email")
    assert stored.token == 1 and stored.record is not None and stored.record.firing == ("p99",)
    assert stored.record.key == KEY and stored.record.destination == "email"


def test_a_redelivery_is_answered_by_the_refusal_alone(client: CountingClient) -> None:
    records = DeliveryRecords(TABLE, client, clock=Clock())
    records.claim(KEY, "m1", ["slack:a", "email"], remaining_ms=30_000)
    records.settle(KEY, "m1", [Settlement("slack:a", True), Settlement("email", False)])  # e-mail failed
    client.calls.clear()
    again = records.claim(KEY, "m1", ["slack:a", "email"], remaining_ms=30_000)
    assert again.claims == {"slack:a": Claim.DONE, "email": Claim.NEW}  # only the e-mail is sent again
    assert client.calls == ["update_item", "update_item"]  # refused (with the item), then the rest claimed
    client.calls.clear()
    records.settle(KEY, "m1", [Settlement("email", True)])
    assert records.claim(KEY, "m1", ["slack:a", "email"], remaining_ms=30_000).claims == {
        "slack:a": Claim.DONE,
        "email": Claim.DONE,
    }
    assert client.calls == ["update_item", "update_item"]  # the settlement, and one refused claim: no read


def test_a_claim_held_elsewhere_is_busy_until_it_expires(client: CountingClient) -> None:
    clock = Clock()
    records = DeliveryRecords(TABLE, client, clock=clock)
    records.claim(None, "m1", ["slack:a"], remaining_ms=10_000)  # a crashed attempt (no incident: a message item)
    assert records.claim(None, "m1", ["slack:a"], remaining_ms=10_000).claims == {"slack:a": Claim.BUSY}
    clock.now += 12
    assert records.claim(None, "m1", ["slack:a"], remaining_ms=10_000).claims == {"slack:a": Claim.NEW}


def test_a_stale_token_is_refused_with_the_fresh_record_and_nothing_is_written(client: CountingClient) -> None:
    records = DeliveryRecords(TABLE, client, clock=Clock())
    first = records.claim(KEY, "m1", ["slack:a"], remaining_ms=30_000)
    second = records.claim(KEY, "m2", ["slack:a"], remaining_ms=30_000)  # both read "no incident"
    assert records.settle(KEY, "m1", [Settlement("slack:a", True, opened("slack:a", "p99"), None)]) == {}
    conflict = records.settle(
        KEY, "m2", [Settlement("slack:a", True, opened("slack:a", "avg"), second.incident("slack:a").token)]
    )
    fresh = conflict["slack:a"]
    assert fresh.token == 1 and fresh.record is not None and fresh.record.firing == ("p99",)
    assert records.claim(KEY, "m2", ["slack:a"], remaining_ms=30_000).claims == {"slack:a": Claim.BUSY}  # not settled
    assert first.claims == {"slack:a": Claim.NEW}


def test_the_lease_is_released_in_the_same_transaction(client: CountingClient) -> None:
    clock = Clock()
    lease = ChannelLease(TABLE, client, lease_seconds=3.0, clock=clock, new_token=lambda: "mine")
    records = DeliveryRecords(TABLE, client, clock=clock)
    records.claim(KEY, "m1", ["slack:a"], remaining_ms=30_000)
    token = lease.acquire("webhook:https://hooks.example/x")
    release = LeaseRelease("webhook:https://hooks.example/x", token, clock.now + 1.0)
    client.calls.clear()
    assert records.settle(KEY, "m1", [Settlement("slack:a", True, opened("slack:a"), None)], lease=release) == {}
    assert client.calls == ["transact_write_items"]
    item = client.get_item(TableName=TABLE, Key={"id": {"S": item_id(release.channel)}})["Item"]
    assert float(item["next_at"]["N"]) == pytest.approx(clock.now + 1.0) and "holder" not in item


def test_a_lease_taken_over_does_not_lose_the_settlement(client: CountingClient) -> None:
    clock = Clock()
    records = DeliveryRecords(TABLE, client, clock=clock)
    records.claim(KEY, "m1", ["slack:a"], remaining_ms=30_000)
    other = ChannelLease(TABLE, client, lease_seconds=3.0, clock=clock, new_token=lambda: "theirs")
    other.acquire("webhook:x")  # our lease expired meanwhile and another environment holds the channel
    late = LeaseRelease("webhook:x", "mine", clock.now + 1.0)  # earlier than their next_at
    assert records.settle(KEY, "m1", [Settlement("slack:a", True, opened("slack:a"), None)], lease=late) == {}
    assert records.claim(KEY, "m1", ["slack:a"], remaining_ms=30_000).claims == {"slack:a": Claim.DONE}
    item = client.get_item(TableName=TABLE, Key={"id": {"S": item_id("webhook:x")}})["Item"]
    assert item["holder"]["S"] == "theirs"  # their lease untouched


def test_expired_claims_of_other_messages_are_pruned_by_the_next_settlement(client: CountingClient) -> None:
    clock = Clock()
    records = DeliveryRecords(TABLE, client, clock=clock)
    records.claim(KEY, "old", ["slack:a"], remaining_ms=30_000)
    records.settle(KEY, "old", [Settlement("slack:a", True)])
    clock.now += 2 * 24 * 3600  # the completed claim is past its day
    records.claim(KEY, "new", ["slack:a"], remaining_ms=30_000)
    records.settle(KEY, "new", [Settlement("slack:a", True)])
    item = client.get_item(TableName=TABLE, Key={"id": {"S": f"incident#{KEY}"}})["Item"]
    assert [name for name in item if name.startswith("c#")] == ["c#new#slack:a"]


def test_a_pruned_claim_taken_again_meanwhile_is_kept(client: CountingClient) -> None:
    clock = Clock()
    records = DeliveryRecords(TABLE, client, clock=clock)
    records.claim(KEY, "old", ["slack:a"], remaining_ms=30_000)
    records.settle(KEY, "old", [Settlement("slack:a", True)])
    clock.now += 2 * 24 * 3600
    records.claim(KEY, "new", ["slack:a"], remaining_ms=30_000)  # sees "old" expired: to prune
    redrive = DeliveryRecords(TABLE, client, clock=clock)  # another environment: a redrive of "old"
    assert redrive.claim(KEY, "old", ["slack:a"], remaining_ms=30_000).claims == {"slack:a": Claim.NEW}
    assert records.settle(KEY, "new", [Settlement("slack:a", True)]) == {}
    assert records.claim(KEY, "old", ["slack:a"], remaining_ms=30_000).claims == {"slack:a": Claim.BUSY}


def test_a_write_meeting_a_transaction_is_retried() -> None:
    class Conflicting:
        def __init__(self) -> None:
            self.calls = 0

        def update_item(self, **kwargs: Any) -> dict[str, Any]:
            self.calls += 1
            if self.calls == 1:
                error = {"Error": {"Code": "TransactionConflictException", "Message": "in progress"}}
                raise ClientError(error, "UpdateItem")  # type: ignore[arg-type]
            return {"Attributes": {}}

    conflicting = Conflicting()
    claimed = DeliveryRecords(TABLE, conflicting, clock=Clock()).claim(None, "m1", ["email"], remaining_ms=1000)
    assert claimed.claims == {"email": Claim.NEW} and conflicting.calls == 2
