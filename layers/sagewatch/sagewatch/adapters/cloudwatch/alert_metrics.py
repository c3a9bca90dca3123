"""Reading CloudWatch metrics for an alert: one GetMetricData request, and chart images.

An alert needs several series (the alarm's metric, invocations, errors, their ratio …) over the
last hour. They are fetched in ONE GetMetricData request — up to 500 queries per call, so a
storm of alerts stays far below the 50 TPS quota — with ``ScanBy=TimestampAscending`` so each
series arrives oldest first. When CloudWatch splits the answer into pages (``NextToken``, when
``MaxDatapoints`` is exceeded) the pages are continuations of the same logical request and are
merged per query id.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sagewatch.adapters.aws import call
from sagewatch.adapters.pagination import pages
from sagewatch.core.alerting.metric_queries import (
    MAX_QUERIES_PER_REQUEST,
    MetricSeries,
    as_utc,
    series_to_minutes,
)
from sagewatch.core.shared.errors import AwsCallError

__all__ = ["MetricSeries", "MetricsReader", "series_to_minutes"]

MAX_PAGES = 20  # a guard against a token that never ends; real answers for an alert fit in one page

# A status that is worse than "Complete" or "PartialData" stays, even if a later page completes.
_STICKY_STATUSES = frozenset({"InternalError", "Forbidden"})


@dataclass
class _Accumulator:
    id: str
    label: str
    status: str = "Complete"
    points: list[tuple[datetime, float]] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    def add(self, result: Mapping[str, Any]) -> None:
        if result.get("Label"):
            self.label = str(result["Label"])
        status = str(result.get("StatusCode") or "Complete")
        if self.status not in _STICKY_STATUSES:
            self.status = status
        timestamps = result.get("Timestamps") or []
        values = result.get("Values") or []
        self.points.extend((as_utc(t), float(v)) for t, v in zip(timestamps, values, strict=False))
        self.messages.extend(f"{m.get('Code', '')}: {m.get('Value', '')}" for m in result.get("Messages") or [])

    def series(self) -> MetricSeries:
        # Pages and ScanBy already order the points; sorting again is cheap and makes the
        # "oldest first" promise independent of how the pages were cut.
        points = sorted(self.points, key=lambda point: point[0])
        return MetricSeries(
            id=self.id,
            label=self.label,
            timestamps=tuple(t for t, _ in points),
            values=tuple(v for _, v in points),
            status=self.status,
            messages=tuple(self.messages),
        )


class MetricsReader:
    def __init__(self, client: Any, sleep: Callable[[float], None] | None = None) -> None:
        self._client = client
        self._sleep = sleep

    def get_metric_data(
        self,
        queries: Sequence[Mapping[str, Any]],
        start: datetime,
        end: datetime,
        *,
        max_datapoints: int = 1000,
    ) -> dict[str, MetricSeries]:
        """Every query's series by query id (only queries with ``ReturnData`` true come back).

        One GetMetricData request; its ``NextToken`` pages (if any) are merged. Raises
        ``AwsCallError`` for anything but throttling, which is retried.
        """
        if not queries:
            return {}
        if len(queries) > MAX_QUERIES_PER_REQUEST:
            raise ValueError(
                f"GetMetricData takes at most {MAX_QUERIES_PER_REQUEST} queries per request, got {len(queries)}"
            )
        if as_utc(end) <= as_utc(start):
            raise ValueError("the end of the window must be after its start")
        merged: dict[str, _Accumulator] = {}
        for page in pages(
            "GetMetricData",
            self._client.get_metric_data,
            max_pages=MAX_PAGES,
            MetricDataQueries=[dict(query) for query in queries],
            StartTime=as_utc(start),
            EndTime=as_utc(end),
            ScanBy="TimestampAscending",
            MaxDatapoints=max_datapoints,
            sleep=self._sleep,
        ):
            for result in page.get("MetricDataResults") or []:
                query_id = str(result.get("Id", ""))
                accumulator = merged.setdefault(query_id, _Accumulator(query_id, str(result.get("Label") or query_id)))
                accumulator.add(result)
        return {query_id: accumulator.series() for query_id, accumulator in merged.items()}

    def get_widget_image(self, widget: Mapping[str, Any]) -> bytes:
        """A PNG of a metric widget (the ``properties`` of a dashboard widget, plus width/height)."""
        result = call(
            "GetMetricWidgetImage",
            self._client.get_metric_widget_image,
            MetricWidget=json.dumps(widget, separators=(",", ":")),
            OutputFormat="png",
            sleep=self._sleep,
        )
        image = result.get("MetricWidgetImage")
        if not isinstance(image, bytes | bytearray):
            raise AwsCallError("GetMetricWidgetImage", "EmptyResponse", "the response carried no image")
        return bytes(image)
