"""An anomaly-detection band — a DOCUMENTED APPROXIMATION of CloudWatch's.

What AWS documents (CloudWatch User Guide, "Using CloudWatch anomaly detection", archived as
awsdocs/amazon-cloudwatch-user-guide ``doc_source/CloudWatch_Anomaly_Detection.md``): the model is
trained on up to two weeks of the metric's history, accounts for hourly, daily and weekly
seasonality and trend, and the band is ``ANOMALY_DETECTION_BAND(metric, k)`` where k (default 2)
"is the number of standard deviations" that sets the band's width. The model itself is not public.

What this module computes instead: for each datapoint, the mean ± k · standard deviation
(population) of the ``window`` real datapoints *before* it in the same series. No seasonality, no
trend, no exclusion of past anomalies. A point gets no band until ``min_history`` earlier real
points exist (and, as an expression with no value, the alarm then treats it as missing). With a
perfectly flat history the band has zero width, so any change breaches. Use it to exercise band
alarms in the emulated account and backtests, not to predict CloudWatch's exact band.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import datetime

from .comparison import Band
from .datapoints import Datapoint

DEFAULT_STDDEVS = 2.0  # ANOMALY_DETECTION_BAND's default width
DEFAULT_WINDOW = 60
DEFAULT_MIN_HISTORY = 5

_BAND = re.compile(r"^\s*ANOMALY_DETECTION_BAND\s*\(\s*([a-z][A-Za-z0-9_]*)\s*(?:,\s*([0-9]*\.?[0-9]+)\s*)?\)\s*$")


def parse_anomaly_band(expression: str) -> tuple[str, float] | None:
    """``ANOMALY_DETECTION_BAND(m1, 2)`` -> ("m1", 2.0); the width defaults to 2. None otherwise."""
    match = _BAND.match(expression)
    if match is None:
        return None
    return match.group(1), float(match.group(2)) if match.group(2) else DEFAULT_STDDEVS


def band_from_history(history: Sequence[float], stddevs: float = DEFAULT_STDDEVS) -> Band:
    """mean ± stddevs · sigma of the history (population standard deviation)."""
    if not history:
        raise ValueError("a band needs at least one earlier value")
    mean = math.fsum(history) / len(history)
    sigma = math.sqrt(math.fsum((value - mean) ** 2 for value in history) / len(history))
    return Band(mean - stddevs * sigma, mean + stddevs * sigma)


def anomaly_bands(
    series: Sequence[Datapoint],
    *,
    stddevs: float = DEFAULT_STDDEVS,
    window: int = DEFAULT_WINDOW,
    min_history: int = DEFAULT_MIN_HISTORY,
) -> dict[datetime, Band]:
    """The band at each datapoint's timestamp, from the trailing real values before it."""
    if window < 1 or min_history < 1 or min_history > window:
        raise ValueError("need 1 <= min_history <= window")
    if stddevs < 0:
        raise ValueError("the band width cannot be negative")
    bands: dict[datetime, Band] = {}
    history: list[float] = []
    for point in sorted(series, key=lambda p: p.timestamp):
        trailing = history[-window:]
        if len(trailing) >= min_history:
            bands[point.timestamp] = band_from_history(trailing, stddevs)
        if point.value is not None:
            history.append(point.value)
    return bands
