"""What onboarding needs from the outside world, as Protocols: the composition root (``wiring``)
hands it the adapters, tests may hand it fakes. Only the methods onboarding calls."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from sagewatch.usecases.model_monitor.drift_metrics import MetricCatalogPort

if TYPE_CHECKING:
    from sagewatch.core.fleet.plan import AppliedState
    from sagewatch.core.monitoring.alarm_spec import AlarmSpec
    from sagewatch.core.monitoring.profile import EndpointProfile


class EndpointsPort(Protocol):
    """SageMaker's view of an endpoint, its monitoring schedules and inference components."""

    def read_profile(self, endpoint_name: str) -> EndpointProfile:
        """The endpoint as it is now; EndpointNotFoundError when it does not exist (any more)."""
        ...

    def describe_monitoring_schedule(self, name: str) -> dict[str, Any] | None:
        """The schedule (``EndpointName`` among it); None when it does not exist (any more)."""
        ...

    def describe_component(self, name: str) -> dict[str, Any] | None:
        """The inference component (``EndpointName`` among it); None when it does not exist (any more)."""
        ...


class AlarmsAndDashboardsPort(MetricCatalogPort, Protocol):
    """CloudWatch alarms (by name prefix) and dashboards (by name); ListMetrics for drift features."""

    def list_alarms(self, name_prefix: str) -> list[dict[str, Any]]:
        """Every metric alarm whose name starts with ``name_prefix`` (DescribeAlarms' MetricAlarms)."""
        ...

    def put_alarm(self, spec: AlarmSpec, actions: Sequence[str]) -> None: ...
    def put_mute_rule(self, name: str, schedule: dict[str, str], alarms: Sequence[str], description: str) -> None: ...

    def delete_alarms(self, names: Sequence[str]) -> int:
        """Delete every named alarm; returns the number of calls made."""
        ...

    def get_dashboard_body(self, name: str) -> str | None:
        """The dashboard's body; None when there is no such dashboard."""
        ...

    def put_dashboard(self, name: str, body: str) -> None: ...

    def delete_dashboard(self, name: str) -> None:
        """Delete the dashboard; one that does not exist is not an error."""
        ...


class NoticesPort(Protocol):
    """SageWatch's own notices onto the alert topic (an endpoint that failed)."""

    def publish(self, subject: str, message: Mapping[str, Any]) -> str:
        """Publish; returns the message id."""
        ...


class AppliedStatesPort(Protocol):
    """What was applied to each endpoint (the fleet state table), for the reconcile to compare."""

    def scan(self) -> tuple[dict[str, AppliedState], dict[str, Any] | None]:
        """(endpoint → what was applied, the reconcile's checkpoint or None)."""
        ...

    def record(self, state: AppliedState) -> bool:
        """Record ``state`` unless it is already recorded exactly; True when written."""
        ...

    def forget(self, endpoint: str) -> bool:
        """Remove the endpoint's record; True when there was one."""
        ...
