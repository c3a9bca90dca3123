"""Does an endpoint config have SageMaker AI detailed observability (what SageMaker AI Insights shows)?

SageMaker API reference, "MetricsConfig" (API_MetricsConfig): ``EnableDetailedObservability`` —
"The default value for new endpoint configurations is True. For existing endpoint configurations
created before this feature, the value is False unless explicitly set."
SageMaker developer guide, "Getting started with detailed observability"
(monitoring-detailed-observability-getting-started): "For endpoint configurations created after
June 17, 2026, EnableDetailedObservability defaults to true."

So an explicit flag in DescribeEndpointConfig's ``MetricsConfig`` wins; where the response has none
(an SDK or partition that does not return it yet), the config's CreationTime decides. The guide
says "after June 17" without a time zone: a config created on that day itself is taken as *without*
(a missing link costs less than one to an empty view).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

# The first instant at which a new endpoint config has the flag on by default ("after June 17, 2026").
DEFAULT_ON_SINCE = datetime(2026, 6, 18, tzinfo=UTC)


def has_detailed_observability(config: Mapping[str, Any] | None) -> bool:
    """True when ``config`` (a DescribeEndpointConfig response) has detailed observability on."""
    if not config:
        return False
    metrics = config.get("MetricsConfig")
    if isinstance(metrics, Mapping):
        flag = metrics.get("EnableDetailedObservability")
        if isinstance(flag, bool):
            return flag
    created = config.get("CreationTime")
    if not isinstance(created, datetime):
        return False
    if created.tzinfo is None:  # botocore returns aware datetimes; a naive one is read as UTC
        created = created.replace(tzinfo=UTC)
    return created >= DEFAULT_ON_SINCE
