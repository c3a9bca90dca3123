"""Publish SageWatch's own notices (endpoint failures) onto the alert topic."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from sagewatch.adapters.aws import call


class NoticePublisher:
    def __init__(self, client: Any, topic_arn: str) -> None:
        self._client = client
        self._topic_arn = topic_arn

    def publish(self, subject: str, message: Mapping[str, Any]) -> str:
        result = call(
            "Publish",
            self._client.publish,
            TopicArn=self._topic_arn,
            Subject=subject[:100],
            Message=json.dumps(message, sort_keys=True),
        )
        return str(result.get("MessageId", ""))


def subscribe_queue(
    client: Any, topic_arn: str, queue_arn: str, *, sleep: Callable[[float], None] | None = None
) -> str:
    """Subscribe the SQS queue ``queue_arn`` to ``topic_arn``, as the queue's owner, with a client in
    the topic's region ("Sending Amazon SNS messages to an Amazon SQS queue in a different account":
    a subscription the queue owner creates needs no confirmation). Raw delivery stays off, so
    NotifyFunction receives the SNS envelope (MessageId, TopicArn) as from the hub's own topic."""
    result = call(
        "Subscribe",
        client.subscribe,
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=queue_arn,
        ReturnSubscriptionArn=True,
        sleep=sleep,
    )
    return str(result.get("SubscriptionArn", ""))
