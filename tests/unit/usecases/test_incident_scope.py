"""What one incident covers: an endpoint's serving, each of its inference components, and each
of its Model Monitor schedules are separate incidents (a drift alarm that stays in ALARM between
hourly runs must not fold a 5XX burst into itself)."""

from __future__ import annotations

from sagewatch.core.alerting.alert_kinds import incident_scope
from sagewatch.core.alerting.alert_target import AlertTarget
from sagewatch.core.alerting.incident import incident_key

ARN = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:SageWatch/llm-hub/AllTraffic/x"


def key(target: AlertTarget | None) -> str:
    return incident_key(ARN, incident_scope(target), owned=target is not None)


def test_the_variants_and_the_async_queue_of_an_endpoint_share_one_incident() -> None:
    cpu = AlertTarget("llm-hub", "AllTraffic", alarm_key="cpu-utilization")
    queue = AlertTarget("llm-hub", None, alarm_key="async-backlog-size")
    assert key(cpu) == key(queue) == "arn:aws:cloudwatch:us-east-1:123456789012:endpoint/llm-hub"


def test_each_component_and_each_schedule_is_its_own_incident() -> None:
    serving = key(AlertTarget("llm-hub", "AllTraffic", alarm_key="cpu-utilization"))
    llama = key(AlertTarget("llm-hub", "AllTraffic", "llama-ic", alarm_key="invocation-5xx-rate"))
    llama_latency = key(AlertTarget("llm-hub", "AllTraffic", "llama-ic", alarm_key="model-latency-p99"))
    mistral = key(AlertTarget("llm-hub", "AllTraffic", "mistral-ic", alarm_key="invocation-5xx-rate"))
    drift_a = key(AlertTarget("llm-hub", None, alarm_key="feature-drift", schedule="dq", feature="amount"))
    drift_b = key(AlertTarget("llm-hub", None, alarm_key="feature-drift", schedule="dq", feature="age"))
    assert llama == llama_latency and drift_a == drift_b
    assert len({serving, llama, mistral, drift_a}) == 4


def test_an_alarm_sagewatch_does_not_own_is_its_own_incident() -> None:
    assert key(None) == ARN
