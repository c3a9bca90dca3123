from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from sagewatch.core.monitoring.alarm_spec import AlarmSpec
from sagewatch.core.monitoring.alarms import desired_alarms
from sagewatch.core.monitoring.latency_fit import fit_latency
from sagewatch.core.monitoring.notes import is_problem
from sagewatch.core.monitoring.policy import Policy
from sagewatch.core.monitoring.profile import VariantProfile, profile_from_descriptions
from sagewatch.core.shared.naming import parse_alarm_name
from tests.unit.factories import async_endpoint, gpu_multi_variant, profile, serverless

PREFIX = "SageWatch"
_TARGET = (("EndpointName", "fraud-scorer"), ("VariantName", "AllTraffic"))


def by_key(alarms: Sequence[AlarmSpec], variant: str | None = "AllTraffic") -> dict[str, AlarmSpec]:
    return {a.key: a for a in alarms if a.variant == variant}


def test_cpu_endpoint_gets_the_instance_backed_set() -> None:
    alarms = desired_alarms(profile(), Policy(), PREFIX).alarms
    assert set(by_key(alarms)) == {
        "invocation-5xx-rate",
        "invocation-4xx-rate",
        "model-latency-p99",
        "cpu-utilization",
        "memory-utilization",
        "disk-utilization",
    }


def test_every_metric_alarm_has_endpoint_and_variant_dimensions() -> None:
    for alarm in desired_alarms(gpu_multi_variant(), Policy(), PREFIX).alarms:
        metrics = [alarm.metric] if alarm.metric else [q.metric for q in alarm.queries if q.metric]
        for metric in metrics:
            assert metric is not None
            names = [k for k, _ in metric.dimensions]
            assert names == ["EndpointName", "VariantName"], alarm.name


def test_latency_threshold_in_ms_becomes_microseconds() -> None:
    # A busy variant (quiet hour 1,500 requests a minute): the 60-second p99.
    busy = replace(profile(), latency_fits={_TARGET: fit_latency(1500.0)})
    alarm = by_key(
        desired_alarms(busy, Policy.from_document({"thresholds": {"model-latency-p99": 250}}), PREFIX).alarms
    )["model-latency-p99"]
    assert alarm.threshold == 250_000
    assert alarm.metric is not None and alarm.metric.stat == "p99" and alarm.metric.name == "ModelLatency"
    kwargs = alarm.put_kwargs(["arn:topic"])
    assert kwargs["ExtendedStatistic"] == "p99" and "Statistic" not in kwargs
    assert alarm.human_threshold == pytest.approx(250)


def test_cpu_and_gpu_thresholds_scale_with_cores_and_gpus() -> None:
    alarms = desired_alarms(gpu_multi_variant(), Policy(), PREFIX).alarms
    gpu = by_key(alarms, "gpu-a10g")
    cpu = by_key(alarms, "cpu-canary")
    assert gpu["cpu-utilization"].threshold == 90 * 48  # ml.g5.12xlarge: 48 vCPUs
    assert gpu["gpu-utilization"].threshold == 95 * 4  # 4 A10G GPUs
    assert gpu["gpu-memory-utilization"].threshold == 90 * 4
    assert cpu["cpu-utilization"].threshold == 90 * 8  # ml.c5.2xlarge: 8 vCPUs
    assert "gpu-utilization" not in cpu
    assert gpu["cpu-utilization"].human_threshold == pytest.approx(90)


def test_error_rate_is_metric_math_that_ignores_idle_minutes() -> None:
    alarm = by_key(desired_alarms(profile(), Policy(), PREFIX).alarms)["invocation-5xx-rate"]
    assert alarm.metric is None
    returned = [q for q in alarm.queries if q.return_data]
    assert len(returned) == 1 and returned[0].expression == "IF(invocations > 0, 100 * errors / invocations)"
    names = {q.metric.name for q in alarm.queries if q.metric}
    assert names == {"Invocation5XXErrors", "Invocations"}
    assert alarm.treat_missing_data == "notBreaching"
    kwargs = alarm.put_kwargs([])
    assert "Period" not in kwargs and all("Id" in m for m in kwargs["Metrics"])


def test_serverless_set() -> None:
    alarms = by_key(desired_alarms(serverless(), Policy(), PREFIX).alarms)
    assert set(alarms) == {
        "invocation-5xx-rate",
        "invocation-4xx-rate",
        "model-latency-p99",
        "memory-utilization",
        "model-setup-time",
        "serverless-concurrency-utilization",
    }
    assert alarms["serverless-concurrency-utilization"].threshold == pytest.approx(0.8)
    assert alarms["model-setup-time"].threshold == 10_000_000


def test_async_set_has_endpoint_level_backlog_alarms_and_no_error_rate() -> None:
    alarms = desired_alarms(async_endpoint(), Policy(), PREFIX).alarms
    endpoint_level = by_key(alarms, None)
    assert set(endpoint_level) == {"async-backlog-size", "async-oldest-request-age", "async-backlog-without-capacity"}
    for alarm in endpoint_level.values():
        assert alarm.metric is not None and alarm.metric.dimensions == (("EndpointName", "video-tagger"),)
    per_variant = by_key(alarms)
    assert "async-invocation-failures" in per_variant and "gpu-utilization" in per_variant
    assert "invocation-5xx-rate" not in per_variant


def test_unknown_instance_type_skips_cpu_and_gpu_with_a_note() -> None:
    result = desired_alarms(profile(variants=(VariantProfile("AllTraffic", "ml.z99.mega", 1),)), Policy(), PREFIX)
    keys = set(by_key(result.alarms))
    assert "cpu-utilization" not in keys and "memory-utilization" in keys and "model-latency-p99" in keys
    problems = [note for note in result.notes if is_problem(note)]
    assert len(problems) == 1 and "ml.z99.mega" in problems[0]


def test_disabled_alarms_are_not_desired() -> None:
    policy = Policy.from_document({"disabled": ["disk-utilization", "invocation-4xx-rate"]})
    keys = set(by_key(desired_alarms(profile(), policy, PREFIX).alarms))
    assert "disk-utilization" not in keys and "invocation-4xx-rate" not in keys


def test_names_are_deterministic_prefixed_and_parseable() -> None:
    first = desired_alarms(gpu_multi_variant(), Policy(), PREFIX).alarms
    second = desired_alarms(gpu_multi_variant(), Policy(), PREFIX).alarms
    assert [a.name for a in first] == [a.name for a in second]
    assert len({a.name for a in first}) == len(first)
    for alarm in first:
        assert alarm.name.startswith("SageWatch/llm-chat/")
        assert parse_alarm_name(PREFIX, alarm.name) == ("llm-chat", alarm.variant, alarm.key)
        assert ("sagewatch:endpoint", "llm-chat") in alarm.tags
        assert len(alarm.description) <= 1024 and "Look first at" in alarm.description


def test_inference_components_get_their_own_latency_and_error_alarms() -> None:
    variant = VariantProfile("AllTraffic", "ml.g5.12xlarge", 1, inference_components=("llama-ic", "mistral-ic"))
    alarms = desired_alarms(profile("shared", (variant,)), Policy(), PREFIX).alarms
    component_alarms = [a for a in alarms if a.name.endswith(("llama-ic", "mistral-ic"))]
    assert len(component_alarms) == 6  # 5XX rate, 4XX rate and latency p99 for each component
    for alarm in component_alarms:
        metrics = [alarm.metric] if alarm.metric else [q.metric for q in alarm.queries if q.metric]
        assert all(m is not None and m.dimensions == (("InferenceComponentName", m.dimensions[0][1]),) for m in metrics)


def test_a_variant_hosting_components_keeps_only_its_instance_alarms() -> None:
    # Such an endpoint publishes no invocation metrics under EndpointName + VariantName: an
    # invocation alarm there would sit in INSUFFICIENT_DATA forever.
    variant = VariantProfile("AllTraffic", "ml.g5.12xlarge", 1, inference_components=("llama-ic",))
    alarms = desired_alarms(profile("shared", (variant,)), Policy(), PREFIX).alarms
    variant_level = {a.key for a in alarms if not a.name.endswith("llama-ic")}
    assert variant_level == {
        "cpu-utilization",
        "memory-utilization",
        "disk-utilization",
        "gpu-utilization",
        "gpu-memory-utilization",
    }


HOST_INSTANCE_ALARMS = {
    "cpu-utilization",
    "memory-utilization",
    "disk-utilization",
    "gpu-utilization",
    "gpu-memory-utilization",
}


@pytest.mark.parametrize(
    "components",
    [[], [{"InferenceComponentName": "gone-ic", "VariantName": "AllTraffic", "InferenceComponentStatus": "Deleting"}]],
)
def test_a_component_host_without_components_is_recognised_by_its_config_and_gets_no_invocation_alarm(
    components: list[dict[str, str]],
) -> None:
    # AWS's order: the endpoint for components (a config variant without ModelName) goes
    # InService before any component exists, and stays after the last one is deleted. Its
    # variant never publishes invocation metrics by EndpointName + VariantName either way.
    endpoint = {
        "EndpointName": "llm-hub",
        "EndpointArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/llm-hub",
        "EndpointStatus": "InService",
        "EndpointConfigName": "llm-hub-config",
        "ProductionVariants": [{"VariantName": "AllTraffic", "CurrentInstanceCount": 1}],
    }
    config = {
        "ProductionVariants": [
            {
                "VariantName": "AllTraffic",
                "InstanceType": "ml.g5.12xlarge",
                "InitialInstanceCount": 1,
                "ManagedInstanceScaling": {"Status": "ENABLED", "MinInstanceCount": 1, "MaxInstanceCount": 2},
                "RoutingConfig": {"RoutingStrategy": "LEAST_OUTSTANDING_REQUESTS"},
            }
        ]
    }
    host = profile_from_descriptions(endpoint, config, {}, components)
    assert host.kind == "inference-components"
    alarms = desired_alarms(host, Policy(), PREFIX).alarms
    assert {a.key for a in alarms} == HOST_INSTANCE_ALARMS
    assert all(a.variant == "AllTraffic" for a in alarms)


def test_a_variant_that_names_a_model_is_no_component_host() -> None:
    variant = {"VariantName": "AllTraffic", "ModelName": "m", "InstanceType": "ml.m5.xlarge"}
    endpoint = {
        "EndpointName": "e",
        "EndpointArn": "arn:aws:sagemaker:us-east-1:1:endpoint/e",
        "ProductionVariants": [{"VariantName": "AllTraffic"}],
    }
    [read] = profile_from_descriptions(endpoint, {"ProductionVariants": [variant]}, {}).variants
    assert not read.is_component_host
    # A deleted config tells nothing: the variant is then judged by the components it serves.
    [unknown] = profile_from_descriptions(endpoint, None, {}).variants
    assert not unknown.is_component_host


def test_memory_namespace_follows_where_each_kind_publishes_it() -> None:
    serverless_memory = by_key(desired_alarms(serverless(), Policy(), PREFIX).alarms)["memory-utilization"]
    instance_memory = by_key(desired_alarms(profile(), Policy(), PREFIX).alarms)["memory-utilization"]
    assert serverless_memory.metric is not None and serverless_memory.metric.namespace == "/aws/sagemaker/Endpoints"
    assert instance_memory.metric is not None and instance_memory.metric.namespace == "/aws/sagemaker/Endpoints"


def test_each_component_costs_its_own_alarms() -> None:
    from sagewatch.core.monitoring.cost import cost_per_component

    variant = VariantProfile("AllTraffic", "ml.g5.12xlarge", 1, inference_components=("llama-ic", "mistral-ic"))
    alarms = desired_alarms(profile("shared", (variant,)), Policy(), PREFIX).alarms
    costs = cost_per_component(alarms)
    assert set(costs) == {"llama-ic", "mistral-ic"}
    # 5XX and 4XX rates read two metrics each, latency p99 one: five metrics at 0.10 USD.
    assert [(c.alarms, c.alarm_metrics, c.alarms_usd) for c in costs.values()] == [(3, 5, 0.5), (3, 5, 0.5)]
