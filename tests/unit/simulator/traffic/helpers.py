"""Small fleets and ways to look at a simulation's output."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sagewatch_simulator.traffic import (
    Endpoint,
    EndpointKind,
    Fleet,
    Incident,
    Published,
    TrafficProfile,
    Variant,
    simulate,
)

MONDAY = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday, 00:00 UTC
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
DAYTIME = TrafficProfile(peak_rpm=300, night_start_hour=22, night_end_hour=6)


def realtime(name: str = "svc", *variants: Variant, traffic: TrafficProfile = DAYTIME, **kwargs: object) -> Endpoint:
    chosen = variants or (Variant("AllTraffic", "ml.m5.xlarge", 2),)
    return Endpoint(name, EndpointKind.REALTIME, chosen, traffic, **kwargs)  # type: ignore[arg-type]


def run(
    endpoints: Sequence[Endpoint],
    incidents: Sequence[Incident] = (),
    start: datetime = MONDAY,
    end: datetime | None = None,
    seed: int = 7,
) -> list[Published]:
    stop = end or start + 24 * HOUR
    return [item for minute in simulate(Fleet(tuple(endpoints), seed), incidents, start, stop) for item in minute]


def series(
    items: Sequence[Published], name: str, endpoint: str | None = None, variant: str | None = None
) -> dict[datetime, Published]:
    """The items of one metric by minute (one endpoint / variant when given)."""
    found: dict[datetime, Published] = {}
    for item in items:
        if item.key.name != name:
            continue
        if endpoint is not None and item.key.dimension("EndpointName") != endpoint:
            continue
        if variant is not None and item.key.dimension("VariantName") != variant:
            continue
        assert item.timestamp not in found, f"two {name} items for one minute"
        found[item.timestamp] = item
    return found
