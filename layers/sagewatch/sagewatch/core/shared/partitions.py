"""Which AWS partition a region belongs to, from the region's name alone.

The prefixes are those of the ``regionRegex`` of each partition in the SDKs' partition metadata
(botocore ``data/partitions.json``): a region name never moves between partitions, so no API
call or ARN is needed to know where its console and its ARNs live.
"""

from __future__ import annotations

COMMERCIAL = "aws"

# No prefix is the start of another ("us-iso-" ends with its hyphen: it does not match "us-isob-1").
_PARTITION_BY_PREFIX = (
    ("cn-", "aws-cn"),
    ("us-gov-", "aws-us-gov"),
    ("us-iso-", "aws-iso"),
    ("us-isob-", "aws-iso-b"),
    ("us-isof-", "aws-iso-f"),
    ("eu-isoe-", "aws-iso-e"),
    ("eusc-", "aws-eusc"),
)


def partition(region: str) -> str:
    """``aws-cn`` for ``cn-north-1``, ``aws-us-gov`` for ``us-gov-west-1`` … and ``aws`` for the rest."""
    for prefix, name in _PARTITION_BY_PREFIX:
        if region.startswith(prefix):
            return name
    return COMMERCIAL
