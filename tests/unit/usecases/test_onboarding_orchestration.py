"""Onboarding's orchestration on in-memory clients: what it reads, what it writes, and what not.

These were integration tests against the emulated account; what they prove is the use case's
plan (create, update, delete, nothing), which needs only the clients' behaviour, here in memory
(``tests.fakes.aws``, with the AWS rules they rely on). The handler's event parsing, the AWS
contract and the concurrent duplicates stay in tests/integration/test_onboarding.py.
"""

from __future__ import annotations

from sagewatch.config import OnboardConfig
from sagewatch.usecases.onboarding import Onboarding
from sagewatch.wiring import Wiring
from tests.fakes.aws import Clients, FakeCloudWatch, FakeEndpoint, FakeSageMaker, FakeVariant
from tests.fakes.time import SimulatedTime

FRAUD_SCORER = "fraud-scorer"
BOARD = f"SageWatch_us-east-1_{FRAUD_SCORER}"


class Account:
    """The two fake clients and an onboarding wired over them (as OnboardFunction's event path)."""

    def __init__(self, *endpoints: FakeEndpoint) -> None:
        self.sagemaker = FakeSageMaker(endpoints, page_size=2)
        self.cloudwatch = FakeCloudWatch(page_size=50)
        clock = SimulatedTime()
        self.wiring = Wiring(
            Clients(sagemaker=self.sagemaker, cloudwatch=self.cloudwatch),
            clock=clock.monotonic,
            wall_clock=clock.wall,
            sleep=clock.sleep,
        )

    def onboarding(self) -> Onboarding:
        return self.wiring.onboarding(OnboardConfig(region="us-east-1"))

    def alarms_of(self, endpoint: str) -> dict[str, dict[str, object]]:
        prefix = f"SageWatch/{endpoint}/"
        return {n: a for n, a in self.cloudwatch.alarms.items() if n.startswith(prefix)}

    def calls_since(self, before: dict[str, int]) -> dict[str, int]:
        now = dict(self.cloudwatch.calls) | {f"sagemaker.{k}": v for k, v in self.sagemaker.calls.items()}
        return {k: v - before.get(k, 0) for k, v in now.items() if v - before.get(k, 0)}

    def calls(self) -> dict[str, int]:
        return dict(self.cloudwatch.calls) | {f"sagemaker.{k}": v for k, v in self.sagemaker.calls.items()}


def fraud_scorer(**tags: str) -> FakeEndpoint:
    return FakeEndpoint(
        FRAUD_SCORER,
        (FakeVariant("AllTraffic", "ml.m5.xlarge", 2),),
        tags={"team": "risk", "sagewatch:alarm:model-latency-p99": "250", **tags},
    )


def llm_chat() -> FakeEndpoint:
    return FakeEndpoint(
        "llm-chat", (FakeVariant("gpu-a10g", "ml.g5.12xlarge", 2), FakeVariant("cpu-canary", "ml.c5.2xlarge", 1))
    )


WRITES = ("PutMetricAlarm", "DeleteAlarms", "PutDashboard", "DeleteDashboards")


def writes(calls: dict[str, int]) -> int:
    return sum(calls.get(op, 0) for op in WRITES)


def test_repeated_event_for_an_unchanged_endpoint_makes_zero_writes() -> None:
    account = Account(fraud_scorer())
    first = account.onboarding().onboard(FRAUD_SCORER)
    assert first.outcome == "onboarded" and account.cloudwatch.writes > 0
    before = account.calls()
    again = account.onboarding().onboard(FRAUD_SCORER)
    calls = account.calls_since(before)
    assert again.outcome == "unchanged"
    assert writes(calls) == 0, calls
    reads = sum(n for op, n in calls.items() if op.startswith("sagemaker."))
    # DescribeEndpoint, DescribeEndpointConfig, ListTags (two pages of two tags here: one page in
    # the emulated account), ListMonitoringSchedules (none: no DescribeMonitoringSchedule or ListMetrics).
    assert reads <= 5 and calls["DescribeAlarms"] == 1
    assert calls["sagemaker.ListMonitoringSchedules"] == 1
    assert "ListMetrics" not in calls


def test_update_removing_a_variant_refits_and_deletes_its_alarms() -> None:
    account = Account(llm_chat())
    account.onboarding().onboard("llm-chat")
    before = account.alarms_of("llm-chat")
    account.sagemaker.endpoints["llm-chat"].variants = (FakeVariant("gpu-a10g", "ml.g5.2xlarge", 2),)
    calls_before = account.calls()
    result = account.onboarding().onboard("llm-chat")
    calls = account.calls_since(calls_before)
    after = account.alarms_of("llm-chat")
    assert not any("/cpu-canary/" in name for name in after)
    assert set(result.deleted) == {n for n in before if "/cpu-canary/" in n}
    # ml.g5.2xlarge: 8 vCPUs, 1 GPU — thresholds re-fitted to the new instance type.
    assert after["SageWatch/llm-chat/gpu-a10g/cpu-utilization"]["Threshold"] == 90 * 8
    assert after["SageWatch/llm-chat/gpu-a10g/gpu-utilization"]["Threshold"] == 95
    assert calls["DeleteAlarms"] == 1
    assert calls["PutDashboard"] == 1


def test_alarm_changed_by_hand_is_restored() -> None:
    account = Account(fraud_scorer())
    account.onboarding().onboard(FRAUD_SCORER)
    name = "SageWatch/fraud-scorer/AllTraffic/disk-utilization"
    original = account.cloudwatch.alarms[name]
    tampered = {k: original[k] for k in ("AlarmName", "Namespace", "MetricName", "Statistic", "Period")}
    account.cloudwatch.put_metric_alarm(
        **tampered,
        Dimensions=original["Dimensions"],
        EvaluationPeriods=1,
        Threshold=99.0,
        ComparisonOperator="GreaterThanThreshold",
    )
    before = account.calls()
    result = account.onboarding().onboard(FRAUD_SCORER)
    assert result.updated == [name]
    assert account.calls_since(before).get("PutMetricAlarm") == 1
    assert account.cloudwatch.alarms[name]["Threshold"] == 85.0


def test_tags_opt_out_switch_off_and_override() -> None:
    account = Account(
        fraud_scorer(**{"sagewatch:alarm:disk-utilization": "off", "sagewatch:alarm:cpu-utilization": "75"})
    )
    account.onboarding().onboard(FRAUD_SCORER)
    alarms = account.alarms_of(FRAUD_SCORER)
    assert "SageWatch/fraud-scorer/AllTraffic/disk-utilization" not in alarms
    assert alarms["SageWatch/fraud-scorer/AllTraffic/cpu-utilization"]["Threshold"] == 75 * 4

    account.sagemaker.endpoints[FRAUD_SCORER].tags["sagewatch:enabled"] = "false"
    result = account.onboarding().onboard(FRAUD_SCORER)
    assert result.outcome == "opted-out"
    assert account.alarms_of(FRAUD_SCORER) == {}
    assert BOARD not in account.cloudwatch.dashboards


def test_deleting_removes_alarms_in_batches_of_100_and_the_dashboard() -> None:
    account = Account(fraud_scorer())
    account.onboarding().onboard(FRAUD_SCORER)
    # Leftovers of an older policy under the same endpoint prefix: 150 more alarms to remove.
    for i in range(150):
        account.cloudwatch.put_metric_alarm(
            AlarmName=f"SageWatch/fraud-scorer/AllTraffic/legacy-{i:03d}",
            Namespace="AWS/SageMaker",
            MetricName="Invocations",
            Dimensions=[
                {"Name": "EndpointName", "Value": FRAUD_SCORER},
                {"Name": "VariantName", "Value": "AllTraffic"},
            ],
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1.0,
            ComparisonOperator="GreaterThanThreshold",
        )
    before = account.calls()
    result = account.onboarding().offboard(FRAUD_SCORER, "endpoint is being deleted")
    assert result.outcome == "removed"
    assert len(result.deleted) == 156
    assert account.calls_since(before)["DeleteAlarms"] == 2  # DeleteAlarms takes at most 100 names
    assert account.alarms_of(FRAUD_SCORER) == {}
    assert BOARD not in account.cloudwatch.dashboards
    before = account.calls()
    account.onboarding().offboard(FRAUD_SCORER, "endpoint is being deleted")
    assert writes(account.calls_since(before)) == 0


def test_in_service_event_for_an_endpoint_that_is_gone_cleans_up() -> None:
    account = Account(fraud_scorer())
    account.onboarding().onboard(FRAUD_SCORER)
    del account.sagemaker.endpoints[FRAUD_SCORER]
    result = account.onboarding().onboard(FRAUD_SCORER)
    assert result.outcome == "removed"
    assert account.alarms_of(FRAUD_SCORER) == {}
