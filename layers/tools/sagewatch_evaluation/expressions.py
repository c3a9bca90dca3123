"""Metric math, the part SageWatch's alarms use: ``+ - * / ^``, unary minus, parentheses,
numbers, series ids, comparisons (``== != < <= > >=``), ``AND``/``&&``, ``OR``/``||``,
``IF(condition, a[, b])`` and ``FILL(series, value | series | REPEAT)``.

Source: CloudWatch User Guide, "Use metric math" (archived as awsdocs/amazon-cloudwatch-user-guide
``doc_source/using-metric-math.md``). The rules, as documented there:

- Evaluation is per timestamp over series that share one timeline (one period).
- Arithmetic and comparisons between two series: "Missing values in a time series are treated as
  0", and "when ... only one of the time series has a value for a particular time stamp, the
  function treats the missing value in the other time series as 0". Where *no* operand has a value
  the result has none. Between a series and a scalar, the series' missing value stays missing.
- "If the value of a data point causes a function to attempt to divide by zero, the data point is
  dropped."
- IF: the condition is FALSE for 0 and TRUE for any other value. A missing condition drops the
  point; TRUE with the true-branch series missing gives 0; FALSE with the false branch omitted or
  missing drops the point ("Using IF expressions" tables).
- FILL replaces missing values with a scalar, the value of another series at that timestamp, or
  (REPEAT) the most recent earlier real value; leading gaps stay missing under REPEAT.
- "The final result of any math expression must be a single time series": a scalar-only
  expression is an error. A point with no value is a missing datapoint for the alarm.
- Logical operators are ``AND``/``&&`` and ``OR``/``||`` ("Comparison and logical operators"
  table); the guide lists no ``NOT``/``!``, so neither parses.

Two callers, one behaviour: the alarm evaluator (``math_alarm``, series on the alarm's period
grid) through :func:`evaluate_expression`, and the emulated account's GetMetricData (timestamped
datapoints) through :func:`evaluate_at`.

Anything else (other functions, METRICS(), arrays, LINEAR) raises UnsupportedFunctionError.
ANOMALY_DETECTION_BAND is handled by ``anomaly.parse_anomaly_band``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from .tokens import Token, TokenCursor

MAX_EXPRESSION_LENGTH = 2048
MAX_NESTING = 64

Series = tuple[float | None, ...]
Value = float | Series  # a scalar or a series on the shared timeline


class ExpressionError(ValueError):
    """The expression cannot be parsed or evaluated; the message says where and why."""


class UnsupportedFunctionError(ExpressionError):
    """The expression uses a metric-math feature this evaluator does not implement."""


_TOKEN = re.compile(
    r"(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>>=|<=|==|!=|&&|\|\||[-+*/^(),<>])"
)
_KEYWORDS = {"AND": "&&", "OR": "||"}


def _tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
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
        if kind == "name" and value in _KEYWORDS:
            kind, value = "op", _KEYWORDS[value]
        tokens.append(Token(kind, value, position))
        position = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


class _Node:
    def evaluate(self, env: Mapping[str, Series], length: int) -> Value:  # pragma: no cover - abstract
        raise NotImplementedError

    def references(self) -> frozenset[str]:
        return frozenset()


@dataclass(frozen=True)
class _Number(_Node):
    value: float

    def evaluate(self, env: Mapping[str, Series], length: int) -> Value:
        return self.value


@dataclass(frozen=True)
class _Ref(_Node):
    name: str

    def evaluate(self, env: Mapping[str, Series], length: int) -> Value:
        return env[self.name]

    def references(self) -> frozenset[str]:
        return frozenset({self.name})


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _divide(a: float, b: float) -> float | None:
    return None if b == 0 else _finite(a / b)  # divide by zero: "the data point is dropped"


def _power(a: float, b: float) -> float | None:
    try:
        return _finite(math.pow(a, b))
    except (OverflowError, ValueError):
        return None


_BINARY: dict[str, Callable[[float, float], float | None]] = {
    "+": lambda a, b: _finite(a + b),
    "-": lambda a, b: _finite(a - b),
    "*": lambda a, b: _finite(a * b),
    "/": _divide,
    "^": _power,
    ">": lambda a, b: float(a > b),
    ">=": lambda a, b: float(a >= b),
    "<": lambda a, b: float(a < b),
    "<=": lambda a, b: float(a <= b),
    "==": lambda a, b: float(a == b),
    "!=": lambda a, b: float(a != b),
    "&&": lambda a, b: float(bool(a) and bool(b)),
    "||": lambda a, b: float(bool(a) or bool(b)),
}


@dataclass(frozen=True)
class _Binary(_Node):
    op: str
    left: _Node
    right: _Node

    def evaluate(self, env: Mapping[str, Series], length: int) -> Value:
        a = self.left.evaluate(env, length)
        b = self.right.evaluate(env, length)
        apply = _BINARY[self.op]
        if isinstance(a, float) and isinstance(b, float):
            result = apply(a, b)
            if result is None:
                raise ExpressionError(f"{self.op} of two numbers has no value (division by zero?)")
            return result
        if isinstance(a, float):
            assert not isinstance(b, float)
            return tuple(None if y is None else apply(a, y) for y in b)
        if isinstance(b, float):
            return tuple(None if x is None else apply(x, b) for x in a)
        # Two series: a value missing on one side only counts as 0 ("Missing values in a time
        # series are treated as 0"); missing on both sides stays missing.
        return tuple(
            None if x is None and y is None else apply(0.0 if x is None else x, 0.0 if y is None else y)
            for x, y in zip(a, b, strict=True)
        )

    def references(self) -> frozenset[str]:
        return self.left.references() | self.right.references()


@dataclass(frozen=True)
class _Negate(_Node):
    operand: _Node

    def evaluate(self, env: Mapping[str, Series], length: int) -> Value:
        value = self.operand.evaluate(env, length)
        if isinstance(value, float):
            return -value
        return tuple(None if x is None else -x for x in value)

    def references(self) -> frozenset[str]:
        return self.operand.references()


def _broadcast(value: Value, length: int) -> Series:
    return (value,) * length if isinstance(value, float) else value


@dataclass(frozen=True)
class _If(_Node):
    condition: _Node
    then: _Node
    otherwise: _Node | None

    def evaluate(self, env: Mapping[str, Series], length: int) -> Value:
        condition = self.condition.evaluate(env, length)
        then = self.then.evaluate(env, length)
        otherwise = self.otherwise.evaluate(env, length) if self.otherwise is not None else None
        if isinstance(condition, float):
            # IF(scalar, a, b): a when TRUE, b when FALSE, an empty series when b is omitted.
            chosen = then if condition else otherwise
            return (None,) * length if chosen is None else _broadcast(chosen, length)
        then_series = _broadcast(then, length)
        else_series = _broadcast(otherwise, length) if otherwise is not None else (None,) * length
        out: list[float | None] = []
        for test, yes, no in zip(condition, then_series, else_series, strict=True):
            if test is None:
                out.append(None)  # no condition datapoint: dropped
            elif test:
                out.append(0.0 if yes is None else yes)  # TRUE and the true series missing: 0
            else:
                out.append(no)  # FALSE and the false series missing or omitted: dropped
        return tuple(out)

    def references(self) -> frozenset[str]:
        refs = self.condition.references() | self.then.references()
        return refs | self.otherwise.references() if self.otherwise is not None else refs


@dataclass(frozen=True)
class _Fill(_Node):
    series: _Node
    filler: _Node | None  # None: REPEAT

    def evaluate(self, env: Mapping[str, Series], length: int) -> Value:
        values = self.series.evaluate(env, length)
        if isinstance(values, float):
            raise ExpressionError("FILL needs a time series as its first argument")
        if self.filler is None:
            out: list[float | None] = []
            last: float | None = None
            for value in values:
                last = value if value is not None else last
                out.append(last)
            return tuple(out)
        filler = _broadcast(self.filler.evaluate(env, length), length)
        return tuple(value if value is not None else fill for value, fill in zip(values, filler, strict=True))

    def references(self) -> frozenset[str]:
        refs = self.series.references()
        return refs | self.filler.references() if self.filler is not None else refs


_COMPARISONS = (">", ">=", "<", "<=", "==", "!=")


class _Parser(TokenCursor):
    """Lowest precedence first: or := and (|| and)*; and := compare (&& compare)*;
    compare := sum (cmp sum)?; sum := product ((+|-) product)*; product := unary ((*|/) unary)*;
    unary := - unary | power; power := atom (^ unary)?; atom := number | id | CALL | ( or )."""

    error = ExpressionError

    def __init__(self, text: str) -> None:
        super().__init__(_tokenize(text))
        self._depth = 0

    def _enter(self) -> None:
        self._depth += 1
        if self._depth > MAX_NESTING:
            raise ExpressionError(f"the expression is nested more than {MAX_NESTING} levels deep")

    def parse(self) -> _Node:
        node = self._or()
        self._finish()
        return node

    def _or(self) -> _Node:
        node = self._and()
        while self._at_op("||"):
            self._take()
            node = _Binary("||", node, self._and())
        return node

    def _and(self) -> _Node:
        node = self._compare()
        while self._at_op("&&"):
            self._take()
            node = _Binary("&&", node, self._compare())
        return node

    def _compare(self) -> _Node:
        node = self._sum()
        if self._at_op(*_COMPARISONS):
            op = self._take().text
            node = _Binary(op, node, self._sum())
            if self._at_op(*_COMPARISONS):
                raise ExpressionError(f"chained comparison at position {self._current.position}")
        return node

    def _sum(self) -> _Node:
        node = self._product()
        while self._at_op("+", "-"):
            op = self._take().text
            node = _Binary(op, node, self._product())
        return node

    def _product(self) -> _Node:
        node = self._unary()
        while self._at_op("*", "/"):
            op = self._take().text
            node = _Binary(op, node, self._unary())
        return node

    def _unary(self) -> _Node:
        if self._at_op("-", "+"):
            op = self._take().text
            self._enter()
            operand = self._unary()
            self._depth -= 1
            return _Negate(operand) if op == "-" else operand
        return self._power()

    def _power(self) -> _Node:
        node = self._atom()
        if self._at_op("^"):
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
            if self._at_op("("):
                return self._call(token)
            if token.text[0].isupper():
                # Query ids start with a lower-case letter (GetMetricData Id), so this is a
                # keyword out of place (REPEAT outside FILL, LINEAR, ...).
                raise UnsupportedFunctionError(f"{token.text!r} at position {token.position} is not supported here")
            return _Ref(token.text)
        if token.kind == "op" and token.text == "(":
            self._enter()
            node = self._or()
            self._expect(")")
            self._depth -= 1
            return node
        found = repr(token.text) if token.kind != "end" else "the end of the expression"
        raise ExpressionError(f"expected a number, an id or '(' at position {token.position}, found {found}")

    def _arguments(self) -> list[_Node | None]:
        self._expect("(")
        self._enter()
        arguments: list[_Node | None] = [self._argument()]
        while self._at_op(","):
            self._take()
            arguments.append(self._argument())
        self._expect(")")
        self._depth -= 1
        return arguments

    def _argument(self) -> _Node | None:
        # REPEAT is only meaningful as FILL's second argument; it parses to None.
        if self._current.kind == "name" and self._current.text == "REPEAT":
            self._take()
            return None
        return self._or()

    def _call(self, name: Token) -> _Node:
        if name.text not in ("IF", "FILL"):
            raise UnsupportedFunctionError(f"function {name.text!r} at position {name.position} is not supported")
        arguments = self._arguments()
        if name.text == "IF":
            if len(arguments) not in (2, 3) or any(argument is None for argument in arguments):
                raise ExpressionError(f"IF takes 2 or 3 arguments at position {name.position}")
            condition, then = arguments[0], arguments[1]
            assert condition is not None and then is not None
            return _If(condition, then, arguments[2] if len(arguments) == 3 else None)
        if len(arguments) != 2 or arguments[0] is None:
            raise ExpressionError(f"FILL takes a series and a filler at position {name.position}")
        return _Fill(arguments[0], arguments[1])


@dataclass(frozen=True)
class Expression:
    """A parsed expression; ``references`` are the query ids it reads."""

    text: str
    root: _Node

    @property
    def references(self) -> frozenset[str]:
        return self.root.references()


def parse_expression(text: str) -> Expression:
    if not text or not text.strip():
        raise ExpressionError("the expression is empty")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_EXPRESSION_LENGTH} characters")
    return Expression(text, _Parser(text).parse())


def evaluate_expression(expression: str | Expression, series: Mapping[str, Sequence[float | None]]) -> Series:
    """Evaluate over series that share one timeline (same length, same period starts).

    Returns one value per timestamp; None where the expression has no value (a missing point)."""
    parsed = expression if isinstance(expression, Expression) else parse_expression(expression)
    unknown = sorted(parsed.references - set(series))
    if unknown:
        raise ExpressionError(f"unknown id {unknown[0]!r} in expression {parsed.text!r}")
    lengths = {len(values) for values in series.values()}
    if len(lengths) > 1:
        raise ExpressionError("all series must share one timeline")
    length = lengths.pop() if lengths else 0
    env = {name: tuple(None if v is None else float(v) for v in values) for name, values in series.items()}
    result = parsed.root.evaluate(env, length)
    if isinstance(result, float):
        raise ExpressionError(f"{parsed.text!r} is a number: the result must be a time series")
    return result


def evaluate_at(
    expression: str | Expression,
    series: Mapping[str, Sequence[tuple[datetime, float]]],
    timeline: Iterable[datetime] = (),
) -> list[tuple[datetime, float]]:
    """Evaluate over timestamped datapoints (GetMetricData's shape), oldest first.

    The shared timeline is every timestamp of a referenced series plus ``timeline`` (the request's
    period starts, so that FILL can fill a period no series has a point in, as on CloudWatch). A
    timestamp where the expression has no value gives no datapoint. The same rules as
    :func:`evaluate_expression` apply, including its errors (an unknown id, a scalar result).
    """
    parsed = expression if isinstance(expression, Expression) else parse_expression(expression)
    unknown = sorted(parsed.references - set(series))
    if unknown:
        raise ExpressionError(f"unknown id {unknown[0]!r} in expression {parsed.text!r}")
    by_id = {name: dict(series[name]) for name in parsed.references}
    moments = sorted({moment for points in by_id.values() for moment in points}.union(timeline))
    aligned = {name: [points.get(moment) for moment in moments] for name, points in by_id.items()}
    values = evaluate_expression(parsed, aligned)
    return [(moment, value) for moment, value in zip(moments, values, strict=True) if value is not None]
