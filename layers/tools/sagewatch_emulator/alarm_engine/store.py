"""An in-process index of the account's metric data, built for evaluating alarms every minute.

moto keeps PutMetricData as one flat list of datums (one per observed value: ``Values=[1.0],
Counts=[300]`` becomes 300 objects) and scans all of it for every query. A simulated week of a
fleet is ~750,000 minutes-of-metric, which that list cannot hold or scan per alarm per minute.
This store keeps the same data indexed by metric and minute, as (values, counts) pairs, and
caches each period's statistic until data for that period changes:

- ``ingest_published`` is the direct path for the traffic simulator (no HTTP, no moto datums);
- ``ingest_moto_datums`` indexes what moto stored through a real PutMetricData call;
- ``datapoint`` aggregates one period with the project's evaluator statistics
  (:func:`sagewatch_evaluation.compute`), so the engine and the backtest agree;
- ``moto_view`` turns directly published data into moto datums for the queries that need them,
  so GetMetricData, GetMetricStatistics and ListMetrics see it like PutMetricData data.

Documented approximations: data is bucketed by minute (the engine evaluates periods of 60 s and
multiples; high-resolution alarms are not evaluated), and a PutMetricData statistic set
(``StatisticValues``) is kept as its average observed ``SampleCount`` times — Sum, SampleCount
and Average are exact, Minimum, Maximum and percentiles of such periods are not.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sagewatch_emulator.cloudwatch.metrics_insights import WEIGHT
from sagewatch_evaluation import Datapoint, Sample, Statistic, compute, parse_statistic

SeriesKey = tuple[str, str, tuple[tuple[str, str], ...]]  # namespace, metric name, sorted dimensions
Pairs = tuple[tuple[float, ...], tuple[float, ...]]  # PutMetricData Values and Counts


def series_key(namespace: str, name: str, dimensions: Iterable[tuple[str, str]]) -> SeriesKey:
    return (namespace, name, tuple(sorted(dimensions)))


def minute_index(moment: datetime) -> int:
    """Minutes since the epoch: the bucket a sample at ``moment`` falls into."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return int(aware.timestamp()) // 60


def minute_start(index: int) -> datetime:
    return datetime.fromtimestamp(index * 60, UTC)


@dataclass(frozen=True)
class _Direct:
    """Data that came through :meth:`MetricStore.ingest_published`: moto never saw it."""

    pairs: Pairs
    unit: str | None


class MetricStore:
    """Per-metric, per-minute samples with a per-period statistic cache. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._buckets: dict[SeriesKey, dict[int, list[Pairs]]] = {}
        self._direct: dict[SeriesKey, dict[int, list[_Direct]]] = {}
        # (key, statistic, period) -> period start minute -> datapoint
        self._cache: dict[tuple[SeriesKey, str, int], dict[int, Datapoint]] = {}
        self._cached_views: dict[SeriesKey, set[tuple[str, int]]] = {}
        self._statistics: dict[str, Statistic] = {}
        self._moto_dimensions: dict[SeriesKey, list[Any]] = {}
        self.samples_ingested = 0

    # -- ingestion ---------------------------------------------------------------------------

    def _add(self, key: SeriesKey, minute: int, pairs: Pairs) -> None:
        self._buckets.setdefault(key, {}).setdefault(minute, []).append(pairs)
        self.samples_ingested += 1
        # Late or new data changes every cached period that contains this minute.
        for stat, period in self._cached_views.get(key, ()):
            cached = self._cache.get((key, stat, period))
            if cached:
                span = period // 60
                for start in range(minute - span + 1, minute + 1):
                    cached.pop(start, None)

    def ingest_published(self, items: Iterable[Any]) -> int:
        """Index simulator output (``traffic.Published``: key, timestamp, values, counts). Returns the count."""
        count = 0
        with self._lock:
            for item in items:
                key = (item.key.namespace, item.key.name, item.key.dimensions)
                minute = minute_index(item.timestamp)
                pairs = (tuple(item.values), tuple(item.counts))
                self._add(key, minute, pairs)
                self._direct.setdefault(key, {}).setdefault(minute, []).append(_Direct(pairs, item.key.unit or None))
                count += 1
        return count

    def ingest_moto_datums(self, datums: Iterable[Any]) -> None:
        """Index datums moto just stored for a PutMetricData call (MetricDatum / MetricAggregatedDatum)."""
        with self._lock:
            for datum in datums:
                key = series_key(datum.namespace, datum.name, ((str(d.name), str(d.value)) for d in datum.dimensions))
                if hasattr(datum, "sample_count"):
                    count = float(datum.sample_count)
                    if count <= 0:
                        continue
                    pairs: Pairs = ((float(datum.sum) / count,), (count,))
                else:
                    pairs = ((float(datum.value),), (1.0,))
                self._add(key, minute_index(_as_datetime(datum.timestamp)), pairs)

    # -- aggregation -------------------------------------------------------------------------

    def _statistic(self, stat: str) -> Statistic:
        parsed = self._statistics.get(stat)
        if parsed is None:
            parsed = self._statistics[stat] = parse_statistic(stat)
        return parsed

    def datapoint(self, key: SeriesKey, stat: str, period: int, start: datetime) -> Datapoint:
        """The statistic over [start, start + period): cached until data of that period changes."""
        if period < 60 or period % 60:
            raise ValueError(f"the engine evaluates periods of whole minutes, not {period} s")
        first = minute_index(start)
        with self._lock:
            view = (key, stat, period)
            cached = self._cache.get(view)
            if cached is None:
                cached = self._cache[view] = {}
                self._cached_views.setdefault(key, set()).add((stat, period))
            point = cached.get(first)
            if point is not None:
                return point
            buckets = self._buckets.get(key, {})
            samples = [
                Sample(start, value, count)
                for minute in range(first, first + period // 60)
                for values, counts in buckets.get(minute, ())
                for value, count in zip(values, counts, strict=True)
            ]
            if samples:
                total = sum(sample.count for sample in samples)
                point = Datapoint(start, compute(self._statistic(stat), samples), total)
            else:
                point = Datapoint(start, None)
            cached[first] = point
            return point

    def series(self, key: SeriesKey, stat: str, period: int, starts: Iterable[datetime]) -> list[Datapoint]:
        """The real datapoints (value not None) for the given period starts."""
        points = (self.datapoint(key, stat, period, start) for start in starts)
        return [point for point in points if point.value is not None]

    def keys(self) -> list[SeriesKey]:
        with self._lock:
            return list(self._buckets)

    # -- what moto's queries see --------------------------------------------------------------

    def moto_view(
        self,
        wanted: Callable[[SeriesKey], bool],
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        weighted: bool = False,
    ) -> list[Any]:
        """Directly published data as moto ``MetricDatum`` objects (one per observed value, as
        moto stores PutMetricData ``Counts``), for the selected series in [start, end).

        ``weighted``: one datum per value, its count in the attribute ``WEIGHT``, for readers that
        honour it (the emulator's GetMetricData: 14 days of a busy variant are tens of millions of
        requests). Without a window, one datum per selected series (enough for ListMetrics)."""
        from moto.cloudwatch.models import MetricDatum

        out: list[Any] = []
        with self._lock:
            for key, minutes in self._direct.items():
                if not wanted(key):
                    continue
                dims = self._moto_dimensions.get(key)
                if dims is None:
                    dims = self._moto_dimensions[key] = _moto_dimensions(key)
                if start is None or end is None:
                    newest = max(minutes)
                    entry = minutes[newest][0]
                    out.append(_datum(MetricDatum, key, dims, minute_start(newest), entry.pairs[0][0], entry.unit))
                    continue
                first, last = minute_index(start), minute_index(end - timedelta(microseconds=1))
                for minute in range(first, last + 1) if last - first < len(minutes) else sorted(minutes):
                    if not first <= minute <= last or minute not in minutes:
                        continue
                    stamp = minute_start(minute)
                    for entry in minutes[minute]:
                        for value, count in zip(*entry.pairs, strict=True):
                            datum = _datum(MetricDatum, key, dims, stamp, value, entry.unit)
                            if weighted:
                                setattr(datum, WEIGHT, max(1, round(count)))
                                out.append(datum)
                            else:
                                out.extend([datum] * max(1, round(count)))
        return out


def _moto_dimensions(key: SeriesKey) -> list[Any]:
    from moto.cloudwatch.models import Dimension

    return [Dimension(name, value) for name, value in key[2]]


def _datum(cls: Any, key: SeriesKey, dims: list[Any], stamp: datetime, value: float, unit: str | None) -> Any:
    # Built without __init__: moto's would rebuild the Dimension objects for every datum.
    datum = cls.__new__(cls)
    datum.namespace, datum.name, datum.dimensions = key[0], key[1], dims
    datum.timestamp, datum.unit, datum.value = stamp, unit, float(value)
    return datum


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
