"""Builders shared by the evaluator tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sagewatch_evaluation import AlarmConfig, ComparisonOperator, Datapoint, TreatMissingData

NOW = datetime(2026, 11, 28, 3, 12, 40, tzinfo=UTC)  # evaluations read periods ending 03:12:00
WINDOW_END = datetime(2026, 11, 28, 3, 12, tzinfo=UTC)


def config(
    *,
    n: int = 3,
    m: int | None = None,
    period: int = 300,
    threshold: float = 1.0,
    operator: ComparisonOperator = ComparisonOperator.GREATER_THAN,
    treat: TreatMissingData = TreatMissingData.MISSING,
    evaluation_range: int | None = None,
    extended_statistic: str | None = None,
) -> AlarmConfig:
    return AlarmConfig(
        period=period,
        evaluation_periods=n,
        datapoints_to_alarm=m,
        threshold=threshold,
        comparison_operator=operator,
        treat_missing_data=treat,
        extended_statistic=extended_statistic,
        statistic=None if extended_statistic else "Average",
        evaluation_range=evaluation_range,
    )


def period_start(age: int, period: int = 300) -> datetime:
    """The start of the period ``age`` periods back (1 = the newest period of the window)."""
    return WINDOW_END - timedelta(seconds=period * age)


def from_pattern(pattern: str, *, period: int = 300, breach: float = 2.0, ok: float = 0.0) -> list[Datapoint]:
    """The documented notation, oldest first: ``0`` not breaching, ``X`` breaching, ``-`` missing.

    With the default threshold 1.0 and GreaterThanThreshold, 2.0 breaches and 0.0 does not."""
    marks = pattern.split()
    points = []
    for index, mark in enumerate(marks):
        age = len(marks) - index
        if mark == "-":
            continue
        points.append(Datapoint(period_start(age, period), breach if mark == "X" else ok))
    return points
