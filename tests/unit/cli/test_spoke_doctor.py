"""`doctor --spoke`'s pure parts: the argument, and the forwarded patterns against spoke.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from sagewatch_cli.spoke_doctor import FORWARDED_DETAIL_TYPES, hub_from_stack, parse_spoke
from sagewatch_emulator.sam.template import Template

SPOKE_TEMPLATE = Path(__file__).resolve().parents[3] / "docs" / "spoke" / "spoke.yaml"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("222222222222", ("222222222222", None)), ("222222222222:eu-west-1", ("222222222222", "eu-west-1"))],
)
def test_a_spoke_is_an_account_and_maybe_a_region(text: str, expected: tuple[str, str | None]) -> None:
    assert parse_spoke(text) == expected


@pytest.mark.parametrize("text", ["22222222222", "2222222222222", "team-a", "222222222222:", ":eu-west-1"])
def test_anything_else_is_refused_with_what_was_wrong(text: str) -> None:
    with pytest.raises(ValueError, match=r"12-digit|no region"):
        parse_spoke(text)


def test_the_checked_detail_types_are_the_spoke_templates_rules() -> None:
    template = Template.load(SPOKE_TEMPLATE)
    forwarded = {
        detail_type
        for logical_id, resource in template.resources.items()
        if resource.get("Type") == "AWS::Events::Rule"
        for detail_type in template.properties(logical_id)["EventPattern"]["detail-type"]
    }
    assert forwarded == set(FORWARDED_DETAIL_TYPES)


def test_the_hub_is_read_from_its_stack() -> None:
    outputs = {
        "HubEventBusArn": "arn:aws:events:us-east-1:111111111111:event-bus/default",
        "AlertQueueArn": "arn:aws:sqs:us-east-1:111111111111:q",
        "HubFunctionRoleArns": "arn:aws:iam::111111111111:role/a,arn:aws:iam::111111111111:role/b",
    }
    hub = hub_from_stack(
        {"NamePrefix": "Team"}, outputs, account_id="111111111111", region="us-east-1", external_id=None
    )
    assert hub.prefix == "Team"
    assert hub.function_role_arns == ("arn:aws:iam::111111111111:role/a", "arn:aws:iam::111111111111:role/b")
    assert hub.queue_arn.endswith(":q")
