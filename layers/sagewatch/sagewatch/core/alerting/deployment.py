"""Is the endpoint being deployed? Told from its DescribeEndpoint, read with an ALARM's context.

SageMaker's statuses (API Reference "EndpointSummary", EndpointStatus): ``Updating``
(UpdateEndpoint or UpdateEndpointWeightsAndCapacities is executing), ``SystemUpdating``
(SageMaker's own maintenance), ``RollingBack`` (a failed scale or weight change going back to
the previous configuration), ``UpdateRollbackFailed`` (both the rolling deployment and its
rollback failed). An update that fails can also leave the endpoint ``InService`` on its previous
configuration with a ``FailureReason`` ("If the status of the endpoint is Failed, or the status
is InService but update operation fails, this provides the reason why it failed", API Reference
"DescribeEndpoint"). ``LastModifiedTime`` is when the endpoint last changed: for an endpoint
being updated, when the deployment started.

An alert of an endpoint alarm that fires while one of these holds says so, with since when: an
error-rate rise during a deployment is exactly what people must see, and with the deployment
named beside it. Which alarms are held during a deployment instead is decided in
``core.monitoring.mute_rules`` (``HELD_DURING_DEPLOYMENT``).

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sagewatch.core.alerting.presentation import one_line

_IN_PROGRESS = {
    "Updating": "Deployment in progress",
    "SystemUpdating": "SageMaker maintenance (system update) in progress",
    "RollingBack": "Rolling back a deployment",
}
MAX_REASON = 300


def deployment_note(described: Mapping[str, Any] | None) -> str | None:
    """The alert's deployment line, or None when the endpoint is simply in service."""
    if not described:
        return None
    status = str(described.get("EndpointStatus") or "")
    since = described.get("LastModifiedTime")
    when = f" since {since.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if isinstance(since, datetime) else ""
    reason = one_line(str(described.get("FailureReason") or ""))[:MAX_REASON]
    if status in _IN_PROGRESS:
        return f"{_IN_PROGRESS[status]}{when} (endpoint {status})"
    if status == "UpdateRollbackFailed":
        return f"The deployment and its rollback failed{when}: {reason or 'no FailureReason given'}"
    if status == "InService" and reason:
        return f"The last deployment failed{when}; the endpoint serves its previous configuration: {reason}"
    return None
