"""What the fleet reconcile needs from the outside world, as Protocols: the composition root
(``wiring``) hands it the adapters, tests may hand it fakes. Only the methods the reconcile calls."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sagewatch.core.fleet.plan import AppliedState, ListedEndpoint
from sagewatch.usecases.model_monitor.drift_metrics import MetricCatalogPort


class FleetEndpointsPort(Protocol):
    """The region's SageMaker endpoints, inference components and monitoring schedules, in bulk."""

    def list_endpoints(self) -> list[ListedEndpoint]: ...

    def components_by_endpoint(self) -> dict[str, tuple[str, ...]]:
        """Endpoint → its live inference components, sorted."""
        ...

    def list_monitoring_schedules(self) -> list[dict[str, Any]]:
        """Every monitoring schedule of the region (ListMonitoringSchedules summaries)."""
        ...


class FleetAlarmsPort(MetricCatalogPort, Protocol):
    """CloudWatch's alarms and dashboards by name prefix; ListMetrics for drift features."""

    def list_alarms(self, name_prefix: str) -> list[dict[str, Any]]:
        """Every metric alarm whose name starts with ``name_prefix`` (DescribeAlarms' MetricAlarms)."""
        ...

    def list_dashboards(self, name_prefix: str) -> list[str]:
        """The names of the dashboards whose name starts with ``name_prefix``."""
        ...


class FleetStatePort(Protocol):
    """The fleet state table: what was applied to each endpoint, and the reconcile's checkpoint."""

    def scan(self) -> tuple[dict[str, AppliedState], dict[str, Any] | None]:
        """(endpoint → what was applied, the checkpoint or None)."""
        ...

    def put_checkpoint(self, run_id: str, cursor: str, started: str) -> None: ...

    def delete_checkpoint(self) -> None: ...


class WorkQueuePort(Protocol):
    """The onboarding worker's queue."""

    def send(self, messages: Sequence[Mapping[str, Any]]) -> int:
        """Send every message (raises if any is refused); returns the number of calls made."""
        ...
