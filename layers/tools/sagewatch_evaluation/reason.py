"""CloudWatch-style state reason texts.

The wording mirrors reasons captured in public alarm notifications and DescribeAlarms output
(SodaDev/alarms-repeater, aws/aws-lambda-go ``events/testdata``, and many projects' fixtures):

- ``Threshold Crossed: 3 out of the last 3 datapoints [8.89 (14/07/21 23:18:00), ...] were greater
  than or equal to the threshold (7.0) (minimum 3 datapoints for OK -> ALARM transition).``
- ``Threshold Crossed: 3 out of the last 5 datapoints [...] were not greater than the threshold
  (0.0) (minimum 3 datapoints for ALARM -> OK transition).``
- ``Threshold Crossed: 1 out of the last 20 datapoints [613.0 (16/03/24 12:15:00)] was greater than
  or equal to the threshold (1.0) and 19 missing datapoints were treated as [NonBreaching]
  (minimum 1 datapoint for OK -> ALARM transition).``
- ``Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was
  treated as [Breaching].``
- ``Insufficient Data: 1 datapoint was unknown.`` / ``Insufficient Data: 5 datapoints were unknown.``
- ``Thresholds Crossed: 2 out of the last 2 datapoints [...] were less than the lower thresholds
  [31.7, 31.3] or greater than the upper thresholds [33.0, 32.6] (minimum 2 datapoints for OK ->
  ALARM transition).``

Datapoints are listed newest first with their period start as ``dd/MM/yy HH:mm:ss`` (UTC);
numbers are printed as Java prints a double (``250000.0``, ``1.0E7``). Texts CloudWatch never
shows (a kept state) say plainly that they come from this evaluator's rules.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from .comparison import THRESHOLD_WORDS, Band
from .config import AlarmState, ComparisonOperator, TreatMissingData


def format_number(value: float) -> str:
    """A double as Java's ``Double.toString`` prints it, which is what CloudWatch reasons show:
    plain decimal with at least one fractional digit for 1e-3 <= |x| < 1e7, else ``d.dddE±n``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    if 1e-3 <= abs(value) < 1e7:
        # Python's repr is the shortest round-trip form, as is Java's (JDK 19+), and stays in
        # plain notation throughout this range.
        return repr(value)
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    assert isinstance(exponent, int)  # finite: checked above
    text = "".join(str(digit) for digit in digits).rstrip("0") or "0"
    exponent += len(digits) - len(text)
    power = exponent + len(text) - 1
    mantissa = text[0] + "." + (text[1:] or "0")
    return f"{'-' if sign else ''}{mantissa}E{power}"


def format_timestamp(moment: datetime) -> str:
    """``dd/MM/yy HH:mm:ss`` in UTC, as in every captured reason."""
    return moment.astimezone(UTC).strftime("%d/%m/%y %H:%M:%S")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _verb(count: int) -> str:
    return "was" if count == 1 else "were"


def _transition(state: AlarmState, required_breaching: int, evaluation_periods: int) -> str:
    # ALARM needs M breaching; leaving ALARM needs N - M + 1 non-breaching (a 3-of-5 alarm:
    # "minimum 3 datapoints for ALARM -> OK transition"; a 50-of-50 alarm: "minimum 1 datapoint").
    if state is AlarmState.ALARM:
        return f"minimum {_plural(required_breaching, 'datapoint')} for OK -> ALARM transition"
    needed = evaluation_periods - required_breaching + 1
    return f"minimum {_plural(needed, 'datapoint')} for ALARM -> OK transition"


def _band_words(operator: ComparisonOperator, bands: Sequence[Band], negate: bool) -> str:
    lower = "[" + ", ".join(format_number(band.lower) for band in bands) + "]"
    upper = "[" + ", ".join(format_number(band.upper) for band in bands) + "]"
    no = "not " if negate else ""
    below = f"{no}less than the lower thresholds {lower}"
    above = f"{no}greater than the upper thresholds {upper}"
    if operator is ComparisonOperator.BELOW_BAND:
        return below
    if operator is ComparisonOperator.ABOVE_BAND:
        return above
    return f"{below} or {above}"


def threshold_crossed(
    *,
    state: AlarmState,
    operator: ComparisonOperator,
    threshold: float | None,
    evaluation_periods: int,
    required_breaching: int,
    crossing: Sequence[tuple[datetime, float, Band | None]],
    filled: int,
    treat_missing_data: TreatMissingData,
) -> str:
    """The reason of an OK or ALARM outcome.

    ``crossing`` are the real datapoints on the side of the new state (breaching for ALARM,
    not breaching for OK), newest first; ``filled`` the missing datapoints that were filled in
    with TreatMissingData (only breaching/notBreaching fill; missing/ignore fill nothing)."""
    fill_clause = ""
    if filled and treat_missing_data in (TreatMissingData.BREACHING, TreatMissingData.NOT_BREACHING):
        label = "Breaching" if treat_missing_data is TreatMissingData.BREACHING else "NonBreaching"
        fill_clause = f"{_plural(filled, 'missing datapoint')} {_verb(filled)} treated as [{label}]"
    transition = _transition(state, required_breaching, evaluation_periods)
    if not crossing:
        if fill_clause and filled >= evaluation_periods:
            # Nothing real in the evaluation: the captured wording has no "minimum" clause.
            return f"Threshold Crossed: no datapoints were received for {_plural(filled, 'period')} and {fill_clause}."
        if fill_clause:
            return f"Threshold Crossed: {fill_clause} ({transition})."
    listed = (
        "[" + ", ".join(f"{format_number(value)} ({format_timestamp(moment)})" for moment, value, _ in crossing) + "]"
    )
    head = f"{len(crossing)} out of the last {evaluation_periods} datapoints {listed} {_verb(len(crossing))}"
    negate = state is AlarmState.OK
    if operator.is_band:
        bands = [band for _, _, band in crossing if band is not None]
        text = f"Thresholds Crossed: {head} {_band_words(operator, bands, negate)}"
    else:
        assert threshold is not None  # AlarmConfig guarantees a threshold for these operators
        words = ("not " if negate else "") + THRESHOLD_WORDS[operator]
        text = f"Threshold Crossed: {head} {words} the threshold ({format_number(threshold)})"
    if fill_clause:
        text += f" and {fill_clause}"
    return f"{text} ({transition})."


def insufficient_data(unknown: int) -> str:
    return f"Insufficient Data: {_plural(unknown, 'datapoint')} {_verb(unknown)} unknown."


def missing_data_ignored(missing: int, evaluation_periods: int) -> str:
    """Not a CloudWatch text: CloudWatch changes nothing (and writes nothing) in this case."""
    return (
        f"Missing data ignored: {missing} of the {evaluation_periods} datapoints needed "
        f"{_verb(missing)} missing, so the alarm keeps its current state (TreatMissingData: ignore)."
    )


def low_sample_ignored(statistic: str, samples: float, needed: float) -> str:
    """Not a CloudWatch text: CloudWatch keeps the state without a new reason in this case."""
    return (
        f"Low sample count: {format_number(samples)} samples are fewer than the {format_number(needed)} "
        f"that {statistic} needs, so the alarm keeps its current state (EvaluateLowSampleCountPercentile: ignore)."
    )
