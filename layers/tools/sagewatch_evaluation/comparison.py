"""Whether one datapoint breaches: the seven ComparisonOperator values of PutMetricAlarm.

Source: CloudWatch API Reference, "PutMetricAlarm", ComparisonOperator: "The values
LessThanLowerOrGreaterThanUpperThreshold, LessThanLowerThreshold, and GreaterThanUpperThreshold are
used only for alarms based on anomaly detection models." The band operators compare with the
band's value at the datapoint's timestamp.
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import ComparisonOperator


@dataclass(frozen=True)
class Band:
    """An anomaly-detection band at one timestamp."""

    lower: float
    upper: float

    def __post_init__(self) -> None:
        if self.lower > self.upper:
            raise ValueError(f"band lower bound {self.lower} is above its upper bound {self.upper}")


def is_breaching(
    operator: ComparisonOperator, value: float, *, threshold: float | None = None, band: Band | None = None
) -> bool:
    """True when the value is on the alarming side of the threshold (or outside the band)."""
    if operator.is_band:
        if band is None:
            raise ValueError(f"{operator} compares with a band; none was given")
        if operator is ComparisonOperator.OUTSIDE_BAND:
            return value < band.lower or value > band.upper
        if operator is ComparisonOperator.BELOW_BAND:
            return value < band.lower
        return value > band.upper
    if threshold is None:
        raise ValueError(f"{operator} compares with a threshold; none was given")
    if operator is ComparisonOperator.GREATER_THAN_OR_EQUAL:
        return value >= threshold
    if operator is ComparisonOperator.GREATER_THAN:
        return value > threshold
    if operator is ComparisonOperator.LESS_THAN:
        return value < threshold
    return value <= threshold


# The words CloudWatch uses in its state reasons ("... were greater than or equal to the threshold").
THRESHOLD_WORDS = {
    ComparisonOperator.GREATER_THAN_OR_EQUAL: "greater than or equal to",
    ComparisonOperator.GREATER_THAN: "greater than",
    ComparisonOperator.LESS_THAN: "less than",
    ComparisonOperator.LESS_THAN_OR_EQUAL: "less than or equal to",
}
