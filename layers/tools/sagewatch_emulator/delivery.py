"""SNS → SQS → Lambda in one open account, the way alerts travel: ``account.delivery``.

``publish_alert`` publishes to a topic of the stack (moto delivers to its SQS subscriptions);
``drain_queue`` plays the SQS event source mapping (:mod:`.sqs_event_source`) with the function's
settings from the template (its ``ScalingConfig.MaximumConcurrency``, its reserved concurrency).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from sagewatch_emulator.lambda_functions import LambdaFunctions
from sagewatch_emulator.sam.template import Resolver, Template
from sagewatch_emulator.sqs_event_source import (
    DEFAULT_POLLERS,
    Drained,
    drain_concurrently,
    drain_in_batches,
    queue_depth,
)

__all__ = ["Delivery"]


class Delivery:
    """``client`` gives the account's boto3 clients, ``functions`` runs the stack's functions;
    ``physical_id`` and ``attribute`` answer ``!Ref`` and ``!GetAtt`` of the stack's resources."""

    def __init__(
        self,
        template: Template,
        resolver: Resolver,
        client: Callable[[str], Any],
        functions: LambdaFunctions,
        *,
        physical_id: Callable[[str], str],
        attribute: Callable[[str, str], Any],
        region: str,
    ) -> None:
        self._template = template
        self._resolver = resolver
        self._client = client
        self._invoke = functions.invoke
        self._physical_id = physical_id
        self._attribute = attribute
        self._region = region

    def publish_alert(self, message: Mapping[str, Any] | str, *, topic_logical_id: str = "AlertTopic") -> str:
        """Publish to a topic of the stack (moto delivers to its SQS subscriptions); returns the MessageId."""
        text = message if isinstance(message, str) else json.dumps(message)
        answer = self._client("sns").publish(TopicArn=self._physical_id(topic_logical_id), Message=text)
        return str(answer["MessageId"])

    def queue_depth(self, queue_logical_id: str) -> dict[str, int]:
        """ApproximateNumberOfMessages (visible), …NotVisible and …Delayed of a queue of the stack."""
        return queue_depth(self._client("sqs"), self._physical_id(queue_logical_id))

    def drain_queue(
        self,
        queue_logical_id: str,
        function_logical_id: str,
        *,
        batch_size: int = 10,
        max_rounds: int = 500,
        max_seconds: float = 300.0,
        environment: Mapping[str, str] | None = None,
        concurrent: bool = False,
        pollers: int | None = None,
        reserved_concurrency: int | None = None,
    ) -> Drained:
        """Play the SQS event source mapping until the queue is empty (or a bound is reached).

        Each round receives up to ``batch_size`` messages (moto applies the queue's
        RedrivePolicy on receive: a message received ``maxReceiveCount`` times moves to the
        dead-letter queue), invokes the function with a real-shaped SQS event, deletes the
        messages it processed, and makes the ones it reported in ``batchItemFailures`` — or the
        whole batch when the handler raised — visible again at once (ChangeMessageVisibility 0
        stands for the visibility timeout passing). Returns the invocations, in order.

        ``concurrent=True`` (or ``pollers``) plays Lambda's poller with its concurrency
        (``sqs_event_source.drain_concurrently``): ``pollers`` batches in flight per round — by
        default the event source's ``ScalingConfig.MaximumConcurrency``, else 5 — each in an
        execution environment of its own; batches beyond the function's reserved concurrency
        (the template's ``ReservedConcurrentExecutions`` unless ``reserved_concurrency`` is
        given) are throttled: back to the queue untried, their receive counted.
        """
        sqs = self._client("sqs")
        queue_url = self._physical_id(queue_logical_id)
        queue_arn = self._attribute(queue_logical_id, "Arn")
        if not concurrent and pollers is None:
            drained = Drained()
            drained.extend(
                drain_in_batches(
                    sqs,
                    queue_url=queue_url,
                    queue_arn=queue_arn,
                    region=self._region,
                    invoke=lambda event: self._invoke(function_logical_id, event, environment=environment),
                    batch_size=batch_size,
                    max_rounds=max_rounds,
                    max_seconds=max_seconds,
                    name=queue_logical_id,
                )
            )
            return drained
        scaling, reserved = self._event_source_concurrency(function_logical_id, queue_arn)
        return drain_concurrently(
            sqs,
            queue_url=queue_url,
            queue_arn=queue_arn,
            region=self._region,
            invoke_in=lambda poller, event: self._invoke(
                function_logical_id, event, environment=environment, sandbox=f"poller{poller}"
            ),
            batch_size=batch_size,
            pollers=pollers or scaling or DEFAULT_POLLERS,
            reserved_concurrency=reserved_concurrency if reserved_concurrency is not None else reserved,
            max_rounds=max_rounds,
            max_seconds=max_seconds,
            name=queue_logical_id,
        )

    def _event_source_concurrency(self, function_logical_id: str, queue_arn: str) -> tuple[int | None, int | None]:
        """(the SQS event's ScalingConfig.MaximumConcurrency, the function's ReservedConcurrentExecutions)."""
        properties = self._resolver.resolve(
            self._template.properties(function_logical_id), f"{function_logical_id}.Properties"
        )
        reserved = properties.get("ReservedConcurrentExecutions")
        maximum: int | None = None
        for event in (properties.get("Events") or {}).values():
            details = event.get("Properties") or {}
            if event.get("Type") == "SQS" and details.get("Queue") == queue_arn:
                value = (details.get("ScalingConfig") or {}).get("MaximumConcurrency")
                maximum = int(value) if value is not None else None
        return maximum, (int(reserved) if reserved is not None else None)
