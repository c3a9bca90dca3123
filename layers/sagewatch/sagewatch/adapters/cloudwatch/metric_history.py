"""Reading days of metric history with GetMetricData, within the API's per-call limits.

CloudWatch API Reference, "GetMetricData": a call retrieves "as many as 500 different metrics in
a single request, with a total of as many as 100,800 data points"; ``MaxDatapoints`` is "the
maximum number of data points the request should return before paginating" (default 100,800),
and with ``ScanBy=TimestampAscending`` the oldest data comes first and the answer continues
under ``NextToken``. So the reader:

1. groups the queries by period and cuts each group into batches of at most 500 queries;
2. splits the time range of a batch into chunks of whole periods so that
   queries x periods per chunk stays within 100,800 data points;
3. follows ``NextToken`` within a call (when ``MaxDatapoints`` is lower, or CloudWatch pages
   anyway), merging the pages per query id;

and counts every call, pages included. Chunks start on the period grid of the window's start, so
every datapoint keeps the timestamp it would have in one long request. (GetMetricData has 1-minute
data for 15 days; older start times are rounded to 5 minutes or an hour: the caller keeps within
that.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sagewatch.adapters.aws import call

__all__ = [
    "MAX_DATAPOINTS_PER_CALL",
    "MAX_QUERIES_PER_CALL",
    "History",
    "MetricHistory",
    "Request",
    "plan_requests",
]

MAX_QUERIES_PER_CALL = 500
MAX_DATAPOINTS_PER_CALL = 100_800
MAX_PAGES_PER_REQUEST = 1000  # a guard against a NextToken that never ends

_HEALTHY = frozenset({"Complete", "PartialData"})


@dataclass(frozen=True)
class Request:
    """One logical GetMetricData request (it may take several calls when paged)."""

    queries: tuple[Mapping[str, Any], ...]
    start: datetime
    end: datetime

    @property
    def datapoints(self) -> int:
        """The most data points it can return: every query, one point per period."""
        seconds = (self.end - self.start).total_seconds()
        return sum(int(seconds // _period(query)) for query in self.queries)


@dataclass
class History:
    """The points of every query id, oldest first; the calls made; what CloudWatch complained about."""

    points: dict[str, list[tuple[datetime, float]]] = field(default_factory=dict)
    calls: int = 0
    requests: int = 0
    problems: list[str] = field(default_factory=list)


def _period(query: Mapping[str, Any]) -> int:
    return int(query["MetricStat"]["Period"])


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def plan_requests(queries: Sequence[Mapping[str, Any]], start: datetime, end: datetime) -> list[Request]:
    """The requests that read ``queries`` (MetricStat queries) over [start, end) within the limits."""
    start, end = _utc(start), _utc(end)
    if end <= start:
        raise ValueError("the end of the history must be after its start")
    by_period: dict[int, list[Mapping[str, Any]]] = {}
    for query in queries:
        by_period.setdefault(_period(query), []).append(query)
    requests: list[Request] = []
    for period in sorted(by_period):
        group = by_period[period]
        for first in range(0, len(group), MAX_QUERIES_PER_CALL):
            batch = tuple(group[first : first + MAX_QUERIES_PER_CALL])
            periods_per_call = MAX_DATAPOINTS_PER_CALL // len(batch)
            step = timedelta(seconds=period * periods_per_call)
            chunk_start = start
            while chunk_start < end:
                chunk_end = min(chunk_start + step, end)
                requests.append(Request(batch, chunk_start, chunk_end))
                chunk_start = chunk_end
    return requests


class MetricHistory:
    """GetMetricData over long windows; ``max_datapoints`` is passed as MaxDatapoints (page size)."""

    def __init__(
        self,
        client: Any,
        *,
        max_datapoints: int = MAX_DATAPOINTS_PER_CALL,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        if not 1 <= max_datapoints <= MAX_DATAPOINTS_PER_CALL:
            raise ValueError(f"max_datapoints must be between 1 and {MAX_DATAPOINTS_PER_CALL}")
        self._client = client
        self._max_datapoints = max_datapoints
        self._extra: dict[str, Any] = {"sleep": sleep} if sleep else {}

    def read(self, queries: Sequence[Mapping[str, Any]], start: datetime, end: datetime) -> History:
        """Every query's points over [start, end). Raises ``AwsCallError`` (throttling is retried)."""
        history = History(points={str(query["Id"]): [] for query in queries})
        for request in plan_requests(queries, start, end):
            self._read_one(request, history)
        for points in history.points.values():
            points.sort(key=lambda point: point[0])
        return history

    def _read_one(self, request: Request, history: History) -> None:
        kwargs: dict[str, Any] = {
            "MetricDataQueries": [dict(query) for query in request.queries],
            "StartTime": request.start,
            "EndTime": request.end,
            "ScanBy": "TimestampAscending",
            "MaxDatapoints": self._max_datapoints,
        }
        history.requests += 1
        seen: set[str] = set()
        for _ in range(MAX_PAGES_PER_REQUEST):
            page = call("GetMetricData", self._client.get_metric_data, **kwargs, **self._extra)
            history.calls += 1
            for result in page.get("MetricDataResults") or []:
                query_id = str(result.get("Id", ""))
                timestamps = result.get("Timestamps") or []
                values = result.get("Values") or []
                history.points.setdefault(query_id, []).extend(
                    (_utc(moment), float(value)) for moment, value in zip(timestamps, values, strict=False)
                )
                status = str(result.get("StatusCode") or "Complete")
                if status not in _HEALTHY:
                    messages = "; ".join(str(m.get("Value", "")) for m in result.get("Messages") or [])
                    history.problems.append(f"{query_id}: {status} {messages}".strip())
            token = page.get("NextToken")
            if not token or token in seen:
                return
            seen.add(token)
            kwargs["NextToken"] = token
