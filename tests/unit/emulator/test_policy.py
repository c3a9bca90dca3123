"""The emulated world's policy evaluator, on the statements our templates write (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from sagewatch_emulator.world.policy import (
    Decision,
    PolicyError,
    Request,
    account_principal,
    combine,
    decide,
    evaluate,
    role_principal,
    service_principal,
)

HUB, SPOKE, STRANGER = "111111111111", "222222222222", "333333333333"
BUS = f"arn:aws:events:us-east-1:{HUB}:event-bus/default"
QUEUE = f"arn:aws:sqs:us-east-1:{HUB}:sagewatch-AlertQueue-X"
ONBOARD_ROLE = f"arn:aws:iam::{HUB}:role/sagewatch-OnboardFunctionRole-X"
SPOKE_ROLE = f"arn:aws:iam::{SPOKE}:role/SageWatch-spoke-eu-west-1"
FORWARDING_ROLE = f"arn:aws:iam::{SPOKE}:role/spoke-ForwardingRole-X"


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


ORG_BUS = _policy(
    {
        "Sid": "SageWatch-spoke-organization",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "events:PutEvents",
        "Resource": BUS,
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}},
    }
)
ACCOUNTS_BUS = _policy(
    {"Sid": "a", "Effect": "Allow", "Principal": {"AWS": [SPOKE]}, "Action": "events:PutEvents", "Resource": BUS}
)


def _put_events(org: str | None, role: str = FORWARDING_ROLE) -> Request:
    context = {"aws:PrincipalOrgID": org} if org else {}
    return Request(role_principal(role), "events:PutEvents", BUS, context)


def test_an_organization_bus_policy_admits_a_member_and_refuses_others() -> None:
    assert evaluate(ORG_BUS, _put_events("o-abcdefghij")) is Decision.ALLOW
    assert evaluate(ORG_BUS, _put_events("o-zzzzzzzzzz")) is Decision.IMPLICIT_DENY
    # An account in no organization has no aws:PrincipalOrgID: the condition is false.
    assert evaluate(ORG_BUS, _put_events(None)) is Decision.IMPLICIT_DENY


def test_an_account_principal_means_every_principal_of_that_account() -> None:
    assert evaluate(ACCOUNTS_BUS, _put_events(None)).allowed
    stranger = f"arn:aws:iam::{STRANGER}:role/r"
    assert not evaluate(ACCOUNTS_BUS, _put_events(None, stranger)).allowed
    root_form = _policy(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{SPOKE}:root"}, "Action": "events:*", "Resource": "*"}
    )
    assert evaluate(root_form, _put_events(None)).allowed


def test_no_policy_and_an_other_action_are_implicit_denies() -> None:
    assert evaluate(None, _put_events(None)) is Decision.IMPLICIT_DENY
    other = Request(role_principal(FORWARDING_ROLE), "events:PutRule", BUS)
    assert evaluate(ACCOUNTS_BUS, other) is Decision.IMPLICIT_DENY


def test_an_explicit_deny_overrides_an_allow() -> None:
    deny = {"Effect": "Deny", "Principal": "*", "Action": "events:PutEvents", "Resource": "*"}
    policy = _policy(ACCOUNTS_BUS["Statement"][0], deny)
    assert evaluate(policy, _put_events(None)) is Decision.EXPLICIT_DENY


def _queue_policy() -> dict[str, Any]:
    return _policy(
        {
            "Sid": "SpokeTopicsOfOrganizationDeliver",
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": QUEUE,
            "Condition": {
                "ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:SageWatch-spoke-alerts"},
                "StringEquals": {"aws:SourceOrgID": "o-abcdefghij"},
            },
        }
    )


def _delivery(topic: str, org: str | None) -> Request:
    context: dict[str, str] = {"aws:SourceArn": topic, "aws:SourceAccount": topic.split(":")[4]}
    if org:
        context["aws:SourceOrgID"] = org
    return Request(service_principal("sns.amazonaws.com"), "sqs:SendMessage", QUEUE, context)


def test_a_queue_policy_admits_a_spoke_topic_by_name_and_organization() -> None:
    topic = f"arn:aws:sns:eu-west-1:{SPOKE}:SageWatch-spoke-alerts"
    assert evaluate(_queue_policy(), _delivery(topic, "o-abcdefghij")).allowed
    assert not evaluate(_queue_policy(), _delivery(topic, None)).allowed  # key missing: false
    other_topic = f"arn:aws:sns:eu-west-1:{SPOKE}:someone-elses"
    assert not evaluate(_queue_policy(), _delivery(other_topic, "o-abcdefghij")).allowed


def test_a_service_statement_does_not_admit_an_aws_principal_and_back() -> None:
    caller = Request(account_principal(SPOKE), "sqs:SendMessage", QUEUE, {"aws:SourceOrgID": "o-abcdefghij"})
    assert not evaluate(_queue_policy(), caller).allowed
    assert not evaluate(
        ACCOUNTS_BUS, Request(service_principal("events.amazonaws.com"), "events:PutEvents", BUS)
    ).allowed


def test_arn_like_matches_each_part_of_the_arn_on_its_own() -> None:
    policy = _policy(
        {
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": QUEUE,
            "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:222222222222:*"}},
        }
    )
    assert evaluate(policy, _delivery(f"arn:aws:sns:eu-west-1:{SPOKE}:t", None)).allowed
    assert not evaluate(policy, _delivery(f"arn:aws:sns:eu-west-1:{STRANGER}:t", None)).allowed


def _trust(org: str | None) -> dict[str, Any]:
    condition: dict[str, Any] = {"sts:ExternalId": "a-long-external-id-value"}
    if org:
        condition["aws:PrincipalOrgID"] = org
    return _policy(
        {
            "Sid": "HubFunctionsOnly",
            "Effect": "Allow",
            "Principal": {"AWS": [ONBOARD_ROLE]},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": condition},
        }
    )


def _assume(role: str, external_id: str | None, org: str | None = None) -> Request:
    context: dict[str, str] = {}
    if external_id is not None:
        context["sts:ExternalId"] = external_id
    if org:
        context["aws:PrincipalOrgID"] = org
    return Request(role_principal(role), "sts:AssumeRole", SPOKE_ROLE, context)


def test_a_trust_policy_needs_the_trusted_role_and_the_external_id() -> None:
    assert evaluate(_trust(None), _assume(ONBOARD_ROLE, "a-long-external-id-value")).allowed
    assert not evaluate(_trust(None), _assume(ONBOARD_ROLE, "wrong")).allowed
    assert not evaluate(_trust(None), _assume(ONBOARD_ROLE, None)).allowed
    other_role = f"arn:aws:iam::{HUB}:role/someone"
    assert not evaluate(_trust(None), _assume(other_role, "a-long-external-id-value")).allowed


def test_a_trust_policy_with_an_organization_needs_the_callers_organization_too() -> None:
    ok = _assume(ONBOARD_ROLE, "a-long-external-id-value", "o-abcdefghij")
    assert evaluate(_trust("o-abcdefghij"), ok).allowed
    assert not evaluate(_trust("o-abcdefghij"), _assume(ONBOARD_ROLE, "a-long-external-id-value")).allowed


def test_keys_are_case_insensitive_values_are_not() -> None:
    request = Request(role_principal(ONBOARD_ROLE), "STS:assumerole", SPOKE_ROLE, {"STS:EXTERNALID": "X"})
    policy = _policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": ONBOARD_ROLE},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "X"}},
        }
    )
    assert evaluate(policy, request).allowed
    lower = Request(role_principal(ONBOARD_ROLE), "sts:AssumeRole", SPOKE_ROLE, {"sts:ExternalId": "x"})
    assert not evaluate(policy, lower).allowed


@pytest.mark.parametrize(
    ("operator", "context", "expected"),
    [
        ("StringNotEquals", {}, True),  # negated and missing: true
        ("StringEqualsIfExists", {}, True),
        ("StringEqualsIfExists", {"k": "b"}, False),
        ("StringLike", {"k": "a-1"}, True),
        ("ForAnyValue:StringEquals", {"k": ["x", "a"]}, True),
        ("ForAllValues:StringEquals", {"k": ["a", "x"]}, False),
        ("ForAllValues:StringEquals", {}, True),  # no values: every one of them matches
    ],
)
def test_condition_operators(operator: str, context: dict[str, Any], expected: bool) -> None:
    wanted = "a*" if operator == "StringLike" else "a"
    policy = _policy({"Effect": "Allow", "Principal": "*", "Action": "x:Y", "Condition": {operator: {"k": wanted}}})
    request = Request(account_principal(SPOKE), "x:Y", "arn:aws:x:::r", context)
    assert evaluate(policy, request).allowed is expected


def test_what_the_emulator_cannot_judge_raises() -> None:
    numeric = _policy(
        {"Effect": "Allow", "Principal": "*", "Action": "*", "Condition": {"NumericLessThan": {"k": "1"}}}
    )
    with pytest.raises(PolicyError, match="NumericLessThan"):
        evaluate(numeric, Request(account_principal(SPOKE), "x:Y", "r", {"k": "0"}))
    with pytest.raises(PolicyError, match="NotPrincipal"):
        evaluate(_policy({"Effect": "Allow", "NotPrincipal": "*", "Action": "*"}), _put_events(None))


def test_an_identity_policy_has_no_principal() -> None:
    identity = _policy({"Effect": "Allow", "Action": "events:PutEvents", "Resource": BUS})
    assert evaluate(identity, _put_events(None), resource_policy=False).allowed
    elsewhere = Request(role_principal(FORWARDING_ROLE), "events:PutEvents", BUS.replace(HUB, STRANGER))
    assert not evaluate(identity, elsewhere, resource_policy=False).allowed


ALLOW, IMPLICIT, DENY = Decision.ALLOW, Decision.IMPLICIT_DENY, Decision.EXPLICIT_DENY


def test_policies_of_one_kind_combine_with_deny_first() -> None:
    assert combine(IMPLICIT, ALLOW) is ALLOW
    assert combine(ALLOW, DENY) is DENY
    assert combine() is IMPLICIT


@pytest.mark.parametrize(
    ("identity", "resource", "cross_account", "expected"),
    [
        (ALLOW, IMPLICIT, False, ALLOW),  # one account: either side suffices
        (IMPLICIT, ALLOW, False, ALLOW),
        (ALLOW, IMPLICIT, True, IMPLICIT),  # across accounts: both must allow
        (IMPLICIT, ALLOW, True, IMPLICIT),
        (ALLOW, ALLOW, True, ALLOW),
        (ALLOW, DENY, False, DENY),  # an explicit deny always wins
    ],
)
def test_identity_and_resource_policies_decide_together(
    identity: Decision, resource: Decision, cross_account: bool, expected: Decision
) -> None:
    assert decide(identity, resource, cross_account=cross_account) is expected
