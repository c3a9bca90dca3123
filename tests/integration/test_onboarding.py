"""OnboardFunction end to end: real boto3 calls against the emulated account on 127.0.0.1."""

from __future__ import annotations

import copy
import json
import threading
from pathlib import Path
from typing import Any

import pytest

from sagewatch.adapters.aws import client as _unused_client  # noqa: F401 - import proves runtime deps load
from sagewatch.adapters.cloudwatch.alarms_and_dashboards import CloudWatchWriter
from sagewatch.adapters.sagemaker import SageMakerEndpoints
from sagewatch.config import OnboardConfig
from sagewatch.usecases.onboarding import Onboarding
from sagewatch_emulator import EmulatedAccount, VariantSpec

pytestmark = pytest.mark.integration

EVENTS = Path(__file__).resolve().parents[2] / "events" / "onboard"
FUNCTION = "OnboardFunction"


def event(name: str) -> dict[str, Any]:
    return dict(json.loads((EVENTS / name).read_text()))


def alarms_of(account: EmulatedAccount, endpoint: str) -> dict[str, dict[str, Any]]:
    pages = (
        account.client("cloudwatch").get_paginator("describe_alarms").paginate(AlarmNamePrefix=f"SageWatch/{endpoint}/")
    )
    return {a["AlarmName"]: a for page in pages for a in page["MetricAlarms"]}


def dashboard_of(account: EmulatedAccount, endpoint: str) -> dict[str, Any] | None:
    cloudwatch = account.client("cloudwatch")
    try:
        body = cloudwatch.get_dashboard(DashboardName=f"SageWatch_us-east-1_{endpoint}")["DashboardBody"]
    except cloudwatch.exceptions.ResourceNotFound:
        return None
    return dict(json.loads(body))


def writes(invocation: Any) -> int:
    return sum(invocation.writes.values())


def create_fraud_scorer(account: EmulatedAccount, **tags: str) -> None:
    account.create_endpoint(
        "fraud-scorer",
        variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 2)],
        tags={"team": "risk", "sagewatch:alarm:model-latency-p99": "250", **tags},
    )


def test_cpu_endpoint_in_service_gets_alarms_and_dashboard(account: EmulatedAccount) -> None:
    create_fraud_scorer(account)
    result = account.invoke(FUNCTION, event("in-service-cpu.json"))
    assert result.error is None
    assert result.response["outcome"] == "onboarded"
    alarms = alarms_of(account, "fraud-scorer")
    keys = {name.rsplit("/", 1)[1] for name in alarms}
    assert keys == {
        "invocation-5xx-rate",
        "invocation-4xx-rate",
        "model-latency-p99",
        "cpu-utilization",
        "memory-utilization",
        "disk-utilization",
    }
    latency = alarms["SageWatch/fraud-scorer/AllTraffic/model-latency-p99"]
    assert latency["Threshold"] == 250_000  # tag override in ms, alarm in microseconds
    # No traffic yet: the provisional latency class, which fires at any traffic (latency_fit).
    assert latency["Statistic"] == "Average" and latency["Period"] == 60 and latency["DatapointsToAlarm"] == 3
    assert "traffic not known yet" in latency["AlarmDescription"]
    assert {d["Name"]: d["Value"] for d in latency["Dimensions"]} == {
        "EndpointName": "fraud-scorer",
        "VariantName": "AllTraffic",
    }
    cpu = alarms["SageWatch/fraud-scorer/AllTraffic/cpu-utilization"]
    assert cpu["Threshold"] == 90 * 4  # 4 vCPUs on ml.m5.xlarge
    topic = account.physical_id("AlertTopic")
    assert all(a["AlarmActions"] == [topic] and a["OKActions"] == [topic] for a in alarms.values())
    assert dashboard_of(account, "fraud-scorer") is not None
    # Reads: endpoint, config, tags, existing alarms, the traffic (one GetMetricData), existing
    # dashboard; writes: one per alarm + dashboard.
    assert result.aws_calls["cloudwatch.GetMetricData"] == 1
    assert result.aws_calls["cloudwatch.PutMetricAlarm"] == 6
    assert result.aws_calls["cloudwatch.PutDashboard"] == 1
    assert writes(result) == 7


def test_alarms_are_tagged_with_their_endpoint_and_described(account: EmulatedAccount) -> None:
    create_fraud_scorer(account)
    account.invoke(FUNCTION, event("in-service-cpu.json"))
    alarm = alarms_of(account, "fraud-scorer")["SageWatch/fraud-scorer/AllTraffic/invocation-5xx-rate"]
    tags = account.client("cloudwatch").list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]
    assert {"Key": "sagewatch:endpoint", "Value": "fraud-scorer"} in tags
    assert {"Key": "sagewatch:variant", "Value": "AllTraffic"} in tags
    assert "Look first at" in alarm["AlarmDescription"]
    expressions = [m.get("Expression") for m in alarm["Metrics"] if m.get("Expression")]
    assert expressions == ["IF(invocations > 0, 100 * errors / invocations)"]


def test_multi_variant_gpu_endpoint_gets_scaled_gpu_alarms_per_variant(account: EmulatedAccount) -> None:
    account.create_endpoint(
        "llm-chat",
        variants=[VariantSpec("gpu-a10g", "ml.g5.12xlarge", 2), VariantSpec("cpu-canary", "ml.c5.2xlarge", 1)],
        tags={"team": "genai"},
    )
    result = account.invoke(FUNCTION, event("in-service-multi-variant-gpu.json"))
    assert result.error is None
    alarms = alarms_of(account, "llm-chat")
    assert alarms["SageWatch/llm-chat/gpu-a10g/gpu-utilization"]["Threshold"] == 95 * 4
    assert alarms["SageWatch/llm-chat/gpu-a10g/gpu-memory-utilization"]["Threshold"] == 90 * 4
    assert alarms["SageWatch/llm-chat/gpu-a10g/cpu-utilization"]["Threshold"] == 90 * 48
    assert alarms["SageWatch/llm-chat/cpu-canary/cpu-utilization"]["Threshold"] == 90 * 8
    assert not any(name.startswith("SageWatch/llm-chat/cpu-canary/gpu") for name in alarms)
    board = dashboard_of(account, "llm-chat")
    assert board is not None
    text = json.dumps(board)
    assert "gpu-a10g" in text and "cpu-canary" in text and "GPUUtilization" in text


def test_serverless_endpoint(account: EmulatedAccount) -> None:
    account.create_endpoint(
        "churn-predictor",
        variants=[VariantSpec("AllTraffic", serverless_memory_mb=4096, serverless_max_concurrency=20)],
    )
    result = account.invoke(FUNCTION, event("in-service-serverless.json"))
    assert result.error is None
    keys = {name.rsplit("/", 1)[1] for name in alarms_of(account, "churn-predictor")}
    assert keys == {
        "invocation-5xx-rate",
        "invocation-4xx-rate",
        "model-latency-p99",
        "memory-utilization",
        "model-setup-time",
        "serverless-concurrency-utilization",
    }


def test_async_endpoint_from_an_event_without_variants(account: EmulatedAccount) -> None:
    account.create_endpoint(
        "video-tagger", variants=[VariantSpec("AllTraffic", "ml.g4dn.xlarge", 1)], async_inference=True
    )
    sample = event("in-service-async.json")
    assert "ProductionVariants" not in sample["detail"]
    result = account.invoke(FUNCTION, sample)
    assert result.error is None
    alarms = alarms_of(account, "video-tagger")
    endpoint_level = {n.rsplit("/", 1)[1] for n in alarms if "/_endpoint/" in n}
    assert endpoint_level == {"async-backlog-size", "async-oldest-request-age", "async-backlog-without-capacity"}
    backlog = alarms["SageWatch/video-tagger/_endpoint/async-backlog-size"]
    assert backlog["Dimensions"] == [{"Name": "EndpointName", "Value": "video-tagger"}]
    assert "SageWatch/video-tagger/AllTraffic/invocation-5xx-rate" not in alarms


def test_invalid_tag_is_logged_and_the_default_applies(account: EmulatedAccount) -> None:
    create_fraud_scorer(account, **{"sagewatch:alarm:cpu-utilization": "lots"})
    result = account.invoke(FUNCTION, event("in-service-cpu.json"))
    assert result.error is None
    assert alarms_of(account, "fraud-scorer")["SageWatch/fraud-scorer/AllTraffic/cpu-utilization"]["Threshold"] == 360
    assert any("sagewatch:alarm:cpu-utilization" in line and "must be a number" in line for line in result.logs)


def test_failed_logs_the_failure_reason(account: EmulatedAccount) -> None:
    result = account.invoke(FUNCTION, event("failed.json"))
    assert result.error is None
    assert result.response["outcome"] == "failed"
    assert "did not pass the ping health check" in result.response["reason"]
    assert any("image-embedder failed" in line for line in result.logs)
    # Nothing is written to CloudWatch; the failure is published to the alert topic.
    assert result.writes == {"sns.Publish": 1}


def test_failed_removes_nothing_an_onboarded_endpoint_has(account: EmulatedAccount) -> None:
    # docs/deploy.md ("failed.json") and the README say so: FAILED alerts, it does not clean up.
    account.create_endpoint("image-embedder", variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 1)])
    in_service = event("in-service-cpu.json")
    in_service["detail"] = {"EndpointName": "image-embedder", "EndpointStatus": "IN_SERVICE"}
    assert account.invoke(FUNCTION, in_service).response["outcome"] == "onboarded"
    alarms, dashboard = alarms_of(account, "image-embedder"), dashboard_of(account, "image-embedder")
    assert alarms and dashboard is not None
    result = account.invoke(FUNCTION, event("failed.json"))
    assert result.response["outcome"] == "failed"
    assert any("failure alert published" in note for note in result.response["notes"])
    assert result.writes == {"sns.Publish": 1}
    assert alarms_of(account, "image-embedder").keys() == alarms.keys()
    assert dashboard_of(account, "image-embedder") == dashboard


def test_updating_of_an_endpoint_without_alarms_holds_nothing(account: EmulatedAccount) -> None:
    # UPDATING holds the alarms a deployment moves (test_deployments.py); with none, one list.
    result = account.invoke(FUNCTION, event("updating.json"))
    assert result.error is None
    assert result.response["outcome"] == "skipped"
    assert result.aws_calls == {"ssm.GetParameter": 1, "cloudwatch.DescribeAlarms": 1}


def test_events_that_are_not_endpoint_state_changes_are_ignored(account: EmulatedAccount) -> None:
    other = event("updating.json") | {"source": "aws.ec2", "detail-type": "EC2 Instance State-change Notification"}
    result = account.invoke(FUNCTION, other)
    assert result.error is None and result.response["outcome"] == "ignored"
    assert any("not a SageMaker endpoint state change" in line for line in result.logs)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda e: e.pop("detail"), "event has no detail"),
        (lambda e: e.__setitem__("detail", ["IN_SERVICE"]), "detail must be an object, got list"),
        (lambda e: e["detail"].__setitem__("EndpointName", None), "EndpointName must be a non-empty string"),
        (lambda e: e["detail"].__setitem__("EndpointStatus", "MELTING"), "'MELTING' is not a known endpoint status"),
    ],
)
def test_bad_input_is_a_logged_error_not_a_crash(account: EmulatedAccount, mutate: Any, message: str) -> None:
    bad = copy.deepcopy(event("in-service-cpu.json"))
    mutate(bad)
    result = account.invoke(FUNCTION, bad)
    assert result.error is None  # answered, so Lambda does not retry it into a loop
    assert result.response["outcome"] == "invalid"
    assert message in result.response["error"]
    assert any(message in line for line in result.logs)
    assert result.aws_calls == {}


def test_other_failures_raise_so_the_event_is_retried(account: EmulatedAccount) -> None:
    create_fraud_scorer(account)
    broken = account.function_environment(FUNCTION) | {"SAGEWATCH_POLICY": '{"thresholds": {"nope": 1}}'}
    result = account.invoke(FUNCTION, event("in-service-cpu.json"), environment=broken)
    assert result.error is not None and "unknown alarm key 'nope'" in result.error


def test_concurrent_duplicate_events_are_harmless(account: EmulatedAccount) -> None:
    create_fraud_scorer(account)
    settings = OnboardConfig.from_env(account.function_environment(FUNCTION))
    errors: list[BaseException] = []

    def onboard() -> None:
        try:
            service = Onboarding(
                SageMakerEndpoints(account.client("sagemaker")),
                CloudWatchWriter(account.client("cloudwatch")),
                settings,
            )
            service.onboard("fraud-scorer")
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=onboard) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(alarms_of(account, "fraud-scorer")) == 6
    again = account.invoke(FUNCTION, event("in-service-cpu.json"))
    assert writes(again) == 0


def test_cloudwatch_throttling_is_retried_not_a_failure(account: EmulatedAccount) -> None:
    # The contract: CloudWatch's Throttling answer, through the function's own botocore client
    # (one attempt per call), is retried by the runtime. How many retries, and that they wait on
    # the wiring's clock, is tested on simulated time (tests/unit/usecases/test_onboarding_on_fakes.py).
    create_fraud_scorer(account)
    fault = account.inject_fault("cloudwatch", "PutMetricAlarm", code="Throttling", times=1)
    result = account.invoke(FUNCTION, event("in-service-cpu.json"))
    assert fault.triggered == 1  # the emulator really answered Throttling
    assert result.error is None
    assert result.response["outcome"] == "onboarded"
    assert len(alarms_of(account, "fraud-scorer")) == 6


def test_access_denied_fails_the_invocation_so_lambda_retries_and_dead_letters(account: EmulatedAccount) -> None:
    create_fraud_scorer(account)
    account.inject_fault("cloudwatch", "PutMetricAlarm", code="AccessDenied", message="not authorized", times=1)
    result = account.invoke(FUNCTION, event("in-service-cpu.json"))
    assert result.error is not None
    assert "PutMetricAlarm failed: AccessDenied" in result.error


def test_an_onboarding_builds_only_the_clients_it_calls(
    account: EmulatedAccount, constructed_clients: list[str]
) -> None:
    # A cold environment (its own sandbox): SageMaker to read the endpoint, SSM for the policy,
    # CloudWatch to write. Nothing failed, so no notice: no SNS client is built.
    create_fraud_scorer(account)
    constructed_clients.clear()
    result = account.invoke(FUNCTION, event("in-service-cpu.json"), sandbox="cold")
    assert result.response["outcome"] == "onboarded"
    assert sorted(constructed_clients) == ["cloudwatch", "sagemaker", "ssm"]
