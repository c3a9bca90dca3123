"""Numbers and dates as CloudWatch prints them in state reasons (Java doubles, dd/MM/yy)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from sagewatch_evaluation import format_number, format_timestamp


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (250000.0, "250000.0"),
        (1840000.0, "1840000.0"),
        (8.891518474692088, "8.891518474692088"),
        (7.0, "7.0"),
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (-2.5, "-2.5"),
        (0.001, "0.001"),
        (1e7, "1.0E7"),
        (12345678.0, "1.2345678E7"),
        (1.5e-5, "1.5E-5"),
        (-3e20, "-3.0E20"),
        (float("inf"), "Infinity"),
        (float("nan"), "NaN"),
    ],
)
def test_numbers_print_like_java_doubles(value: float, text: str) -> None:
    assert format_number(value) == text


def test_dates_are_dd_mm_yy_in_utc() -> None:
    moment = datetime(2021, 7, 14, 23, 18, tzinfo=UTC)
    assert format_timestamp(moment) == "14/07/21 23:18:00"
    assert format_timestamp(moment.astimezone(timezone(timedelta(hours=9)))) == "14/07/21 23:18:00"
