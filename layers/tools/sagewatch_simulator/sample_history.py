"""Simulated metric history for the sample account's endpoints, for ``sagewatch backtest --emulated``.

The traffic simulator (:mod:`sagewatch_simulator.traffic`) plays a twin of each sample endpoint
(:mod:`sagewatch_simulator.sample_account`: same kind, variants and instances) over the window,
with one incident: on the window's last day fraud-scorer's model latency regresses forty-fold
from 13:00 to 13:40 UTC. The minutes are published with PutMetricData, as SageMaker would have
published them, so the backtest reads them back through GetMetricData like any history.

PutMetricData takes time stamps "as much as two weeks before the current date" (CloudWatch API
reference, "PutMetricData"), so a history must start within the last 14 days:
:func:`check_window` says so before anything is published.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sagewatch_emulator.account import EmulatedAccount
from sagewatch_simulator.traffic import (
    AsyncSettings,
    Endpoint,
    EndpointKind,
    Fleet,
    Incident,
    IncidentKind,
    Published,
    ServerlessSettings,
    TrafficProfile,
    Variant,
    simulate,
    to_put_metric_data,
)

__all__ = [
    "MAX_AGE",
    "check_window",
    "default_end",
    "incidents",
    "play_history",
    "publish",
    "sample_twins",
]

MAX_AGE = timedelta(days=14)  # PutMetricData's oldest timestamp
PUT_METRIC_DATA_ENTRIES = 500  # well under the API's 1,000 entries and 1 MB per call
_DAY = timedelta(days=1)


def sample_twins(created_at: datetime) -> tuple[Endpoint, ...]:
    """The sample endpoints as the simulator models them, in service from ``created_at``; all but
    the inference-component host (llm-hub), whose per-component history this does not play."""
    return (
        Endpoint(
            "fraud-scorer",
            EndpointKind.REALTIME,
            (Variant("AllTraffic", "ml.m5.xlarge", 2),),
            TrafficProfile(peak_rpm=20),
            created_at=created_at,
        ),
        Endpoint(
            "llm-chat",
            EndpointKind.REALTIME,
            (
                Variant("gpu-a10g", "ml.g5.12xlarge", 2, weight=0.9, capacity_rpm=120),
                Variant("cpu-canary", "ml.c5.2xlarge", 1, weight=0.1, capacity_rpm=40),
            ),
            TrafficProfile(peak_rpm=150, night_start_hour=1, night_end_hour=7),
            created_at=created_at,
        ),
        Endpoint(
            "churn-predictor",
            EndpointKind.SERVERLESS,
            (Variant("AllTraffic", None),),
            TrafficProfile(peak_rpm=40, night_start_hour=20, night_end_hour=8),
            serverless=ServerlessSettings(memory_mb=4096, max_concurrency=20),
            created_at=created_at,
        ),
        Endpoint(
            "video-tagger",
            EndpointKind.ASYNC,
            (Variant("AllTraffic", "ml.g4dn.xlarge", 1, capacity_rpm=10),),
            TrafficProfile(peak_rpm=3, night_start_hour=19, night_end_hour=7),
            asynchronous=AsyncSettings(requests_per_instance_minute=4),
            created_at=created_at,
        ),
        Endpoint(
            "churn-v2",
            EndpointKind.REALTIME,
            (Variant("AllTraffic", "ml.m5.large", 1, capacity_rpm=300),),
            TrafficProfile(peak_rpm=120),
            created_at=created_at,
        ),
        Endpoint(
            "fraud-detector",
            EndpointKind.REALTIME,
            (Variant("AllTraffic", "ml.m5.xlarge", 1),),
            TrafficProfile(peak_rpm=60),
            created_at=created_at,
        ),
    )


def incidents(end: datetime) -> tuple[Incident, ...]:
    """fraud-scorer's 40-minute latency regression from the last 13:00 UTC it fits before ``end``."""
    start = end.astimezone(UTC).replace(hour=13, minute=0, second=0, microsecond=0)
    if start + timedelta(minutes=40) > end:
        start -= _DAY
    return (
        Incident(
            IncidentKind.LATENCY_REGRESSION,
            "fraud-scorer",
            start,
            start + timedelta(minutes=40),
            magnitude=40.0,  # ModelLatency x 40: a p99 of ~110 ms becomes seconds
        ),
    )


def default_end(now: datetime) -> datetime:
    """The window's end when none is given: the last midnight UTC at least two hours ago, so
    whole simulated days end before the sample account's own recent minutes."""
    return (now.astimezone(UTC) - timedelta(hours=2)).replace(hour=0, minute=0, second=0, microsecond=0)


def check_window(start: datetime, end: datetime, now: datetime) -> str | None:
    """Why PutMetricData would refuse a history from ``start`` to ``end``, or None."""
    if end > now:
        return f"the simulated history cannot end in the future ({end:%Y-%m-%d %H:%M} UTC)"
    if start < now - MAX_AGE:
        return (
            f"the simulated history would start {start:%Y-%m-%d %H:%M} UTC, more than 14 days ago; "
            "PutMetricData accepts data up to two weeks old (fewer --days, or a later --end)"
        )
    return None


def publish(account: EmulatedAccount, minutes: Iterator[list[Published]]) -> list[Published]:
    """PutMetricData for every published minute, in calls of at most 500 entries per namespace."""
    published = [item for minute in minutes for item in minute]
    by_namespace: dict[str, list[dict[str, Any]]] = {}
    for item in published:
        by_namespace.setdefault(item.key.namespace, []).extend(to_put_metric_data(item))
    cloudwatch = account.client("cloudwatch")
    for namespace, entries in by_namespace.items():
        for first in range(0, len(entries), PUT_METRIC_DATA_ENTRIES):
            cloudwatch.put_metric_data(Namespace=namespace, MetricData=entries[first : first + PUT_METRIC_DATA_ENTRIES])
    return published


def play_history(account: EmulatedAccount, endpoint: str, start: datetime, end: datetime) -> list[Published]:
    """Publish ``endpoint``'s simulated minutes from ``start`` to ``end`` (minute-aligned UTC);
    an endpoint without a twin gets no history."""
    twins = [twin for twin in sample_twins(start - _DAY) if twin.name == endpoint]
    if not twins:
        return []
    return publish(account, simulate(Fleet(tuple(twins)), incidents(end), start, end))
