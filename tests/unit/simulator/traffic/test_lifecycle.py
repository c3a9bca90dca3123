"""Lifecycle events match the simulation and parse as the product parses SageMaker's events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sagewatch.core.monitoring.events import Action, parse_state_change
from sagewatch_simulator.traffic import (
    LifecycleEvent,
    Status,
    endpoint_config_request,
    lifecycle_events,
    state_change_event,
)
from sagewatch_simulator.traffic.sample import sample_fleet
from tests.unit.simulator.traffic.helpers import MONDAY

WEEK = MONDAY + timedelta(days=7)


def test_the_sample_week_has_a_creation_a_deploy_and_a_deletion_in_time_order() -> None:
    events = lifecycle_events(sample_fleet(MONDAY), MONDAY, WEEK)
    assert [(e.endpoint.name, e.status) for e in events] == [
        ("churn-v2", Status.IN_SERVICE),
        ("search-ranker", Status.UPDATING),
        ("search-ranker", Status.IN_SERVICE),
        ("legacy-scorer", Status.DELETING),
    ]
    assert events == sorted(events, key=lambda e: e.at)
    redeployed = events[2]
    assert redeployed.variants[0].instance_type == "ml.c6i.2xlarge"
    assert redeployed.config_name != events[1].config_name


def test_events_outside_the_window_are_left_out() -> None:
    assert lifecycle_events(sample_fleet(MONDAY), MONDAY, MONDAY + timedelta(days=1)) == []


def test_state_change_events_parse_into_the_actions_onboarding_takes() -> None:
    actions = {}
    for event in lifecycle_events(sample_fleet(MONDAY), MONDAY, WEEK):
        change = parse_state_change(state_change_event(event, account="111122223333", region="eu-west-1"))
        assert change.endpoint_name == event.endpoint.name
        assert change.region == "eu-west-1" and change.account == "111122223333"
        assert change.variant_names == tuple(v.name for v in event.variants)
        actions[(event.endpoint.name, event.status)] = change.action
    assert actions[("churn-v2", Status.IN_SERVICE)] is Action.ONBOARD
    assert actions[("search-ranker", Status.UPDATING)] is Action.DEPLOYING
    assert actions[("legacy-scorer", Status.DELETING)] is Action.OFFBOARD


def test_endpoint_config_requests_describe_each_kind() -> None:
    by_name = {e.name: e for e in sample_fleet(MONDAY).endpoints}

    def request(name: str) -> dict[str, Any]:
        endpoint = by_name[name]
        return endpoint_config_request(LifecycleEvent(MONDAY, endpoint, Status.IN_SERVICE, endpoint.variants, "cfg"))

    assert [v["InstanceType"] for v in request("llm-chat")["ProductionVariants"]] == ["ml.g5.12xlarge"] * 2
    serverless = request("intent-classifier")["ProductionVariants"]
    assert [v["ServerlessConfig"] for v in serverless] == [{"MemorySizeInMB": 3072, "MaxConcurrency": 10}]
    assert "InstanceType" not in serverless[0]
    assert "AsyncInferenceConfig" in request("pdf-extractor")
