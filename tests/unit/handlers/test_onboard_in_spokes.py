"""OnboardFunction as a hub: a forwarded event (its account and region differ from the hub's) is
onboarded IN the spoke, through the spoke's clients, with the spoke's topic as alarm action and
state keys of its own; the hub's own events stay exactly as in a single-account stack."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sagewatch.config import OnboardConfig, SpokeSettings
from sagewatch.core.monitoring.onboard_input import parse_onboard_input
from sagewatch.core.shared.places import Place
from sagewatch.handlers.onboard import OnboardHandler
from sagewatch.wiring import Wiring
from tests.fakes.aws import Clients, FakeCloudWatch, FakeDynamoDB, FakeEndpoint, FakeSageMaker

EVENTS = Path(__file__).resolve().parents[3] / "events" / "onboard"
HUB, SPOKE = "111111111111", "222222222222"
TABLE = "FleetStateTable"
HUB_TOPIC = f"arn:aws:sns:us-east-1:{HUB}:SageWatch-AlertTopic"


class World:
    """A hub and one spoke, each with its own SageMaker and CloudWatch; the hub's state table."""

    def __init__(self, *, spokes: bool = True) -> None:
        self.hub_cloudwatch, self.spoke_cloudwatch = FakeCloudWatch(), FakeCloudWatch()
        self.hub_sagemaker = FakeSageMaker([FakeEndpoint("hub-ep")])
        self.spoke_sagemaker = FakeSageMaker([FakeEndpoint("fraud")])
        self.state = FakeDynamoDB(TABLE, "endpoint")
        hub = Clients(sagemaker=self.hub_sagemaker, cloudwatch=self.hub_cloudwatch, dynamodb=self.state)
        self.spoke_calls: list[tuple[Place, str]] = []
        self.wiring = Wiring(hub, spoke_client_factory=self._spoke)
        self.config = OnboardConfig(
            region="us-east-1",
            account_id=HUB,
            alert_topic_arn=HUB_TOPIC,
            state_table=TABLE,
            spokes=SpokeSettings(external_id="a-long-random-external-id-value") if spokes else None,
        )
        self.handler = OnboardHandler(self.config, self.wiring)

    def _spoke(self, place: Place, service: str) -> Any:
        self.spoke_calls.append((place, service))
        return {"sagemaker": self.spoke_sagemaker, "cloudwatch": self.spoke_cloudwatch}[service]

    def event(self, name: str, endpoint: str, account: str, region: str) -> dict[str, Any]:
        event: dict[str, Any] = json.loads((EVENTS / name).read_text())
        event["detail"]["EndpointName"] = endpoint
        return event | {"account": account, "region": region}


def test_a_forwarded_event_is_onboarded_in_the_spoke_with_the_spoke_topic() -> None:
    world = World()
    result = world.handler.dispatch(
        parse_onboard_input(world.event("in-service-cpu.json", "fraud", SPOKE, "eu-west-1"))
    )
    assert result["outcome"] == "onboarded"
    assert world.hub_cloudwatch.alarms == {} and world.hub_cloudwatch.dashboards == {}
    assert world.spoke_cloudwatch.alarms
    topic = f"arn:aws:sns:eu-west-1:{SPOKE}:SageWatch-spoke-alerts"
    assert {tuple(a["AlarmActions"]) for a in world.spoke_cloudwatch.alarms.values()} == {(topic,)}
    assert list(world.spoke_cloudwatch.dashboards) == ["SageWatch_eu-west-1_fraud"]
    assert {place for place, _ in world.spoke_calls} == {Place(SPOKE, "eu-west-1")}


def test_deleting_in_a_spoke_removes_there_and_only_there() -> None:
    world = World()
    world.handler.dispatch(parse_onboard_input(world.event("in-service-cpu.json", "fraud", SPOKE, "eu-west-1")))
    world.handler.dispatch(parse_onboard_input(world.event("in-service-cpu.json", "hub-ep", HUB, "us-east-1")))
    hub_alarms = dict(world.hub_cloudwatch.alarms)
    world.spoke_sagemaker.endpoints.clear()
    result = world.handler.dispatch(parse_onboard_input(world.event("deleting.json", "fraud", SPOKE, "eu-west-1")))
    assert result["outcome"] == "removed"
    assert world.spoke_cloudwatch.alarms == {} and world.spoke_cloudwatch.dashboards == {}
    assert world.hub_cloudwatch.alarms == hub_alarms  # the hub's endpoint keeps its alarms


def test_the_hubs_own_events_use_the_hubs_clients_and_never_a_spoke() -> None:
    world = World()
    world.handler.dispatch(parse_onboard_input(world.event("in-service-cpu.json", "hub-ep", HUB, "us-east-1")))
    assert world.spoke_calls == []
    assert {tuple(a["AlarmActions"]) for a in world.hub_cloudwatch.alarms.values()} == {(HUB_TOPIC,)}


def test_an_event_of_another_account_without_spokes_is_ignored_not_acted_on_here(
    caplog: pytest.LogCaptureFixture,
) -> None:
    world = World(spokes=False)
    result = world.handler.dispatch(
        parse_onboard_input(world.event("in-service-cpu.json", "fraud", SPOKE, "eu-west-1"))
    )
    assert result["outcome"] == "ignored" and SPOKE in result["reason"]
    assert world.hub_cloudwatch.alarms == {} and world.spoke_calls == []


def test_queued_work_for_a_spoke_records_state_under_the_spokes_key() -> None:
    world = World()
    body = {"endpoint": "fraud", "kind": "new", "reasons": [], "account": SPOKE, "region": "eu-west-1"}
    record = {"messageId": "m-1", "body": json.dumps(body), "eventSource": "aws:sqs", "receiptHandle": "r"}
    response = world.handler.dispatch(parse_onboard_input({"Records": [record]}))
    assert response == {"batchItemFailures": []}
    assert list(world.state.items) == [f"{SPOKE}/eu-west-1/fraud"]
    assert world.spoke_cloudwatch.alarms and not world.hub_cloudwatch.alarms


def test_a_queued_message_naming_half_a_place_is_invalid() -> None:
    body = {"endpoint": "fraud", "account": SPOKE}
    value = parse_onboard_input({"messageId": "m", "body": json.dumps(body), "eventSource": "aws:sqs"})
    assert type(value).__name__ == "InvalidInput"


class FakeExecutions(FakeSageMaker):
    """Endpoint fraud, and ListMonitoringExecutions answering one execution of its schedule that
    failed before its processing job."""

    def __init__(self, schedule: str) -> None:
        super().__init__([FakeEndpoint("fraud")])
        self.schedule = schedule

    def list_monitoring_executions(self, **_: Any) -> dict[str, Any]:
        from datetime import UTC, datetime, timedelta

        scheduled = datetime.now(tz=UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
        return {
            "MonitoringExecutionSummaries": [
                {
                    "MonitoringScheduleName": self.schedule,
                    "ScheduledTime": scheduled,
                    "CreationTime": scheduled,
                    "LastModifiedTime": scheduled,
                    "MonitoringExecutionStatus": "Failed",
                    "EndpointName": "fraud",
                    "MonitoringType": "DataQuality",
                    "FailureReason": "Job inputs had no data",
                }
            ]
        }


class FakeSns:
    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    def publish(self, **request: Any) -> dict[str, Any]:
        self.published.append(json.loads(request["Message"]))
        return {"MessageId": f"m-{len(self.published)}"}


def test_the_hourly_check_looks_in_every_spoke_the_state_table_knows_with_keys_of_their_own() -> None:
    world = World()
    sns = FakeSns()
    world.state.items[f"{SPOKE}/eu-west-1/fraud"] = {"endpoint": {"S": f"{SPOKE}/eu-west-1/fraud"}}
    hub = Clients(sagemaker=FakeExecutions("dq"), cloudwatch=world.hub_cloudwatch, dynamodb=world.state, sns=sns)
    spoke = FakeExecutions("dq")  # a schedule of the same name in the spoke
    wiring = Wiring(hub, spoke_client_factory=lambda place, service: spoke)
    handler = OnboardHandler(world.config, wiring)
    answer = handler.dispatch(
        parse_onboard_input(
            {
                "source": "aws.events",
                "detail-type": "Scheduled Event",
                "account": HUB,
                "region": "us-east-1",
                "detail": {},
            }
        )
    )
    assert answer["found"] == 1 and answer["spokes"][f"{SPOKE}/eu-west-1"]["found"] == 1
    runs = sorted(message["run"] for message in sns.published)
    assert len(runs) == 2 and len(set(runs)) == 2  # the same schedule and hour, told once per account
    assert any(run.startswith(f"monitoring-run:{SPOKE}/eu-west-1/dq@") for run in runs)
    assert any(run.startswith("monitoring-run:dq@") for run in runs)  # the hub's key as it always was
