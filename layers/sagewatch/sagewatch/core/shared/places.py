"""Where an endpoint lives: an account and a region, and the names a hub derives from them.

A hub (docs/hub-and-spokes.md) acts in its own account and region with its functions' own
clients, and in a spoke account-region through the role ``<prefix>-spoke-<region>`` that the spoke
template (docs/spoke/spoke.yaml) creates there, whose alarms publish to the topic
``<prefix>-spoke-alerts`` of the same account and region. Both names are fixed by the spoke
template, so their ARNs follow from the place alone: no lookup, no stored list.

Keys: the fleet state table and the delivery ledger stay keyed as they always were for the hub's
own place (an endpoint name; an alarm's incident), so a single-account stack reads every item it
wrote before. A spoke's items carry ``<account>/<region>/`` in front: SageMaker endpoint names and
CloudWatch alarm names of SageWatch never contain ``/`` after the account (endpoint names are
``[a-zA-Z0-9-]``), and no hub key starts with twelve digits and a slash, so the two kinds of key
never collide, and two accounts with an endpoint of the same name never share an item.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from sagewatch.core.shared.partitions import partition

ACCOUNT_ID = re.compile(r"^\d{12}$")
# A region name as AWS spells them (us-east-1, us-gov-west-1, cn-north-1, eusc-de-east-1 ...).
REGION = re.compile(r"^[a-z]{2,5}(-[a-z]+)+-\d{1,2}$")


@dataclass(frozen=True, order=True)
class Place:
    """One account and one region: where an endpoint, its alarms and its dashboard live."""

    account: str
    region: str

    def __post_init__(self) -> None:
        if not ACCOUNT_ID.match(self.account):
            raise ValueError(f"account {self.account!r} is not a 12-digit AWS account ID")
        if not REGION.match(self.region):
            raise ValueError(f"region {self.region!r} is not an AWS region name")

    @property
    def partition(self) -> str:
        return partition(self.region)

    @property
    def key_prefix(self) -> str:
        """What a spoke's state and ledger keys start with (never used for the hub's own place)."""
        return f"{self.account}/{self.region}/"

    def __str__(self) -> str:
        return f"{self.account} {self.region}"


def place_or_none(account: str | None, region: str | None) -> Place | None:
    """The place an event names, or None when it names none (or names it wrongly)."""
    if not account or not region:
        return None
    try:
        return Place(account, region)
    except ValueError:
        return None


def spoke_role_name(prefix: str, region: str) -> str:
    """The role the spoke template creates in each account-region (IAM is global: the region is in the name)."""
    return f"{prefix}-spoke-{region}"


def spoke_role_arn(prefix: str, place: Place) -> str:
    return f"arn:{place.partition}:iam::{place.account}:role/{spoke_role_name(prefix, place.region)}"


def spoke_topic_name(prefix: str) -> str:
    return f"{prefix}-spoke-alerts"


def spoke_topic_arn(prefix: str, place: Place) -> str:
    """The spoke's alert topic: an alarm's actions must name a topic of its own account and region."""
    return f"arn:{place.partition}:sns:{place.region}:{place.account}:{spoke_topic_name(prefix)}"


def scoped_key(place: Place | None, key: str) -> str:
    """``key`` as stored: unchanged for the hub's own place (None), prefixed for a spoke."""
    return key if place is None else place.key_prefix + key


def unscoped_key(place: Place | None, stored: str) -> str | None:
    """The key within ``place`` of a stored key, or None when it belongs to another place."""
    if place is None:
        return None if _SPOKE_KEY.match(stored) else stored
    return stored[len(place.key_prefix) :] if stored.startswith(place.key_prefix) else None


_SPOKE_KEY = re.compile(r"^(\d{12})/([a-z0-9-]+)/")


def place_of_key(stored: str) -> Place | None:
    """The spoke a stored key belongs to (None: the hub's own)."""
    found = _SPOKE_KEY.match(stored)
    return place_or_none(found.group(1), found.group(2)) if found else None


# The fleet worker's lanes per place: OnboardQueue is FIFO and each message's group is its place
# and lane, so Lambda runs at most this many workers per account-region (one per group in flight)
# and places side by side ("Configuring scaling behavior for SQS event source mappings": for FIFO
# queues, concurrent invocations are capped by the number of message group IDs or the maximum
# concurrency, whichever is lower). Two lanes x WorkerWriteTps (1.2) = 2.4 writes/s per place,
# under CloudWatch's PutMetricAlarm quota of 3 TPS per account and region: exactly what a
# single-account stack's two workers did before (docs/hub-and-spokes.md, "Backfills side by side").
WORK_LANES = 2
HERE = "here"  # the hub's own place in a group ID (its messages name no account or region)


def work_group(account: str | None, region: str | None, endpoint: str, lanes: int = WORK_LANES) -> str:
    """The OnboardQueue message group of an endpoint's work: ``<account>/<region>#<lane>`` for a spoke,
    ``here#<lane>`` for the hub's own place. The lane is a stable hash of the endpoint name, so every
    message of one endpoint lands in one group: worked in order, never two at once."""
    lane = int.from_bytes(hashlib.sha256(endpoint.encode()).digest()[:4], "big") % max(1, lanes)
    where = f"{account}/{region}" if account and region else HERE
    return f"{where}#{lane}"
