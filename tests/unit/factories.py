"""Hand-built profiles for pure tests."""

from __future__ import annotations

from types import MappingProxyType

from sagewatch.core.monitoring.profile import EndpointProfile, ServerlessConfig, VariantProfile

REGION = "us-east-1"
ACCOUNT = "123456789012"


def profile(
    name: str = "fraud-scorer",
    variants: tuple[VariantProfile, ...] = (VariantProfile("AllTraffic", "ml.m5.xlarge", 2),),
    *,
    is_async: bool = False,
    tags: dict[str, str] | None = None,
    status: str = "InService",
) -> EndpointProfile:
    return EndpointProfile(
        name=name,
        arn=f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/{name}",
        region=REGION,
        status=status,
        config_name=f"{name}-config",
        variants=variants,
        is_async=is_async,
        tags=MappingProxyType(tags or {}),
    )


def gpu_multi_variant() -> EndpointProfile:
    return profile(
        "llm-chat",
        (VariantProfile("gpu-a10g", "ml.g5.12xlarge", 2), VariantProfile("cpu-canary", "ml.c5.2xlarge", 1)),
    )


def serverless() -> EndpointProfile:
    return profile("churn-predictor", (VariantProfile("AllTraffic", serverless=ServerlessConfig(4096, 20)),))


def async_endpoint() -> EndpointProfile:
    return profile("video-tagger", (VariantProfile("AllTraffic", "ml.g4dn.xlarge", 1),), is_async=True)
