"""The hub's AlertQueue subscribed to each spoke's alert topic, once (docs/hub-and-spokes.md (b)).

A spoke's alarms publish to ``<prefix>-spoke-alerts`` in their own account and region; the hub's
queue receives them only once it is subscribed, by the queue's owner, in the topic's region. The
reconcile does it at the first run that reaches a spoke, and records it in the fleet state table
(``<account>/<region>/#subscribed``), so later runs make no call: delete that item to subscribe
again (after the spoke stack was re-created, for instance).
"""

from __future__ import annotations

import logging
from typing import Protocol

from sagewatch.core.shared.places import Place, spoke_topic_arn

log = logging.getLogger(__name__)


class SubscriptionRecordsPort(Protocol):
    def subscribed(self) -> str | None: ...
    def record_subscription(self, subscription_arn: str) -> None: ...


class SubscriberPort(Protocol):
    def __call__(self, topic_arn: str, queue_arn: str) -> str:
        """Subscribe the queue to the topic (as the queue's owner, in the topic's region)."""
        ...


def ensure_subscribed(
    place: Place, *, prefix: str, queue_arn: str, records: SubscriptionRecordsPort, subscribe: SubscriberPort
) -> str | None:
    """The new subscription's ARN, or None when the place was subscribed before."""
    if records.subscribed() is not None:
        return None
    topic = spoke_topic_arn(prefix, place)
    subscription = subscribe(topic, queue_arn)
    records.record_subscription(subscription)
    log.info("AlertQueue subscribed to %s", topic, extra={"account": place.account, "region": place.region})
    return subscription
