"""The hub's side of acting in spokes (docs/hub-and-spokes.md (c), (d)): the function roles may
assume ONLY the spoke roles, and only when the stack has spokes and an external ID; the reconcile
may list Organizations only with an organization; every variable the spoke settings read is set."""

from __future__ import annotations

from typing import Any

import pytest

from sagewatch import config
from sagewatch.observability import SPOKES_UNREACHABLE

Template = dict[str, Any]
HUB_FUNCTIONS = ("OnboardFunction", "NotifyFunction", "ReconcileFunction")


def conditional_statements(transformed: Template, role: str) -> dict[str, tuple[str, Any, Any]]:
    """Sid → (condition, statement, else) of the role's Fn::If statements."""
    found: dict[str, tuple[str, Any, Any]] = {}
    for policy in transformed["Resources"][role]["Properties"].get("Policies", []):
        for statement in policy["PolicyDocument"]["Statement"]:
            if isinstance(statement, dict) and "Fn::If" in statement:
                condition, then, otherwise = statement["Fn::If"]
                found[then["Sid"]] = (condition, then, otherwise)
    return found


@pytest.mark.parametrize("function", HUB_FUNCTIONS)
def test_function_roles_assume_only_spoke_roles_and_only_with_spokes(transformed: Template, function: str) -> None:
    condition, statement, otherwise = conditional_statements(transformed, f"{function}Role")["AssumeSpokeRoles"]
    assert condition == "HasSpokes"
    assert otherwise == {"Ref": "AWS::NoValue"}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:iam::*:role/${NamePrefix}-spoke-*"}
    # Nowhere else in the role: an unconditional sts:AssumeRole would open it to a stack without spokes.
    for policy in transformed["Resources"][f"{function}Role"]["Properties"].get("Policies", []):
        for plain in policy["PolicyDocument"]["Statement"]:
            assert "Fn::If" in plain or "sts:" not in str(plain.get("Action"))


def test_spokes_need_the_external_id_and_spoke_accounts(template: Template) -> None:
    has_spokes = template["Conditions"]["HasSpokes"]["Fn::And"]
    assert {"Fn::Not": [{"Fn::Equals": [{"Ref": "SpokeExternalId"}, ""]}]} in has_spokes
    assert {"Fn::Or": [{"Condition": "HasSpokeOrganization"}, {"Condition": "HasSpokeAccounts"}]} in has_spokes
    assert template["Parameters"]["SpokeExternalId"]["NoEcho"] is True


def test_only_the_reconcile_lists_organizations_and_only_with_an_organization(transformed: Template) -> None:
    condition, statement, _ = conditional_statements(transformed, "ReconcileFunctionRole")["FindSpokeAccounts"]
    assert condition == "HasSpokeOrganization"
    assert all(a.startswith("organizations:List") for a in statement["Action"])
    for role in ("OnboardFunctionRole", "NotifyFunctionRole"):
        assert "FindSpokeAccounts" not in conditional_statements(transformed, role)


@pytest.mark.parametrize(
    ("function", "variables"),
    [
        ("OnboardFunction", (config.ENV_ACCOUNT_ID, config.ENV_SPOKE_EXTERNAL_ID)),
        ("NotifyFunction", (config.ENV_ACCOUNT_ID, config.ENV_SPOKE_EXTERNAL_ID, config.ENV_SPOKE_CONSOLE_ROLE)),
        (
            "ReconcileFunction",
            (
                config.ENV_ACCOUNT_ID,
                config.ENV_SPOKE_EXTERNAL_ID,
                config.ENV_SPOKE_ACCOUNTS,
                config.ENV_SPOKE_ORGANIZATION,
                config.ENV_SPOKE_ORGANIZATIONAL_UNIT,
                config.ENV_SPOKE_REGIONS,
            ),
        ),
    ],
)
def test_hub_functions_get_the_spoke_settings(transformed: Template, function: str, variables: tuple[str, ...]) -> None:
    env = transformed["Resources"][function]["Properties"]["Environment"]["Variables"]
    for name in variables:
        assert name in env, f"{function} lacks {name}"
    # The external ID reaches the functions only when the stack has spokes.
    assert env[config.ENV_SPOKE_EXTERNAL_ID] == {"Fn::If": ["HasSpokes", {"Ref": "SpokeExternalId"}, ""]}
    assert env[config.ENV_ACCOUNT_ID] == {"Ref": "AWS::AccountId"}


def test_fleet_widget_gets_no_external_id(transformed: Template) -> None:
    env = transformed["Resources"]["FleetWidgetFunction"]["Properties"]["Environment"]["Variables"]
    assert config.ENV_SPOKE_EXTERNAL_ID not in env


def test_notify_may_only_describe_accounts_of_the_organization(transformed: Template) -> None:
    condition, statement, _ = conditional_statements(transformed, "NotifyFunctionRole")["NameSpokeAccounts"]
    assert condition == "HasSpokeOrganization"
    assert statement["Action"] == "organizations:DescribeAccount"


def test_the_reconcile_subscribes_the_queue_only_to_spoke_topics_and_only_with_spokes(transformed: Template) -> None:
    condition, statement, _ = conditional_statements(transformed, "ReconcileFunctionRole")["SubscribeToSpokeTopics"]
    assert condition == "HasSpokes"
    assert statement["Action"] == "sns:Subscribe"
    assert statement["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:sns:*:*:${NamePrefix}-spoke-alerts"}
    env = transformed["Resources"]["ReconcileFunction"]["Properties"]["Environment"]["Variables"]
    assert env[config.ENV_ALERT_QUEUE_ARN] == {"Fn::If": ["HasSpokes", {"Fn::GetAtt": ["AlertQueue", "Arn"]}, ""]}


def test_an_unreachable_spoke_pages_the_operators_only_in_a_hub(transformed: Template) -> None:
    alarm = transformed["Resources"]["SpokesUnreachableAlarm"]
    assert alarm["Condition"] == "HasSpokes"
    properties = alarm["Properties"]
    assert (properties["Namespace"], properties["MetricName"]) == ("SageWatch", SPOKES_UNREACHABLE)
    assert properties["AlarmActions"] == [{"Ref": "OpsTopic"}]
