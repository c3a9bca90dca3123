from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from sagewatch.core.monitoring.events import ACTED_ON_STATUSES, Action, is_endpoint_state_change, parse_state_change
from sagewatch.core.shared.errors import InvalidEventError

EVENTS = Path(__file__).resolve().parents[4] / "events" / "onboard"


def load(name: str) -> dict[str, Any]:
    return dict(json.loads((EVENTS / name).read_text()))


@pytest.mark.parametrize(
    ("name", "action"),
    [
        ("in-service-cpu.json", Action.ONBOARD),
        ("in-service-multi-variant-gpu.json", Action.ONBOARD),
        ("in-service-serverless.json", Action.ONBOARD),
        ("in-service-async.json", Action.ONBOARD),
        ("updating.json", Action.DEPLOYING),
        ("creating.json", Action.IGNORE),
        ("deleting.json", Action.OFFBOARD),
        ("failed.json", Action.FAILED),
    ],
)
def test_every_sample_event_parses_to_its_action(name: str, action: Action) -> None:
    change = parse_state_change(load(name))
    assert change.action is action
    assert change.endpoint_name
    assert change.region == "us-east-1"


def test_tags_arrive_as_a_map_or_as_a_list_of_lowercase_key_value() -> None:
    as_map = parse_state_change(load("in-service-cpu.json"))
    as_list = parse_state_change(load("in-service-multi-variant-gpu.json"))
    assert as_map.tags["team"] == "risk"
    assert as_list.tags == {"team": "genai"}


def test_missing_production_variants_and_config_name_are_fine() -> None:
    event = load("in-service-async.json")
    del event["detail"]["EndpointConfigName"]
    change = parse_state_change(event)
    assert change.variant_names == ()
    assert change.config_name is None


def test_variant_without_name_is_skipped() -> None:
    event = load("in-service-cpu.json")
    event["detail"]["ProductionVariants"] = [{"CurrentInstanceCount": 1}]
    assert parse_state_change(event).variant_names == ()


def test_failure_reason_is_kept() -> None:
    assert "ping health check" in (parse_state_change(load("failed.json")).failure_reason or "")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda e: e.pop("detail"), "no detail"),
        (lambda e: e.__setitem__("detail", None), "no detail"),
        (lambda e: e.__setitem__("detail", "IN_SERVICE"), "detail must be an object, got str"),
        (lambda e: e["detail"].__setitem__("EndpointName", None), "EndpointName must be a non-empty string"),
        (lambda e: e["detail"].pop("EndpointName"), "EndpointName must be a non-empty string"),
        (lambda e: e["detail"].__setitem__("EndpointName", "bad_name!"), "not a valid SageMaker endpoint name"),
        (lambda e: e["detail"].__setitem__("EndpointStatus", "EXPLODED"), "'EXPLODED' is not a known"),
        (lambda e: e["detail"].pop("EndpointStatus"), "EndpointStatus must be a non-empty string"),
        (lambda e: e.__setitem__("source", "aws.ec2"), "not a SageMaker endpoint state change"),
    ],
)
def test_bad_input_raises_an_error_naming_the_problem(mutate: Any, message: str) -> None:
    event = copy.deepcopy(load("in-service-cpu.json"))
    mutate(event)
    with pytest.raises(InvalidEventError, match=message.replace("(", r"\(")):
        parse_state_change(event)


def test_non_object_event_is_invalid() -> None:
    with pytest.raises(InvalidEventError, match="must be a JSON object"):
        parse_state_change(["not", "an", "event"])


def test_recognises_only_endpoint_state_changes() -> None:
    assert is_endpoint_state_change(load("updating.json"))
    other = load("updating.json") | {"detail-type": "SageMaker Training Job State Change"}
    assert not is_endpoint_state_change(other)
    assert not is_endpoint_state_change("text")


def test_status_is_case_insensitive_and_acted_on_statuses_are_the_rule_s() -> None:
    event = load("deleting.json")
    event["detail"]["EndpointStatus"] = "deleting"
    assert parse_state_change(event).action is Action.OFFBOARD
    assert set(ACTED_ON_STATUSES) == {
        "IN_SERVICE",
        "DELETING",
        "FAILED",
        "UPDATE_ROLLBACK_FAILED",
        "UPDATING",
        "SYSTEM_UPDATING",
    }
    assert parse_state_change(load("updating.json")).action is Action.DEPLOYING
