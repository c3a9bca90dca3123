"""Metric math, as CloudWatch evaluates it for GetMetricData and widgets: a small, safe evaluator.

moto returns no values for a metric-math expression other than a bare query id. This module
parses the expressions SageWatch uses — ids, numbers, ``+ - * / ^``, comparisons, ``AND OR NOT``
(``&& || !``), parentheses, ``IF(c, a)`` and ``IF(c, a, b)`` — with a tokenizer and a
recursive-descent parser (never ``eval``), and evaluates them pointwise over series.
Any other function is an :class:`UnsupportedFunctionError`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "Expression",
    "ExpressionError",
    "UnsupportedFunctionError",
    "evaluate_expression",
    "parse_expression",
]

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
