"""CloudWatch Metrics Insights: one SageMaker metric summed per endpoint, in one GetMetricData call."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sagewatch.adapters.aws import call
from sagewatch.core.shared.namespaces import INVOCATION_NAMESPACE

# A Metrics Insights query built from constants only (no input reaches it), hence the noqa/nosec.
_QUERY = (
    f'SELECT SUM({{metric}}) FROM SCHEMA("{INVOCATION_NAMESPACE}", EndpointName, VariantName) '  # noqa: S608  # nosec B608
    "GROUP BY EndpointName LIMIT 500"
)


class MetricsInsights:
    def __init__(self, client: Any, sleep: Callable[[float], None] | None = None) -> None:
        self._client = client
        self._sleep = sleep

    def sum_per_endpoint(self, metric: str, start: datetime, end: datetime) -> dict[str, float]:
        """``metric`` (of SageMaker's invocation namespace) summed per endpoint over [start, end).

        GetMetricData accepts only one Metrics Insights query per call (API reference,
        MetricDataQueries: "each GetMetricData operation can include only one query"); a second one
        is a ValidationError for the whole call. Each grouped series is labelled with its
        EndpointName (the group-by value).
        """
        result = call(
            "GetMetricData",
            self._client.get_metric_data,
            MetricDataQueries=[{"Id": "m", "Expression": _QUERY.format(metric=metric), "Period": 3600}],
            StartTime=start,
            EndTime=end,
            sleep=self._sleep,
        )
        sums: dict[str, float] = {}
        for series in result.get("MetricDataResults", []):
            label = str(series.get("Label", ""))
            sums[label] = sums.get(label, 0.0) + sum(float(v) for v in series.get("Values", []))
        return sums
