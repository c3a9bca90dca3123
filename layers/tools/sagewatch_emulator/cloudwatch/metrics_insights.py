"""Metrics Insights queries (``SELECT …``) in GetMetricData, answered like CloudWatch does.

moto 5.2.x sums every datum of the account per period, whatever the query says, and labels the
one series with the query id: a grouped query cannot be read at all. This module answers the
subset SageWatch and its tests write, and enforces the rules AWS enforces:

- **one Metrics Insights query per GetMetricData call** — GetMetricData API reference,
  MetricDataQueries: "If you include a Metrics Insights query, each GetMetricData operation can
  include only one query. But the same GetMetricData operation can also retrieve other metrics."
  (also "Metrics Insights quotas" in the CloudWatch user guide). A second one is a
  ``ValidationError`` for the whole call (:func:`check_one_insights_query`);
- grouped series are labelled with **the group-by values joined by spaces**, and a series that
  lacks a group-by dimension is grouped under ``Other`` (user guide, "Metrics Insights query
  components and syntax", GROUP BY);
- AVG, COUNT, MAX, MIN, SUM only (no percentiles), and at most 500 series (``LIMIT``).

Grammar answered: ``SELECT FUNC(Metric) FROM SCHEMA("Namespace"[, Dim…]) | FROM "Namespace"
[WHERE Dim = 'value' [AND …]] [GROUP BY Dim[, …]] [ORDER BY FUNC() [ASC|DESC]] [LIMIT n]``.
``SCHEMA`` with dimension keys matches only metrics with exactly those keys, as in CloudWatch.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sagewatch_emulator.cloudwatch.utc import as_utc

__all__ = [
    "InsightsQuery",
    "InsightsQueryError",
    "check_one_insights_query",
    "insights_results",
    "is_insights",
    "parse_insights",
]

_MAX_SERIES = 500
_FUNCTIONS = ("AVG", "COUNT", "MAX", "MIN", "SUM")
_QUERY = re.compile(
    r"""^\s*SELECT\s+(?P<func>\w+)\s*\(\s*(?P<metric>"[^"]+"|[\w.\-]+)\s*\)\s+
    FROM\s+(?:SCHEMA\s*\(\s*(?P<schema>[^)]*)\)|(?P<namespace>"[^"]+"|[\w/.\-]+))
    (?:\s+WHERE\s+(?P<where>.+?))?
    (?:\s+GROUP\s+BY\s+(?P<group>.+?))?
    (?:\s+ORDER\s+BY\s+(?P<order>\w+\s*\(\s*\))(?:\s+(?P<direction>ASC|DESC))?)?
    (?:\s+LIMIT\s+(?P<limit>\d+))?\s*$""",
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)
_CONDITION = re.compile(r"""^\s*("[^"]+"|[\w.\-]+)\s*=\s*'([^']*)'\s*$""")


class InsightsQueryError(ValueError):
    """A query CloudWatch would reject (the emulator answers a ValidationError)."""


@dataclass(frozen=True)
class InsightsQuery:
    function: str
    metric: str
    namespace: str
    schema_keys: frozenset[str] | None
    """Dimension keys of ``SCHEMA(…)``: only metrics with exactly these keys; ``None`` for ``FROM "ns"``."""
    where: tuple[tuple[str, str], ...]
    group_by: tuple[str, ...]
    descending: bool | None
    limit: int


def is_insights(query: Mapping[str, Any]) -> bool:
    return str(query.get("Expression", "")).lstrip().upper().startswith("SELECT")


def check_one_insights_query(queries: Sequence[Mapping[str, Any]]) -> None:
    """Raise like GetMetricData does when a call carries more than one Metrics Insights query."""
    if sum(1 for query in queries if is_insights(query)) > 1:
        raise InsightsQueryError(
            "If you include a Metrics Insights query, each GetMetricData operation can include only one query."
        )


def _unquote(word: str) -> str:
    word = word.strip()
    return word[1:-1] if len(word) >= 2 and word[0] == word[-1] == '"' else word


def parse_insights(expression: str) -> InsightsQuery:
    match = _QUERY.match(expression)
    if not match:
        raise InsightsQueryError(f"the emulator cannot parse this Metrics Insights query: {expression!r}")
    function = match["func"].upper()
    if function not in _FUNCTIONS:
        raise InsightsQueryError(f"Metrics Insights supports {', '.join(_FUNCTIONS)}, not {function}")
    if match["schema"] is not None:
        parts = [_unquote(part) for part in match["schema"].split(",")]
        namespace, keys = parts[0], frozenset(part for part in parts[1:] if part)
        schema_keys: frozenset[str] | None = keys
    else:
        namespace, schema_keys = _unquote(match["namespace"]), None
    where: list[tuple[str, str]] = []
    if match["where"]:
        for condition in re.split(r"\s+AND\s+", match["where"], flags=re.IGNORECASE):
            found = _CONDITION.match(condition)
            if not found:
                raise InsightsQueryError(f"the emulator answers only Dim = 'value' conditions: {condition!r}")
            where.append((_unquote(found.group(1)), found.group(2)))
    group_by = tuple(_unquote(key) for key in match["group"].split(",")) if match["group"] else ()
    direction = (match["direction"] or "ASC").upper() if match["order"] else None
    limit = int(match["limit"]) if match["limit"] else _MAX_SERIES
    if not 1 <= limit <= _MAX_SERIES:
        raise InsightsQueryError(f"LIMIT must be between 1 and {_MAX_SERIES}")
    return InsightsQuery(
        function,
        _unquote(match["metric"]),
        namespace,
        schema_keys,
        tuple(where),
        group_by,
        None if direction is None else direction == "DESC",
        limit,
    )


def _aggregate(function: str, values: Sequence[float]) -> float:
    if function == "SUM":
        return sum(values)
    if function == "AVG":
        return sum(values) / len(values)
    if function == "MIN":
        return min(values)
    if function == "MAX":
        return max(values)
    return float(len(values))  # COUNT: data points, as SampleCount


# A directly published value observed ``count`` times, as one moto datum (alarm_engine.store).
WEIGHT = "sagewatch_weight"


def _datum_values(datum: Any) -> list[float]:
    # A statistic set (PutMetricData StatisticValues) contributes its sum as one value: enough for
    # SUM, the only function SageWatch asks of such data.
    if hasattr(datum, "value"):
        return [float(datum.value)] * max(1, round(float(getattr(datum, WEIGHT, 1))))
    return [float(datum.sum)] if hasattr(datum, "sum") else []


def insights_results(
    datums: Sequence[Any], query: Mapping[str, Any], start: datetime, end: datetime, *, descending: bool = False
) -> list[dict[str, Any]]:
    """One query's series in GetMetricData's result shape (one result per series, all with its Id)."""
    parsed = parse_insights(str(query["Expression"]))
    period = int(query.get("Period") or 0)
    if period <= 0:
        raise InsightsQueryError("A Metrics Insights query needs a Period")
    start, end = as_utc(start), as_utc(end)
    groups: dict[tuple[str, ...], dict[int, list[float]]] = {}
    for datum in datums:
        if datum.namespace != parsed.namespace or datum.name != parsed.metric:
            continue
        dimensions = {str(d.name): str(d.value) for d in datum.dimensions}
        if parsed.schema_keys is not None and set(dimensions) != parsed.schema_keys:
            continue
        if any(dimensions.get(key) != value for key, value in parsed.where):
            continue
        moment = as_utc(datum.timestamp)
        if moment < start or moment >= end:
            continue
        group = tuple(dimensions.get(key, "Other") for key in parsed.group_by)
        index = int((moment - start).total_seconds() // period)
        groups.setdefault(group, {}).setdefault(index, []).extend(_datum_values(datum))

    series = []
    for group, buckets in groups.items():
        points = [
            (start + timedelta(seconds=index * period), _aggregate(parsed.function, values))
            for index, values in sorted(buckets.items())
            if values
        ]
        # Without GROUP BY there is one series, labelled like moto did: the query's Label or Id.
        label = " ".join(group) if parsed.group_by else str(query.get("Label") or query["Id"])
        series.append((label, points))
    if parsed.descending is not None:
        series.sort(key=lambda item: _aggregate(parsed.function, [v for _, v in item[1]] or [0.0]))
        if parsed.descending:
            series.reverse()
    else:
        series.sort(key=lambda item: item[0])
    answers = []
    for label, points in series[: parsed.limit]:
        ordered = sorted(points, key=lambda point: point[0], reverse=descending)
        answers.append(
            {
                "Id": str(query["Id"]),
                "Label": label,
                "Timestamps": [moment for moment, _ in ordered],
                "Values": [value for _, value in ordered],
                "StatusCode": "Complete",
            }
        )
    return answers
