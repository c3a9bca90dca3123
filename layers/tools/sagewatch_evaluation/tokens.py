"""The token cursor both of the evaluator's parsers (metric math, composite rules) walk.

Each parser tokenizes its own language; reading tokens, expecting punctuation and refusing
trailing input work the same way in both, with the parser's own error type.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Token:
    kind: str  # the parser's own kinds (word, name, number, op) and "end"
    text: str
    position: int


class TokenCursor:
    """Reads ``tokens`` (ending with an ``end`` token) left to right."""

    error: type[ValueError] = ValueError

    def __init__(self, tokens: Sequence[Token]) -> None:
        self._tokens = tokens
        self._index = 0

    @property
    def _current(self) -> Token:
        return self._tokens[self._index]

    def _take(self) -> Token:
        token = self._tokens[self._index]
        if token.kind != "end":
            self._index += 1
        return token

    def _at_op(self, *ops: str) -> bool:
        return self._current.kind == "op" and self._current.text in ops

    def _expect(self, text: str) -> None:
        token = self._take()
        if token.kind != "op" or token.text != text:
            found = repr(token.text) if token.kind != "end" else "the end"
            raise self.error(f"expected {text!r} at position {token.position}, found {found}")

    def _finish(self) -> None:
        """Nothing may follow a complete expression."""
        if self._current.kind != "end":
            raise self.error(f"unexpected {self._current.text!r} at position {self._current.position}")
