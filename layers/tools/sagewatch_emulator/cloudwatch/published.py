"""What the simulator hands to CloudWatch: one metric's raw values for one minute.

This is the interface shared with the emulated account's ingestion (fast path: feed
``Published`` straight into its store; slow path: :func:`to_put_metric_data` and a real
PutMetricData call through moto).

How SageMaker's statistics map onto ``values``/``counts`` (PutMetricData's ``Values`` and
``Counts``: value ``values[i]`` was observed ``counts[i]`` times in the minute). The rule is
"publish what SageMaker sends per request or per instance", so every statistic CloudWatch derives
(Sum, SampleCount, Average, Minimum, Maximum, percentiles) comes out as it does on AWS:

- **Per-request counters** (``Invocations``, ``InvocationsPerInstance``,
  ``Invocation4XXErrors``, ``Invocation5XXErrors``, ``InvocationFailures``): SageMaker sends one
  value per request ("For each 5xx response, 1 is sent; otherwise, 0 is sent";
  ``InvocationsPerInstance`` sends ``1/numberOfInstances`` per request). So ``Invocations`` for a
  minute with 120 requests is ``values=(1.0,), counts=(120.0,)``: Sum = 120 = SampleCount. The 5XX
  metric is ``values=(1.0, 0.0), counts=(errors, ok)``: Sum = errors, SampleCount = requests and
  Average = the error *fraction*, exactly the documented semantics.
- **Per-request latencies** (``ModelLatency``, ``OverheadLatency``, microseconds): a distribution
  of per-request values whose SampleCount equals the minute's invocations, so p50 and p99 can be
  computed from the raw samples. Large minutes are summarised as at most a few dozen distinct
  values with integer counts (a histogram), well inside PutMetricData's 150 values per entry.
- **Per-instance gauges** (``CPUUtilization``, ``MemoryUtilization``, ``DiskUtilization``,
  ``GPUUtilization``, ``GPUMemoryUtilization``): one value per instance per minute ("each instance
  reports ... the default view shows the average"), so Average is the fleet mean and Maximum the
  worst instance.
- **Endpoint gauges** (async backlog, serverless concurrency utilization): one value per minute,
  count 1.
- **Events** (``ModelSetupTime``): one value per compute launch, in microseconds.

A metric that SageMaker does not publish in a minute (no requests, scaled to zero, deleted) is
simply absent: there is no ``Published`` with zero counts.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# PutMetricData accepts at most 150 distinct values per MetricDatum (API reference, MetricDatum.Values).
MAX_VALUES_PER_DATUM = 150


@dataclass(frozen=True, slots=True)
class MetricKey:
    """A CloudWatch metric identity plus the unit SageMaker publishes it in.

    ``dimensions`` are (name, value) pairs sorted by name, so equal metrics compare and hash equal."""

    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]
    unit: str

    @classmethod
    def of(cls, namespace: str, name: str, unit: str, dimensions: Mapping[str, str]) -> MetricKey:
        return cls(namespace, name, tuple(sorted(dimensions.items())), unit)

    def dimension(self, name: str) -> str | None:
        for key, value in self.dimensions:
            if key == name:
                return value
        return None


@dataclass(frozen=True, slots=True)
class Published:
    """The raw values of one metric in one minute (``timestamp`` is the minute's start, UTC).

    Not validated on construction (the generator makes millions); :func:`check` does it and
    :func:`to_put_metric_data` calls it."""

    key: MetricKey
    timestamp: datetime
    values: tuple[float, ...]
    counts: tuple[float, ...]

    @property
    def sample_count(self) -> float:
        return math.fsum(self.counts)

    @property
    def total(self) -> float:
        """CloudWatch's Sum."""
        return math.fsum(v * c for v, c in zip(self.values, self.counts, strict=True))

    @property
    def average(self) -> float:
        return self.total / self.sample_count

    @property
    def minimum(self) -> float:
        return min(self.values)

    @property
    def maximum(self) -> float:
        return max(self.values)

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile over the raw samples (the smallest value with at least p % of
        the samples at or below it), as the project's alarm evaluator computes it."""
        if not 0 < p <= 100:
            raise ValueError("percentile must be in (0, 100]")
        rank = math.ceil(p / 100 * self.sample_count - 1e-9)
        seen = 0.0
        for value, count in sorted(zip(self.values, self.counts, strict=True)):
            seen += count
            if seen >= rank:
                return value
        return max(self.values)


def check(item: Published) -> None:
    """Raise ``ValueError`` when ``item`` is not something CloudWatch would accept or we promise."""
    stamp = item.timestamp
    if stamp.tzinfo is None or stamp.utcoffset() != UTC.utcoffset(None):
        raise ValueError(f"{item.key.name}: timestamp must be aware UTC")
    if stamp.second or stamp.microsecond:
        raise ValueError(f"{item.key.name}: timestamp must be minute-aligned")
    if not item.values or len(item.values) != len(item.counts):
        raise ValueError(f"{item.key.name}: values and counts must be non-empty and of equal length")
    if any(not math.isfinite(v) for v in item.values):
        raise ValueError(f"{item.key.name}: CloudWatch rejects NaN and infinite values")
    if any(not (c > 0 and math.isfinite(c)) for c in item.counts):
        raise ValueError(f"{item.key.name}: counts must be positive")
    if list(item.key.dimensions) != sorted(item.key.dimensions):
        raise ValueError(f"{item.key.name}: dimensions must be sorted by name")


def _merged(item: Published) -> list[tuple[float, float]]:
    """Equal values folded together, so chunking counts *distinct* values as the API does."""
    merged: dict[float, float] = {}
    for value, count in zip(item.values, item.counts, strict=True):
        merged[value] = merged.get(value, 0.0) + count
    return list(merged.items())


def _chunks(pairs: list[tuple[float, float]]) -> Iterator[list[tuple[float, float]]]:
    for start in range(0, len(pairs), MAX_VALUES_PER_DATUM):
        yield pairs[start : start + MAX_VALUES_PER_DATUM]


def to_put_metric_data(item: Published) -> list[dict[str, Any]]:
    """boto3 ``PutMetricData`` ``MetricData`` entries for ``item`` (its namespace is ``item.key.namespace``).

    Each entry carries at most 150 distinct values; more are split into several entries with the
    same metric and timestamp, which CloudWatch aggregates into one datapoint."""
    check(item)
    dimensions = [{"Name": name, "Value": value} for name, value in item.key.dimensions]
    return [
        {
            "MetricName": item.key.name,
            "Dimensions": dimensions,
            "Timestamp": item.timestamp,
            "Values": [value for value, _ in chunk],
            "Counts": [count for _, count in chunk],
            "Unit": item.key.unit,
            "StorageResolution": 60,
        }
        for chunk in _chunks(_merged(item))
    ]
