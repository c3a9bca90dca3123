"""Composite alarm rules.

Source: CloudWatch API Reference, "PutCompositeAlarm" (AlarmRule) and CloudWatch User Guide,
"Create a composite alarm" (awsdocs/amazon-cloudwatch-user-guide ``doc_source/Create_Composite_Alarm.md``).
Decided where the docs are silent (see composite.py): NOT > AND > OR precedence, upper-case keywords,
and an unknown child raises (PutCompositeAlarm refuses rules naming alarms that do not exist).
"""

from __future__ import annotations

import pytest

from sagewatch_evaluation import (
    AlarmState,
    CompositeRuleError,
    UnknownChildAlarmError,
    evaluate_composite,
    parse_rule,
)

OK, ALARM, INSUFFICIENT = AlarmState.OK, AlarmState.ALARM, AlarmState.INSUFFICIENT_DATA
ARN = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:"


@pytest.mark.parametrize(
    ("function", "state", "expected"),
    [
        ("ALARM", ALARM, ALARM),
        ("ALARM", OK, OK),
        ("ALARM", INSUFFICIENT, OK),
        ("OK", OK, ALARM),
        ("OK", ALARM, OK),
        ("INSUFFICIENT_DATA", INSUFFICIENT, ALARM),
        ("INSUFFICIENT_DATA", OK, OK),
    ],
)
def test_each_state_function(function: str, state: AlarmState, expected: AlarmState) -> None:
    assert evaluate_composite(f'{function}("cpu")', {"cpu": state}).state is expected


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("TRUE", ALARM),
        ("FALSE", OK),
        ("NOT TRUE", OK),
        ("NOT FALSE", ALARM),
        ("ALARM(a) AND ALARM(b)", OK),
        ("ALARM(a) AND OK(b)", ALARM),
        ("ALARM(a) OR ALARM(b)", ALARM),
        ("OK(a) OR ALARM(b)", OK),
        ("ALARM(a) AND NOT ALARM(b)", ALARM),
        ("NOT ALARM(a)", OK),
        ("NOT NOT ALARM(a)", ALARM),
        # NOT binds tighter than AND, AND tighter than OR.
        ("FALSE AND FALSE OR TRUE", ALARM),
        ("FALSE AND (FALSE OR TRUE)", OK),
        ("NOT ALARM(a) OR ALARM(a)", ALARM),
        ("NOT (ALARM(a) OR ALARM(b))", OK),
        ("(ALARM(a) OR ALARM(b)) AND OK(b) AND (TRUE OR FALSE)", ALARM),
        ("((ALARM(a)))", ALARM),
    ],
)
def test_operators_constants_and_nesting(rule: str, expected: AlarmState) -> None:
    assert evaluate_composite(rule, {"a": ALARM, "b": OK}).state is expected


def test_names_with_or_without_quotes_and_with_spaces_and_slashes() -> None:
    states = {"SageWatch/fraud scorer/p99": ALARM, "plain": OK}
    assert evaluate_composite('ALARM("SageWatch/fraud scorer/p99")', states).state is ALARM
    assert evaluate_composite("ALARM( SageWatch/fraud scorer/p99 )", states).state is ALARM
    assert evaluate_composite("OK(plain)", states).state is ALARM
    assert evaluate_composite('ALARM("name (with) parentheses")', {"name (with) parentheses": ALARM}).state is ALARM


def test_children_are_found_by_name_or_arn_either_way() -> None:
    assert evaluate_composite(f'ALARM("{ARN}cpu")', {"cpu": ALARM}).state is ALARM
    assert evaluate_composite('ALARM("cpu")', {f"{ARN}cpu": ALARM}).state is ALARM
    assert evaluate_composite(f"ALARM({ARN}cpu)", {f"{ARN}cpu": ALARM}).state is ALARM


def test_states_may_be_plain_strings() -> None:
    assert evaluate_composite("ALARM(a)", {"a": "ALARM"}).state is ALARM


def test_an_unknown_child_is_an_error_not_a_state() -> None:
    with pytest.raises(UnknownChildAlarmError):
        evaluate_composite("ALARM(a) OR ALARM(missing)", {"a": ALARM})


def test_triggering_children_are_the_children_whose_function_is_true() -> None:
    rule = 'ALARM("latency") OR ALARM("errors") OR OK("traffic")'
    outcome = evaluate_composite(rule, {"latency": ALARM, "errors": OK, "traffic": OK})
    assert outcome.state is ALARM
    assert outcome.triggering_children == ("latency", "traffic")


def test_parse_lists_the_children_in_order() -> None:
    rule = parse_rule('(ALARM("a") OR ALARM(b)) AND OK("a") AND INSUFFICIENT_DATA(c)')
    assert rule.children == ("a", "b", "c")
    assert evaluate_composite(rule, {"a": ALARM, "b": OK, "c": OK}).state is OK


@pytest.mark.parametrize(
    "rule",
    [
        "",
        "   ",
        "ALARM(a) AND",
        "ALARM(a) ALARM(b)",
        "alarm(a)",
        "ALARM(a) and ALARM(b)",
        "ALARM()",
        'ALARM("a',
        "ALARM(a",
        "(ALARM(a)",
        "ALARM(a))",
        "ALARM(a) & ALARM(b)",
        "MAYBE(a)",
        "TRUE OR " * 1300 + "TRUE",
    ],
)
def test_malformed_rules_are_refused(rule: str) -> None:
    with pytest.raises(CompositeRuleError):
        parse_rule(rule)
