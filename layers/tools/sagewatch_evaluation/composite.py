"""Composite alarm rules: parse an AlarmRule and evaluate it against the children's states.

Source: CloudWatch API Reference, "PutCompositeAlarm", AlarmRule: ``ALARM("name or ARN")``,
``OK(...)`` and ``INSUFFICIENT_DATA(...)`` are TRUE when the named alarm is in that state;
``TRUE`` and ``FALSE`` are constants; ``AND``, ``OR``, ``NOT`` and parentheses combine them;
"Alarm names specified in AlarmRule can be surrounded with double-quotes ("), but do not have to
be." CloudWatch User Guide, "Create a composite alarm" (archived as awsdocs/amazon-cloudwatch-
user-guide ``doc_source/Create_Composite_Alarm.md``): the composite goes to ALARM when the rule is
TRUE, and OK otherwise.

Decisions where the docs are silent:
- Precedence: NOT binds tighter than AND, AND tighter than OR (the usual boolean order); write
  parentheses when in doubt, as the AWS examples do.
- Keywords and functions are upper case, as in every AWS example; ``and`` is a parse error.
- An unquoted name runs to the closing parenthesis and is stripped of surrounding blanks.
- A child that is not among the known states raises ``UnknownChildAlarmError``: PutCompositeAlarm
  refuses a rule that names an alarm that does not exist, so a missing child is a caller error,
  not a state.
- A child can be referenced by name or ARN (``arn:aws:cloudwatch:region:account:alarm:name``);
  either form finds the child whether the states are keyed by name or by ARN.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .config import AlarmState
from .tokens import Token, TokenCursor

MAX_RULE_LENGTH = 10240  # PutCompositeAlarm: AlarmRule length constraint


class CompositeRuleError(ValueError):
    """The AlarmRule cannot be parsed."""


class UnknownChildAlarmError(KeyError):
    """The rule names an alarm whose state is unknown."""


_FUNCTIONS = {state.value: state for state in AlarmState}


def _tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char.isspace():
            position += 1
        elif char in "()":
            tokens.append(Token("op", char, position))
            position += 1
            if char == "(" and len(tokens) >= 2 and tokens[-2].kind == "word" and tokens[-2].text in _FUNCTIONS:
                position = _name(text, position, tokens)
        elif char.isalpha() or char == "_":
            end = position
            while end < len(text) and (text[end].isalnum() or text[end] == "_"):
                end += 1
            tokens.append(Token("word", text[position:end], position))
            position = end
        else:
            raise CompositeRuleError(f"unexpected character {char!r} at position {position}")
    tokens.append(Token("end", "", len(text)))
    return tokens


def _name(text: str, position: int, tokens: list[Token]) -> int:
    """Read a function's alarm name (quoted or not) just after its '('; return where to go on."""
    start = position
    while start < len(text) and text[start].isspace():
        start += 1
    if start < len(text) and text[start] == '"':
        end = text.find('"', start + 1)
        if end < 0:
            raise CompositeRuleError(f"unterminated quoted alarm name at position {start}")
        name = text[start + 1 : end]
        position = end + 1
    else:
        end = text.find(")", start)
        if end < 0:
            raise CompositeRuleError(f"missing ')' after the alarm name at position {start}")
        name = text[start:end].strip()
        position = end
    if not name:
        raise CompositeRuleError(f"empty alarm name at position {start}")
    tokens.append(Token("name", name, start))
    return position


class _Node:
    def evaluate(self, lookup: _Lookup, triggered: list[str]) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True)
class _Constant(_Node):
    value: bool

    def evaluate(self, lookup: _Lookup, triggered: list[str]) -> bool:
        return self.value


@dataclass(frozen=True)
class _StateIs(_Node):
    state: AlarmState
    child: str

    def evaluate(self, lookup: _Lookup, triggered: list[str]) -> bool:
        hit = lookup.state(self.child) is self.state
        if hit and self.child not in triggered:
            triggered.append(self.child)
        return hit


@dataclass(frozen=True)
class _Not(_Node):
    operand: _Node

    def evaluate(self, lookup: _Lookup, triggered: list[str]) -> bool:
        return not self.operand.evaluate(lookup, triggered)


@dataclass(frozen=True)
class _Both(_Node):
    left: _Node
    right: _Node
    any_of: bool  # True: OR, False: AND

    def evaluate(self, lookup: _Lookup, triggered: list[str]) -> bool:
        # Evaluate both sides (no short circuit) so every child that is TRUE is reported.
        left = self.left.evaluate(lookup, triggered)
        right = self.right.evaluate(lookup, triggered)
        return (left or right) if self.any_of else (left and right)


class _Parser(TokenCursor):
    error = CompositeRuleError

    def __init__(self, text: str) -> None:
        super().__init__(_tokenize(text))
        self.children: list[str] = []

    def _at_word(self, word: str) -> bool:
        return self._current.kind == "word" and self._current.text == word

    def parse(self) -> _Node:
        node = self._or()
        self._finish()
        return node

    def _or(self) -> _Node:
        node = self._and()
        while self._at_word("OR"):
            self._take()
            node = _Both(node, self._and(), any_of=True)
        return node

    def _and(self) -> _Node:
        node = self._not()
        while self._at_word("AND"):
            self._take()
            node = _Both(node, self._not(), any_of=False)
        return node

    def _not(self) -> _Node:
        if self._at_word("NOT"):
            self._take()
            return _Not(self._not())
        return self._atom()

    def _atom(self) -> _Node:
        token = self._take()
        if token.kind == "op" and token.text == "(":
            node = self._or()
            self._expect(")")
            return node
        if token.kind == "word" and token.text in ("TRUE", "FALSE"):
            return _Constant(token.text == "TRUE")
        if token.kind == "word" and token.text in _FUNCTIONS:
            self._expect("(")
            name = self._take()
            if name.kind != "name":  # pragma: no cover - the tokenizer always reads a name here
                raise CompositeRuleError(f"expected an alarm name at position {name.position}")
            self._expect(")")
            if name.text not in self.children:
                self.children.append(name.text)
            return _StateIs(_FUNCTIONS[token.text], name.text)
        found = repr(token.text) if token.kind != "end" else "the end of the rule"
        raise CompositeRuleError(
            f"expected ALARM(...), OK(...), INSUFFICIENT_DATA(...), TRUE, FALSE, NOT or '(' at position "
            f"{token.position}, found {found}"
        )


def alarm_name(reference: str) -> str:
    """The alarm name of a reference: the part after ``:alarm:`` of an ARN, else the reference."""
    if reference.startswith("arn:") and ":alarm:" in reference:
        return reference.split(":alarm:", 1)[1]
    return reference


class _Lookup:
    def __init__(self, states: Mapping[str, AlarmState | str]) -> None:
        self._states: dict[str, AlarmState] = {}
        for key, state in states.items():
            self._states[key] = AlarmState(state)
            self._states.setdefault(alarm_name(key), AlarmState(state))

    def state(self, reference: str) -> AlarmState:
        for key in (reference, alarm_name(reference)):
            if key in self._states:
                return self._states[key]
        raise UnknownChildAlarmError(reference)


@dataclass(frozen=True)
class CompositeRule:
    text: str
    root: _Node
    children: tuple[str, ...]  # the alarms the rule names, as written, in order of appearance


@dataclass(frozen=True)
class CompositeEvaluation:
    """``triggering_children``: the children whose state function was TRUE, in rule order."""

    state: AlarmState
    triggering_children: tuple[str, ...]


def parse_rule(text: str) -> CompositeRule:
    if not text or not text.strip():
        raise CompositeRuleError("the alarm rule is empty")
    if len(text) > MAX_RULE_LENGTH:
        raise CompositeRuleError(f"the alarm rule is longer than {MAX_RULE_LENGTH} characters")
    parser = _Parser(text)
    root = parser.parse()
    return CompositeRule(text, root, tuple(parser.children))


def evaluate_composite(rule: str | CompositeRule, states: Mapping[str, AlarmState | str]) -> CompositeEvaluation:
    """ALARM when the rule is TRUE for the children's current states, else OK."""
    parsed = parse_rule(rule) if isinstance(rule, str) else rule
    lookup = _Lookup(states)
    triggered: list[str] = []
    value = parsed.root.evaluate(lookup, triggered)
    return CompositeEvaluation(AlarmState.ALARM if value else AlarmState.OK, tuple(triggered))
