"""Emulator extensions for CloudWatch and CloudWatch Logs: where moto 5.2.x falls short of what
the alert path calls. Dev-only code; installed by :class:`MotoExtensions` while an
:class:`~sagewatch_emulator.EmulatedAccount` is open and removed on close. The product keeps making
the real calls; these change what the *emulator* answers, to the shape the real API has.

- ``get_metric_data_with_percentiles_and_math`` (replaces moto's ``CloudWatchBackend.get_metric_data``):
  moto crashes on extended statistics (``Stat: "p99"``: its ``Statistics`` helper returns
  ``None`` and the serialiser's ``float(None)`` answers HTTP 500) and returns no values for
  metric-math expressions other than a bare query id. The replacement computes every
  statistic from the datapoints PutMetricData stored — ``Sum``, ``Average``, ``Minimum``,
  ``Maximum``, ``SampleCount`` and percentiles ``pNN``/``pNN.N`` (nearest rank) — on periods
  aligned like CloudWatch's (StartTime rounded down to the minute, EndTime exclusive), and
  evaluates the metric math SageWatch uses with :func:`evaluate_expression`. While at it, it
  matches a query's dimensions as a set *and* its namespace (moto ignored the namespace when
  dimensions were given). Metrics Insights (``SELECT …``) queries still go to moto's code.
- ``add_get_metric_widget_image``: GetMetricWidgetImage is not implemented in moto (HTTP 500).
  The extension answers with a real PNG (standard library only: zlib + struct) of the widget's
  size (default 600 by 400 pixels, as CloudWatch): white background, axes, and one polyline per visible
  series — metrics and expressions of the widget's ``metrics``, evaluated over the emulator's
  own data like GetMetricData. No text (titles, labels, legends) is drawn: there is no font.
- ``filter_log_events_with_term_patterns``: moto's FilterLogEvents treats any pattern that does
  not start with a letter or a quote as "match everything", so ``?ERROR ?Exception`` returned
  every line. The extension implements the term syntax of CloudWatch Logs for unstructured
  lines: ``?term`` (any of these), ``-term`` (none of these), ``term``/``"exact phrase"``
  (all of these), case-sensitive. JSON (``{ $.x = … }``) and space-delimited (``[a, b]``)
  patterns keep moto's behaviour.

- ``reset_powertools_parameter_cache`` is not about moto: each account starts with an empty
  Powertools parameter cache (see its docstring).

PutMetricData needs no extension: moto stores ``Values``/``Counts`` (each value ``count``
times), a single ``Value`` and ``StatisticValues`` sets, with their dimensions, unit and
timestamp, which is what the GetMetricData replacement reads.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import struct
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sagewatch_emulator.moto_extensions import MotoExtensions

__all__ = [
    "ExpressionError",
    "UnsupportedFunctionError",
    "add_get_metric_widget_image",
    "evaluate_expression",
    "filter_log_events_with_term_patterns",
    "get_metric_data_with_percentiles_and_math",
    "install_cloudwatch_extensions",
    "log_pattern_matches",
    "parse_expression",
    "percentile",
    "render_line_chart_png",
    "reset_powertools_parameter_cache",
]


def install_cloudwatch_extensions(extensions: MotoExtensions) -> None:
    """Install every extension of this module (called by ``MotoExtensions.install``)."""
    get_metric_data_with_percentiles_and_math(extensions)
    add_get_metric_widget_image(extensions)
    filter_log_events_with_term_patterns(extensions)
    add_describe_alarm_history(extensions)
    reset_powertools_parameter_cache(extensions)


def reset_powertools_parameter_cache(extensions: MotoExtensions) -> None:
    """Forget Powertools' cached parameter providers and values (not a moto gap: process state).

    ``parameters.get_secret`` keeps, process-wide, a provider whose boto3 client is bound to the
    endpoint of the account that was open when it was made, and the values it read for
    ``max_age`` seconds. On Lambda that cache lives and dies with one function's sandbox; in this
    process it would outlive the account, and the next account's functions would read the old
    account's secrets (a webhook URL on a fake Slack that no longer listens) through a client
    pointed at a moto that is gone. Each account therefore starts with an empty cache.
    """
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()  # type: ignore[no-untyped-call]
    extensions.installed.append("powertools: parameter cache cleared for this account")


# =============================================================================================
# Metric math: a small, safe evaluator (a tokenizer and a recursive-descent parser; no eval()).
# =============================================================================================

MAX_EXPRESSION_LENGTH = 2048
MAX_NESTING = 64


class ExpressionError(ValueError):
    """The expression cannot be parsed or evaluated; the message says where and why."""


class UnsupportedFunctionError(ExpressionError):
    """The expression calls a function the emulator does not implement (only ``IF``)."""


_TOKEN = re.compile(
    r"(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>>=|<=|==|!=|&&|\|\||[-+*/^(),<>!])"
)
_KEYWORD_OPERATORS = {"AND": "&&", "OR": "||", "NOT": "!"}


@dataclass(frozen=True)
class _Token:
    kind: str  # "number", "name", "op", "end"
    text: str
    position: int


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        match = _TOKEN.match(text, position)
        if match is None:
            raise ExpressionError(f"unexpected character {text[position]!r} at position {position}")
        kind = match.lastgroup or "op"
        value = match.group()
        if kind == "name" and value in _KEYWORD_OPERATORS:
            kind, value = "op", _KEYWORD_OPERATORS[value]
        tokens.append(_Token(kind, value, position))
        position = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


Value = float | None
Env = Mapping[str, float]


class _Node:
    def evaluate(self, env: Env) -> Value:  # pragma: no cover - abstract
        raise NotImplementedError

    def references(self) -> frozenset[str]:
        return frozenset()


@dataclass(frozen=True)
class _Number(_Node):
    value: float

    def evaluate(self, env: Env) -> Value:
        return self.value


@dataclass(frozen=True)
class _Ref(_Node):
    name: str

    def evaluate(self, env: Env) -> Value:
        return env.get(self.name)

    def references(self) -> frozenset[str]:
        return frozenset({self.name})


def _finite(value: float) -> Value:
    return value if math.isfinite(value) else None


def _truth(value: float) -> float:
    return 1.0 if value else 0.0


_BINARY: dict[str, Callable[[float, float], Value]] = {
    "+": lambda a, b: _finite(a + b),
    "-": lambda a, b: _finite(a - b),
    "*": lambda a, b: _finite(a * b),
    "/": lambda a, b: None if b == 0 else _finite(a / b),  # CloudWatch drops the datapoint
    ">": lambda a, b: _truth(a > b),
    ">=": lambda a, b: _truth(a >= b),
    "<": lambda a, b: _truth(a < b),
    "<=": lambda a, b: _truth(a <= b),
    "==": lambda a, b: _truth(a == b),
    "!=": lambda a, b: _truth(a != b),
    "&&": lambda a, b: _truth(bool(a) and bool(b)),
    "||": lambda a, b: _truth(bool(a) or bool(b)),
}


def _power(a: float, b: float) -> Value:
    try:
        return _finite(math.pow(a, b))
    except (OverflowError, ValueError):
        return None


_BINARY["^"] = _power


@dataclass(frozen=True)
class _Binary(_Node):
    op: str
    left: _Node
    right: _Node

    def evaluate(self, env: Env) -> Value:
        a = self.left.evaluate(env)
        b = self.right.evaluate(env)
        if a is None or b is None:
            return None
        return _BINARY[self.op](a, b)

    def references(self) -> frozenset[str]:
        return self.left.references() | self.right.references()


@dataclass(frozen=True)
class _Unary(_Node):
    op: str
    operand: _Node

    def evaluate(self, env: Env) -> Value:
        value = self.operand.evaluate(env)
        if value is None:
            return None
        if self.op == "-":
            return -value
        if self.op == "!":
            return 0.0 if value else 1.0
        return value

    def references(self) -> frozenset[str]:
        return self.operand.references()


@dataclass(frozen=True)
class _If(_Node):
    condition: _Node
    then: _Node
    otherwise: _Node | None

    def evaluate(self, env: Env) -> Value:
        condition = self.condition.evaluate(env)
        if condition is None:
            return None
        if condition:
            return self.then.evaluate(env)
        # IF without a false branch: CloudWatch returns no datapoint where the condition is false.
        return self.otherwise.evaluate(env) if self.otherwise is not None else None

    def references(self) -> frozenset[str]:
        refs = self.condition.references() | self.then.references()
        return refs | self.otherwise.references() if self.otherwise is not None else refs


class _Parser:
    """Grammar, lowest precedence first::

    or      := and (("||" | "OR") and)*
    and     := not (("&&" | "AND") not)*
    not     := ("!" | "NOT") not | compare
    compare := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?
    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/") unary)*
    unary   := ("-" | "+") unary | power
    power   := atom ("^" unary)?
    atom    := number | id | FUNCTION "(" args ")" | "(" or ")"
    """

    def __init__(self, text: str) -> None:
        self._tokens = _tokenize(text)
        self._index = 0
        self._depth = 0

    @property
    def _current(self) -> _Token:
        return self._tokens[self._index]

    def _take(self) -> _Token:
        token = self._tokens[self._index]
        if token.kind != "end":
            self._index += 1
        return token

    def _expect(self, text: str) -> None:
        token = self._take()
        if token.kind != "op" or token.text != text:
            found = repr(token.text) if token.kind != "end" else "the end"
            raise ExpressionError(f"expected {text!r} at position {token.position}, found {found}")

    def _at(self, *ops: str) -> bool:
        return self._current.kind == "op" and self._current.text in ops

    def parse(self) -> _Node:
        node = self._or()
        if self._current.kind != "end":
            raise ExpressionError(f"unexpected {self._current.text!r} at position {self._current.position}")
        return node

    def _nested(self) -> None:
        self._depth += 1
        if self._depth > MAX_NESTING:
            raise ExpressionError(f"the expression is nested more than {MAX_NESTING} levels deep")

    def _or(self) -> _Node:
        node = self._and()
        while self._at("||"):
            self._take()
            node = _Binary("||", node, self._and())
        return node

    def _and(self) -> _Node:
        node = self._not()
        while self._at("&&"):
            self._take()
            node = _Binary("&&", node, self._not())
        return node

    def _not(self) -> _Node:
        if self._at("!"):
            self._take()
            self._nested()
            node = _Unary("!", self._not())
            self._depth -= 1
            return node
        return self._compare()

    def _compare(self) -> _Node:
        node = self._sum()
        if self._at(">", ">=", "<", "<=", "==", "!="):
            op = self._take().text
            node = _Binary(op, node, self._sum())
            if self._at(">", ">=", "<", "<=", "==", "!="):
                raise ExpressionError(f"chained comparison at position {self._current.position}")
        return node

    def _sum(self) -> _Node:
        node = self._product()
        while self._at("+", "-"):
            op = self._take().text
            node = _Binary(op, node, self._product())
        return node

    def _product(self) -> _Node:
        node = self._unary()
        while self._at("*", "/"):
            op = self._take().text
            node = _Binary(op, node, self._unary())
        return node

    def _unary(self) -> _Node:
        if self._at("-", "+"):
            op = self._take().text
            self._nested()
            node = _Unary(op, self._unary())
            self._depth -= 1
            return node
        return self._power()

    def _power(self) -> _Node:
        node = self._atom()
        if self._at("^"):
            self._take()
            node = _Binary("^", node, self._unary())
        return node

    def _atom(self) -> _Node:
        token = self._take()
        if token.kind == "number":
            value = float(token.text)
            if not math.isfinite(value):
                raise ExpressionError(f"number out of range at position {token.position}")
            return _Number(value)
        if token.kind == "name":
            if self._at("("):
                return self._call(token)
            return _Ref(token.text)
        if token.kind == "op" and token.text == "(":
            self._nested()
            node = self._or()
            self._expect(")")
            self._depth -= 1
            return node
        found = repr(token.text) if token.kind != "end" else "the end of the expression"
        raise ExpressionError(f"expected a number, an id or '(' at position {token.position}, found {found}")

    def _call(self, name: _Token) -> _Node:
        if name.text != "IF":
            raise UnsupportedFunctionError(
                f"function {name.text!r} at position {name.position} is not supported by the emulator (only IF)"
            )
        self._expect("(")
        self._nested()
        arguments = [self._or()]
        while self._at(","):
            self._take()
            arguments.append(self._or())
        self._expect(")")
        self._depth -= 1
        if len(arguments) not in (2, 3):
            raise ExpressionError(f"IF takes 2 or 3 arguments, got {len(arguments)} at position {name.position}")
        return _If(arguments[0], arguments[1], arguments[2] if len(arguments) == 3 else None)


@dataclass(frozen=True)
class Expression:
    """A parsed metric-math expression: evaluate it pointwise with ``evaluate({id: value})``."""

    text: str
    root: _Node

    @property
    def references(self) -> frozenset[str]:
        """The query ids the expression reads."""
        return self.root.references()

    def evaluate(self, env: Env) -> Value:
        """The value at one timestamp; None when an operand is missing, x/0, IF without else …"""
        return self.root.evaluate(env)


def parse_expression(text: str) -> Expression:
    """Parse metric math: ids, numbers, ``+ - * / ^``, comparisons, ``AND OR NOT`` (``&& || !``),
    parentheses and ``IF(cond, a)`` / ``IF(cond, a, b)``. Raises ``ExpressionError``
    (``UnsupportedFunctionError`` for any other function)."""
    if not text or not text.strip():
        raise ExpressionError("the expression is empty")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_EXPRESSION_LENGTH} characters")
    return Expression(text, _Parser(text).parse())


def evaluate_expression(
    expression: str | Expression, series: Mapping[str, Sequence[tuple[datetime, float]]]
) -> list[tuple[datetime, float]]:
    """Evaluate pointwise at every timestamp of the referenced series, oldest first.

    A timestamp where a referenced series has no datapoint, a division by zero, a false ``IF``
    without else or a non-finite result gives no datapoint. An expression that references no
    series (a constant) has no timestamps, hence no datapoints. Raises ``ExpressionError`` for
    an id that is not in ``series``.
    """
    parsed = expression if isinstance(expression, Expression) else parse_expression(expression)
    references = parsed.references
    unknown = sorted(references - set(series))
    if unknown:
        raise ExpressionError(f"unknown id {unknown[0]!r} in expression {parsed.text!r}")
    by_time: dict[datetime, dict[str, float]] = {}
    for name in references:
        for moment, value in series[name]:
            by_time.setdefault(moment, {})[name] = float(value)
    points: list[tuple[datetime, float]] = []
    for moment in sorted(by_time):
        result = parsed.evaluate(by_time[moment])
        if result is not None and math.isfinite(result):
            points.append((moment, result))
    return points


# =============================================================================================
# GetMetricData over moto's stored datapoints.
# =============================================================================================

_PERCENTILE = re.compile(r"^p(\d{1,2}(?:\.\d+)?|100)$")
_SIMPLE_STATS = ("Sum", "Average", "Minimum", "Maximum", "SampleCount")


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``p`` % of the values at or below it."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100.0 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def _statistic(stat: str, datums: Sequence[Any]) -> float | None:
    """One statistic over the datums of one period (moto's MetricDatum / MetricAggregatedDatum).

    Percentiles are exact over raw values (PutMetricData ``Value``/``Values``). A statistic set
    (``StatisticValues``) has lost its distribution: it contributes its Maximum as one sample —
    a period of statistic sets only gives the Maximum, an approximation real CloudWatch avoids
    only because it refuses percentiles on such data.
    """
    raw = [float(d.value) for d in datums if hasattr(d, "value")]
    sets = [d for d in datums if hasattr(d, "sample_count")]
    count = len(raw) + sum(float(s.sample_count) for s in sets)
    if stat == "SampleCount":
        return count
    if stat == "Sum":
        return sum(raw) + sum(float(s.sum) for s in sets)
    if stat == "Average":
        return (sum(raw) + sum(float(s.sum) for s in sets)) / count if count else None
    if stat == "Minimum":
        return min(raw + [float(s.min) for s in sets]) if raw or sets else None
    if stat == "Maximum":
        return max(raw + [float(s.max) for s in sets]) if raw or sets else None
    match = _PERCENTILE.match(stat)
    if match:
        population = raw + [float(s.max) for s in sets]
        return percentile(population, float(match.group(1))) if population else None
    raise ExpressionError(f"statistic {stat!r} is not supported by the emulator")


def _grid_start(start: datetime, period: int) -> datetime:
    # CloudWatch rounds a StartTime of the last 15 days down to the minute (sub-minute periods:
    # to a multiple of the period). The coarser rounding of older start times is not emulated.
    start = _utc(start).replace(microsecond=0)
    step = period if period < 60 else 60
    return start - timedelta(seconds=start.second % step)


@dataclass
class _Result:
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
    end = _utc(end)
    buckets: dict[int, list[Any]] = {}
    for datum in datums:
        if datum.namespace != namespace or datum.name != name:
            continue
        if {(str(d.name), str(d.value)) for d in datum.dimensions} != wanted:
            continue
        if unit and datum.unit != unit:
            continue
        moment = _utc(datum.timestamp)
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


def metric_data_results(
    datums: Sequence[Any], queries: Sequence[Mapping[str, Any]], start: datetime, end: datetime
) -> list[_Result]:
    """Every MetricStat and math query's result (ReturnData or not), in the order of ``queries``."""
    results: dict[str, _Result] = {}
    for query in queries:
        if "MetricStat" not in query:
            continue
        query_id = str(query["Id"])
        metric_stat = query["MetricStat"]
        label = query.get("Label") or str((metric_stat.get("Metric") or {}).get("MetricName") or query_id)
        result = _Result(query_id, label, [], bool(query.get("ReturnData", True)))
        try:
            result.points = _metric_stat_points(datums, metric_stat, start, end)
        except ExpressionError as exc:
            result.status, result.message = "InternalError", str(exc)
        results[query_id] = result

    expressions = {str(q["Id"]): q for q in queries if "Expression" in q and not _is_insights(q)}
    in_progress: set[str] = set()

    def evaluate(query_id: str) -> _Result:
        if query_id in results:
            return results[query_id]
        query = expressions[query_id]
        result = _Result(query_id, query.get("Label") or query_id, [], bool(query.get("ReturnData", True)))
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
            result.points = evaluate_expression(parsed, inputs)
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


def _is_insights(query: Mapping[str, Any]) -> bool:
    return str(query.get("Expression", "")).lstrip().upper().startswith("SELECT")


def get_metric_data_with_percentiles_and_math(extensions: MotoExtensions) -> None:
    """Replace moto's GetMetricData: percentile statistics and metric math (see the module doc)."""
    from moto.cloudwatch.exceptions import ValidationError
    from moto.cloudwatch.models import CloudWatchBackend

    original: Callable[..., list[dict[str, Any]]] = CloudWatchBackend.get_metric_data

    def get_metric_data(
        self: Any,
        queries: list[dict[str, Any]],
        start_time: datetime,
        end_time: datetime,
        scan_by: str = "TimestampAscending",
    ) -> list[dict[str, Any]]:
        start, end = _utc(start_time).replace(microsecond=0), _utc(end_time).replace(microsecond=0)
        if start > end:
            raise ValidationError("The parameter EndTime must be greater than StartTime.")
        if start == end:
            raise ValidationError("The parameter StartTime must not equal parameter EndTime.")
        descending = scan_by == "TimestampDescending"
        computed = metric_data_results(self.get_all_metrics(), queries, start, end)
        by_id = {result.id: result.response(descending) for result in computed if result.return_data}
        insights = [q for q in queries if "Expression" in q and _is_insights(q)]
        if insights:
            for answer in original(self, insights, start_time, end_time, scan_by):
                by_id[str(answer.get("id") or answer.get("Id"))] = answer
        return [by_id[str(q["Id"])] for q in queries if str(q["Id"]) in by_id]

    extensions._patch(CloudWatchBackend, "get_metric_data", get_metric_data)
    extensions.installed.append("cloudwatch: GetMetricData with percentiles and metric math")


# =============================================================================================
# GetMetricWidgetImage: a PNG line chart, written with zlib + struct.
# =============================================================================================

DEFAULT_WIDTH = 600
DEFAULT_HEIGHT = 400
MAX_SIZE = 2000
_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
_DURATION = re.compile(
    r"^(?P<sign>-?)P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?$"
)


def _widget_time(value: Any, now: datetime, default: datetime) -> datetime:
    """A widget's ``start``/``end``: a relative ISO 8601 duration (``-PT3H``) or a timestamp."""
    if value is None or value == "":
        return default
    text = str(value).strip()
    match = _DURATION.match(text.upper())
    if match and text.upper() not in ("P", "-P"):
        parts = {k: int(v) for k, v in match.groupdict().items() if k != "sign" and v}
        delta = timedelta(
            weeks=parts.get("w", 0),
            days=parts.get("d", 0),
            hours=parts.get("h", 0),
            minutes=parts.get("m", 0),
            seconds=parts.get("s", 0),
        )
        return now - delta if match.group("sign") else now + delta
    try:
        return _utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        raise ExpressionError(f"cannot read the widget time {text!r}") from None


def widget_queries(widget: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The widget's ``metrics`` array as GetMetricData queries (``"."`` repeats the previous entry)."""
    period = int(widget.get("period") or 300)
    default_stat = str(widget.get("stat") or "Average")
    queries: list[dict[str, Any]] = []
    previous: list[Any] = []
    for index, entry in enumerate(widget.get("metrics") or []):
        if not isinstance(entry, list) or not entry:
            raise ExpressionError(f"metrics[{index}] is not a non-empty array")
        options = entry[-1] if isinstance(entry[-1], dict) else {}
        fields = entry[:-1] if isinstance(entry[-1], dict) else list(entry)
        visible = options.get("visible", True) is not False
        query_id = str(options.get("id") or f"m{index + 1}")
        if not fields and "expression" in options:
            queries.append(
                {
                    "Id": query_id,
                    "Expression": str(options["expression"]),
                    "Label": options.get("label") or query_id,
                    "ReturnData": visible,
                }
            )
            continue
        resolved = [previous[i] if value == "." and i < len(previous) else value for i, value in enumerate(fields)]
        previous = resolved
        if len(resolved) < 2 or len(resolved) % 2:
            raise ExpressionError(f"metrics[{index}] must be [namespace, name, (dimension, value)...]")
        namespace, name, *pairs = resolved
        dimensions = [{"Name": str(pairs[i]), "Value": str(pairs[i + 1])} for i in range(0, len(pairs), 2)]
        query: dict[str, Any] = {
            "Id": query_id,
            "MetricStat": {
                "Metric": {"Namespace": str(namespace), "MetricName": str(name), "Dimensions": dimensions},
                "Period": int(options.get("period") or period),
                "Stat": str(options.get("stat") or default_stat),
            },
            "ReturnData": visible,
        }
        if options.get("label"):
            query["Label"] = options["label"]
        queries.append(query)
    return queries


def _color(value: Any, index: int) -> tuple[int, int, int]:
    text = str(value) if isinstance(value, str) and re.fullmatch(r"#[0-9a-fA-F]{6}", value) else None
    text = text or _PALETTE[index % len(_PALETTE)]
    return int(text[1:3], 16), int(text[3:5], 16), int(text[5:7], 16)


class _Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.height = height
        self.pixels = bytearray(b"\xff" * (width * height * 3))

    def dot(self, x: int, y: int, color: tuple[int, int, int], size: int = 1) -> None:
        for dx in range(size):
            for dy in range(size):
                px, py = x + dx, y + dy
                if 0 <= px < self.width and 0 <= py < self.height:
                    offset = (py * self.width + px) * 3
                    self.pixels[offset : offset + 3] = bytes(color)

    def line(self, x0: int, y0: int, x1: int, y1: int, color: tuple[int, int, int], size: int = 1) -> None:
        """Bresenham's line."""
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        error = dx + dy
        while True:
            self.dot(x0, y0, color, size)
            if x0 == x1 and y0 == y1:
                return
            doubled = 2 * error
            if doubled >= dy:
                error += dy
                x0 += sx
            if doubled <= dx:
                error += dx
                y0 += sy

    def png(self) -> bytes:
        def chunk(kind: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

        stride = self.width * 3
        rows = b"".join(b"\x00" + bytes(self.pixels[y * stride : (y + 1) * stride]) for y in range(self.height))
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)  # 8-bit RGB
        return (
            b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b"")
        )


def render_line_chart_png(
    series: Sequence[tuple[Sequence[tuple[datetime, float]], tuple[int, int, int]]],
    start: datetime,
    end: datetime,
    *,
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
    y_min: float | None = None,
    y_max: float | None = None,
) -> bytes:
    """A PNG: white background, grey axes and gridlines, one 2-px polyline per series. No text."""
    width = max(50, min(MAX_SIZE, int(width)))
    height = max(50, min(MAX_SIZE, int(height)))
    canvas = _Canvas(width, height)
    left, right, top, bottom = 40, width - 12, 12, height - 24
    grey, light = (120, 120, 120), (225, 225, 225)
    values = [value for points, _ in series for _, value in points]
    low = y_min if y_min is not None else min([0.0, *values])
    high = y_max if y_max is not None else (max(values) * 1.1 if values and max(values) > low else low + 1.0)
    if high <= low:
        high = low + 1.0
    for step in range(1, 5):  # horizontal gridlines at quarters
        y = bottom - (bottom - top) * step // 4
        canvas.line(left, y, right, y, light)
    canvas.line(left, top, left, bottom, grey)
    canvas.line(left, bottom, right, bottom, grey)
    span = max(1.0, (_utc(end) - _utc(start)).total_seconds())

    def xy(moment: datetime, value: float) -> tuple[int, int]:
        fx = ((_utc(moment) - _utc(start)).total_seconds()) / span
        fy = (min(max(value, low), high) - low) / (high - low)
        return left + round(fx * (right - left)), bottom - round(fy * (bottom - top))

    for points, color in series:
        pixels = [xy(moment, value) for moment, value in sorted(points, key=lambda p: p[0])]
        if len(pixels) == 1:
            canvas.dot(pixels[0][0] - 1, pixels[0][1] - 1, color, 3)
        for (x0, y0), (x1, y1) in itertools.pairwise(pixels):
            canvas.line(x0, y0, x1, y1, color, 2)
    return canvas.png()


def _axis_bound(widget: Mapping[str, Any], key: str) -> float | None:
    left = ((widget.get("yAxis") or {}).get("left") or {}) if isinstance(widget.get("yAxis"), dict) else {}
    value = left.get(key) if isinstance(left, dict) else None
    return float(value) if isinstance(value, int | float) else None


def widget_png(widget: Mapping[str, Any], datums: Iterable[Any], now: datetime | None = None) -> bytes:
    """The emulator's answer to GetMetricWidgetImage for ``widget`` over the stored ``datums``."""
    now = _utc(now or datetime.now(UTC))
    start = _widget_time(widget.get("start"), now, now - timedelta(hours=3))
    end = _widget_time(widget.get("end"), now, now)
    if end <= start:
        raise ExpressionError("the widget's end is not after its start")
    queries = widget_queries(widget)
    results = metric_data_results(list(datums), queries, start, end)
    options = {
        str(q["Id"]): (entry[-1] if isinstance(entry, list) and entry and isinstance(entry[-1], dict) else {})
        for q, entry in zip(queries, widget.get("metrics") or [], strict=False)
    }
    drawn = [
        (result.points, _color(options.get(result.id, {}).get("color"), index))
        for index, result in enumerate(r for r in results if r.return_data and r.status == "Complete")
    ]
    return render_line_chart_png(
        drawn,
        start,
        end,
        width=int(widget.get("width") or DEFAULT_WIDTH),
        height=int(widget.get("height") or DEFAULT_HEIGHT),
        y_min=_axis_bound(widget, "min"),
        y_max=_axis_bound(widget, "max"),
    )


def add_get_metric_widget_image(extensions: MotoExtensions) -> None:
    """GetMetricWidgetImage: a PNG line chart of the widget's series from the emulator's data."""
    from moto.cloudwatch.exceptions import InvalidParameterValue
    from moto.cloudwatch.responses import CloudWatchResponse
    from moto.core.responses import ActionResult

    if "get_metric_widget_image" in CloudWatchResponse.__dict__:  # a later moto implements it
        return

    def get_metric_widget_image(self: Any) -> Any:
        text = self._get_param("MetricWidget")
        try:
            widget = json.loads(text or "")
        except json.JSONDecodeError:
            raise InvalidParameterValue("The parameter MetricWidget must be a valid JSON object.") from None
        if not isinstance(widget, dict):
            raise InvalidParameterValue("The parameter MetricWidget must be a valid JSON object.")
        try:
            image = widget_png(widget, self.cloudwatch_backend.get_all_metrics())
        except (ExpressionError, TypeError, ValueError) as exc:
            raise InvalidParameterValue(f"The parameter MetricWidget is invalid: {exc}") from None
        return ActionResult({"MetricWidgetImage": image})

    extensions._patch(CloudWatchResponse, "get_metric_widget_image", get_metric_widget_image)
    extensions.installed.append("cloudwatch: GetMetricWidgetImage (PNG line chart)")


# =============================================================================================
# FilterLogEvents: the term syntax of CloudWatch Logs filter patterns.
# =============================================================================================

_PATTERN_TERM = re.compile(r'([?-]?)(?:"((?:[^"\\]|\\.)*)"|(\S+))')


def log_pattern_matches(pattern: str, message: str) -> bool | None:
    """Whether an unstructured log line matches a term pattern; None for JSON/space-delimited
    patterns (``{…}``, ``[…]``), which this does not implement.

    ``term`` and ``"exact phrase"`` must all occur; ``?term`` — at least one of them must occur;
    ``-term`` must not occur. Matching is case-sensitive, as in CloudWatch Logs.
    """
    text = (pattern or "").strip()
    if not text:
        return True
    if text.startswith(("{", "[")):
        return None
    required: list[str] = []
    any_of: list[str] = []
    excluded: list[str] = []
    for prefix, quoted, bare in _PATTERN_TERM.findall(text):
        term = quoted.replace('\\"', '"') if quoted else bare
        {"?": any_of, "-": excluded}.get(prefix, required).append(term)
    if any(term not in message for term in required):
        return False
    if any(term in message for term in excluded):
        return False
    return not any_of or any(term in message for term in any_of)


def filter_log_events_with_term_patterns(extensions: MotoExtensions) -> None:
    """FilterLogEvents understands ``?term``, ``-term``, ``term`` and ``"phrase"`` patterns."""
    from moto.logs.utils import EventMessageFilter

    original: Callable[[Any, str], bool] = EventMessageFilter.matches

    def matches(self: Any, message: str) -> bool:
        # moto keeps the whole pattern as the term of the filter type it picked.
        pattern = str(getattr(getattr(self, "filter_type", None), "term", "") or "")
        verdict = log_pattern_matches(pattern, message)
        return original(self, message) if verdict is None else verdict

    extensions._patch(EventMessageFilter, "matches", matches)
    extensions.installed.append("logs: FilterLogEvents with ?term / -term patterns")


# =============================================================================================
# DescribeAlarmHistory: not implemented by moto (HTTP 500). moto's alarms keep a list of their
# *previous* states (reason, value, timestamp) in ``alarm.history``; with the current state that
# is every transition, which is what the alert path reads to say how long an alarm lasted.
# =============================================================================================


def alarm_state_updates(alarm: Any) -> list[dict[str, Any]]:
    """StateUpdate history items of one moto alarm, newest first, in DescribeAlarmHistory's shape."""
    states = [(h[3], h[1], h[4]) for h in alarm.history if h and h[0] == "StateUpdate"]
    states.append((alarm.state_value, alarm.state_reason, alarm.state_updated_timestamp))
    items = []
    for (old_value, _old_reason, _old_time), (new_value, new_reason, new_time) in itertools.pairwise(states):
        data = {
            "version": "1.0",
            "oldState": {"stateValue": old_value},
            "newState": {"stateValue": new_value, "stateReason": new_reason or ""},
        }
        items.append(
            {
                "AlarmName": alarm.name,
                "AlarmType": "MetricAlarm",
                "Timestamp": new_time,
                "HistoryItemType": "StateUpdate",
                "HistorySummary": f"Alarm updated from {old_value} to {new_value}",
                "HistoryData": json.dumps(data),
            }
        )
    return list(reversed(items))


def add_describe_alarm_history(extensions: MotoExtensions) -> None:
    from moto.cloudwatch.responses import CloudWatchResponse
    from moto.core.responses import ActionResult

    def describe_alarm_history(self: Any) -> Any:
        name = self._get_param("AlarmName")
        item_type = self._get_param("HistoryItemType")
        end = self._get_param("EndDate")
        alarms = self.cloudwatch_backend.alarms
        selected = [alarms[name]] if name in alarms else ([] if name else list(alarms.values()))
        items = [i for alarm in selected for i in alarm_state_updates(alarm)]
        if item_type and item_type != "StateUpdate":
            items = []
        if end is not None:
            limit = end if isinstance(end, datetime) else datetime.fromisoformat(str(end).replace("Z", "+00:00"))
            items = [i for i in items if _utc(i["Timestamp"]) <= _utc(limit)]
        items.sort(key=lambda i: _utc(i["Timestamp"]), reverse=self._get_param("ScanBy") != "TimestampAscending")
        max_records = int(self._get_param("MaxRecords") or 100)
        return ActionResult({"AlarmHistoryItems": items[:max_records]})

    extensions._patch(CloudWatchResponse, "describe_alarm_history", describe_alarm_history)
    extensions.installed.append("cloudwatch: DescribeAlarmHistory (state updates from moto's alarm history)")
