"""What an endpoint *is*, read from SageMaker: the input of every alarm and dashboard decision."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sagewatch.core.model_monitor.schedules import MonitoringSchedule
from sagewatch.core.monitoring.component_events import GONE_STATUSES
from sagewatch.core.monitoring.detailed_observability import has_detailed_observability
from sagewatch.core.monitoring.latency_fit import LatencyFit


@dataclass(frozen=True)
class ServerlessConfig:
    memory_mb: int
    max_concurrency: int
    provisioned_concurrency: int | None = None


@dataclass(frozen=True)
class VariantProfile:
    """One production variant. Instance-backed variants have an instance type; serverless ones not."""

    name: str
    instance_type: str | None = None
    instance_count: int | None = None
    serverless: ServerlessConfig | None = None
    model_name: str | None = None
    # Inference components hosted on this variant (endpoints built with inference components).
    inference_components: tuple[str, ...] = ()
    # The endpoint config says this variant hosts inference components: it names no model
    # (_hosts_components). Known before any component exists and after the last one goes.
    hosts_components: bool = False

    @property
    def is_serverless(self) -> bool:
        return self.serverless is not None

    @property
    def is_component_host(self) -> bool:
        """Serves through inference components: its requests are published per component, none
        per variant (docs/alarms.md, "Where the metrics live") — with zero components too.

        From the endpoint config; when the config is gone (an endpoint outlives a deleted
        config), the components listed on the variant are the only evidence left."""
        return self.hosts_components or bool(self.inference_components)


@dataclass(frozen=True)
class EndpointProfile:
    name: str
    arn: str
    region: str
    status: str
    config_name: str
    variants: tuple[VariantProfile, ...]
    is_async: bool = False
    tags: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    last_modified: datetime | None = None
    failure_reason: str | None = None
    # SageMaker AI detailed observability on the endpoint config: SageMaker AI Insights has a
    # view of this endpoint (core.monitoring.detailed_observability says how it is decided).
    detailed_observability: bool = False
    # Model Monitor schedules on this endpoint (core.model_monitor.schedules), sorted by name,
    # and the fingerprint of their ListMonitoringSchedules summaries the reconcile compares.
    monitoring_schedules: tuple[MonitoringSchedule, ...] = ()
    monitoring_fingerprint: str = ""
    # The latency alarm's fit per target, keyed by its metric's dimensions (EndpointName +
    # VariantName, or InferenceComponentName): read from traffic by usecases.onboarding. A target
    # without one gets the provisional class (core.monitoring.latency_fit).
    latency_fits: Mapping[tuple[tuple[str, str], ...], LatencyFit] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def account_id(self) -> str:
        parts = self.arn.split(":")
        return parts[4] if len(parts) > 4 else ""

    @property
    def is_serverless(self) -> bool:
        return bool(self.variants) and all(v.is_serverless for v in self.variants)

    @property
    def kind(self) -> str:
        """A one-word description used in logs, the dashboard header and the demo."""
        if self.is_async:
            return "async"
        if self.is_serverless:
            return "serverless"
        if any(v.is_component_host for v in self.variants):
            return "inference-components"
        return "real-time"


def profile_from_descriptions(
    endpoint: Mapping[str, Any],
    config: Mapping[str, Any] | None,
    tags: Mapping[str, str],
    inference_components: Sequence[Mapping[str, Any]] = (),
) -> EndpointProfile:
    """Build a profile from DescribeEndpoint, DescribeEndpointConfig, ListTags, ListInferenceComponents.

    The endpoint config is authoritative for instance types and serverless settings; the endpoint
    for the variants that exist right now and their current instance counts.
    """
    arn = str(endpoint.get("EndpointArn", ""))
    config_variants = {
        str(v["VariantName"]): v for v in (config or {}).get("ProductionVariants", []) if v.get("VariantName")
    }
    endpoint_variants = [v for v in endpoint.get("ProductionVariants") or [] if v.get("VariantName")]
    names = [str(v["VariantName"]) for v in endpoint_variants] or list(config_variants)
    current = {str(v["VariantName"]): v for v in endpoint_variants}
    components: dict[str, list[str]] = {}
    for component in inference_components:
        if component.get("InferenceComponentStatus") in GONE_STATUSES:
            continue  # being deleted, or never came up: it serves nothing and gets no alarms
        variant = component.get("VariantName")
        name = component.get("InferenceComponentName")
        if variant and name:
            components.setdefault(str(variant), []).append(str(name))

    variants = []
    for name in names:
        cfg = config_variants.get(name, {})
        cur = current.get(name, {})
        serverless_raw = cur.get("CurrentServerlessConfig") or cfg.get("ServerlessConfig")
        serverless = None
        if serverless_raw:
            serverless = ServerlessConfig(
                memory_mb=int(serverless_raw.get("MemorySizeInMB", 0)),
                max_concurrency=int(serverless_raw.get("MaxConcurrency", 0)),
                provisioned_concurrency=(
                    int(serverless_raw["ProvisionedConcurrency"])
                    if serverless_raw.get("ProvisionedConcurrency") is not None
                    else None
                ),
            )
        count = cur.get("CurrentInstanceCount", cfg.get("InitialInstanceCount"))
        variants.append(
            VariantProfile(
                name=name,
                instance_type=None if serverless else cfg.get("InstanceType"),
                instance_count=None if serverless or count is None else int(count),
                serverless=serverless,
                model_name=cfg.get("ModelName"),
                inference_components=tuple(sorted(components.get(name, []))),
                hosts_components=_hosts_components(cfg),
            )
        )
    last_modified = endpoint.get("LastModifiedTime")
    return EndpointProfile(
        name=str(endpoint["EndpointName"]),
        arn=arn,
        region=arn.split(":")[3] if arn.count(":") >= 5 else "",
        status=str(endpoint.get("EndpointStatus", "")),
        config_name=str(endpoint.get("EndpointConfigName", "")),
        variants=tuple(variants),
        is_async=bool(endpoint.get("AsyncInferenceConfig") or (config or {}).get("AsyncInferenceConfig")),
        tags=MappingProxyType(dict(tags)),
        last_modified=last_modified if isinstance(last_modified, datetime) else None,
        failure_reason=endpoint.get("FailureReason") or None,
        detailed_observability=has_detailed_observability(config),
    )


def _hosts_components(config_variant: Mapping[str, Any]) -> bool:
    """A config variant without ModelName hosts inference components.

    SageMaker API reference, ProductionVariant: only VariantName is required; a variant that
    names no model is how an endpoint is built for inference components (with
    ManagedInstanceScaling and RoutingConfig), and CreateInferenceComponent refuses any other
    endpoint ("Inference Components are not supported in this Endpoint", as users report AWS's
    answer; the emulated account enforces it). Such an endpoint is
    InService before its first component and outlives its last. Serverless variants name a
    model; an unknown (deleted) config tells nothing."""
    return bool(config_variant) and not config_variant.get("ModelName") and not config_variant.get("ServerlessConfig")
