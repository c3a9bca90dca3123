"""SQS against botocore's Stubber: the work queue's batches and the held OK's delay."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from sagewatch.adapters.sqs import MAX_DELAY_SECONDS, AlertQueue, WorkQueue
from sagewatch.core.alerting.delivery_record import SETTLED_MARKER
from sagewatch.core.shared.errors import AwsCallError
from sagewatch.core.shared.places import work_group

URL = "https://sqs.us-east-1.amazonaws.com/123456789012/q"


def sqs_client() -> Any:
    return boto3.client("sqs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


class _Recording:
    """An SQS client that accepts every batch and keeps its entries."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def send_message_batch(self, *, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803 - boto3's names
        self.entries.extend(Entries)
        return {"Successful": [{"Id": e["Id"]} for e in Entries], "Failed": []}


def test_work_goes_out_ten_messages_per_batch() -> None:
    client = sqs_client()
    messages = [{"endpoint": f"e{i:02d}"} for i in range(23)]
    with Stubber(client) as stubber:
        for size in (10, 10, 3):
            stubber.add_response(
                "send_message_batch",
                {"Successful": [], "Failed": []},
                {"QueueUrl": URL, "Entries": [{"Id": ANY, "MessageBody": ANY}] * size},
            )
        assert WorkQueue(client, URL).send(messages) == 3
        stubber.assert_no_pending_responses()


def test_to_a_fifo_queue_each_message_names_its_place_lane_and_a_deduplication_id() -> None:
    client = _Recording()
    fifo_url = URL + ".fifo"
    messages = [
        {"endpoint": "fraud", "run": "r1"},
        {"endpoint": "fraud", "run": "r1", "account": "222222222222", "region": "eu-west-1"},
        {"endpoint": "churn", "run": "r1", "account": "222222222222", "region": "eu-west-1"},
    ]
    queue = WorkQueue(client, fifo_url)
    assert queue.fifo
    assert queue.send(messages) == 1
    sent = client.entries
    groups = [e["MessageGroupId"] for e in sent]
    assert groups[0] == work_group(None, None, "fraud")
    assert groups[1] == work_group("222222222222", "eu-west-1", "fraud")
    assert groups[2] == work_group("222222222222", "eu-west-1", "churn")
    assert groups[0].startswith("here#") and groups[1].startswith("222222222222/eu-west-1#")
    # The same body (a batch sent again) has the same ID; another body, another ID.
    ids = [e["MessageDeduplicationId"] for e in sent]
    assert len(set(ids)) == 3
    assert ids[0] == hashlib.sha256(sent[0]["MessageBody"].encode()).hexdigest()


def test_to_a_standard_queue_messages_carry_no_group() -> None:
    client = _Recording()
    assert WorkQueue(client, URL).send([{"endpoint": "fraud"}]) == 1
    assert set(client.entries[0]) == {"Id", "MessageBody"}


def test_a_refused_entry_fails_the_send() -> None:
    client = sqs_client()
    refused = {"Id": "0", "SenderFault": True, "Code": "InvalidMessageContents", "Message": "bad"}
    with Stubber(client) as stubber:
        stubber.add_response("send_message_batch", {"Successful": [], "Failed": [refused]})
        with pytest.raises(AwsCallError, match="InvalidMessageContents"):
            WorkQueue(client, URL).send([{"endpoint": "e"}])


def test_a_held_ok_waits_at_most_what_sqs_allows_and_says_it_waited() -> None:
    client = sqs_client()
    envelope = {"Type": "Notification", "MessageId": "m-1", "Message": "{}"}
    with Stubber(client) as stubber:
        body = json.dumps({**envelope, SETTLED_MARKER: True})
        stubber.add_response(
            "send_message",
            {"MessageId": "q-1"},
            {"QueueUrl": URL, "MessageBody": body, "DelaySeconds": MAX_DELAY_SECONDS},
        )
        AlertQueue(client, URL).hold(envelope, delay_seconds=3600)
        stubber.assert_no_pending_responses()
