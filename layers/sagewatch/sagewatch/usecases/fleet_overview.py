"""Read what the fleet overview widget shows: alarms in ALARM, 5XX errors and invocations."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from sagewatch.core.fleet.overview import render_overview, top_error_rates
from sagewatch.core.shared.errors import AwsCallError

log = logging.getLogger(__name__)


class AlarmsInAlarmPort(Protocol):
    def alarms_in_alarm(self, name_prefix: str) -> list[dict[str, Any]]:
        """Every metric alarm in ALARM whose name starts with ``name_prefix`` (DescribeAlarms' MetricAlarms)."""
        ...


class SumsPerEndpointPort(Protocol):
    def sum_per_endpoint(self, metric: str, start: datetime, end: datetime) -> dict[str, float]:
        """SageMaker's ``metric`` summed per endpoint name over [start, end)."""
        ...


def errors_and_invocations(sums: SumsPerEndpointPort, now: datetime) -> tuple[dict[str, float], dict[str, float]]:
    """5XX errors and invocations per endpoint over the hour: two calls, one query each."""
    start = now - timedelta(hours=1)
    return sums.sum_per_endpoint("Invocation5XXErrors", start, now), sums.sum_per_endpoint("Invocations", start, now)


def fleet_overview(
    alarms: AlarmsInAlarmPort, sums: SumsPerEndpointPort, *, prefix: str, region: str, now: Callable[[], datetime]
) -> str:
    missing: list[str] = []
    in_alarm: list[dict[str, Any]] = []
    errors: dict[str, float] = {}
    invocations: dict[str, float] = {}
    try:
        in_alarm = alarms.alarms_in_alarm(f"{prefix}/")
    except AwsCallError as exc:
        log.warning("fleet overview: alarms unavailable: %s", exc)
        missing.append(f"alarms unavailable ({exc.code})")
    try:
        errors, invocations = errors_and_invocations(sums, now())
    except AwsCallError as exc:
        log.warning("fleet overview: metrics unavailable: %s", exc)
        missing.append(f"error rates unavailable ({exc.code})")
    rates = top_error_rates(errors, invocations)
    return render_overview(in_alarm, rates, region=region, prefix=prefix, missing=missing)
