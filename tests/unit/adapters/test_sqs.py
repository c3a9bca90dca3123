"""SQS against botocore's Stubber: the work queue's batches and the held OK's delay."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from sagewatch.adapters.sqs import MAX_DELAY_SECONDS, AlertQueue, WorkQueue
from sagewatch.core.alerting.delivery_record import SETTLED_MARKER
from sagewatch.core.shared.errors import AwsCallError

URL = "https://sqs.us-east-1.amazonaws.com/123456789012/q"


def sqs_client() -> Any:
    return boto3.client("sqs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


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
