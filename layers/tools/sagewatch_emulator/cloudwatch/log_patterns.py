"""FilterLogEvents: the term syntax of CloudWatch Logs filter patterns, for unstructured lines.

moto's FilterLogEvents treats any pattern that does not start with a letter or a quote as "match
everything", so ``?ERROR ?Exception`` returned every line. :func:`log_pattern_matches` implements
``?term`` (any of these), ``-term`` (none of these), ``term``/``"exact phrase"`` (all of these),
case-sensitive. JSON (``{ $.x = … }``) and space-delimited (``[a, b]``) patterns keep moto's
behaviour.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sagewatch_emulator.extensions import MotoExtensions

__all__ = ["filter_log_events_with_term_patterns", "log_pattern_matches"]

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

    extensions.patch(EventMessageFilter, "matches", matches)
    extensions.installed.append("logs: FilterLogEvents with ?term / -term patterns")
