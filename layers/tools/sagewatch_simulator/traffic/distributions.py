"""Random draws the generator needs, with the standard library only (numpy is not a dependency).

Determinism: every function takes the caller's ``random.Random``. The number of draws depends
only on the arguments that come from the traffic model (request counts), never on incident
magnitudes, so adding an incident leaves every other minute's noise unchanged.
"""

from __future__ import annotations

import functools
import itertools
import math
import random
from statistics import NormalDist

# Large minutes are summarised as a histogram over fixed probability bands of the log-normal:
# finer towards the tail, so p90/p99/p99.9 land in their own bands and stay distinct from p50.
_BOUNDS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 1.0)
_MASS = tuple(b - a for a, b in itertools.pairwise(_BOUNDS))
_Z = tuple(NormalDist().inv_cdf((a + b) / 2) for a, b in itertools.pairwise(_BOUNDS))
HISTOGRAM_BANDS = len(_MASS)


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson count (Knuth's method for small means, a rounded normal for large ones)."""
    if mean <= 0:
        return 0
    if mean >= 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit = math.exp(-mean)
    count, product = 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def split(total: int, weights: tuple[float, ...]) -> list[int]:
    """``total`` split in proportion to ``weights`` as integers that add up to ``total``
    (largest remainder), so a histogram's SampleCount is exactly the request count."""
    scale = sum(weights)
    exact = [total * w / scale for w in weights]
    parts = [math.floor(x) for x in exact]
    short = total - sum(parts)
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - parts[i], reverse=True)
    for index in by_remainder[:short]:
        parts[index] += 1
    return parts


@functools.lru_cache(maxsize=8192)
def _band_counts(n: int) -> tuple[tuple[float, int], ...]:
    """(z, count) for the bands that get requests when ``n`` requests are spread over them."""
    return tuple((z, count) for z, count in zip(_Z, split(n, _MASS), strict=True) if count)


def latencies(rng: random.Random, n: int, median: float, sigma: float) -> tuple[list[float], list[float]]:
    """``n`` log-normal per-request latencies around ``median`` (same unit in and out), as
    (values, counts), values rounded to whole units and at least 1.

    Each minute's median and spread wobble a little. Up to ``HISTOGRAM_BANDS`` requests are drawn
    one by one; more are a histogram over probability bands with integer counts summing to ``n``.
    Multiply the returned values to apply a regression: the draws do not depend on ``median``."""
    wobble = math.exp(rng.gauss(0.0, 0.06))
    spread = sigma * math.exp(rng.gauss(0.0, 0.08))
    centre = median * wobble
    if n <= 0:
        return [], []
    if n <= HISTOGRAM_BANDS:
        return [max(1.0, round(centre * math.exp(spread * rng.gauss(0.0, 1.0)))) for _ in range(n)], [1.0] * n
    bands = _band_counts(n)
    values = [max(1.0, round(centre * math.exp(spread * z))) for z, _ in bands]
    return values, [float(count) for _, count in bands]


def flags(failed: int, total: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """SageMaker's per-request error metric: 1 per failed request, 0 per other request."""
    if failed <= 0:
        return (0.0,), (float(total),)
    if failed >= total:
        return (1.0,), (float(total),)
    return (1.0, 0.0), (float(failed), float(total - failed))


def failures(rng: random.Random, n: int, fraction: float) -> int:
    """How many of ``n`` requests fail at ``fraction``: the expected number, rounded at random
    (one draw whatever the fraction, so incidents do not shift later draws)."""
    draw = rng.random()
    return min(n, max(0, math.floor(n * min(1.0, max(0.0, fraction)) + draw)))
