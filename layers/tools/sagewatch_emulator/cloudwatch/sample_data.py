"""Metric datapoints and log lines put into the emulated account the way AWS services would.

Behind ``EmulatedAccount.put_metric_series`` and ``EmulatedAccount.put_log_lines``: a test says
"these values, one per minute, ending now" and gets PutMetricData / PutLogEvents calls of the
real shape, so the product reads them back through the real APIs.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["put_log_lines", "put_metric_series"]

_LOG = logging.getLogger(__name__)


def put_metric_series(
    cloudwatch: Any,
    namespace: str,
    metric_name: str,
    dimensions: Mapping[str, str],
    values: Sequence[float],
    *,
    end: datetime | None,
    period: int,
    unit: str | None,
    now: datetime | None = None,
) -> None:
    """One datapoint per ``period`` seconds, the last at ``end`` (default: the current period's start)."""
    if end is None:
        now_s = int((now or datetime.now(UTC)).timestamp())
        end = datetime.fromtimestamp(now_s - now_s % period, UTC)
    data: list[dict[str, Any]] = []
    for index, value in enumerate(values):
        datum: dict[str, Any] = {
            "MetricName": metric_name,
            "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
            "Timestamp": end - timedelta(seconds=period * (len(values) - 1 - index)),
            # A raw sample, not a statistic set: every statistic works on it, percentiles included.
            "Values": [float(value)],
            "Counts": [1.0],
        }
        if unit:
            datum["Unit"] = unit
        data.append(datum)
    for start in range(0, len(data), 500):  # well within PutMetricData's 1,000 datums per call
        cloudwatch.put_metric_data(Namespace=namespace, MetricData=data[start : start + 500])


def put_log_lines(logs: Any, log_group: str, lines: Sequence[str], *, stream: str, at: datetime | None) -> None:
    """Write ``lines`` in order, 1 ms apart, the last at ``at`` (default: now); group and stream
    are created if missing."""
    if not lines:
        return
    with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_group(logGroupName=log_group)
    with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_stream(logGroupName=log_group, logStreamName=stream)
    last = int((at or datetime.now(UTC)).timestamp() * 1000)
    first = last - (len(lines) - 1)
    events = [{"timestamp": first + i, "message": line} for i, line in enumerate(lines)]
    for start in range(0, len(events), 10_000):  # PutLogEvents takes at most 10,000 events
        answer = logs.put_log_events(
            logGroupName=log_group, logStreamName=stream, logEvents=events[start : start + 10_000]
        )
        rejected = answer.get("rejectedLogEventsInfo")
        if rejected:
            # As on AWS, lines older than 14 days or more than 2 hours ahead are dropped. Said
            # loudly: a test with a fixed timestamp would otherwise find no lines, not knowing why.
            _LOG.warning(
                "PutLogEvents dropped lines of %s at %s (%s): CloudWatch Logs accepts timestamps from "
                "14 days ago to 2 hours ahead of the clock",
                log_group,
                at or "now",
                rejected,
            )
