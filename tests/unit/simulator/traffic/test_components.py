"""Inference-component metrics land where SageMaker publishes them, with its statistics."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sagewatch_simulator.traffic import check, component_minute, host_instance_minute

MOMENT = datetime(2026, 11, 28, 3, 12, tzinfo=UTC)


def test_component_invocation_metrics_are_by_component_name_alone() -> None:
    items = component_minute("llama-ic", MOMENT, requests=200, model_latency_ms=150.0, errors_5xx=4, errors_4xx=2)
    for item in items:
        check(item)
    by_name = {item.key.name: item for item in items}
    assert set(by_name) == {"Invocations", "Invocation5XXErrors", "Invocation4XXErrors", "ModelLatency"}
    assert all(item.key.namespace == "AWS/SageMaker" for item in items)
    assert all(item.key.dimensions == (("InferenceComponentName", "llama-ic"),) for item in items)
    assert (by_name["Invocations"].values, by_name["Invocations"].counts) == ((1.0,), (200.0,))
    errors = by_name["Invocation5XXErrors"]
    assert sum(v * c for v, c in zip(errors.values, errors.counts, strict=True)) == 4
    assert sum(errors.counts) == 200
    latency = by_name["ModelLatency"]
    assert (latency.key.unit, latency.values, latency.counts) == ("Microseconds", (150_000.0,), (200.0,))


def test_an_idle_minute_publishes_nothing_and_errors_cannot_outnumber_requests() -> None:
    assert component_minute("llama-ic", MOMENT, requests=0, model_latency_ms=150.0) == []
    with pytest.raises(ValueError, match="more errors than requests"):
        component_minute("llama-ic", MOMENT, requests=2, model_latency_ms=1.0, errors_5xx=2, errors_4xx=1)


def test_host_instance_gauges_are_per_variant_one_value_per_instance() -> None:
    items = host_instance_minute(
        "llm-hub", "AllTraffic", MOMENT, cpu=[400.0, 420.0], memory=[40.0, 41.0], disk=[20.0, 20.0]
    )
    for item in items:
        check(item)
    assert [item.key.name for item in items] == ["CPUUtilization", "MemoryUtilization", "DiskUtilization"]
    assert all(item.key.namespace == "/aws/sagemaker/Endpoints" for item in items)
    assert all(item.key.dimensions == (("EndpointName", "llm-hub"), ("VariantName", "AllTraffic")) for item in items)
    assert items[0].counts == (1.0, 1.0)
