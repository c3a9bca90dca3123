"""Dashboards are global per account, as on AWS; moto keeps them per region.

PutDashboard API reference and the CloudWatch user guide ("Using Amazon CloudWatch dashboards"):
a dashboard belongs to the account, not to a region — its ARN has an empty region field
(``arn:aws:cloudwatch::123456789012:dashboard/<name>``) and each widget names the region it
shows. moto 5.2.x stores ``CloudWatchBackend.dashboards`` in each region's backend, so two
regional stacks of one account could not see (nor overwrite) each other's dashboards, and the
bug that makes them do so on AWS would go unseen. :func:`dashboards_across_regions` gives every
region's backend of an account (within a partition) the same store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sagewatch_emulator.extensions import MotoExtensions

__all__ = ["dashboards_across_regions"]


def _partition(region: str) -> str:
    from moto.utilities.utils import get_partition

    return str(get_partition(region))


def dashboards_across_regions(extensions: MotoExtensions) -> None:
    """One dashboard store per (account, partition), shared by every region's CloudWatch backend."""
    from moto.cloudwatch.models import CloudWatchBackend

    stores: dict[tuple[str, str], dict[str, Any]] = {}

    def shared(self: Any) -> dict[str, Any]:
        return stores.setdefault((str(self.account_id), _partition(str(self.region_name))), {})

    def ignore_reset(self: Any, _value: dict[str, Any]) -> None:
        # moto's __init__ assigns an empty dict per region backend, and region backends are made
        # on first use: clearing here would drop the other regions' dashboards. The store lives
        # as long as the extension (one emulated account).
        return None

    extensions.patch(CloudWatchBackend, "dashboards", property(shared, ignore_reset))
    extensions.installed.append("cloudwatch: dashboards global per account (shared by every region)")
