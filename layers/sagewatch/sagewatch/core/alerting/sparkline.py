"""Text sparklines: the last hour of a metric in one line of block characters.

``sparkline([1, 5, 3, None, 8])`` → ``"▁▅▃·█"``. The scale is the series' own min..max, so a
sparkline shows shape, not magnitude: the renderers print min, max and last next to it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["BLOCKS", "GAP", "sparkline"]

BLOCKS = "▁▂▃▄▅▆▇█"
GAP = "·"  # no datapoint: visible, so a gap is not mistaken for a low value


def sparkline(values: Sequence[float | None], width: int = 30) -> str:
    """One character per value, at most ``width`` characters.

    More values than ``width`` are resampled into ``width`` buckets keeping each bucket's
    maximum (a spike must survive the resampling). None and non-finite values are gaps. A flat
    series is all the lowest block; an empty one (or ``width`` < 1) is ``""``.
    """
    if width < 1 or not values:
        return ""
    points = [v if v is not None and math.isfinite(v) else None for v in values]
    if len(points) > width:
        points = _resample_max(points, width)
    present = [v for v in points if v is not None]
    if not present:
        return GAP * len(points)
    low, high = min(present), max(present)
    # Halves keep ``high - low`` finite for values near the float limits.
    span = high / 2 - low / 2
    chars = []
    for value in points:
        if value is None:
            chars.append(GAP)
        elif span <= 0:
            chars.append(BLOCKS[0])
        else:
            ratio = (value / 2 - low / 2) / span
            index = int(ratio * (len(BLOCKS) - 1) + 0.5)
            chars.append(BLOCKS[min(max(index, 0), len(BLOCKS) - 1)])
    return "".join(chars)


def _resample_max(points: list[float | None], width: int) -> list[float | None]:
    count = len(points)
    buckets: list[float | None] = []
    for i in range(width):
        bucket = [v for v in points[i * count // width : (i + 1) * count // width] if v is not None]
        buckets.append(max(bucket) if bucket else None)
    return buckets
