"""The fleet reconcile's orchestration on in-memory clients: what it enqueues, and how a run that
stops early continues (tests.fakes.aws holds ListEndpoints' and Scan's paging and
SendMessageBatch's ten entries). The reconcile with its worker, the quotas and the sample events
stay in tests/integration/test_fleet.py against the emulated account."""

from __future__ import annotations

from sagewatch.config import ReconcileConfig
from sagewatch.usecases.reconcile import Reconciler
from sagewatch.wiring import Wiring
from tests.fakes.aws import Clients, FakeCloudWatch, FakeDynamoDB, FakeEndpoint, FakeSageMaker, FakeSqs
from tests.fakes.time import SimulatedTime

TABLE = "FleetStateTable"
QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/OnboardQueue"


class Fleet:
    def __init__(self, count: int) -> None:
        self.names = [f"ep-{i:03d}" for i in range(count)]
        self.sagemaker = FakeSageMaker([FakeEndpoint(n) for n in self.names], page_size=7)
        self.state = FakeDynamoDB(TABLE, "endpoint", page_size=4)
        self.queue = FakeSqs(QUEUE_URL)
        clock = SimulatedTime()
        clients = Clients(sagemaker=self.sagemaker, cloudwatch=FakeCloudWatch(), dynamodb=self.state, sqs=self.queue)
        self.wiring = Wiring(clients, clock=clock.monotonic, wall_clock=clock.wall, sleep=clock.sleep)

    def reconciler(self) -> Reconciler:
        return self.wiring.reconciler(ReconcileConfig(state_table=TABLE, queue_url=QUEUE_URL, region="us-east-1"))


def test_an_interrupted_run_continues_without_losing_or_repeating_work() -> None:
    fleet = Fleet(25)
    first = fleet.reconciler().run(max_items=10)
    assert first.outcome == "continuing"
    assert first.enqueued == 10
    continuation = first.continuation
    assert continuation is not None and continuation["continue"] == first.run
    assert "#reconcile" in fleet.state.items  # the unfinished run's checkpoint
    # The continuation re-plans (the first 10 are still "new": nobody worked them yet) and skips them.
    second = fleet.reconciler().run(continue_run=continuation["continue"], full=continuation["full"])
    assert second.outcome == "complete"
    assert second.enqueued == 15
    assert second.skipped_already_sent == 10
    sent = [body["endpoint"] for body in fleet.queue.bodies()]
    assert sorted(sent) == fleet.names  # every endpoint exactly once
    assert "#reconcile" not in fleet.state.items  # checkpoint gone when complete
