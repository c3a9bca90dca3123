"""GetMetricData over what PutMetricData stored: every statistic, percentiles and metric math.

moto crashes on extended statistics (``Stat: "p99"``: its ``Statistics`` helper returns ``None``
and the serialiser's ``float(None)`` answers HTTP 500) and returns no values for metric-math
expressions other than a bare query id. :func:`get_metric_data_with_percentiles_and_math`
replaces moto's ``CloudWatchBackend.get_metric_data``: it computes ``Sum``, ``Average``,
``Minimum``, ``Maximum``, ``SampleCount`` and percentiles ``pNN``/``pNN.N`` (nearest rank) on
periods aligned like CloudWatch's (StartTime rounded down to the minute, EndTime exclusive), and
evaluates metric math with the alarm evaluator's own, :mod:`sagewatch_evaluation.expressions`
(the one the alarm evaluator and ``sagewatch backtest`` use: CloudWatch's documented gap rules,
IF and FILL), on the request's period grid. While at it, it
matches a query's dimensions as a set *and* its namespace (moto ignored the namespace when
dimensions were given). Metrics Insights (``SELECT …``) queries are answered by
:mod:`sagewatch_emulator.cloudwatch.metrics_insights`, which also rejects a second one in the
same call as AWS does.

PutMetricData needs no extension: moto stores ``Values``/``Counts`` (each value ``count``
times), a single ``Value`` and ``StatisticValues`` sets, with their dimensions, unit and
timestamp, which is what this reads.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sagewatch_emulator.cloudwatch.metrics_insights import (
    WEIGHT,
    InsightsQueryError,
    check_one_insights_query,
    insights_results,
    is_insights,
)
from sagewatch_emulator.cloudwatch.utc import as_utc
from sagewatch_evaluation.expressions import ExpressionError, evaluate_at, parse_expression

if TYPE_CHECKING:
    from sagewatch_emulator.extensions import MotoExtensions

__all__ = [
    "QueryResult",
    "get_metric_data_with_percentiles_and_math",
    "metric_data_page",
    "metric_data_results",
    "page_get_metric_data_by_max_datapoints",
    "percentile",
]

_PERCENTILE = re.compile(r"^p(\d{1,2}(?:\.\d+)?|100)$")
_SIMPLE_STATS = ("Sum", "Average", "Minimum", "Maximum", "SampleCount")


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``p`` % of the values at or below it."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100.0 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def _weighted_percentile(population: Sequence[tuple[float, float]], p: float) -> float:
    """Nearest rank over (value, how many times it was observed): :func:`percentile` of the
    expanded values, without expanding them."""
    ordered = sorted(population)
    total = sum(weight for _, weight in ordered)
    rank = max(1, math.ceil(p / 100.0 * total))
    seen = 0.0
    for value, weight in ordered:
        seen += weight
        if seen >= rank:
            return value
    return ordered[-1][0]


def _statistic(stat: str, datums: Sequence[Any]) -> float | None:
    """One statistic over the datums of one period (moto's MetricDatum / MetricAggregatedDatum).

    Percentiles are exact over raw values (PutMetricData ``Value``/``Values``). A statistic set
    (``StatisticValues``) has lost its distribution: it contributes its Maximum as one sample —
    a period of statistic sets only gives the Maximum, an approximation real CloudWatch avoids
    only because it refuses percentiles on such data.
    """
    # A value the store handed over once with its count (WEIGHT: the simulator's histogram bands,
    # see alarm_engine.store.moto_view) counts as that many samples.
    weighted = [(float(d.value), float(getattr(d, WEIGHT, 1.0))) for d in datums if hasattr(d, "value")]
    raw = [value for value, _ in weighted]
    sets = [d for d in datums if hasattr(d, "sample_count")]
    count = sum(weight for _, weight in weighted) + sum(float(s.sample_count) for s in sets)
    total = sum(value * weight for value, weight in weighted) + sum(float(s.sum) for s in sets)
    if stat == "SampleCount":
        return count
    if stat == "Sum":
        return total
    if stat == "Average":
        return total / count if count else None
    if stat == "Minimum":
        return min(raw + [float(s.min) for s in sets]) if raw or sets else None
    if stat == "Maximum":
        return max(raw + [float(s.max) for s in sets]) if raw or sets else None
    match = _PERCENTILE.match(stat)
    if match:
        population = weighted + [(float(s.max), 1.0) for s in sets]
        return _weighted_percentile(population, float(match.group(1))) if population else None
    raise ExpressionError(f"statistic {stat!r} is not supported by the emulator")


def _grid_start(start: datetime, period: int) -> datetime:
    # CloudWatch rounds a StartTime of the last 15 days down to the minute (sub-minute periods:
    # to a multiple of the period). The coarser rounding of older start times is not emulated.
    start = as_utc(start).replace(microsecond=0)
    step = period if period < 60 else 60
    return start - timedelta(seconds=start.second % step)


@dataclass
class QueryResult:
    """One query's answer: its points, whether GetMetricData returns it, and its status."""

    id: str
    label: str
    points: list[tuple[datetime, float]]
    return_data: bool
    status: str = "Complete"
    message: str | None = None

    def response(self, descending: bool) -> dict[str, Any]:
        points = sorted(self.points, key=lambda point: point[0], reverse=descending)
        result: dict[str, Any] = {
            "Id": self.id,
            "Label": self.label,
            "Timestamps": [moment for moment, _ in points],
            "Values": [value for _, value in points],
            "StatusCode": self.status,
        }
        if self.message:
            # Real CloudWatch rejects a bad expression with a ValidationError for the whole
            # request; the emulator keeps the other results and says what went wrong here.
            result["Messages"] = [{"Code": self.status, "Value": self.message}]
        return result


def _metric_stat_points(
    datums: Sequence[Any], metric_stat: Mapping[str, Any], start: datetime, end: datetime
) -> list[tuple[datetime, float]]:
    metric = metric_stat.get("Metric") or {}
    namespace = metric.get("Namespace")
    name = metric.get("MetricName")
    wanted = {(str(d.get("Name")), str(d.get("Value"))) for d in metric.get("Dimensions") or []}
    unit = metric_stat.get("Unit")
    stat = str(metric_stat.get("Stat") or "")
    period = int(metric_stat.get("Period") or 60)
    if period <= 0:
        raise ExpressionError("Period must be positive")
    if stat not in _SIMPLE_STATS and not _PERCENTILE.match(stat):
        raise ExpressionError(f"statistic {stat!r} is not supported by the emulator")
    grid = _grid_start(start, period)
    end = as_utc(end)
    buckets: dict[int, list[Any]] = {}
    for datum in datums:
        if datum.namespace != namespace or datum.name != name:
            continue
        if {(str(d.name), str(d.value)) for d in datum.dimensions} != wanted:
            continue
        if unit and datum.unit != unit:
            continue
        moment = as_utc(datum.timestamp)
        if moment < grid or moment >= end:
            continue
        index = int((moment - grid).total_seconds() // period)
        buckets.setdefault(index, []).append(datum)
    points: list[tuple[datetime, float]] = []
    for index in sorted(buckets):
        value = _statistic(stat, buckets[index])
        if value is not None:
            points.append((grid + timedelta(seconds=index * period), float(value)))
    return points


def _period_grid(queries: Sequence[Mapping[str, Any]], start: datetime, end: datetime) -> list[datetime]:
    """The period starts of the request when its metrics share one period (else none): the
    timeline on which FILL fills periods without data, as CloudWatch's FILL does."""
    periods = {int(q["MetricStat"].get("Period") or 60) for q in queries if "MetricStat" in q}
    if len(periods) != 1 or (period := periods.pop()) <= 0:
        return []
    moment, end = _grid_start(start, period), as_utc(end)
    grid: list[datetime] = []
    while moment < end:
        grid.append(moment)
        moment += timedelta(seconds=period)
    return grid


def metric_data_results(
    datums: Sequence[Any], queries: Sequence[Mapping[str, Any]], start: datetime, end: datetime
) -> list[QueryResult]:
    """Every MetricStat and math query's result (ReturnData or not), in the order of ``queries``."""
    results: dict[str, QueryResult] = {}
    for query in queries:
        if "MetricStat" not in query:
            continue
        query_id = str(query["Id"])
        metric_stat = query["MetricStat"]
        label = query.get("Label") or str((metric_stat.get("Metric") or {}).get("MetricName") or query_id)
        result = QueryResult(query_id, label, [], bool(query.get("ReturnData", True)))
        try:
            result.points = _metric_stat_points(datums, metric_stat, start, end)
        except ExpressionError as exc:
            result.status, result.message = "InternalError", str(exc)
        results[query_id] = result

    expressions = {str(q["Id"]): q for q in queries if "Expression" in q and not is_insights(q)}
    timeline = _period_grid(queries, start, end)
    in_progress: set[str] = set()

    def evaluate(query_id: str) -> QueryResult:
        if query_id in results:
            return results[query_id]
        query = expressions[query_id]
        result = QueryResult(query_id, query.get("Label") or query_id, [], bool(query.get("ReturnData", True)))
        if query_id in in_progress:
            raise ExpressionError(f"expression {query_id!r} references itself (a cycle)")
        in_progress.add(query_id)
        try:
            parsed = parse_expression(str(query["Expression"]))
            inputs: dict[str, Sequence[tuple[datetime, float]]] = {}
            for reference in parsed.references:
                if reference in results or reference in expressions:
                    source = evaluate(reference)
                    if source.status != "Complete":
                        raise ExpressionError(f"{reference!r} has no data: {source.message}")
                    inputs[reference] = source.points
            result.points = evaluate_at(parsed, inputs, timeline)
        except ExpressionError as exc:
            result.status, result.message = "InternalError", str(exc)
        finally:
            in_progress.discard(query_id)
        results[query_id] = result
        return result

    for query_id in expressions:
        evaluate(query_id)
    ordered = [results[str(q["Id"])] for q in queries if str(q.get("Id")) in results]
    return ordered


def get_metric_data_with_percentiles_and_math(extensions: MotoExtensions) -> None:
    """Replace moto's GetMetricData: percentile statistics, metric math and Metrics Insights."""
    from moto.cloudwatch.exceptions import ValidationError
    from moto.cloudwatch.models import CloudWatchBackend

    def get_metric_data(
        self: Any,
        queries: list[dict[str, Any]],
        start_time: datetime,
        end_time: datetime,
        scan_by: str = "TimestampAscending",
    ) -> list[dict[str, Any]]:
        start, end = as_utc(start_time).replace(microsecond=0), as_utc(end_time).replace(microsecond=0)
        if start > end:
            raise ValidationError("The parameter EndTime must be greater than StartTime.")
        if start == end:
            raise ValidationError("The parameter StartTime must not equal parameter EndTime.")
        descending = scan_by == "TimestampDescending"
        datums = self.get_all_metrics()
        computed = metric_data_results(datums, queries, start, end)
        by_id = {result.id: [result.response(descending)] for result in computed if result.return_data}
        try:
            check_one_insights_query(queries)
            for query in queries:
                if is_insights(query) and query.get("ReturnData", True):
                    by_id[str(query["Id"])] = insights_results(datums, query, start, end, descending=descending)
        except InsightsQueryError as exc:
            raise ValidationError(str(exc)) from exc
        return [answer for q in queries for answer in by_id.get(str(q["Id"]), [])]

    extensions.patch(CloudWatchBackend, "get_metric_data", get_metric_data)
    extensions.installed.append("cloudwatch: GetMetricData with percentiles and metric math")
    page_get_metric_data_by_max_datapoints(extensions)


# GetMetricData (CloudWatch API Reference): MaxDatapoints is "the maximum number of data points the
# request should return before paginating. If you omit this, the default of 100,800 is used."
DEFAULT_MAX_DATAPOINTS = 100_800


def metric_data_page(
    results: Sequence[Mapping[str, Any]], max_datapoints: int, offset: int, descending: bool
) -> tuple[list[dict[str, Any]], int | None]:
    """One page of GetMetricData results: (the results of this page, the next offset or None).

    An emulation of AWS's paging, whose token is opaque: every returned query's points are put in
    ScanBy order across queries ("TimestampAscending returns the oldest data first and paginates
    when the MaxDatapoints limit is reached"), and a page carries ``max_datapoints`` of them. Every
    query appears on every page (possibly without points); ``StatusCode`` is ``PartialData`` while
    more of its points follow, as AWS says of a result continued under NextToken. Metrics
    Insights answers (moto's own shape) are not paged."""
    order = sorted(
        (
            (moment, position, index)
            for position, result in enumerate(results)
            for index, moment in enumerate(result.get("Timestamps") or [])
        ),
        key=lambda item: (item[0], item[1]),
        reverse=descending,
    )
    chosen = order[offset : offset + max_datapoints]
    later = {position for _, position, _ in order[offset + max_datapoints :]}
    page: list[dict[str, Any]] = []
    for position, result in enumerate(results):
        if "Timestamps" not in result:
            # moto's own (Metrics Insights) answers keep moto's shape and come whole.
            page.append(dict(result))
            continue
        # Keep the result's own order: it is in ScanBy order already.
        indexes = sorted(index for _, where, index in chosen if where == position)
        timestamps = result.get("Timestamps") or []
        values = result.get("Values") or []
        entry = dict(result)
        entry["Timestamps"] = [timestamps[i] for i in indexes]
        entry["Values"] = [values[i] for i in indexes]
        if position in later and entry.get("StatusCode", "Complete") == "Complete":
            entry["StatusCode"] = "PartialData"
        page.append(entry)
    following = offset + max_datapoints
    return page, following if following < len(order) else None


def page_get_metric_data_by_max_datapoints(extensions: MotoExtensions) -> None:
    """GetMetricData honours MaxDatapoints/NextToken (moto returns everything at once)."""
    from moto.cloudwatch.exceptions import ValidationError
    from moto.cloudwatch.responses import CloudWatchResponse
    from moto.core.responses import ActionResult

    original = CloudWatchResponse.get_metric_data

    def get_metric_data(self: Any) -> Any:
        answer = original(self)
        result: dict[str, Any] = dict(cast("dict[str, Any]", answer.result))
        max_datapoints = int(self._get_param("MaxDatapoints") or DEFAULT_MAX_DATAPOINTS)
        if max_datapoints < 1:
            raise ValidationError("The parameter MaxDatapoints must be greater than 0.")
        token = self._get_param("NextToken")
        offset = int(token) if token and str(token).isdigit() else 0
        descending = (self._get_param("ScanBy") or "TimestampDescending") == "TimestampDescending"
        page, following = metric_data_page(result.get("MetricDataResults") or [], max_datapoints, offset, descending)
        result["MetricDataResults"] = page
        if following is not None:
            result["NextToken"] = str(following)
        return ActionResult(result)

    extensions.patch(CloudWatchResponse, "get_metric_data", get_metric_data)
    extensions.installed.append("cloudwatch: GetMetricData pages by MaxDatapoints (NextToken)")
