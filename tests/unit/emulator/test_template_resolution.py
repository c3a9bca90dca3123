"""The local template resolver: YAML short tags, parameters, conditions and intrinsic functions.

Pure: resource attributes come from a static map, as the emulated account would supply them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sagewatch_emulator.sam.template import (
    NO_VALUE,
    Resolver,
    StaticAttributes,
    Template,
    TemplateError,
    dependency_order,
    merge_globals,
    parse_template,
    references_of,
)

TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:demo-alerts"
QUEUE_URL = "http://127.0.0.1:5000/123456789012/demo-queue"
QUEUE_ARN = "arn:aws:sqs:eu-west-1:123456789012:demo-queue"

TEMPLATE = """
AWSTemplateFormatVersion: 2010-09-09
Parameters:
  NamePrefix:
    Type: String
    Default: SageWatch
  Stage:
    Type: String
    Default: dev
    AllowedValues: [dev, prod]
  OpsEmail:
    Type: String
    Default: ""
  Threshold:
    Type: Number
    Default: 5
  Zones:
    Type: CommaDelimitedList
    Default: "a, b,c"
  LayerArn:
    Type: AWS::SSM::Parameter::Value<String>
    Default: /aws/service/powertools/python/arm64/python3.13/3.37.0
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  HasOpsEmail: !Not [!Equals [!Ref OpsEmail, ""]]
  ProdWithEmail: !And [!Condition IsProd, !Condition HasOpsEmail]
  ProdOrEmail: !Or [!Condition IsProd, !Condition HasOpsEmail]
Mappings:
  Sizes:
    dev: {Memory: 256}
    prod: {Memory: 1024}
Resources:
  Topic:
    Type: AWS::SNS::Topic
  Queue:
    Type: AWS::SQS::Queue
    DependsOn: Topic
  Subscription:
    Type: AWS::SNS::Subscription
    Condition: HasOpsEmail
    Properties:
      TopicArn: !Ref Topic
      Endpoint: !GetAtt Queue.Arn
"""


def resolver(parameters: dict[str, Any] | None = None, text: str = TEMPLATE) -> Resolver:
    attributes = StaticAttributes(
        {
            "Topic": {"Ref": TOPIC_ARN, "TopicName": "demo-alerts"},
            "Queue": {"Ref": QUEUE_URL, "Arn": QUEUE_ARN, "QueueName": "demo-queue"},
        }
    )
    return Resolver(
        Template.from_text(text),
        region="eu-west-1",
        account_id="123456789012",
        stack_name="demo",
        parameters=parameters,
        attributes=attributes,
    )


# --- YAML -----------------------------------------------------------------------------------------


def test_short_tags_load_in_long_form() -> None:
    document = parse_template(
        """
        A: !Ref Thing
        B: !GetAtt Queue.Arn
        C: !GetAtt [Queue, Arn]
        D: !Sub "${AWS::Region}-x"
        E: !If [IsProd, !Join ["-", [a, b]], !Select [0, !Split [",", "x,y"]]]
        F: !FindInMap [Sizes, dev, Memory]
        G: !Condition IsProd
        H: !GetAtt Endpoint.Address.Port
        """
    )
    assert document == {
        "A": {"Ref": "Thing"},
        "B": {"Fn::GetAtt": ["Queue", "Arn"]},
        "C": {"Fn::GetAtt": ["Queue", "Arn"]},
        "D": {"Fn::Sub": "${AWS::Region}-x"},
        "E": {
            "Fn::If": [
                "IsProd",
                {"Fn::Join": ["-", ["a", "b"]]},
                {"Fn::Select": [0, {"Fn::Split": [",", "x,y"]}]},
            ]
        },
        "F": {"Fn::FindInMap": ["Sizes", "dev", "Memory"]},
        "G": {"Condition": "IsProd"},
        "H": {"Fn::GetAtt": ["Endpoint", "Address.Port"]},
    }


def test_dates_stay_strings_as_cloudformation_reads_them() -> None:
    document = parse_template("AWSTemplateFormatVersion: 2010-09-09\nVersion: 2012-10-17\n")
    assert document == {"AWSTemplateFormatVersion": "2010-09-09", "Version": "2012-10-17"}


def test_invalid_yaml_is_a_template_error() -> None:
    with pytest.raises(TemplateError, match="not valid YAML"):
        parse_template("a: [unclosed")


def test_the_repository_template_loads() -> None:
    path = Path(__file__).resolve().parents[3] / "template.yaml"
    if not path.is_file():
        pytest.skip("template.yaml is not written yet")
    template = Template.load(path)
    assert template.resources
    assert all("Type" in resource for resource in template.resources.values())


# --- parameters -----------------------------------------------------------------------------------


def test_ref_to_a_parameter_yields_its_default_as_a_string() -> None:
    r = resolver()
    assert r.resolve({"Ref": "NamePrefix"}) == "SageWatch"
    assert r.resolve({"Ref": "Threshold"}) == "5"
    assert r.resolve({"Ref": "Zones"}) == ["a", "b", "c"]


def test_parameter_overrides_win_and_are_checked() -> None:
    assert resolver({"NamePrefix": "Acme"}).resolve({"Ref": "NamePrefix"}) == "Acme"
    with pytest.raises(TemplateError, match="not one of"):
        resolver({"Stage": "qa"})
    with pytest.raises(TemplateError, match="undeclared"):
        resolver({"Nope": "x"})


def test_a_parameter_without_default_must_be_given() -> None:
    text = "Parameters:\n  Required:\n    Type: String\nResources: {}\n"
    with pytest.raises(TemplateError, match="Required has no Default"):
        resolver(text=text)
    assert resolver({"Required": "given"}, text=text).resolve({"Ref": "Required"}) == "given"


def test_ssm_parameters_resolve_to_a_placeholder_and_are_never_fetched() -> None:
    value = resolver().resolve({"Ref": "LayerArn"})
    assert value == "emulated-ssm:/aws/service/powertools/python/arm64/python3.13/3.37.0"


def test_pseudo_parameters() -> None:
    r = resolver()
    assert r.resolve({"Ref": "AWS::Region"}) == "eu-west-1"
    assert r.resolve({"Ref": "AWS::AccountId"}) == "123456789012"
    assert r.resolve({"Ref": "AWS::StackName"}) == "demo"
    assert r.resolve({"Ref": "AWS::Partition"}) == "aws"


# --- Fn::Sub, GetAtt, Join, Select, Split, FindInMap ----------------------------------------------


def test_sub_with_pseudo_parameters_parameters_refs_and_getatt() -> None:
    r = resolver()
    alarms = "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:${NamePrefix}/*"
    assert r.resolve({"Fn::Sub": alarms}) == "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:SageWatch/*"
    assert r.resolve({"Fn::Sub": "${Topic}|${Queue.Arn}|${Queue.QueueName}"}) == (f"{TOPIC_ARN}|{QUEUE_ARN}|demo-queue")


def test_sub_with_a_variable_map_and_literal_dollar_braces() -> None:
    r = resolver()
    value = r.resolve({"Fn::Sub": ["${Name}-${!Literal}-${AWS::StackName}", {"Name": {"Ref": "Stage"}}]})
    assert value == "dev-${Literal}-demo"


def test_sub_builds_the_json_policy_the_template_passes_to_the_function() -> None:
    value = resolver({"Threshold": "7"}).resolve(
        {"Fn::Sub": '{"thresholds": {"invocation-5xx-rate": ${Threshold}}, "disabled": "${OpsEmail}"}'}
    )
    assert json.loads(value) == {"thresholds": {"invocation-5xx-rate": 7}, "disabled": ""}


def test_getatt_in_both_forms() -> None:
    r = resolver()
    assert r.resolve({"Fn::GetAtt": ["Queue", "Arn"]}) == QUEUE_ARN
    assert r.resolve({"Fn::GetAtt": "Queue.QueueName"}) == "demo-queue"
    assert r.resolve({"Ref": "Topic"}) == TOPIC_ARN
    with pytest.raises(TemplateError, match="unknown resource"):
        r.resolve({"Fn::GetAtt": ["Missing", "Arn"]})


def test_join_select_split_and_find_in_map() -> None:
    r = resolver()
    assert r.resolve({"Fn::Join": ["/", ["a", {"Ref": "Stage"}, {"Ref": "AWS::Region"}]]}) == "a/dev/eu-west-1"
    assert r.resolve({"Fn::Join": [",", {"Ref": "Zones"}]}) == "a,b,c"
    assert r.resolve({"Fn::Select": ["1", {"Ref": "Zones"}]}) == "b"
    assert r.resolve({"Fn::Select": [2, {"Fn::Split": [":", {"Fn::GetAtt": ["Queue", "Arn"]}]}]}) == "sqs"
    assert r.resolve({"Fn::FindInMap": ["Sizes", {"Ref": "Stage"}, "Memory"]}) == 256
    with pytest.raises(TemplateError, match="out of range"):
        r.resolve({"Fn::Select": [9, ["a"]]})


def test_unsupported_functions_are_reported_not_guessed() -> None:
    with pytest.raises(TemplateError, match="Fn::ImportValue is not supported"):
        resolver().resolve({"Fn::ImportValue": "shared-vpc"})


# --- conditions and Fn::If --------------------------------------------------------------------------


def test_conditions_evaluate_with_parameter_defaults() -> None:
    r = resolver()
    assert r.condition("IsProd") is False
    assert r.condition("HasOpsEmail") is False
    assert r.condition("ProdOrEmail") is False
    assert r.resource_enabled("Subscription") is False


def test_conditions_follow_overrides() -> None:
    r = resolver({"Stage": "prod", "OpsEmail": "ops@example.com"})
    assert r.condition("IsProd") and r.condition("HasOpsEmail") and r.condition("ProdWithEmail")
    assert r.resource_enabled("Subscription") is True


def test_if_picks_the_branch_and_no_value_removes_the_key() -> None:
    r = resolver({"Stage": "prod"})
    assert r.resolve({"Fn::If": ["IsProd", "big", "small"]}) == "big"
    properties = {
        "Memory": {"Fn::If": ["IsProd", 1024, 128]},
        "Email": {"Fn::If": ["HasOpsEmail", {"Ref": "OpsEmail"}, {"Ref": "AWS::NoValue"}]},
        "List": ["a", {"Fn::If": ["HasOpsEmail", "b", {"Ref": "AWS::NoValue"}]}],
    }
    assert r.resolve(properties) == {"Memory": 1024, "List": ["a"]}
    assert r.resolve({"Ref": "AWS::NoValue"}) is NO_VALUE


def test_referencing_a_resource_whose_condition_is_false_is_an_error() -> None:
    with pytest.raises(TemplateError, match="Condition is false"):
        resolver().resolve({"Ref": "Subscription"})


def test_a_condition_cycle_is_reported() -> None:
    text = "Conditions:\n  A: !Condition B\n  B: !Condition A\nResources: {}\n"
    with pytest.raises(TemplateError, match="depends on itself"):
        resolver(text=text).condition("A")


def test_outputs_honour_their_conditions() -> None:
    text = TEMPLATE + (
        "Outputs:\n  TopicArn:\n    Value: !Ref Topic\n  Email:\n    Condition: HasOpsEmail\n    Value: !Ref OpsEmail\n"
    )
    assert resolver(text=text).outputs() == {"TopicArn": TOPIC_ARN}
    assert resolver({"OpsEmail": "o@example.com"}, text=text).outputs() == {
        "TopicArn": TOPIC_ARN,
        "Email": "o@example.com",
    }


# --- Globals and ordering ---------------------------------------------------------------------------


def test_globals_merge_like_sam() -> None:
    merged = merge_globals(
        {"Timeout": 60, "Layers": ["shared"], "Environment": {"Variables": {"A": "global", "B": "global"}}},
        {"Timeout": 30, "Layers": ["own"], "Environment": {"Variables": {"B": "local"}}},
    )
    assert merged == {
        "Timeout": 30,
        "Layers": ["shared", "own"],  # lists concatenate, global entries first
        "Environment": {"Variables": {"A": "global", "B": "local"}},
    }
    # An intrinsic function is a value, not a map to merge into.
    assert merge_globals({"Ref": "A"}, {"Fn::If": ["C", 1, 2]}) == {"Fn::If": ["C", 1, 2]}


def test_function_properties_include_globals() -> None:
    text = """
Globals:
  Function:
    Timeout: 60
    Environment: {Variables: {SHARED: g}}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Environment: {Variables: {OWN: l}}
  Topic:
    Type: AWS::SNS::Topic
"""
    template = Template.from_text(text)
    assert template.properties("Fn") == {
        "Timeout": 60,
        "Handler": "app.handler",
        "Environment": {"Variables": {"SHARED": "g", "OWN": "l"}},
    }
    assert template.properties("Topic") == {}


def test_references_and_dependency_order() -> None:
    template = Template.from_text(TEMPLATE)
    assert references_of(template.resource("Subscription")["Properties"]) == {"Topic", "Queue"}
    assert references_of({"Fn::Sub": ["${A}-${B.Arn}-${Local}-${!Skip}", {"Local": "x"}]}) == {"A", "B"}
    order = dependency_order(template, ["Subscription", "Queue", "Topic"])
    assert order.index("Topic") < order.index("Queue") < order.index("Subscription")


def test_a_resource_cycle_is_reported() -> None:
    text = """
Resources:
  A: {Type: AWS::SNS::Topic, DependsOn: B}
  B: {Type: AWS::SNS::Topic, DependsOn: A}
"""
    with pytest.raises(TemplateError, match="circular dependency"):
        dependency_order(Template.from_text(text), ["A", "B"])
