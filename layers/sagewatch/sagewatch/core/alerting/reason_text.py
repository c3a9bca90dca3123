"""CloudWatch's state-change reason, with its numbers in the alarm's human unit (pure).

CloudWatch quotes the metric's raw values in ``NewStateReason``::

    Threshold Crossed: 3 out of the last 5 datapoints [1840213.0 (28/11/26 03:11:00),
    1502331.5 (28/11/26 03:10:00)] were greater than the threshold (250000.0)
    (minimum 3 datapoints for OK -> ALARM transition).

while the rest of an alert speaks milliseconds, percent per core or per GPU. ``humanize_reason``
rewrites only the quoted numbers — the datapoints in square brackets (with or without their
``dd/MM/yy HH:mm:ss`` dates), the ``threshold (…)``, the anomaly band's ``thresholds […]`` and
the oldest format's ``1 datapoint (…)`` — and leaves every other word, date and bracket as
CloudWatch wrote it (``treated as [Breaching]``, ``(minimum 3 datapoints …)``). Two numbers
that differ are never printed alike: when rounding would make a datapoint read equal to the
threshold it crossed, both get the decimals that tell them apart, so the sentence keeps its
meaning.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable

from sagewatch.core.alerting.units import NO_VALUE, format_number

__all__ = ["humanize_reason"]

# Unambiguous (no nested optional digit runs), so hostile reasons cannot make it backtrack.
_NUMBER = r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"
_DATE = r"\([^()\[\]]*\)"
_ITEM = re.compile(rf"({_NUMBER})(\s*{_DATE})?")
# "[1840213.0 (28/11/26 03:11:00), 1502331.5 (28/11/26 03:10:00)]", "[41022.7]", "[0.41, 0.47]"
_LIST = re.compile(rf"\[\s*{_NUMBER}(?:\s*{_DATE})?(?:, {_NUMBER}(?:\s*{_DATE})?)*\s*\]")
# "the threshold (250000.0)" and the oldest reasons' "1 datapoint (2.0) was greater …"
_SINGLE = re.compile(rf"((?:threshold|datapoints?) \()({_NUMBER})(\))")
_MAX_DECIMALS = 6


def humanize_reason(reason: str, unit: str, scale: float) -> str:
    """``reason`` with every quoted value as ``value * scale`` in ``unit`` (``"1,840 ms"``).

    A reason that quotes no values (composite alarms, insufficient data, hostile text) comes
    back unchanged, and so does every reason when the scale is not a usable number.
    """
    if not reason or not math.isfinite(scale) or scale == 0:
        return reason
    quoted = [float(m.group(1)) for lst in _LIST.finditer(reason) for m in _ITEM.finditer(lst.group(0))]
    quoted += [float(m.group(2)) for m in _SINGLE.finditer(reason)]
    if not quoted:
        return reason
    texts = _distinct_texts(value * scale for value in quoted)

    def human(raw: str) -> str:
        number = texts.get(float(raw) * scale)
        if number is None:  # not finite once scaled: leave CloudWatch's text
            return raw
        return f"{number} {unit}" if unit else number

    def rewrite_list(match: re.Match[str]) -> str:
        items = [(human(item.group(1)), item.group(2) or "") for item in _ITEM.finditer(match.group(0))]
        # A bare "2,152" has a comma of its own: in a list of bare numbers, separate the items
        # so that none reads as two. A unit or a date already ends each item.
        bare = not unit and any("," in number and not date for number, date in items)
        return "[" + ("; " if bare else ", ").join(number + date for number, date in items) + "]"

    text = _LIST.sub(rewrite_list, reason)
    return _SINGLE.sub(lambda m: m.group(1) + human(m.group(2)) + m.group(3), text)


def _distinct_texts(values: Iterable[float]) -> dict[float, str]:
    """Each value's text as ``format_number`` prints it, with more decimals where two would collide."""
    by_text: defaultdict[str, set[float]] = defaultdict(set)
    for value in values:
        if math.isfinite(value):
            by_text[format_number(value)].add(value)
    texts: dict[float, str] = {}
    for text, group in by_text.items():
        if len(group) == 1 or text == NO_VALUE:
            texts.update(dict.fromkeys(group, text))
            continue
        texts.update(_precise(sorted(group)))
    if len(set(texts.values())) < len(texts):
        # A value written with more decimals now reads like another one: all at full precision.
        return {value: _fixed(value, _MAX_DECIMALS) for value in texts}
    return texts


def _precise(group: list[float]) -> dict[float, str]:
    """The fewest decimals (up to six) that print every value of the group differently."""
    for decimals in range(1, _MAX_DECIMALS + 1):
        texts = {value: _fixed(value, decimals) for value in group}
        if len(set(texts.values())) == len(group):
            return texts
    return {value: repr(value) for value in group}


def _fixed(value: float, decimals: int) -> str:
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
