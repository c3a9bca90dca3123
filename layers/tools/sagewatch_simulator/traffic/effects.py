"""What the incidents active in one minute do to one variant (or to the endpoint as a whole)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sagewatch_simulator.traffic.model import Incident, IncidentKind

_MINUTES_PER_HOUR = 60.0


@dataclass(frozen=True)
class Effects:
    latency: float = 1.0  # ModelLatency multiplier
    error_5xx: float = 0.0  # extra fraction of requests answered 5XX
    error_4xx: float = 0.0  # extra fraction of requests answered 4XX
    gpu_memory_add: float = 0.0  # percentage points per GPU
    disk_add: float = 0.0  # percentage points
    no_capacity: bool = False  # async: instances gone and scale-out blocked
    arrivals: float = 1.0  # async: arrivals multiplier while without capacity
    setup: float = 1.0  # serverless: ModelSetupTime multiplier
    # data-quality runs: (feature, drift distance) of the features an incident moves; request
    # and instance metrics are untouched (drift is in the data, not in the serving)
    drifted: tuple[tuple[str, float], ...] = ()


NONE = Effects()


def effects_at(incidents: Iterable[Incident], endpoint: str, variant: str | None, moment: datetime) -> Effects:
    """The combined effect of the incidents active at ``moment`` on ``variant`` of ``endpoint``
    (``variant`` None: endpoint-level metrics, which every incident on the endpoint may touch)."""
    latency, e5, e4, gpu, disk, setup, arrivals = 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0
    no_capacity = False
    drifted: list[tuple[str, float]] = []
    touched = False
    for incident in incidents:
        if not incident.applies_to(endpoint, variant) or not incident.active(moment):
            continue
        touched = True
        hours = (moment - incident.start).total_seconds() / 60 / _MINUTES_PER_HOUR
        kind, size = incident.kind, incident.magnitude
        if kind is IncidentKind.LATENCY_REGRESSION:
            latency *= size
        elif kind is IncidentKind.ERROR_5XX_BURST:
            e5 += size
        elif kind is IncidentKind.CLIENT_4XX:
            e4 += size
        elif kind is IncidentKind.GPU_MEMORY_CREEP:
            gpu += size * hours
        elif kind is IncidentKind.DISK_FILLING:
            disk += size * hours
        elif kind is IncidentKind.ASYNC_NO_CAPACITY:
            no_capacity = True
            arrivals *= size
        elif kind is IncidentKind.SLOW_COLD_STARTS:
            setup *= size
        elif kind is IncidentKind.DATA_DRIFT and incident.feature is not None:
            drifted.append((incident.feature, size))
        elif kind is IncidentKind.BAD_MINUTE:
            e5 += size
            latency *= 3.0
        elif kind is IncidentKind.DEPLOY_BLIP:
            e5 += size
            latency *= 1.5
    if not touched:
        return NONE
    return Effects(latency, e5, e4, gpu, disk, no_capacity, arrivals, setup, tuple(drifted))
