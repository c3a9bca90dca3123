"""The per-channel lease in DynamoDB, against an in-memory table that applies the two conditions."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from sagewatch.adapters.dynamodb.channel_lease import ChannelLease, item_id
from sagewatch.adapters.rate_limit import NoTimeLeftError

WEBHOOK = "https://hooks.slack.com/services/T000/B000/secret-part"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class LeaseTable:
    """Just enough of UpdateItem/GetItem for the lease's two condition expressions."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []

    def update_item(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append("UpdateItem")
        key = kwargs["Key"]["id"]["S"]
        values = kwargs["ExpressionAttributeValues"]
        item = self.items.get(key, {})
        next_at = float(item["next_at"]) if "next_at" in item else None
        if ":lease" not in values:  # release
            new = float(values[":next"]["N"])
            allowed = item.get("holder") == values[":holder"]["S"] or next_at is None or next_at < new
            if not allowed:
                raise _conditional_check_failed(item)
            self.items[key] = {"next_at": new}
        else:  # acquire: free, or still held by the caller's token
            free = next_at is None or next_at <= float(values[":now"]["N"])
            if not free and item.get("holder") != values[":holder"]["S"]:
                raise _conditional_check_failed(item)
            self.items[key] = {"next_at": float(values[":lease"]["N"]), "holder": values[":holder"]["S"]}
        return {}

    def get_item(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append("GetItem")
        assert kwargs["ConsistentRead"] is True
        item = self.items.get(kwargs["Key"]["id"]["S"])
        return {"Item": {"next_at": {"N": str(item["next_at"])}}} if item else {}


def _conditional_check_failed(item: dict[str, Any]) -> ClientError:
    """The refusal with the item as it was (ReturnValuesOnConditionCheckFailure=ALL_OLD)."""
    old = {"next_at": {"N": str(item["next_at"])}} if "next_at" in item else {}
    error = {"Error": {"Code": "ConditionalCheckFailedException", "Message": "no"}, "Item": old}
    return ClientError(error, "UpdateItem")  # type: ignore[arg-type]


def lease(table: LeaseTable, clock: Clock, tokens: list[str] | None = None) -> ChannelLease:
    names = iter(tokens or [f"t{i}" for i in range(100)])
    return ChannelLease(
        "deliveries", table, lease_seconds=1.3, clock=clock, sleep=clock.sleep, new_token=lambda: next(names)
    )


def test_a_free_channel_is_held_at_once_under_a_hashed_key() -> None:
    table, clock = LeaseTable(), Clock()
    assert lease(table, clock).acquire(WEBHOOK) == "t0"
    assert clock.slept == []
    [key] = table.items
    assert key == item_id(WEBHOOK) and "secret-part" not in key  # a webhook URL is a secret
    assert table.items[key]["next_at"] == pytest.approx(1_001.3)


def test_a_second_environment_waits_until_the_holder_releases_plus_the_interval() -> None:
    table, clock = LeaseTable(), Clock()
    first, second = lease(table, clock, ["a"]), lease(table, clock, ["b"])
    first.acquire(WEBHOOK)
    clock.now += 0.2  # the request took 0.2 s
    first.release(WEBHOOK, "a", 1.0)  # Slack's second counts from its answer
    assert second.acquire(WEBHOOK) == "b"
    assert sum(clock.slept) == pytest.approx(1.0)  # slept until next_at, no busy loop
    assert clock.now == pytest.approx(1_001.2)
    assert "GetItem" not in table.calls  # the refusal carried next_at


def test_a_lease_still_held_is_taken_again_in_one_write_and_a_taken_over_one_is_waited_for() -> None:
    table, clock = LeaseTable(), Clock()
    mine, other = lease(table, clock, ["a"]), lease(table, clock, ["b"])
    mine.acquire(WEBHOOK)
    clock.now += 1.0  # the local limiter kept Slack's second
    assert mine.acquire(WEBHOOK, held="a") == "a" and clock.slept == []
    assert table.calls == ["UpdateItem", "UpdateItem"]
    clock.now += 5.0  # the lease expired; another environment took the channel
    assert other.acquire(WEBHOOK) == "b"
    assert mine.acquire(WEBHOOK, held="a") != "a" or sum(clock.slept) > 0  # not ours any more: it waited
    assert sum(clock.slept) == pytest.approx(1.3)


def test_a_crashed_holder_frees_the_channel_when_its_lease_expires() -> None:
    table, clock = LeaseTable(), Clock()
    lease(table, clock, ["a"]).acquire(WEBHOOK)  # never released
    lease(table, clock, ["b"]).acquire(WEBHOOK)
    assert sum(clock.slept) == pytest.approx(1.3)


def test_a_wait_beyond_the_time_left_raises_instead_of_sleeping() -> None:
    table, clock = LeaseTable(), Clock()
    holder = lease(table, clock, ["a"])
    holder.acquire(WEBHOOK)
    holder.release(WEBHOOK, "a", 30.0)  # Retry-After: 30
    with pytest.raises(NoTimeLeftError) as raised:
        lease(table, clock, ["b"]).acquire(WEBHOOK, time_left=lambda: 20.0, reserve=1.3)
    assert raised.value.delay == pytest.approx(30.0)
    assert clock.slept == []


def test_retry_after_pushes_the_channel_for_everyone_even_without_the_lease() -> None:
    table, clock = LeaseTable(), Clock()
    other = lease(table, clock, ["a"])
    other.acquire(WEBHOOK)  # another environment holds it until 1001.3
    lease(table, clock).release(WEBHOOK, None, 5.0)  # this one was told Retry-After: 5
    assert table.items[item_id(WEBHOOK)]["next_at"] == pytest.approx(1_005.0)
    other.release(WEBHOOK, "a", 1.0)  # the holder's own release cannot shorten it
    assert table.items[item_id(WEBHOOK)]["next_at"] == pytest.approx(1_005.0)


def test_other_errors_are_not_mistaken_for_a_busy_channel() -> None:
    class Denied(LeaseTable):
        def update_item(self, **kwargs: Any) -> dict[str, Any]:
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "UpdateItem")

    with pytest.raises(Exception, match="AccessDeniedException"):
        lease(Denied(), Clock()).acquire(WEBHOOK)
