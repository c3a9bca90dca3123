"""The simulated fleet: endpoints, their variants, traffic, lifecycle, and what goes wrong.

Everything here is plain data; ``generator.py`` turns it into metrics. Times are aware UTC
datetimes; magnitudes are in the units a person thinks in (ms, %, requests per minute).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sagewatch.core.shared.instance_types import InstanceType, lookup


class EndpointKind(StrEnum):
    REALTIME = "real-time"  # instance-backed, synchronous (CPU or GPU, one or more variants)
    SERVERLESS = "serverless"
    ASYNC = "async"


@dataclass(frozen=True)
class TrafficProfile:
    """Requests per minute over a day, in UTC hours.

    Between ``night_start_hour`` and ``night_end_hour`` the endpoint is idle: *zero* requests, so
    SageMaker publishes no invocation metrics at all. During the day the rate follows a smooth
    bump from ``day_floor * peak_rpm`` (morning and evening) to ``peak_rpm`` (``peak_hour``).
    Each minute's count is Poisson around that rate, so a tiny ``peak_rpm`` (0.05) gives an
    endpoint that is idle most of the time with a stray request now and then.
    ``weekend_factor`` scales Saturdays and Sundays."""

    peak_rpm: float
    night_start_hour: int = 22
    night_end_hour: int = 6
    peak_hour: float = 14.0
    day_floor: float = 0.2
    weekend_factor: float = 1.0

    def __post_init__(self) -> None:
        if self.peak_rpm < 0 or not 0 <= self.day_floor <= 1 or self.weekend_factor < 0:
            raise ValueError("peak_rpm, day_floor (0-1) and weekend_factor must be non-negative")
        if not (0 <= self.night_start_hour < 24 and 0 <= self.night_end_hour < 24):
            raise ValueError("night hours must be 0-23")

    def is_night(self, moment: datetime) -> bool:
        hour = moment.hour
        if self.night_start_hour == self.night_end_hour:
            return False
        if self.night_start_hour > self.night_end_hour:  # across midnight
            return hour >= self.night_start_hour or hour < self.night_end_hour
        return self.night_start_hour <= hour < self.night_end_hour

    def rate_rpm(self, moment: datetime) -> float:
        """Expected requests per minute at ``moment`` (before Poisson noise)."""
        if self.is_night(moment):
            return 0.0
        day_hours = (self.night_start_hour - self.night_end_hour) % 24 or 24
        hour = moment.hour + moment.minute / 60
        position = ((hour - self.night_end_hour) % 24) / day_hours
        peak = min(0.95, max(0.05, ((self.peak_hour - self.night_end_hour) % 24) / day_hours))
        rise = position / peak if position <= peak else (1 - position) / (1 - peak)
        bump = math.sin(math.pi / 2 * min(1.0, max(0.0, rise)))
        rate = self.peak_rpm * (self.day_floor + (1 - self.day_floor) * bump)
        return rate * (self.weekend_factor if moment.weekday() >= 5 else 1.0)


@dataclass(frozen=True)
class LatencyProfile:
    """Per-request latencies are log-normal: the median and ``sigma`` (the spread of log latency)
    set p50 and the tail (p99 ~ median x e^(2.33*sigma))."""

    model_median_ms: float = 40.0
    model_sigma: float = 0.45
    overhead_median_ms: float = 3.0
    overhead_sigma: float = 0.35


@dataclass(frozen=True)
class ServerlessSettings:
    memory_mb: int = 2048
    max_concurrency: int = 20
    # A container stays warm this long after its last request; then the endpoint scales to zero.
    keep_warm_minutes: int = 15
    setup_median_s: float = 4.0  # ModelSetupTime of one cold start
    memory_pct: float = 35.0


@dataclass(frozen=True)
class AsyncSettings:
    """A queue in front of the instances. ``min_instances = 0`` lets the variant scale to zero
    after ``scale_in_idle_minutes`` of empty queue; scaling out from zero takes
    ``scale_out_minutes`` (HasBacklogWithoutCapacity is 1 meanwhile)."""

    requests_per_instance_minute: float = 6.0
    min_instances: int = 1
    scale_in_idle_minutes: int = 30
    scale_out_minutes: int = 2


@dataclass(frozen=True)
class Variant:
    """One production variant. ``instance_type`` is None for serverless variants.

    ``capacity_rpm`` is what one instance serves at 100 % CPU (or GPU); utilization follows the
    load. ``weight`` splits the endpoint's traffic among its variants."""

    name: str
    instance_type: str | None = "ml.m5.xlarge"
    instance_count: int = 1
    weight: float = 1.0
    capacity_rpm: float = 600.0
    latency: LatencyProfile = field(default_factory=LatencyProfile)
    memory_pct: float = 40.0
    disk_pct: float = 20.0
    gpu_memory_pct: float = 55.0  # per GPU

    @property
    def shape(self) -> InstanceType | None:
        return lookup(self.instance_type) if self.instance_type else None

    @property
    def vcpus(self) -> int:
        shape = self.shape
        return shape.vcpus if shape else 0

    @property
    def gpus(self) -> int:
        shape = self.shape
        return shape.gpus if shape else 0


@dataclass(frozen=True)
class Update:
    """UpdateEndpoint at ``at``: status Updating; after ``minutes`` the endpoint is InService again
    with ``variants`` (the old variants stop publishing, the new ones start)."""

    at: datetime
    variants: tuple[Variant, ...]
    minutes: int = 8

    @property
    def done(self) -> datetime:
        return self.at + timedelta(minutes=self.minutes)


@dataclass(frozen=True)
class Endpoint:
    """An endpoint and its life: InService at ``created_at`` (None: before the simulation starts),
    an optional ``update``, Deleting at ``deleted_at``. ``warmup_minutes`` after creation traffic
    ramps up and latency is a little higher (cold caches), as after a real deployment."""

    name: str
    kind: EndpointKind
    variants: tuple[Variant, ...]
    traffic: TrafficProfile
    created_at: datetime | None = None
    update: Update | None = None
    deleted_at: datetime | None = None
    serverless: ServerlessSettings | None = None
    asynchronous: AsyncSettings | None = None
    warmup_minutes: int = 10
    config_name: str | None = None
    tags: tuple[tuple[str, str], ...] = ()  # the endpoint's SageMaker tags (e.g. a threshold override)

    def __post_init__(self) -> None:
        if not self.variants:
            raise ValueError(f"{self.name}: an endpoint needs at least one variant")
        if self.kind is EndpointKind.SERVERLESS and any(v.instance_type for v in self.variants):
            raise ValueError(f"{self.name}: serverless variants have no instance type")
        if self.kind is not EndpointKind.SERVERLESS and any(v.shape is None for v in self.variants):
            raise ValueError(f"{self.name}: every instance-backed variant needs a catalogued instance type")

    @property
    def serverless_settings(self) -> ServerlessSettings:
        return self.serverless or ServerlessSettings()

    @property
    def async_settings(self) -> AsyncSettings:
        return self.asynchronous or AsyncSettings()

    def variants_at(self, moment: datetime) -> tuple[Variant, ...]:
        """The variants serving at ``moment`` (the update's once it is done)."""
        if self.update is not None and moment >= self.update.done:
            return self.update.variants
        return self.variants

    def in_service(self, moment: datetime) -> bool:
        """Exists and serves at ``moment`` (Updating endpoints keep serving the old variants)."""
        if self.created_at is not None and moment < self.created_at:
            return False
        return self.deleted_at is None or moment < self.deleted_at


@dataclass(frozen=True)
class Fleet:
    endpoints: tuple[Endpoint, ...]
    seed: int = 7

    def __post_init__(self) -> None:
        names = [e.name for e in self.endpoints]
        if len(names) != len(set(names)):
            raise ValueError("endpoint names must be unique")


class IncidentKind(StrEnum):
    """What can go wrong, and the harmless things that look a bit like it.

    ``magnitude`` means, per kind:"""

    LATENCY_REGRESSION = "latency-regression"  # ModelLatency x magnitude
    ERROR_5XX_BURST = "5xx-burst"  # fraction of requests answered 5XX (0-1)
    CLIENT_4XX = "4xx-bad-client"  # fraction of requests answered 4XX (0-1)
    GPU_MEMORY_CREEP = "gpu-memory-creep"  # percentage points per GPU gained per hour
    DISK_FILLING = "disk-filling"  # percentage points gained per hour
    ASYNC_NO_CAPACITY = "async-backlog-without-capacity"  # scale-out blocked; arrivals x magnitude
    SLOW_COLD_STARTS = "slow-cold-starts"  # ModelSetupTime x magnitude
    # feature_baseline_drift_<feature> of the data-quality runs scheduled while it lasts
    # (``Incident.feature``) becomes magnitude (a distance; Model Monitor's threshold is 0.1)
    DATA_DRIFT = "data-drift"
    # Non-incidents: must not page.
    BAD_MINUTE = "single-bad-minute"  # 5XX fraction for one minute, latency x 3
    DEPLOY_BLIP = "deploy-blip"  # 5XX fraction for a minute or two, latency x 1.5


# Kinds that are expected to page when they last long enough; the rest must not.
PAGING_KINDS = frozenset(
    {
        IncidentKind.LATENCY_REGRESSION,
        IncidentKind.ERROR_5XX_BURST,
        IncidentKind.CLIENT_4XX,
        IncidentKind.GPU_MEMORY_CREEP,
        IncidentKind.DISK_FILLING,
        IncidentKind.ASYNC_NO_CAPACITY,
        IncidentKind.SLOW_COLD_STARTS,
        IncidentKind.DATA_DRIFT,
    }
)


@dataclass(frozen=True)
class Incident:
    """A time-bounded modifier on one endpoint (``variant`` None: all its variants) in
    [``start``, ``end``).

    ``flap`` makes it intermittent: alternating on/off durations in minutes, repeated from
    ``start`` — ``(4, 3)`` is on 4 minutes, off 3, on 4, ... An off minute is a normal minute.
    ``pages`` says whether the scenario expects an alert (default: by kind). ``feature`` names
    the feature a ``DATA_DRIFT`` incident moves (the other kinds have none)."""

    kind: IncidentKind
    endpoint: str
    start: datetime
    end: datetime
    magnitude: float
    variant: str | None = None
    flap: tuple[int, ...] = ()
    label: str = ""
    expect_page: bool | None = None
    feature: str | None = None

    def __post_init__(self) -> None:
        if (self.kind is IncidentKind.DATA_DRIFT) != (self.feature is not None):
            raise ValueError(f"{self.kind}: a feature is named by data-drift incidents, and only by them")
        if self.end <= self.start:
            raise ValueError(f"{self.kind}: end must be after start")
        if any(step <= 0 for step in self.flap) or len(self.flap) % 2:
            raise ValueError(f"{self.kind}: flap is pairs of positive on/off minutes")

    @property
    def pages(self) -> bool:
        return self.kind in PAGING_KINDS if self.expect_page is None else self.expect_page

    def active(self, moment: datetime) -> bool:
        """Whether the incident affects the minute starting at ``moment``."""
        if not self.start <= moment < self.end:
            return False
        if not self.flap:
            return True
        offset = int((moment - self.start).total_seconds() // 60) % sum(self.flap)
        for index, length in enumerate(self.flap):
            if offset < length:
                return index % 2 == 0
            offset -= length
        return False  # unreachable: offset < sum(flap)

    def applies_to(self, endpoint: str, variant: str | None) -> bool:
        return endpoint == self.endpoint and (self.variant is None or variant is None or variant == self.variant)
