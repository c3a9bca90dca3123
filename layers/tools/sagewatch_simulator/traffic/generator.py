"""Minute-by-minute metrics of a simulated fleet, the way SageMaker publishes them.

``simulate(fleet, incidents, start, end)`` yields, for every minute in [start, end), the list of
:class:`Published` items SageMaker would have sent for that minute (possibly empty). It is pure:
no AWS calls, no clock, no global random state. The same fleet (with its seed), incidents and
window give the same output, and each endpoint variant draws from its own random stream, so adding
an incident to one endpoint leaves every other endpoint's numbers unchanged.

What is published when (see ``metrics.py`` for the sources):

- **Real-time** variants: instance gauges every minute while the endpoint exists (traffic or
  not); invocation metrics only in minutes with requests — SageMaker's invocation metrics are
  per-request values "from calls to InvokeEndpoint", so a minute without requests has no sample
  and CloudWatch has no datapoint (an idle night is *missing data*, not zeros).
- **Serverless** variants: nothing at all in a minute without requests (no instances to report;
  scaled to zero). The first request after ``keep_warm_minutes`` of silence, and any rise in the
  concurrency needed beyond the warm containers, launches compute: one ModelSetupTime value per
  launch, and those requests' OverheadLatency includes the setup time.
- **Asynchronous** endpoints: requests queue; the instances work the queue off at
  ``requests_per_instance_minute``. Backlog gauges (EndpointName only) every minute in service;
  per-variant ModelLatency/errors/InvocationFailures for the requests processed; no Invocations,
  InvocationsPerInstance or OverheadLatency. With ``min_instances = 0`` the variant scales to
  zero after an idle spell and back out (after ``scale_out_minutes``) when work arrives.
- **Lifecycle**: nothing before ``created_at`` nor from ``deleted_at``; the first
  ``warmup_minutes`` after creation ramp traffic up with slightly slower requests; an update
  switches to the new variants when it completes (``lifecycle.py`` gives the matching events).
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sagewatch_emulator.cloudwatch.published import MetricKey, Published
from sagewatch_simulator.traffic.distributions import poisson, split
from sagewatch_simulator.traffic.effects import effects_at
from sagewatch_simulator.traffic.emit import VariantStream, mean_latency_s, metric_key, saturation
from sagewatch_simulator.traffic.model import Endpoint, EndpointKind, Fleet, Incident, Variant

MINUTE = timedelta(minutes=1)
_MICROS_PER_S = 1_000_000.0
# Requests do not arrive evenly within a minute: serverless provisions for bursts above the mean.
_BURST = 2.0


def minute_floor(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("use aware UTC datetimes")
    moment = moment.astimezone(UTC)
    return moment.replace(second=0, microsecond=0)


def simulate(fleet: Fleet, incidents: Sequence[Incident], start: datetime, end: datetime) -> Iterator[list[Published]]:
    """One list of published metrics per minute from ``start`` to ``end`` (both minute-aligned UTC)."""
    if minute_floor(start) != start or minute_floor(end) != end:
        raise ValueError("start and end must be minute-aligned aware UTC datetimes")
    known = {endpoint.name for endpoint in fleet.endpoints}
    strays = sorted({i.endpoint for i in incidents} - known)
    if strays:
        raise ValueError(f"incidents target unknown endpoints: {', '.join(strays)}")
    sims = [_EndpointSim(endpoint, fleet.seed, incidents) for endpoint in fleet.endpoints]
    moment = start
    while moment < end:
        out: list[Published] = []
        for sim in sims:
            sim.step(moment, out)
        yield out
        moment += MINUTE


@dataclass
class _Waiting:
    """Requests that arrived in one minute and are still queued."""

    arrived: datetime
    count: int


class _EndpointSim:
    def __init__(self, endpoint: Endpoint, seed: int, incidents: Sequence[Incident]) -> None:
        self.endpoint = endpoint
        self.seed = seed
        self.incidents = tuple(i for i in incidents if i.endpoint == endpoint.name)
        self.streams: dict[str, VariantStream] = {}
        self.arrivals_rng = random.Random(f"{seed}/{endpoint.name}/arrivals")  # noqa: S311 - seeded, reproducible simulation; not security
        # serverless: warm containers and the last minute with a request, per variant
        self.warm: dict[str, int] = {}
        self.last_request: dict[str, datetime] = {}
        # async: the queue as [arrival minute, requests], instances running per variant
        self.queue: deque[_Waiting] = deque()
        self.endpoint_keys: dict[str, MetricKey] = {}
        self.backlog = 0
        self.running: dict[str, int] = {}
        self.idle_minutes = 0
        self.waiting_minutes = 0

    def stream(self, variant: Variant) -> VariantStream:
        found = self.streams.get(variant.name)
        if found is None or found.variant != variant:
            rng = found.rng if found else random.Random(f"{self.seed}/{self.endpoint.name}/{variant.name}")  # noqa: S311 - seeded simulation
            found = self.streams[variant.name] = VariantStream(self.endpoint.name, self.endpoint.kind, variant, rng)
        return found

    def step(self, moment: datetime, out: list[Published]) -> None:
        endpoint = self.endpoint
        if not endpoint.in_service(moment):
            return
        ramp, slowdown = self._warmup(moment)
        rate = endpoint.traffic.rate_rpm(moment) * ramp
        variants = endpoint.variants_at(moment)
        if endpoint.kind is EndpointKind.ASYNC:
            self._asynchronous(moment, out, variants, rate, slowdown)
            return
        total_weight = sum(v.weight for v in variants) or 1.0
        for variant in variants:
            stream = self.stream(variant)
            n = poisson(stream.rng, rate * variant.weight / total_weight)
            if endpoint.kind is EndpointKind.SERVERLESS:
                self._serverless(moment, out, stream, n, slowdown)
            else:
                self._realtime(moment, out, stream, n, slowdown)

    def _warmup(self, moment: datetime) -> tuple[float, float]:
        """Traffic ramp (0-1] and latency multiplier in the first minutes after creation."""
        created = self.endpoint.created_at
        if created is None or self.endpoint.warmup_minutes <= 0:
            return 1.0, 1.0
        age = (moment - created) / MINUTE
        ramp = min(1.0, (age + 1) / self.endpoint.warmup_minutes)
        return ramp, 1.0 + 0.3 * (1.0 - ramp)

    def _realtime(self, moment: datetime, out: list[Published], stream: VariantStream, n: int, slowdown: float) -> None:
        variant = stream.variant
        fx = effects_at(self.incidents, self.endpoint.name, variant.name, moment)
        load = n / variant.instance_count / variant.capacity_rpm
        stream.instance_gauges(out, moment, variant.instance_count, load, fx)
        stream.requests(out, moment, n, fx, slowdown=slowdown * saturation(load), instances=variant.instance_count)

    def _serverless(
        self, moment: datetime, out: list[Published], stream: VariantStream, n: int, slowdown: float
    ) -> None:
        variant, settings = stream.variant, self.endpoint.serverless_settings
        name = variant.name
        last = self.last_request.get(name)
        if last is not None and moment - last >= MINUTE * settings.keep_warm_minutes:
            self.warm[name] = 0  # scaled to zero
        if n <= 0:
            return  # no requests: a serverless endpoint publishes nothing at all
        fx = effects_at(self.incidents, self.endpoint.name, name, moment)
        concurrency = n / 60.0 * mean_latency_s(variant)
        needed = min(settings.max_concurrency, max(1, math.ceil(concurrency * _BURST)))
        launches = max(0, needed - self.warm.get(name, 0))
        self.warm[name] = max(self.warm.get(name, 0), needed)
        self.last_request[name] = moment
        rng = stream.rng
        setups = [settings.setup_median_s * _MICROS_PER_S * math.exp(rng.gauss(0.0, 0.25)) for _ in range(launches)]
        setups = [round(value * fx.setup) for value in setups]
        memory = min(100.0, max(0.0, settings.memory_pct + rng.gauss(0.0, 2.0)))
        if setups:
            out.append(Published(stream.key("ModelSetupTime"), moment, tuple(setups), (1.0,) * len(setups)))
        stream.gauge(out, moment, "MemoryUtilization", round(memory, 2))
        utilization = round(min(1.0, concurrency / settings.max_concurrency), 6)
        stream.gauge(out, moment, "ServerlessConcurrentExecutionsUtilization", utilization)
        overhead_us = variant.latency.overhead_median_ms * 1000.0
        cold = tuple(setup + overhead_us for setup in setups[:n])
        stream.requests(out, moment, n, fx, slowdown=slowdown, cold_overheads=cold)

    def _asynchronous(
        self, moment: datetime, out: list[Published], variants: tuple[Variant, ...], rate: float, slowdown: float
    ) -> None:
        endpoint, settings = self.endpoint, self.endpoint.async_settings
        fx = effects_at(self.incidents, endpoint.name, None, moment)
        arrivals = round(poisson(self.arrivals_rng, rate) * fx.arrivals)
        if arrivals:
            self.queue.append(_Waiting(moment, arrivals))
            self.backlog += arrivals
        self._scale(variants, arrivals, blocked=fx.no_capacity)
        running = [self.running.get(v.name, 0) for v in variants]
        capacity = math.floor(sum(r * settings.requests_per_instance_minute for r in running))
        processed = min(self.backlog, capacity)
        self._dequeue(processed)
        per_variant = split(processed, tuple(float(r) for r in running)) if sum(running) else [0] * len(variants)
        for variant, count, done in zip(variants, running, per_variant, strict=True):
            stream = self.stream(variant)
            vfx = effects_at(self.incidents, endpoint.name, variant.name, moment)
            load = done / count / variant.capacity_rpm if count else 0.0
            stream.instance_gauges(out, moment, count, load, vfx)
            stream.requests(out, moment, done, vfx, slowdown=slowdown)
        self._backlog_gauges(moment, out, sum(running))

    def _scale(self, variants: tuple[Variant, ...], arrivals: int, *, blocked: bool) -> None:
        """Instances per variant: scale to zero after an idle spell (``min_instances = 0``), back
        out ``scale_out_minutes`` after work arrives; ``blocked`` keeps them at zero."""
        settings = self.endpoint.async_settings
        for variant in variants:
            self.running.setdefault(variant.name, variant.instance_count)
        if blocked:
            for variant in variants:
                self.running[variant.name] = 0
            self.waiting_minutes = 0
            return
        if sum(self.running[v.name] for v in variants) == 0:
            if self.backlog:
                self.waiting_minutes += 1
                if self.waiting_minutes > settings.scale_out_minutes:
                    for variant in variants:
                        self.running[variant.name] = variant.instance_count
                    self.waiting_minutes = 0
            return
        self.idle_minutes = self.idle_minutes + 1 if not self.backlog and not arrivals else 0
        if settings.min_instances == 0 and self.idle_minutes >= settings.scale_in_idle_minutes:
            for variant in variants:
                self.running[variant.name] = 0
            self.idle_minutes = 0

    def _dequeue(self, processed: int) -> None:
        left = processed
        while left and self.queue:
            head = self.queue[0]
            taken = min(left, head.count)
            left -= taken
            head.count -= taken
            if not head.count:
                self.queue.popleft()
        self.backlog -= processed

    def _backlog_gauges(self, moment: datetime, out: list[Published], instances: int) -> None:
        oldest_age = 0.0
        if self.queue:
            # A request that arrived during a minute has waited about half a minute by its end.
            oldest_age = (moment - self.queue[0].arrived).total_seconds() + 30.0
        gauges = [
            ("ApproximateBacklogSize", float(self.backlog)),
            ("ApproximateAgeOfOldestRequest", oldest_age),
            ("HasBacklogWithoutCapacity", 1.0 if self.backlog and instances == 0 else 0.0),
        ]
        if instances:
            gauges.append(("ApproximateBacklogSizePerInstance", round(self.backlog / instances, 3)))
        for metric, value in gauges:
            key = self.endpoint_keys.get(metric)
            if key is None:
                key = self.endpoint_keys[metric] = metric_key(metric, EndpointKind.ASYNC, self.endpoint.name, None)
            out.append(Published(key, moment, (value,), (1.0,)))
