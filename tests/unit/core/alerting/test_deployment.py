"""An ALARM of an endpoint being deployed says so, and since when (DescribeEndpoint's
EndpointStatus and LastModifiedTime, API Reference "EndpointSummary" and "DescribeEndpoint")."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sagewatch.core.alerting.deployment import deployment_note

SINCE = datetime(2026, 6, 1, 22, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("Updating", "Deployment in progress since 2026-06-01 22:05 UTC (endpoint Updating)"),
        (
            "SystemUpdating",
            "SageMaker maintenance (system update) in progress since 2026-06-01 22:05 UTC (endpoint SystemUpdating)",
        ),
        ("RollingBack", "Rolling back a deployment since 2026-06-01 22:05 UTC (endpoint RollingBack)"),
    ],
)
def test_in_progress(status: str, expected: str) -> None:
    assert deployment_note({"EndpointStatus": status, "LastModifiedTime": SINCE}) == expected


def test_failed_updates_are_said() -> None:
    rolled_back = deployment_note(
        {"EndpointStatus": "InService", "LastModifiedTime": SINCE, "FailureReason": "bad\nimage"}
    )
    assert rolled_back is not None and rolled_back.startswith("The last deployment failed since 2026-06-01 22:05 UTC")
    assert rolled_back.endswith("the endpoint serves its previous configuration: bad image")
    both = deployment_note({"EndpointStatus": "UpdateRollbackFailed", "LastModifiedTime": SINCE})
    assert both is not None and both.startswith("The deployment and its rollback failed since")


@pytest.mark.parametrize("described", [None, {}, {"EndpointStatus": "InService", "LastModifiedTime": SINCE}])
def test_nothing_to_say(described: dict[str, object] | None) -> None:
    assert deployment_note(described) is None
