"""Read what the fleet overview widget shows: alarms in ALARM, 5XX errors and invocations."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sagewatch.adapters.aws import call
from sagewatch.adapters.pagination import items
from sagewatch.core.fleet.overview import render_overview, top_error_rates
from sagewatch.core.shared.errors import AwsCallError
from sagewatch.core.shared.namespaces import INVOCATION_NAMESPACE

log = logging.getLogger(__name__)

# A Metrics Insights query built from constants only (no input reaches it), hence the noqa/nosec.
_QUERY = (
    f'SELECT SUM({{metric}}) FROM SCHEMA("{INVOCATION_NAMESPACE}", EndpointName, VariantName) '  # noqa: S608  # nosec B608
    "GROUP BY EndpointName LIMIT 500"
)


def alarms_in_alarm(cloudwatch: Any, prefix: str) -> list[dict[str, Any]]:
    listed = items(
        "DescribeAlarms",
        cloudwatch.describe_alarms,
        "MetricAlarms",
        AlarmNamePrefix=f"{prefix}/",
        StateValue="ALARM",
        MaxRecords=100,
    )
    # StateValue filters on the server; the check again here keeps a stale page honest.
    return [alarm for alarm in listed if alarm.get("StateValue") == "ALARM"]


def sum_per_endpoint(cloudwatch: Any, metric: str, now: datetime) -> dict[str, float]:
    """One metric summed per endpoint over the last hour: ONE Metrics Insights query per call.

    GetMetricData accepts only one Metrics Insights query per call (API reference,
    MetricDataQueries: "each GetMetricData operation can include only one query"); a second one
    is a ValidationError for the whole call. Each grouped series is labelled with its
    EndpointName (the group-by value).
    """
    result = call(
        "GetMetricData",
        cloudwatch.get_metric_data,
        MetricDataQueries=[{"Id": "m", "Expression": _QUERY.format(metric=metric), "Period": 3600}],
        StartTime=now - timedelta(hours=1),
        EndTime=now,
    )
    sums: dict[str, float] = {}
    for series in result.get("MetricDataResults", []):
        label = str(series.get("Label", ""))
        sums[label] = sums.get(label, 0.0) + sum(float(v) for v in series.get("Values", []))
    return sums


def errors_and_invocations(cloudwatch: Any, now: datetime) -> tuple[dict[str, float], dict[str, float]]:
    """5XX errors and invocations per endpoint over the hour: two calls, one query each."""
    return (
        sum_per_endpoint(cloudwatch, "Invocation5XXErrors", now),
        sum_per_endpoint(cloudwatch, "Invocations", now),
    )


def fleet_overview(cloudwatch: Any, *, prefix: str, region: str, now: Callable[[], datetime]) -> str:
    missing: list[str] = []
    alarms: list[dict[str, Any]] = []
    errors: dict[str, float] = {}
    invocations: dict[str, float] = {}
    try:
        alarms = alarms_in_alarm(cloudwatch, prefix)
    except AwsCallError as exc:
        log.warning("fleet overview: alarms unavailable: %s", exc)
        missing.append(f"alarms unavailable ({exc.code})")
    try:
        errors, invocations = errors_and_invocations(cloudwatch, now())
    except AwsCallError as exc:
        log.warning("fleet overview: metrics unavailable: %s", exc)
        missing.append(f"error rates unavailable ({exc.code})")
    rates = top_error_rates(errors, invocations)
    return render_overview(alarms, rates, region=region, prefix=prefix, missing=missing)
