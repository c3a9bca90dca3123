"""Timestamps as CloudWatch compares them: in UTC, naive ones taken as UTC (moto stores both)."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["as_utc"]


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is read as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
