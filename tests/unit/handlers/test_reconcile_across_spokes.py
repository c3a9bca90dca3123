"""ReconcileFunction as a hub: its own account-region as before, then every spoke account-region
through its role, messages naming the place; a spoke whose role cannot be assumed reported and
its state kept; a new spoke covered at its first reconcile."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from sagewatch.config import ReconcileConfig, SpokeSettings
from sagewatch.core.shared.errors import SpokeAccessError
from sagewatch.core.shared.places import Place
from sagewatch.handlers.reconcile import reconcile
from sagewatch.wiring import Wiring
from tests.fakes.aws import Clients, FakeCloudWatch, FakeDynamoDB, FakeEndpoint, FakeSageMaker, FakeSqs

HUB = "111111111111"
TABLE = "FleetStateTable"
QUEUE_URL = f"https://sqs.us-east-1.amazonaws.com/{HUB}/OnboardQueue"


class Context:
    function_name = "sagewatch-reconcile"

    def get_remaining_time_in_millis(self) -> int:
        return 900_000


class Hub:
    def __init__(
        self, accounts: tuple[str, ...], *, refusing: frozenset[str] = frozenset(), endpoints: int = 1
    ) -> None:
        self.endpoints = ["fraud"] if endpoints == 1 else [f"ep-{i:02d}" for i in range(endpoints)]
        self.state = FakeDynamoDB(TABLE, "endpoint")
        self.queue = FakeSqs(QUEUE_URL)
        self.refusing = refusing
        self.spokes: dict[Place, tuple[FakeSageMaker, FakeCloudWatch]] = {}
        hub = Clients(
            sagemaker=FakeSageMaker([FakeEndpoint("hub-ep")]),
            cloudwatch=FakeCloudWatch(),
            dynamodb=self.state,
            sqs=self.queue,
        )
        self.wiring = Wiring(hub, spoke_client_factory=self._spoke)
        self.config = ReconcileConfig(
            region="us-east-1",
            account_id=HUB,
            state_table=TABLE,
            queue_url=QUEUE_URL,
            spokes=SpokeSettings(external_id="a-long-random-external-id-value", accounts=accounts, regions=()),
        )

    def _spoke(self, place: Place, service: str) -> Any:
        if place.account in self.refusing:
            raise SpokeAccessError(place.account, place.region, "arn:aws:iam::x:role/y", "AccessDenied", "no")
        if place not in self.spokes:
            self.spokes[place] = (FakeSageMaker([FakeEndpoint(n) for n in self.endpoints]), FakeCloudWatch())
        sagemaker, cloudwatch = self.spokes[place]
        return {"sagemaker": sagemaker, "cloudwatch": cloudwatch}[service]

    def run(self) -> dict[str, Any]:
        return reconcile(self.config, self.wiring, {}, Context())  # type: ignore[arg-type]


def test_the_hub_then_every_spoke_with_messages_naming_the_place() -> None:
    hub = Hub(("222222222222", "333333333333"))
    answer = hub.run()
    bodies = hub.queue.bodies()
    assert {(b.get("account"), b["endpoint"]) for b in bodies} == {
        ("222222222222", "fraud"),
        ("333333333333", "fraud"),
        (None, "hub-ep"),  # the hub's own message is exactly as before: no account, no region
    }
    assert all(b.get("region") == "us-east-1" for b in bodies if b.get("account"))
    assert answer["spokes"]["complete"] == ["222222222222/us-east-1", "333333333333/us-east-1"]
    assert answer["spokes"]["unreachable"] == []
    # Each place's policy version includes its own alarm action (its topic): one per place.
    assert len({b["policy"] for b in bodies}) == 3


def test_a_spoke_that_cannot_be_reached_is_reported_and_its_state_kept(caplog: pytest.LogCaptureFixture) -> None:
    hub = Hub(("222222222222", "333333333333"), refusing=frozenset({"222222222222"}))
    hub.state.items["222222222222/us-east-1/fraud"] = {"endpoint": {"S": "222222222222/us-east-1/fraud"}}
    answer = hub.run()
    assert answer["spokes"]["unreachable"] == ["222222222222/us-east-1"]
    assert answer["spokes"]["complete"] == ["333333333333/us-east-1"]
    assert "222222222222/us-east-1/fraud" in hub.state.items  # kept: nothing was planned for it
    assert all(b.get("account") != "222222222222" for b in hub.queue.bodies())


def test_a_new_spoke_is_covered_at_its_first_reconcile() -> None:
    hub = Hub(("222222222222",))
    hub.run()
    more = SpokeSettings(external_id="a-long-random-external-id-value", accounts=("222222222222", "444444444444"))
    hub.config = dataclasses.replace(hub.config, spokes=more)
    hub.queue.sent.clear()
    hub.run()
    assert "444444444444" in {b.get("account") for b in hub.queue.bodies()}


def test_without_spokes_the_answer_is_the_single_account_one() -> None:
    hub = Hub(())
    hub.config = ReconcileConfig(region="us-east-1", account_id=HUB, state_table=TABLE, queue_url=QUEUE_URL)
    answer = hub.run()
    assert "spokes" not in answer and hub.spokes == {}


class FakeSns:
    def __init__(self) -> None:
        self.subscribed: list[tuple[str, str, str]] = []

    def subscribe(self, **request: Any) -> dict[str, Any]:
        self.subscribed.append((request["TopicArn"], request["Protocol"], request["Endpoint"]))
        return {"SubscriptionArn": f"{request['TopicArn']}:sub-{len(self.subscribed)}"}


def test_the_alert_queue_is_subscribed_to_each_spoke_topic_once_in_its_region() -> None:
    hub = Hub(("222222222222",))
    sns = FakeSns()
    regions: list[str] = []

    def regional(service: str, region: str) -> Any:
        regions.append(region)
        return sns

    hub.wiring = Wiring(hub.wiring._factory, spoke_client_factory=hub._spoke, regional_client_factory=regional)
    queue = f"arn:aws:sqs:us-east-1:{HUB}:AlertQueue"
    hub.config = dataclasses.replace(
        hub.config,
        alert_queue_arn=queue,
        spokes=SpokeSettings(external_id="x" * 20, accounts=("222222222222",), regions=("eu-west-1",)),
    )
    first = hub.run()
    assert sns.subscribed == [("arn:aws:sns:eu-west-1:222222222222:SageWatch-spoke-alerts", "sqs", queue)]
    assert regions == ["eu-west-1"]  # the topic's region
    assert first["spokes"]["subscribed"] == ["222222222222/eu-west-1"]
    assert "222222222222/eu-west-1/#subscribed" in hub.state.items
    again = hub.run()
    assert len(sns.subscribed) == 1 and "subscribed" not in again["spokes"]


def test_the_stacks_own_deploy_event_is_a_whole_run_not_a_spoke_continuation() -> None:
    hub = Hub(("222222222222",))
    deployed = {"source": "aws.cloudformation", "account": "222222222222", "region": "us-east-1", "detail": {}}
    answer = reconcile(hub.config, hub.wiring, deployed, Context())  # type: ignore[arg-type]
    assert answer["enqueued"] == 1  # the hub's own endpoint
    assert answer["spokes"]["complete"] == ["222222222222/us-east-1"]


def test_a_run_out_of_items_in_a_spoke_continues_at_that_spoke() -> None:
    hub = Hub(("222222222222", "333333333333"), endpoints=12)
    invoked: list[dict[str, Any]] = []
    hub.wiring.continue_asynchronously = lambda name, payload: invoked.append(json.loads(payload))  # type: ignore[method-assign,assignment]
    hub.config = dataclasses.replace(hub.config, self_invoke=True)
    first = reconcile(hub.config, hub.wiring, {"max_items": 10}, Context())  # type: ignore[arg-type]
    assert first["spokes"]["continuing"] == "222222222222/us-east-1"
    [continuation] = invoked
    assert (continuation["spoke_account"], continuation["spoke_region"]) == ("222222222222", "us-east-1")
    second = reconcile(hub.config, hub.wiring, continuation, Context())  # type: ignore[arg-type]
    assert second["spokes"]["complete"] == ["222222222222/us-east-1", "333333333333/us-east-1"]
    sent = [(b.get("account"), b["endpoint"]) for b in hub.queue.bodies() if b.get("account") == "222222222222"]
    assert sorted(sent) == sorted(set(sent)) and len(sent) == 12  # every endpoint of the spoke exactly once


def test_a_spoke_no_longer_found_is_reported_and_its_state_kept() -> None:
    hub = Hub(("333333333333",))
    hub.state.items["222222222222/us-east-1/fraud"] = {"endpoint": {"S": "222222222222/us-east-1/fraud"}}
    answer = hub.run()
    assert answer["spokes"]["gone"] == ["222222222222/us-east-1"]
    assert "222222222222/us-east-1/fraud" in hub.state.items
    assert all(b.get("account") != "222222222222" for b in hub.queue.bodies())
