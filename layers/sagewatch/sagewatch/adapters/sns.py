"""Publish SageWatch's own notices (endpoint failures) onto the alert topic."""

from __future__ import annotations

import json
from collections.abc import Mapping
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
