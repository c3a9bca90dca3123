"""Fleet reconcile end to end: ReconcileFunction plans in bulk, OnboardFunction works the queue.

SQS → Lambda event source mappings are not wired in the emulator (they need Docker), so
``sagewatch_emulator.sqs_event_source.drain_one_at_a_time`` plays the mapping: one message per invocation, like the
template's ``BatchSize: 1``. DescribeAlarms pages by 100 here (an emulator extension: moto
returns everything in one page), so call counts are the ones AWS would see.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from sagewatch.adapters.aws import client as aws_client
from sagewatch.config import ReconcileConfig
from sagewatch.handlers.reconcile import entry_point
from sagewatch.wiring import Wiring
from sagewatch_emulator import EmulatedAccount, VariantSpec
from sagewatch_emulator.sqs_event_source import DrainResult, drain_one_at_a_time

pytestmark = pytest.mark.integration

RECONCILE = "ReconcileFunction"
NO_SELF_INVOKE = {"SAGEWATCH_RECONCILE_SELF_INVOKE": "false"}  # the emulator has no Lambda service
UNPACED = {"SAGEWATCH_CLOUDWATCH_WRITE_TPS": "0"}  # pacing is unit-tested; here it only costs time


def make_fleet(account: EmulatedAccount, count: int, prefix: str = "ep") -> list[str]:
    names = []
    for i in range(count):
        name = f"{prefix}-{i:03d}"
        kind = i % 4
        if kind == 0:
            account.create_endpoint(name, variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 1)])
        elif kind == 1:
            account.create_endpoint(
                name, variants=[VariantSpec("a", "ml.g5.2xlarge", 1), VariantSpec("b", "ml.g5.2xlarge", 1)]
            )
        elif kind == 2:
            account.create_endpoint(name, variants=[VariantSpec("AllTraffic", serverless_memory_mb=2048)])
        else:
            account.create_endpoint(name, variants=[VariantSpec("AllTraffic", "ml.m5.large", 1)], async_inference=True)
        names.append(name)
    return names


def reconcile(account: EmulatedAccount, **event: Any) -> Any:
    result = account.invoke(RECONCILE, {"sagewatch": "reconcile", **event}, environment=NO_SELF_INVOKE)
    assert result.error is None, (result.error, result.logs[-5:])
    return result


def work(account: EmulatedAccount) -> DrainResult:
    drained = drain_one_at_a_time(account, environment=UNPACED)
    assert drained.failed == [], drained.logs[-10:]
    return drained


def queued_endpoints(account: EmulatedAccount) -> list[str]:
    sqs = account.client("sqs")
    url = account.physical_id("OnboardQueue")
    out: list[str] = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", [])
        if not messages:
            return out
        for m in messages:
            out.append(json.loads(m["Body"])["endpoint"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def all_alarms(account: EmulatedAccount) -> dict[str, dict[str, Any]]:
    pages = account.client("cloudwatch").get_paginator("describe_alarms").paginate(AlarmNamePrefix="SageWatch/")
    return {a["AlarmName"]: a for page in pages for a in page["MetricAlarms"]}


def dashboards(account: EmulatedAccount) -> set[str]:
    entries = account.client("cloudwatch").list_dashboards(DashboardNamePrefix="SageWatch_")["DashboardEntries"]
    return {d["DashboardName"] for d in entries}


def writes(calls: Any) -> int:
    from sagewatch_emulator.calls import is_write

    return sum(v for k, v in dict(calls).items() if is_write(k))


@pytest.fixture(autouse=True)
def _paging(account: EmulatedAccount) -> None:
    account.cloudwatch.enable_alarm_paging()


def test_small_fleet_is_onboarded_and_a_second_reconcile_makes_no_writes(account: EmulatedAccount) -> None:
    names = make_fleet(account, 30)
    first = reconcile(account)
    assert first.response["outcome"] == "complete"
    assert first.response["enqueued"] == 30
    assert first.response["by_kind"] == {"new": 30}
    assert set(first.writes) == {"sqs.SendMessageBatch"}  # the reconcile itself writes no alarm
    drained = work(account)
    assert drained.invocations == 30
    alarms = all_alarms(account)
    assert {name.split("/")[1] for name in alarms} == set(names)
    assert dashboards(account) == {f"SageWatch_us-east-1_{n}" for n in names}

    second = reconcile(account)
    assert second.response["enqueued"] == 0
    assert second.response["unchanged"] == 30
    assert writes(second.aws_calls) == 0, second.aws_calls
    # ListEndpoints 1 page, ListInferenceComponents 1 page, Scan 1, DescribeAlarms ceil(alarms/100),
    # ListDashboards 1, GetParameter 1, ListMonitoringSchedules 1 (schedules and components change
    # without touching the endpoint), GetMetricData 1 (every latency alarm's traffic, 300 a call).
    assert second.aws_calls["cloudwatch.GetMetricData"] == 1
    assert sum(second.aws_calls.values()) <= 8 + len(alarms) // 100
    assert second.aws_calls.get("sagemaker.ListMonitoringSchedules") == 1
    assert work(account).invocations == 0


def test_orphans_are_removed(account: EmulatedAccount) -> None:
    make_fleet(account, 3)
    reconcile(account)
    work(account)
    account.delete_endpoint("ep-001")  # no DELETING event reaches SageWatch: missed
    plan = reconcile(account)
    assert plan.response["by_kind"] == {"orphan": 1}
    assert any("orphan ep-001" in line for line in plan.logs)
    drained = work(account)
    assert drained.outcomes == Counter({"ok": 1})
    assert not [n for n in all_alarms(account) if n.startswith("SageWatch/ep-001/")]
    assert "SageWatch_us-east-1_ep-001" not in dashboards(account)
    table = account.client("dynamodb").scan(TableName=account.physical_id("FleetStateTable"))["Items"]
    assert {i["endpoint"]["S"] for i in table} == {"ep-000", "ep-002"}
    again = reconcile(account)
    assert again.response["enqueued"] == 0 and writes(again.aws_calls) == 0


def test_drift_is_repaired_and_the_log_says_what(account: EmulatedAccount) -> None:
    make_fleet(account, 2)
    reconcile(account)
    work(account)
    cloudwatch = account.client("cloudwatch")
    changed = "SageWatch/ep-000/AllTraffic/cpu-utilization"
    original = all_alarms(account)[changed]
    cloudwatch.put_metric_alarm(
        AlarmName=changed,
        MetricName=original["MetricName"],
        Namespace=original["Namespace"],
        Dimensions=original["Dimensions"],
        Statistic=original["Statistic"],
        Period=original["Period"],
        EvaluationPeriods=original["EvaluationPeriods"],
        Threshold=999.0,
        ComparisonOperator=original["ComparisonOperator"],
    )
    deleted = "SageWatch/ep-001/a/gpu-utilization"
    cloudwatch.delete_alarms(AlarmNames=[deleted])
    cloudwatch.delete_dashboards(DashboardNames=["SageWatch_us-east-1_ep-001"])

    plan = reconcile(account)
    assert plan.response["by_kind"] == {"drift": 2}
    logs = "\n".join(plan.logs)
    assert f"alarm {changed} changed" in logs
    assert f"alarm {deleted} deleted" in logs
    assert "dashboard deleted" in logs
    drained = work(account)
    assert drained.aws_calls["cloudwatch.PutMetricAlarm"] == 2
    assert drained.aws_calls["cloudwatch.PutDashboard"] == 1
    assert any(changed in line and "Threshold" in line for line in drained.logs)  # what was repaired
    assert all_alarms(account)[changed]["Threshold"] == original["Threshold"]
    assert deleted in all_alarms(account)
    assert reconcile(account).response["enqueued"] == 0


def test_policy_change_refits_every_endpoint_and_an_invalid_policy_changes_nothing(account: EmulatedAccount) -> None:
    make_fleet(account, 4)
    reconcile(account)
    work(account)
    ssm = account.client("ssm")
    parameter = account.physical_id("PolicyParameter")
    before = all_alarms(account)

    ssm.put_parameter(Name=parameter, Value='{"thresholds": {"nope": 1}}', Type="String", Overwrite=True)
    broken = account.invoke(RECONCILE, {}, environment=NO_SELF_INVOKE)
    assert broken.error is not None
    assert f"SSM parameter {parameter}: unknown alarm key 'nope'" in broken.error
    assert writes(broken.aws_calls) == 0
    assert queued_endpoints(account) == []
    assert all_alarms(account) == before

    policy = {"thresholds": {"cpu-utilization": 70}, "disabled": ["invocation-4xx-rate"]}
    ssm.put_parameter(Name=parameter, Value=json.dumps(policy), Type="String", Overwrite=True)
    plan = reconcile(account)
    assert plan.response["by_kind"] == {"policy": 4}
    work(account)
    after = all_alarms(account)
    assert after["SageWatch/ep-000/AllTraffic/cpu-utilization"]["Threshold"] == 70 * 4
    assert not [n for n in after if n.endswith("/invocation-4xx-rate")]
    assert reconcile(account).response["enqueued"] == 0


def test_changed_endpoint_is_refitted(account: EmulatedAccount) -> None:
    make_fleet(account, 2)
    reconcile(account)
    work(account)
    account.update_endpoint("ep-000", variants=[VariantSpec("AllTraffic", "ml.m5.2xlarge", 2)])
    plan = reconcile(account)
    assert plan.response["by_kind"] == {"changed": 1}
    work(account)
    assert all_alarms(account)["SageWatch/ep-000/AllTraffic/cpu-utilization"]["Threshold"] == 90 * 8


def test_quotas_throttle_in_the_emulator_and_the_worker_rides_it_out(account: EmulatedAccount) -> None:
    """Real-rate quotas (3 PutMetricAlarm/s) and an unpaced worker: CloudWatch says Throttling,
    the adapter backs off, and no error reaches the caller."""
    make_fleet(account, 2)
    quotas = account.cloudwatch.enable_quotas()
    reconcile(account)
    drained = work(account)
    assert quotas.throttled["PutMetricAlarm"] > 0  # the emulator really said no
    assert drained.failed == [] and drained.outcomes == Counter({"ok": 2})
    assert quotas.calls["PutMetricAlarm"] - quotas.throttled["PutMetricAlarm"] == 6 + 16  # each alarm once
    assert len(all_alarms(account)) == 6 + 16  # ml.m5.xlarge: 6 alarms; two ml.g5.2xlarge variants: 8 each


@pytest.mark.parametrize("sample", ["scheduled.json", "stack-update-complete.json", "full.json"])
def test_sample_events_run_a_reconcile(account: EmulatedAccount, sample: str) -> None:
    make_fleet(account, 1)
    path = Path(__file__).resolve().parents[2] / "events" / "reconcile" / sample
    result = account.invoke(RECONCILE, json.loads(path.read_text()), environment=NO_SELF_INVOKE)
    assert result.error is None and result.response["outcome"] == "complete"
    assert result.response["enqueued"] == 1


def test_a_run_out_of_time_invokes_itself_with_the_continuation(
    account: EmulatedAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The emulator has no Lambda service, so the handler runs here with a recording Lambda client."""
    make_fleet(account, 12)
    for key, value in (account.function_environment(RECONCILE) | account.aws_environment()).items():
        monkeypatch.setenv(key, value)
    invoked: list[dict[str, Any]] = []

    class RecordingLambda:
        def invoke(self, **kwargs: Any) -> dict[str, Any]:
            invoked.append(kwargs)
            return {"StatusCode": 202}

    config = ReconcileConfig.from_env()
    assert config.self_invoke  # the template turns it on
    handler = entry_point(config, Wiring(lambda s: RecordingLambda() if s == "lambda" else aws_client(s)))

    class Context:
        function_name = "sagewatch-reconcile"
        function_version = "$LATEST"
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:sagewatch-reconcile"
        memory_limit_in_mb = 512
        aws_request_id = "test"
        log_group_name = log_stream_name = "x"

        def get_remaining_time_in_millis(self) -> int:
            return 900_000

    response = handler({"max_items": 10}, Context())
    assert response["outcome"] == "continuing"
    assert len(invoked) == 1
    assert invoked[0]["FunctionName"] == "sagewatch-reconcile"
    assert invoked[0]["InvocationType"] == "Event"  # asynchronous: the continuation gets a full timeout
    continuation = json.loads(invoked[0]["Payload"])
    assert continuation["continue"] == response["run"]
    rest = handler(continuation, Context())
    assert rest["outcome"] == "complete" and rest["enqueued"] == 2
    assert sorted(queued_endpoints(account)) == [f"ep-{i:03d}" for i in range(12)]


def test_worker_drops_malformed_messages_and_reports_failed_ones(account: EmulatedAccount) -> None:
    make_fleet(account, 1)
    arn = account.attribute("OnboardQueue", "Arn")

    def record(message_id: str, body: str) -> dict[str, Any]:
        return {
            "messageId": message_id,
            "receiptHandle": "r",
            "body": body,
            "eventSource": "aws:sqs",
            "eventSourceARN": arn,
        }

    account.inject_fault("cloudwatch", "PutMetricAlarm", code="AccessDenied", message="not authorized", times=1)
    event = {
        "Records": [
            record("bad-json", "{not json"),
            record("bad-name", json.dumps({"endpoint": "no/slashes"})),
            record("denied", json.dumps({"endpoint": "ep-000"})),
        ]
    }
    result = account.invoke("OnboardFunction", event, environment=UNPACED)
    assert result.error is None
    assert result.response == {"batchItemFailures": [{"itemIdentifier": "denied"}]}  # retried by SQS, then DLQ
    assert any("invalid queue message bad-json" in line for line in result.logs)
