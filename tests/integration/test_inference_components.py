"""An inference-component endpoint end to end in the emulated account.

The endpoint is built as on AWS (a variant without ModelName, with ManagedInstanceScaling and
RoutingConfig, two components); OnboardFunction gives each component its invocation alarms and
the variant only its instance alarms (docs/alarms.md, "Where the metrics live"); a latency
spike on one component, published where SageMaker publishes it (by InferenceComponentName
alone), fires that component's alarm and NotifyFunction posts an alert naming it.
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
from sagewatch_simulator.traffic import Published, component_minute, host_instance_minute

pytestmark = pytest.mark.integration

EVENTS = Path(__file__).resolve().parents[2] / "events" / "onboard"
SECRET = "sagewatch/slack-webhook"
ENDPOINT = "llm-hub"
VARIANT = "AllTraffic"
MINUTE = timedelta(minutes=1)
HEALTHY_MS, SPIKE_MS = 120.0, 3000.0  # the default p99 threshold is 1000 ms


def alarm(key: str) -> str:
    return f"SageWatch/{ENDPOINT}/{VARIANT}/{key}"


# core/monitoring/alarms.py on an ml.g5.12xlarge host (4 GPUs): the variant keeps the instance
# alarms, and the invocation alarms move to each component (Applies.COMPONENT).
EXPECTED_ALARMS = {
    alarm("cpu-utilization"),
    alarm("memory-utilization"),
    alarm("disk-utilization"),
    alarm("gpu-utilization"),
    alarm("gpu-memory-utilization"),
    *(
        alarm(f"{key}.{component}")
        for key in ("model-latency-p99", "invocation-5xx-rate", "invocation-4xx-rate")
        for component in ("llama-ic", "mistral-ic")
    ),
}


@pytest.fixture
def account() -> Iterator[EmulatedAccount]:
    with EmulatedAccount(parameters={"SlackWebhookSecretName": SECRET}) as emulated:
        emulated.client("secretsmanager").create_secret(Name=SECRET, SecretString=emulated.slack_url)
        emulated.create_endpoint(
            ENDPOINT,
            variants=[VariantSpec(VARIANT, "ml.g5.12xlarge", 1, max_instance_count=3)],
            inference_components=[
                ComponentSpec("llama-ic", copies=2, memory_mb=24_576, accelerators=2),
                ComponentSpec("mistral-ic", copies=1, memory_mb=16_384, accelerators=1),
            ],
            tags={"team": "genai"},
        )
        assert emulated.now  # pin the simulated clock before any alarm exists
        emulated.advance(MINUTE)  # the stack's own alarms leave INSUFFICIENT_DATA here
        emulated.alarm_engine.notifications.clear()
        yield emulated


def in_service_event(account: EmulatedAccount, endpoint: str = ENDPOINT) -> dict[str, Any]:
    """SageMaker's state-change event for the endpoint as it is now (the sample's shape)."""
    sample = copy.deepcopy(json.loads((EVENTS / "in-service-cpu.json").read_text()))
    described = account.client("sagemaker").describe_endpoint(EndpointName=endpoint)
    arn = described["EndpointArn"]
    sample["resources"] = [arn]
    sample["detail"].update(
        EndpointName=endpoint,
        EndpointArn=arn,
        EndpointConfigName=described["EndpointConfigName"],
        ProductionVariants=[
            {"VariantName": VARIANT, "CurrentInstanceCount": 1, "DesiredInstanceCount": 1, "CurrentWeight": 1.0}
        ],
        Tags={"team": "genai"},
    )
    return dict(sample)


def onboard(account: EmulatedAccount) -> dict[str, dict[str, Any]]:
    result = account.invoke("OnboardFunction", in_service_event(account))
    assert result.error is None, result.error_traceback
    assert result.response["outcome"] == "onboarded"
    pages = (
        account.client("cloudwatch").get_paginator("describe_alarms").paginate(AlarmNamePrefix=f"SageWatch/{ENDPOINT}/")
    )
    return {a["AlarmName"]: a for page in pages for a in page["MetricAlarms"]}


def minute_of_traffic(account: EmulatedAccount, llama_ms: float) -> None:
    """One minute as SageMaker publishes it, then the clock ends that minute."""
    now = account.now
    items: list[Published] = [
        *component_minute("llama-ic", now, requests=240, model_latency_ms=llama_ms),
        # At least 200 requests a minute each: with EvaluateLowSampleCountPercentile "ignore", a
        # p99 over fewer than 1000 samples in its 5 minutes keeps the alarm's state (here
        # INSUFFICIENT_DATA), as on AWS.
        *component_minute("mistral-ic", now, requests=300, model_latency_ms=HEALTHY_MS),
        *host_instance_minute(
            ENDPOINT, VARIANT, now, cpu=[480.0], memory=[40.0], disk=[20.0], gpu=[220.0], gpu_memory=[260.0]
        ),
    ]
    account.publish_metrics(items)
    account.advance(MINUTE)


def test_the_endpoint_is_described_as_aws_describes_an_inference_component_endpoint(
    account: EmulatedAccount,
) -> None:
    sagemaker = account.client("sagemaker")
    endpoint = sagemaker.describe_endpoint(EndpointName=ENDPOINT)
    [variant] = endpoint["ProductionVariants"]
    assert variant["ManagedInstanceScaling"] == {"Status": "ENABLED", "MinInstanceCount": 1, "MaxInstanceCount": 3}
    assert variant["RoutingConfig"] == {"RoutingStrategy": "LEAST_OUTSTANDING_REQUESTS"}
    config = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    [configured] = config["ProductionVariants"]
    assert "ModelName" not in configured
    listed = sagemaker.list_inference_components(EndpointNameEquals=ENDPOINT)["InferenceComponents"]
    assert [(c["InferenceComponentName"], c["VariantName"]) for c in listed] == [
        ("llama-ic", VARIANT),
        ("mistral-ic", VARIANT),
    ]
    llama = sagemaker.describe_inference_component(InferenceComponentName="llama-ic")
    assert llama["Specification"]["ModelName"] == f"{ENDPOINT}-llama-ic-model"
    assert llama["RuntimeConfig"] == {"DesiredCopyCount": 2, "CurrentCopyCount": 2}


def test_onboarding_alarms_each_component_and_the_variant_only_on_its_instances(account: EmulatedAccount) -> None:
    alarms = onboard(account)
    assert set(alarms) == EXPECTED_ALARMS
    for name, described in alarms.items():
        component = next((c for c in ("llama-ic", "mistral-ic") if name.endswith(f".{c}")), None)
        dimensions = [
            {d["Name"]: d["Value"] for d in m["MetricStat"]["Metric"]["Dimensions"]}
            for m in described.get("Metrics", [])
            if "MetricStat" in m
        ] or [{d["Name"]: d["Value"] for d in described["Dimensions"]}]
        expected = (
            {"InferenceComponentName": component} if component else {"EndpointName": ENDPOINT, "VariantName": VARIANT}
        )
        assert all(d == expected for d in dimensions), name
    board = account.client("cloudwatch").get_dashboard(
        DashboardName=dashboard_name("SageWatch", account.region, ENDPOINT)
    )["DashboardBody"]
    assert "llama-ic" in board and "mistral-ic" in board


def test_a_latency_spike_on_one_component_fires_its_alarm_and_the_alert_names_it(account: EmulatedAccount) -> None:
    onboard(account)
    llama_p99, mistral_p99 = alarm("model-latency-p99.llama-ic"), alarm("model-latency-p99.mistral-ic")
    for _ in range(5):
        minute_of_traffic(account, HEALTHY_MS)
    states = account.alarm_states()
    assert (states[llama_p99], states[mistral_p99]) == ("OK", "OK")
    account.drain_queue("AlertQueue", "NotifyFunction", max_rounds=20, max_seconds=120)  # the first OKs
    account.alarm_engine.notifications.clear()

    for _ in range(3):  # 3 of 5 breaching minutes
        minute_of_traffic(account, SPIKE_MS)
    states = account.alarm_states()
    assert (states[llama_p99], states[mistral_p99]) == ("ALARM", "OK")
    [sent] = account.alarm_notifications
    assert sent.message["AlarmName"] == llama_p99
    assert sent.message["Trigger"]["Dimensions"] == [{"value": "llama-ic", "name": "InferenceComponentName"}]

    invocations = account.drain_queue("AlertQueue", "NotifyFunction", max_rounds=5, max_seconds=60)
    assert all(i.error is None for i in invocations), [i.error for i in invocations]
    posted = [m for i in invocations for m in i.slack_messages]
    assert len(posted) == 1
    text = json.dumps(posted[0], ensure_ascii=False)
    assert "llama-ic" in text
    assert "mistral-ic" not in text
    # The component, its endpoint and its model (one DescribeInferenceComponent), linked.
    assert f"llama-ic on endpoint {ENDPOINT}" in text
    assert f"{ENDPOINT}-llama-ic-model" in text
    assert "Inference component llama-ic" in text


COMPONENT_KEYS = ("model-latency-p99", "invocation-5xx-rate", "invocation-4xx-rate")


def component_alarms(account: EmulatedAccount, component: str) -> set[str]:
    pages = (
        account.client("cloudwatch").get_paginator("describe_alarms").paginate(AlarmNamePrefix=f"SageWatch/{ENDPOINT}/")
    )
    return {a["AlarmName"] for page in pages for a in page["MetricAlarms"] if a["AlarmName"].endswith(f".{component}")}


def dashboard_components(account: EmulatedAccount) -> set[str]:
    """The components the endpoint's dashboard draws series for."""
    body = json.loads(
        account.client("cloudwatch").get_dashboard(DashboardName=dashboard_name("SageWatch", account.region, ENDPOINT))[
            "DashboardBody"
        ]
    )
    found = set()
    for widget in body["widgets"]:
        for entry in widget.get("properties", {}).get("metrics", []):
            if isinstance(entry, list) and "InferenceComponentName" in entry:
                found.add(entry[entry.index("InferenceComponentName") + 1])
    return found


def test_a_component_added_then_removed_gets_its_alarms_and_widgets_then_loses_them(account: EmulatedAccount) -> None:
    """The lifecycle through the stack's own rule: the emulated trail's events are matched
    against OnboardFunction's InferenceComponentCall pattern and delivered to it."""
    onboard(account)
    assert dashboard_components(account) == {"llama-ic", "mistral-ic"}
    assert component_alarms(account, "qwen-ic") == set()

    created = account.create_inference_component(ENDPOINT, ComponentSpec("qwen-ic", copies=1, accelerators=1))
    assert created["detail"]["requestParameters"]["endpointName"] == ENDPOINT
    [invocation] = account.deliver_event(created)
    assert invocation.error is None, invocation.error_traceback
    assert invocation.response["outcome"] == "onboarded"
    assert component_alarms(account, "qwen-ic") == {alarm(f"{key}.qwen-ic") for key in COMPONENT_KEYS}
    assert sorted(invocation.response["created"]) == sorted(alarm(f"{k}.qwen-ic") for k in COMPONENT_KEYS)
    assert dashboard_components(account) == {"llama-ic", "mistral-ic", "qwen-ic"}

    # At-least-once: the same event again, and an update of the copy count, write nothing.
    [again] = account.deliver_event(created)
    [updated] = account.deliver_event(account.update_inference_component("qwen-ic", copies=2))
    assert (again.response["outcome"], updated.response["outcome"]) == ("unchanged", "unchanged")

    # Deleted: gone from SageMaker at once, so the endpoint is found through SageWatch's alarms.
    [removed] = account.deliver_event(account.delete_inference_component("qwen-ic"))
    assert removed.error is None, removed.error_traceback
    assert sorted(removed.response["deleted"]) == sorted(alarm(f"{k}.qwen-ic") for k in COMPONENT_KEYS)
    assert component_alarms(account, "qwen-ic") == set()
    assert dashboard_components(account) == {"llama-ic", "mistral-ic"}
    assert component_alarms(account, "llama-ic") == {alarm(f"{key}.llama-ic") for key in COMPONENT_KEYS}


@pytest.mark.parametrize(
    "sample", ["ic-create.json", "ic-update.json", "ic-delete.json", "ic-create-failed.json", "ic-delete-denied.json"]
)
def test_the_sample_component_events_reach_only_onboard_function(account: EmulatedAccount, sample: str) -> None:
    onboard(account)
    event = json.loads((EVENTS / sample).read_text())
    [invocation] = account.deliver_event(event)
    assert invocation.error is None, invocation.error_traceback
    # ic-create names llm-hub, whose alarms stand: nothing to write; llama-ic of the update and
    # delete samples is described (it exists here) and its endpoint re-fitted; the failed
    # calls (one refused by IAM, recorded with requestParameters null) are answered without a read.
    expected = "skipped" if sample in ("ic-create-failed.json", "ic-delete-denied.json") else "unchanged"
    assert invocation.response["outcome"] == expected


# --- a host with no component, in AWS's order ------------------------------------------------

HOST = "genai-hub"
# The instance alarms of an ml.g5.12xlarge variant (4 GPUs): all a host keeps with no component.
HOST_INSTANCE_ALARMS = {
    f"SageWatch/{HOST}/{VARIANT}/{key}"
    for key in (
        "cpu-utilization",
        "memory-utilization",
        "disk-utilization",
        "gpu-utilization",
        "gpu-memory-utilization",
    )
}


def host_alarms(account: EmulatedAccount) -> set[str]:
    pages = account.client("cloudwatch").get_paginator("describe_alarms").paginate(AlarmNamePrefix=f"SageWatch/{HOST}/")
    return {a["AlarmName"] for page in pages for a in page["MetricAlarms"]}


def test_a_host_with_no_component_has_no_variant_invocation_alarm_at_first_in_service_and_after_its_last() -> None:
    """AWS's order for inference components (SageMaker API reference: CreateEndpointConfig with a
    ProductionVariant that names no model — only VariantName is required — and
    ManagedInstanceScaling; CreateEndpoint; DescribeEndpoint until InService; then
    CreateInferenceComponent, which AWS refuses on an endpoint whose variant serves a model):
    the endpoint goes IN_SERVICE with zero components and keeps running after DeleteInferenceComponent
    removed its last one. Its variant publishes no invocation metric by EndpointName + VariantName
    (docs/alarms.md, "Where the metrics live"), so at both moments it has only its instance alarms."""
    with EmulatedAccount(parameters={"SlackWebhookSecretName": SECRET}) as account:
        account.client("secretsmanager").create_secret(Name=SECRET, SecretString=account.slack_url)
        described = account.create_endpoint(
            HOST, variants=[VariantSpec(VARIANT, "ml.g5.12xlarge", 1, max_instance_count=2)], component_host=True
        )
        assert described["EndpointStatus"] == "InService"
        sagemaker = account.client("sagemaker")
        assert sagemaker.list_inference_components(EndpointNameEquals=HOST)["InferenceComponents"] == []
        [configured] = sagemaker.describe_endpoint_config(EndpointConfigName=described["EndpointConfigName"])[
            "ProductionVariants"
        ]
        assert "ModelName" not in configured

        # 1. IN_SERVICE with zero components.
        event = in_service_event(account, HOST)
        [first] = account.deliver_event(event)
        assert first.error is None, first.error_traceback
        assert first.response["outcome"] == "onboarded"
        assert host_alarms(account) == HOST_INSTANCE_ALARMS

        # 2. A component is added (its CloudTrail call re-fits the endpoint): its alarms, still none on the variant.
        [added] = account.deliver_event(
            account.create_inference_component(HOST, ComponentSpec("phi-ic", accelerators=1))
        )
        assert added.error is None, added.error_traceback
        assert host_alarms(account) == HOST_INSTANCE_ALARMS | {
            f"SageWatch/{HOST}/{VARIANT}/{key}.phi-ic" for key in COMPONENT_KEYS
        }

        # 3. The last component is deleted: the host keeps running and keeps its instance alarms only.
        [removed] = account.deliver_event(account.delete_inference_component("phi-ic"))
        assert removed.error is None, removed.error_traceback
        assert sagemaker.describe_endpoint(EndpointName=HOST)["EndpointStatus"] == "InService"
        assert host_alarms(account) == HOST_INSTANCE_ALARMS

        # The same again from a fresh IN_SERVICE (SageMaker may repeat an event): nothing changes.
        [again] = account.deliver_event(event)
        assert again.response["outcome"] == "unchanged"
