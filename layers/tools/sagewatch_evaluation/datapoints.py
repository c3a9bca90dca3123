"""Per-period datapoints, the evaluation range, and aggregation of raw samples into it.

How the window is aligned (a documented decision; AWS gives the cadence, not the arithmetic):

- CloudWatch evaluates an alarm with Period >= 60 s **every minute** over a sliding window, and a
  high-resolution alarm (Period 10 or 30 s) every 10 seconds ("Using Amazon CloudWatch alarms",
  archived as awsdocs/amazon-cloudwatch-user-guide ``doc_source/AlarmThatSendsEmail.md``; composite
  alarm docs: "CloudWatch evaluates metric alarms every minute").
- At evaluation time ``now`` the window therefore ends at ``now`` rounded down to that cadence
  (the minute boundary, or the 10-second boundary). The newest period is
  ``[end - Period, end)``, the one before it ``[end - 2*Period, end - Period)``, and so on, for the
  alarm's evaluation range (``AlarmConfig.range_length`` periods). Periods are therefore *not*
  aligned to multiples of Period: a 5-minute alarm evaluated at 03:12:40 reads 03:07-03:12,
  03:02-03:07, ... This matches captured reasons, whose datapoint times fall on any minute
  (``1141.0 (09/10/20 21:24:00), 1226.0 (09/10/20 21:19:00)``).
- A datapoint's timestamp is the start of its period, as in GetMetricData and in reason texts.
- Real CloudWatch evaluates a little after the minute and may not yet have the newest period's
  data; pass an earlier ``now`` to model that lag. Late samples count whenever they arrived: the
  aggregation looks only at sample timestamps ("any real data points in the evaluation range, no
  matter when they were reported, are included").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .config import AlarmConfig
from .statistics import Sample, Statistic, compute, parse_statistic, sample_count


@dataclass(frozen=True)
class Datapoint:
    """The value of one period (None: the period has no datapoint, i.e. it is missing).

    ``sample_count`` is the number of raw samples behind the value when known; the low-sample
    percentile rule needs it."""

    timestamp: datetime
    value: float | None
    sample_count: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "timestamp", as_utc(self.timestamp))


def as_utc(moment: datetime) -> datetime:
    """Aware UTC datetimes throughout; a naive datetime is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def evaluation_cadence(period: int) -> int:
    """Seconds between two evaluations: 60 for standard alarms, 10 for high-resolution ones."""
    return 60 if period >= 60 else 10


def window_end(period: int, now: datetime) -> datetime:
    """``now`` rounded down to the evaluation cadence: the end of the newest period considered."""
    moment = as_utc(now)
    cadence = evaluation_cadence(period)
    epoch = int(moment.timestamp())
    return datetime.fromtimestamp(epoch - epoch % cadence, UTC)


def evaluation_window(config: AlarmConfig, now: datetime) -> tuple[datetime, ...]:
    """The period starts of the evaluation range at ``now``, oldest first."""
    end = window_end(config.period, now)
    step = timedelta(seconds=config.period)
    length = config.range_length
    return tuple(end - step * (length - index) for index in range(length))


def aggregate(
    samples: Iterable[Sample], *, statistic: Statistic | str, period: int, starts: Sequence[datetime]
) -> tuple[Datapoint, ...]:
    """One datapoint per period start: the statistic over the samples with start <= t < start+period.

    A period without samples gets ``Datapoint(start, None)`` (missing). Samples outside every
    period are not used."""
    stat = parse_statistic(statistic) if isinstance(statistic, str) else statistic
    step = timedelta(seconds=period)
    aligned = [as_utc(start) for start in starts]
    buckets: dict[datetime, list[Sample]] = {start: [] for start in aligned}
    for sample in samples:
        moment = as_utc(sample.timestamp)
        for start in aligned:
            if start <= moment < start + step:
                buckets[start].append(sample)
                break
    return tuple(
        Datapoint(start, compute(stat, buckets[start]), sample_count(buckets[start]) if buckets[start] else None)
        for start in aligned
    )


def datapoints_for_alarm(config: AlarmConfig, samples: Iterable[Sample], now: datetime) -> tuple[Datapoint, ...]:
    """The evaluation range of a single-metric alarm at ``now``, aggregated from raw samples."""
    if config.stat is None:
        raise ValueError("the alarm has no statistic: aggregate a metric-math alarm's metrics one by one")
    return aggregate(samples, statistic=config.stat, period=config.period, starts=evaluation_window(config, now))


def align(datapoints: Iterable[Datapoint], starts: Sequence[datetime], period: int) -> tuple[Datapoint | None, ...]:
    """Place datapoints into the window's periods (by the period that contains their timestamp).

    Returns one entry per start, None where no datapoint falls. A datapoint with value None is
    kept (it is an explicit missing point). Two datapoints in one period mean the series was made
    with another period or alignment, which would silently change the evaluation: ValueError.
    """
    step = timedelta(seconds=period)
    aligned = [as_utc(start) for start in starts]
    slots: list[Datapoint | None] = [None] * len(aligned)
    for point in datapoints:
        for index, start in enumerate(aligned):
            if start <= point.timestamp < start + step:
                if slots[index] is not None:
                    raise ValueError(
                        f"two datapoints fall in the period starting {start.isoformat()}: "
                        "the series' period or alignment differs from the alarm's"
                    )
                slots[index] = point
                break
    return tuple(slots)
