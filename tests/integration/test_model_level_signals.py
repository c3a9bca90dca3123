"""The model-level signals issue's first "Done when", end to end in the emulated account.

"An endpoint with a data-quality schedule and two inference components onboards with drift
alarms, per-component alarms and a dashboard section": one endpoint built as AWS builds an
inference-component endpoint (a variant without ModelName, two components) that also has an
hourly data-quality schedule (whose EndpointInput names the endpoint) and whose last run
published drift metrics for twelve features (its first run, at the hour boundary after the
schedule's creation: AWS's order). OnboardFunction, on the endpoint's IN_SERVICE event,
fits all three features at once; then a drift spike on one feature, a run with violations and an
error burst on one component each reach Slack as exactly one alert naming what they should.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sagewatch.core.shared.naming import dashboard_name
from sagewatch_emulator import ComponentSpec, EmulatedAccount, VariantSpec
from sagewatch_emulator.model_monitor.runs import data_quality_run, violation
from sagewatch_simulator.traffic import Published, component_minute, host_instance_minute

pytestmark = pytest.mark.integration

EVENTS = Path(__file__).resolve().parents[2] / "events" / "onboard"
SECRET = "sagewatch/slack-webhook"
ENDPOINT = "llm-hub"
VARIANT = "AllTraffic"
COMPONENTS = ("llama-ic", "mistral-ic")
SCHEDULE = "llm-hub-data-quality"
FEATURES = [f"prompt_feature_{i:02d}" for i in range(12)]
CAP = 10  # the policy's drift_features_per_schedule default (docs/alarms.md, "Bounded count and cost")
HEALTHY = 0.02
MINUTE, HOUR = timedelta(minutes=1), timedelta(hours=1)
REPORTS = "sagemaker-us-east-1-123456789012/monitoring"
UNPACED = {"SAGEWATCH_CLOUDWATCH_WRITE_TPS": "0"}
COMPONENT_KEYS = ("model-latency-p99", "invocation-5xx-rate", "invocation-4xx-rate")
GPU_KEYS = ("gpu-utilization", "gpu-memory-utilization")  # ml.g5.12xlarge: 4 GPUs
INSTANCE_KEYS = ("cpu-utilization", "memory-utilization", "disk-utilization", *GPU_KEYS)


def alarm(key: str, variant: str = VARIANT) -> str:
    return f"SageWatch/{ENDPOINT}/{variant}/{key}"


def drift_alarm(feature: str) -> str:
    return alarm(f"feature-drift.{SCHEDULE}.{feature}", "_endpoint")


EXPECTED_ALARMS = {
    *(alarm(key) for key in INSTANCE_KEYS),
    *(alarm(f"{key}.{component}") for key in COMPONENT_KEYS for component in COMPONENTS),
    *(drift_alarm(feature) for feature in sorted(FEATURES)[:CAP]),
}


def publish_run(account: EmulatedAccount, drift: dict[str, float]) -> None:
    """One hourly data-quality run's drift metrics at the top of the simulated hour (after the
    schedule's first run: the account refuses them before)."""
    at = account.now.replace(minute=0, second=0, microsecond=0)
    account.publish_metrics(data_quality_run(ENDPOINT, SCHEDULE, at, drift))


@pytest.fixture
def account() -> Iterator[EmulatedAccount]:
    # The default output bucket of the emulator's schedules: the violations alert lists what violated.
    parameters = {"SlackWebhookSecretName": SECRET, "MonitoringReportsBucket": REPORTS}
    with EmulatedAccount(parameters=parameters) as emulated:
        emulated.client("secretsmanager").create_secret(Name=SECRET, SecretString=emulated.slack_url)
        emulated.create_endpoint(
            ENDPOINT,
            variants=[VariantSpec(VARIANT, "ml.g5.12xlarge", 1, max_instance_count=3)],
            inference_components=[
                ComponentSpec("llama-ic", copies=2, memory_mb=24_576, accelerators=2),
                ComponentSpec("mistral-ic", copies=1, memory_mb=16_384, accelerators=1),
            ],
        )
        emulated.create_monitoring_schedule(ENDPOINT, SCHEDULE)
        now = emulated.now  # pin the simulated clock before any alarm exists
        # The schedule's first run, at the next hour boundary ("Interpret results"), publishes the
        # drift metrics: none exist before it (the emulated account refuses them).
        emulated.advance(now.replace(minute=25, second=0, microsecond=0) + HOUR - now)
        emulated.run_monitoring_execution(SCHEDULE, "Completed", drift=dict.fromkeys(FEATURES, HEALTHY))
        emulated.alarm_engine.notifications.clear()
        yield emulated


def in_service_event(account: EmulatedAccount) -> dict[str, Any]:
    sample = copy.deepcopy(json.loads((EVENTS / "in-service-cpu.json").read_text()))
    described = account.client("sagemaker").describe_endpoint(EndpointName=ENDPOINT)
    sample["resources"] = [described["EndpointArn"]]
    sample["detail"].update(
        EndpointName=ENDPOINT,
        EndpointArn=described["EndpointArn"],
        EndpointConfigName=described["EndpointConfigName"],
        ProductionVariants=[
            {"VariantName": VARIANT, "CurrentInstanceCount": 1, "DesiredInstanceCount": 1, "CurrentWeight": 1.0}
        ],
    )
    return dict(sample)


def onboard(account: EmulatedAccount) -> dict[str, Any]:
    result = account.invoke("OnboardFunction", in_service_event(account), environment=UNPACED)
    assert result.error is None, result.error_traceback
    assert result.response["outcome"] == "onboarded", result.response
    return dict(result.response)


def alarms(account: EmulatedAccount) -> dict[str, dict[str, Any]]:
    pages = (
        account.client("cloudwatch").get_paginator("describe_alarms").paginate(AlarmNamePrefix=f"SageWatch/{ENDPOINT}/")
    )
    return {a["AlarmName"]: a for page in pages for a in page["MetricAlarms"]}


def dashboard(account: EmulatedAccount) -> dict[str, Any]:
    body = account.client("cloudwatch").get_dashboard(
        DashboardName=dashboard_name("SageWatch", account.region, ENDPOINT)
    )["DashboardBody"]
    return dict(json.loads(body))


def component_series(board: dict[str, Any]) -> set[str]:
    found = set()
    for widget in board["widgets"]:
        for entry in widget.get("properties", {}).get("metrics", []):
            if isinstance(entry, list) and "InferenceComponentName" in entry:
                found.add(entry[entry.index("InferenceComponentName") + 1])
    return found


def minute_of_traffic(account: EmulatedAccount, *, llama_5xx: int = 0) -> None:
    """One minute of both components and the host (healthy unless ``llama_5xx``), then the clock."""
    now = account.now
    items: list[Published] = [
        *component_minute("llama-ic", now, requests=240, model_latency_ms=120.0, errors_5xx=llama_5xx),
        *component_minute("mistral-ic", now, requests=300, model_latency_ms=120.0),
        *host_instance_minute(
            ENDPOINT, VARIANT, now, cpu=[480.0], memory=[40.0], disk=[20.0], gpu=[220.0], gpu_memory=[260.0]
        ),
    ]
    account.publish_metrics(items)
    account.advance(MINUTE)


def plain(message: dict[str, Any]) -> str:
    """The message as text, mrkdwn's escaped underscores undone."""
    return json.dumps(message, ensure_ascii=False).replace("\\\\_", "_")


def slack_messages(account: EmulatedAccount) -> list[dict[str, Any]]:
    drained = account.drain_queue("AlertQueue", "NotifyFunction", max_rounds=40, max_seconds=180)
    assert all(i.error is None for i in drained), [i.error for i in drained]
    return [m for i in drained for m in i.slack_messages]


def test_the_endpoint_onboards_with_drift_alarms_component_alarms_and_a_dashboard_section(
    account: EmulatedAccount,
) -> None:
    result = onboard(account)
    fitted = alarms(account)
    assert set(fitted) == EXPECTED_ALARMS
    assert all(len(name) <= 255 for name in fitted)  # PutMetricAlarm's AlarmName limit
    drift = fitted[drift_alarm(FEATURES[0])]
    dimensions = {d["Name"]: d["Value"] for d in drift["Dimensions"]}
    assert dimensions == {"Endpoint": ENDPOINT, "MonitoringSchedule": SCHEDULE}
    for component in COMPONENTS:
        latency = fitted[alarm(f"model-latency-p99.{component}")]
        assert {d["Name"]: d["Value"] for d in latency["Dimensions"]} == {"InferenceComponentName": component}
    left_out = ", ".join(sorted(FEATURES)[CAP:])
    assert any(left_out in note for note in result["notes"]), result["notes"]

    board = dashboard(account)
    assert len(board["widgets"]) <= 500  # PutDashboard's widget limit
    text = json.dumps(board)
    assert "Model quality (Model Monitor)" in text and "feature_baseline_drift_" in text and SCHEDULE in text
    assert left_out in text
    assert component_series(board) == set(COMPONENTS)


def test_drift_a_violations_run_and_a_component_error_burst_each_reach_people_once(account: EmulatedAccount) -> None:
    onboard(account)
    for _ in range(5):
        minute_of_traffic(account)
    publish_run(account, dict.fromkeys(FEATURES, HEALTHY))
    minute_of_traffic(account)
    slack_messages(account)  # the first OKs
    account.alarm_engine.notifications.clear()

    # 1. A drift spike on one feature in the next hourly run.
    account.advance(HOUR)
    publish_run(account, {**dict.fromkeys(FEATURES, HEALTHY), FEATURES[3]: 0.45})
    for _ in range(2):
        minute_of_traffic(account)
    assert account.alarm_states()[drift_alarm(FEATURES[3])] == "ALARM"
    [drifted] = slack_messages(account)
    text = plain(drifted)
    assert ENDPOINT in text and SCHEDULE in text and f"Data drift on feature {FEATURES[3]}" in text
    assert FEATURES[4] not in text

    # 2. The same run ends CompletedWithViolations: its processing-job event, one alert.
    run = account.run_monitoring_execution(
        SCHEDULE, "CompletedWithViolations", violations=[violation(FEATURES[3]), violation(FEATURES[7])]
    )
    result = account.invoke("OnboardFunction", run.event, environment=UNPACED)
    assert result.error is None, result.error_traceback
    assert result.response["outcome"] == "alerted"
    [violated] = slack_messages(account)
    text = plain(violated)
    assert ENDPOINT in text and SCHEDULE in text and "DataQuality" in text
    assert FEATURES[3] in text and FEATURES[7] in text

    # 3. A 5XX burst on one component: its alarm only, and the alert names component and model.
    account.alarm_engine.notifications.clear()
    for _ in range(5):
        minute_of_traffic(account, llama_5xx=60)
    states = account.alarm_states()
    assert states[alarm("invocation-5xx-rate.llama-ic")] == "ALARM"
    assert states[alarm("invocation-5xx-rate.mistral-ic")] == "OK"
    assert [n.message["AlarmName"] for n in account.alarm_notifications] == [alarm("invocation-5xx-rate.llama-ic")]
    [burst] = slack_messages(account)
    text = json.dumps(burst, ensure_ascii=False)
    assert f"llama-ic on endpoint {ENDPOINT}" in text and f"{ENDPOINT}-llama-ic-model" in text
    assert "mistral-ic" not in text
