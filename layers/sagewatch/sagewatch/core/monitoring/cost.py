"""What SageWatch's alarms and dashboards cost per month (CloudWatch list prices, us-east-1).

A standard-resolution alarm costs 0.10 USD per month per metric it evaluates: a metric-math
alarm pays for each metric in its expression (the 5XX/4XX rate alarms read two metrics, so
0.20 USD). A dashboard costs 3 USD per month beyond the account's first three. Anomaly
detection and high-resolution alarms cost more; SageWatch creates neither.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sagewatch.core.monitoring.alarm_spec import AlarmSpec

USD_PER_ALARM_METRIC = 0.10
USD_PER_DASHBOARD = 3.00
FREE_DASHBOARDS = 3


def alarm_metrics(spec: AlarmSpec) -> int:
    """How many metrics CloudWatch bills the alarm for."""
    if spec.metric is not None:
        return 1
    return sum(1 for q in spec.queries if q.metric is not None)


@dataclass(frozen=True)
class MonthlyCost:
    alarms: int
    alarm_metrics: int
    dashboards: int

    @property
    def alarms_usd(self) -> float:
        return round(self.alarm_metrics * USD_PER_ALARM_METRIC, 2)

    @property
    def dashboards_usd(self) -> float:
        """List price of the dashboards, before the account's three free ones."""
        return round(self.dashboards * USD_PER_DASHBOARD, 2)

    def total_usd(self, *, free_dashboards_left: int = 0) -> float:
        billed = max(0, self.dashboards - free_dashboards_left)
        return round(self.alarms_usd + billed * USD_PER_DASHBOARD, 2)

    def __add__(self, other: MonthlyCost) -> MonthlyCost:
        return MonthlyCost(
            self.alarms + other.alarms, self.alarm_metrics + other.alarm_metrics, self.dashboards + other.dashboards
        )


def monthly_cost(specs: Iterable[AlarmSpec], dashboards: int) -> MonthlyCost:
    items = list(specs)
    return MonthlyCost(len(items), sum(alarm_metrics(s) for s in items), dashboards)


ZERO = MonthlyCost(0, 0, 0)


def component_of(spec: AlarmSpec) -> str | None:
    """The inference component an alarm watches (its InferenceComponentName dimension), if any."""
    metrics = [spec.metric] if spec.metric is not None else [q.metric for q in spec.queries if q.metric]
    for metric in metrics:
        for name, value in metric.dimensions:
            if name == "InferenceComponentName":
                return value
    return None


def cost_per_component(specs: Iterable[AlarmSpec]) -> dict[str, MonthlyCost]:
    """What each inference component adds to its endpoint's bill: its own alarms (the dashboard
    widgets it adds are free, one dashboard per endpoint is paid whatever it holds). With the
    default catalogue that is 5XX and 4XX rate (two metrics each) and latency p99: 0.50 USD."""
    out: dict[str, MonthlyCost] = {}
    for spec in specs:
        component = component_of(spec)
        if component is not None:
            out[component] = out.get(component, ZERO) + MonthlyCost(1, alarm_metrics(spec), 0)
    return dict(sorted(out.items()))
