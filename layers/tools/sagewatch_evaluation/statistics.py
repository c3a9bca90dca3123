"""Statistics over raw samples, and the low-sample-count rule for percentile alarms.

Sources: CloudWatch User Guide, "CloudWatch statistics definitions" (archived as
awsdocs/amazon-cloudwatch-user-guide ``doc_source/Statistics-definitions.md``) and "Percentile-based
CloudWatch alarms and low data samples" in ``doc_source/AlarmThatSendsEmail.md``.

Percentiles are computed exactly from the raw samples with the nearest-rank method (the smallest
value with at least p % of the samples at or below it). CloudWatch computes them from its own
stored representation and may differ slightly; the docs define p95 only as "95 percent of the data
within the period is lower than this value".
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

STANDARD_STATISTICS = ("SampleCount", "Sum", "Average", "Minimum", "Maximum")
_PERCENTILE = re.compile(r"^[pP](\d{1,2}(?:\.\d{1,10})?|100(?:\.0{1,10})?)$")


@dataclass(frozen=True)
class Sample:
    """One raw value as PutMetricData stores it; ``count`` is how many times it was observed
    (the ``Counts`` array of PutMetricData ``Values``)."""

    timestamp: datetime
    value: float
    count: float = 1.0

    def __post_init__(self) -> None:
        if not math.isfinite(self.value):
            raise ValueError("CloudWatch rejects NaN and infinite metric values")
        if self.count <= 0:
            raise ValueError("a sample count must be positive")


@dataclass(frozen=True)
class Statistic:
    """A parsed statistic: a standard one (``name``) or a percentile (``percentile`` in 0..100)."""

    name: str
    percentile: Fraction | None = None

    @property
    def is_percentile(self) -> bool:
        return self.percentile is not None


def parse_statistic(text: str) -> Statistic:
    """``Average``/``AVERAGE``/... or ``p99``/``p99.9``. Other extended statistics (tm99, wm, PR,
    TC, TS, IQM) are not supported here and raise ``ValueError``."""
    for name in STANDARD_STATISTICS:
        if text.upper() == name.upper():
            return Statistic(name)
    match = _PERCENTILE.match(text)
    if match is None:
        raise ValueError(f"unsupported statistic {text!r}: use {', '.join(STANDARD_STATISTICS)} or pNN / pNN.N")
    # Decimal, not float: "99.9" must stay exactly 999/10 so that the low-sample bound is exact.
    return Statistic(f"p{match.group(1)}", Fraction(Decimal(match.group(1))))


def compute(statistic: Statistic | str, samples: Iterable[Sample]) -> float | None:
    """The statistic over the samples; None when there are none (no datapoint for the period).

    Percentiles of a set with a negative value are None: the statistics-definitions page says
    percentile-type statistics "are not available for metrics when any of the metric values are
    negative numbers"."""
    stat = parse_statistic(statistic) if isinstance(statistic, str) else statistic
    items = list(samples)
    if not items:
        return None
    if stat.percentile is not None:
        if any(sample.value < 0 for sample in items):
            return None
        return percentile(items, stat.percentile)
    count = math.fsum(sample.count for sample in items)
    total = math.fsum(sample.value * sample.count for sample in items)
    if stat.name == "SampleCount":
        return count
    if stat.name == "Sum":
        return total
    if stat.name == "Average":
        return total / count
    if stat.name == "Minimum":
        return min(sample.value for sample in items)
    return max(sample.value for sample in items)


def percentile(samples: Sequence[Sample], p: Fraction | float) -> float:
    """Nearest rank: the smallest value v with (samples <= v) >= p % of all samples (weighted by
    count). p0 is the minimum and p100 the maximum."""
    if not samples:
        raise ValueError("percentile of no samples")
    if not 0 <= p <= 100:
        raise ValueError("a percentile is between 0 and 100")
    ordered = sorted(samples, key=lambda sample: sample.value)
    total = Fraction(math.fsum(sample.count for sample in ordered))
    target = Fraction(p) / 100 * total
    seen = Fraction(0)
    for sample in ordered:
        seen += Fraction(sample.count)
        if seen >= target:
            return sample.value
    return ordered[-1].value  # pragma: no cover - unreachable: seen ends at total >= target


def sample_count(samples: Iterable[Sample]) -> float:
    return math.fsum(sample.count for sample in samples)


def low_sample_bound(p: Fraction) -> Fraction | None:
    """The sample count below which EvaluateLowSampleCountPercentile applies, or None.

    AlarmThatSendsEmail.md, "Percentile-based CloudWatch alarms and low data samples": for
    percentiles between 0.5 (inclusive) and 1.00 (exclusive) it applies below 10/(1-percentile)
    samples (1000 for p99); between 0 and 0.5 (exclusive), below 10/percentile. p0 and p100 are
    outside both ranges, so the rule never applies to them.
    """
    q = p / 100
    if Fraction(1, 2) <= q < 1:
        return 10 / (1 - q)
    if 0 < q < Fraction(1, 2):
        return 10 / q
    return None


def is_low_sample(p: Fraction, samples: float) -> bool:
    bound = low_sample_bound(p)
    return bound is not None and Fraction(samples) < bound
