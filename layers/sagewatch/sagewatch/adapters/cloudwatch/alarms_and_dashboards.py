"""CloudWatch alarms and dashboards: paginated reads, throttling-tolerant writes, batched deletes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sagewatch.adapters.aws import NOT_FOUND_CODES, call
from sagewatch.adapters.pagination import items
from sagewatch.core.monitoring.alarm_spec import AlarmSpec
from sagewatch.core.shared.errors import AwsCallError

DELETE_BATCH = 100  # DeleteAlarms takes at most 100 names per call


class CloudWatchWriter:
    def __init__(self, client: Any, sleep: Callable[[float], None] | None = None) -> None:
        self._client = client
        self._sleep = sleep

    def list_alarms(self, name_prefix: str) -> list[dict[str, Any]]:
        """Every metric alarm whose name starts with ``name_prefix`` (DescribeAlarms, 100 per page)."""
        return list(
            items(
                "DescribeAlarms",
                self._client.describe_alarms,
                "MetricAlarms",
                AlarmNamePrefix=name_prefix,
                AlarmTypes=["MetricAlarm"],
                MaxRecords=100,
                sleep=self._sleep,
            )
        )

    def alarms_in_alarm(self, name_prefix: str) -> list[dict[str, Any]]:
        """Every metric alarm in state ALARM whose name starts with ``name_prefix`` (DescribeAlarms, paged)."""
        listed = items(
            "DescribeAlarms",
            self._client.describe_alarms,
            "MetricAlarms",
            AlarmNamePrefix=name_prefix,
            StateValue="ALARM",
            MaxRecords=100,
            sleep=self._sleep,
        )
        # StateValue filters on the server; the check again here keeps a stale page honest.
        return [alarm for alarm in listed if alarm.get("StateValue") == "ALARM"]

    def list_metrics(self, namespace: str, dimensions: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
        """ListMetrics in ``namespace`` of every metric carrying at least these dimensions (paged).

        ListMetrics matches metrics that have the given dimensions and possibly more, so the
        entries come back with their full dimension sets (e.g. Model Monitor's Feature).
        """
        return list(
            items(
                "ListMetrics",
                self._client.list_metrics,
                "Metrics",
                Namespace=namespace,
                Dimensions=[{"Name": k, "Value": v} for k, v in dimensions],
                sleep=self._sleep,
            )
        )

    def put_alarm(self, spec: AlarmSpec, actions: Sequence[str]) -> None:
        call("PutMetricAlarm", self._client.put_metric_alarm, **spec.put_kwargs(actions), sleep=self._sleep)

    def put_mute_rule(self, name: str, schedule: dict[str, str], alarms: Sequence[str], description: str) -> None:
        """PutAlarmMuteRule (creates or replaces the rule of that name); at most 100 alarms."""
        call(
            "PutAlarmMuteRule",
            self._client.put_alarm_mute_rule,
            Name=name,
            Description=description[:1024],
            Rule={"Schedule": schedule},
            MuteTargets={"AlarmNames": list(alarms)},
            sleep=self._sleep,
        )

    def delete_alarms(self, names: Sequence[str]) -> int:
        """Delete in batches of 100; returns the number of DeleteAlarms calls made."""
        calls = 0
        for start in range(0, len(names), DELETE_BATCH):
            batch = list(names[start : start + DELETE_BATCH])
            call("DeleteAlarms", self._client.delete_alarms, AlarmNames=batch, sleep=self._sleep)
            calls += 1
        return calls

    def list_dashboards(self, name_prefix: str) -> list[str]:
        """Names of the dashboards whose name starts with ``name_prefix`` (ListDashboards, paginated)."""
        dashboards = items(
            "ListDashboards",
            self._client.list_dashboards,
            "DashboardEntries",
            DashboardNamePrefix=name_prefix,
            sleep=self._sleep,
        )
        return [str(d["DashboardName"]) for d in dashboards]

    def get_dashboard_body(self, name: str) -> str | None:
        try:
            result = call("GetDashboard", self._client.get_dashboard, DashboardName=name, sleep=self._sleep)
        except AwsCallError as exc:
            if exc.code in NOT_FOUND_CODES:
                return None
            raise
        body = result.get("DashboardBody")
        return str(body) if body is not None else None

    def put_dashboard(self, name: str, body: str) -> None:
        result = call(
            "PutDashboard", self._client.put_dashboard, DashboardName=name, DashboardBody=body, sleep=self._sleep
        )
        problems = result.get("DashboardValidationMessages") or []
        if problems:
            # PutDashboard succeeds with warnings; a dashboard with broken widgets is still a bug.
            details = "; ".join(f"{p.get('DataPath')}: {p.get('Message')}" for p in problems)
            raise AwsCallError("PutDashboard", "DashboardValidation", details)

    def delete_dashboard(self, name: str) -> None:
        try:
            call("DeleteDashboards", self._client.delete_dashboards, DashboardNames=[name], sleep=self._sleep)
        except AwsCallError as exc:
            if exc.code not in NOT_FOUND_CODES and exc.code != "DashboardNotFoundError":
                raise
