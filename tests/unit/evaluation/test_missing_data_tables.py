"""The AWS missing-data tables, row by row, as the oracle of metric-alarm evaluation.

Source: CloudWatch User Guide, "Using Amazon CloudWatch alarms" ("How alarm state is evaluated when
data is missing" and "Avoiding premature transitions to alarm state"), archived in the public repo
awsdocs/amazon-cloudwatch-user-guide as ``doc_source/AlarmThatSendsEmail.md``.

- ``TABLE_M3_N3`` and ``TABLE_M2_N3`` are both tables of the last revision (commit b355497,
  "Periodic Update 05/17/2023"; identical to 35bacec of 2022-05-05). Evaluation Periods 3,
  Datapoints to Alarm 3 and 2, an evaluation range of 5 points, Period 5 minutes.
- ``EARLIER_ROWS`` are rows that only earlier revisions show (72266c7 of 2019-01-16 and 05fd32f,
  "Fix for incorrect table values", 2019-02-08): ``- - - - X`` (both tables) and ``X - - - -``.
  They agree with the rules of the last revision, so they are encoded too.
- Not encoded: cells that later revisions corrected (a6077fd, 2019-09: ``- - X - -`` with M=2
  under MISSING shown as OK; a6077fd..f426fe6: ``- - X - -`` with M=3 under IGNORE shown as ALARM,
  "Retain current state" from 8fd68ec on).

Notation, oldest point on the left: ``0`` not breaching, ``X`` breaching, ``-`` missing.
"Retain current state" is ``KEEP``: the evaluation returns no state and ``resolve`` keeps the one
the alarm had.
"""

from __future__ import annotations

import pytest

from sagewatch_evaluation import AlarmState, TreatMissingData, evaluate

from .helpers import NOW, config, from_pattern

OK, ALARM, INSUFFICIENT, KEEP = AlarmState.OK, AlarmState.ALARM, AlarmState.INSUFFICIENT_DATA, None
COLUMNS = (
    TreatMissingData.MISSING,
    TreatMissingData.IGNORE,
    TreatMissingData.BREACHING,
    TreatMissingData.NOT_BREACHING,
)

Row = tuple[str, AlarmState | None, AlarmState | None, AlarmState | None, AlarmState | None]

# Data points | MISSING | IGNORE | BREACHING | NOT BREACHING
TABLE_M3_N3: list[Row] = [
    ("0 - X - X", OK, OK, OK, OK),
    ("0 - - - -", OK, OK, OK, OK),
    ("- - - - -", INSUFFICIENT, KEEP, ALARM, OK),
    ("0 X X - X", ALARM, ALARM, ALARM, ALARM),
    ("- - X - -", ALARM, KEEP, ALARM, OK),  # premature alarm rule: ALARM even under missing
]
TABLE_M2_N3: list[Row] = [
    ("0 - X - X", ALARM, ALARM, ALARM, ALARM),
    ("0 0 X 0 X", ALARM, ALARM, ALARM, ALARM),
    ("0 - X - -", OK, OK, ALARM, OK),
    ("- - - - 0", OK, OK, ALARM, OK),
    ("- - - X -", ALARM, KEEP, ALARM, OK),  # premature alarm rule with M=2
]
EARLIER_ROWS: list[tuple[int, Row]] = [
    (3, ("- - - - X", INSUFFICIENT, KEEP, ALARM, OK)),  # too recent to alarm: no premature ALARM
    (3, ("X - - - -", ALARM, KEEP, ALARM, OK)),
    (2, ("- - - - X", INSUFFICIENT, KEEP, ALARM, OK)),
]


def _cases() -> list[object]:
    rows = [(3, row, "last revision, M=3") for row in TABLE_M3_N3]
    rows += [(2, row, "last revision, M=2") for row in TABLE_M2_N3]
    rows += [(m, row, f"2019 revisions, M={m}") for m, row in EARLIER_ROWS]
    cases: list[object] = []
    for m, (pattern, *expected), source in rows:
        for treat, state in zip(COLUMNS, expected, strict=True):
            cases.append(pytest.param(m, pattern, treat, state, id=f"{source}: [{pattern}] {treat}"))
    return cases


@pytest.mark.parametrize(("m", "pattern", "treat", "expected"), _cases())
def test_documented_missing_data_table_row(
    m: int, pattern: str, treat: TreatMissingData, expected: AlarmState | None
) -> None:
    alarm = config(n=3, m=m, treat=treat, evaluation_range=5)
    outcome = evaluate(alarm, from_pattern(pattern), NOW)
    assert outcome.state == expected
    assert len(outcome.window) == 5
    if expected is not None:
        # "In all of these situations, the number of datapoints evaluated is equal to the value of
        # Evaluation Periods" — the filled points included.
        assert len(outcome.datapoints) == 3


def test_the_documented_range_of_five_is_the_default_for_three_evaluation_periods() -> None:
    assert config(n=3).range_length == 5


@pytest.mark.parametrize("current", list(AlarmState))
def test_retain_current_state_keeps_whatever_state_the_alarm_had(current: AlarmState) -> None:
    outcome = evaluate(config(treat=TreatMissingData.IGNORE), from_pattern("- - - - -"), NOW)
    assert outcome.keeps_current_state
    assert outcome.resolve(current) is current


def test_second_row_goes_to_alarm_once_the_non_breaching_point_leaves_the_range() -> None:
    """The docs on row 2 (`0 - - - -`, breaching): "The next time this alarm is evaluated, if the
    data is still missing it will go to ALARM, as that non-breaching data point will no longer be
    in the evaluation range"."""
    alarm = config(treat=TreatMissingData.BREACHING)
    points = from_pattern("0 - - - -")
    assert evaluate(alarm, points, NOW).state is AlarmState.OK
    later = NOW.replace(minute=NOW.minute + 5)
    assert evaluate(alarm, points, later).state is AlarmState.ALARM


def test_enough_real_points_use_the_newest_n_and_ignore_the_treatment() -> None:
    """Row 4 (`0 X X - X`): three real points exist, so the missing one is not filled."""
    for treat in TreatMissingData:
        outcome = evaluate(config(treat=treat), from_pattern("0 X X - X"), NOW)
        assert [p.value for p in outcome.datapoints] == [2.0, 2.0, 2.0]
        assert not any(p.filled for p in outcome.datapoints)


def test_breaching_fills_the_newest_missing_periods_as_few_times_as_possible() -> None:
    """M=2 row 3 (`0 - X - -`, breaching): the real 0 and X plus one filled point."""
    outcome = evaluate(config(m=2, treat=TreatMissingData.BREACHING), from_pattern("0 - X - -"), NOW)
    assert [(p.value, p.filled, p.breaching) for p in outcome.datapoints] == [
        (0.0, False, False),
        (2.0, False, True),
        (None, True, True),
    ]
    assert outcome.datapoints[-1].timestamp == outcome.window[-1]
