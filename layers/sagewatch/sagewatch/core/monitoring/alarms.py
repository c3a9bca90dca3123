"""Desired alarms for an endpoint: pure function of its profile and the effective policy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from sagewatch.core.model_monitor.drift_alarms import KEY as DRIFT_SEVERITY_KEY
from sagewatch.core.model_monitor.drift_alarms import drift_alarms
from sagewatch.core.monitoring.alarm_catalog import DEFINITIONS, AlarmDefinition, Applies
from sagewatch.core.monitoring.alarm_spec import AlarmSpec, Display, Metric, MetricQuery
from sagewatch.core.monitoring.latency_fit import fit_latency
from sagewatch.core.monitoring.notes import InfoNote
from sagewatch.core.monitoring.policy import Policy
from sagewatch.core.monitoring.profile import EndpointProfile, VariantProfile
from sagewatch.core.shared.alarm_context import AlarmContext
from sagewatch.core.shared.instance_types import lookup
from sagewatch.core.shared.namespaces import INSTANCE_NAMESPACE, INVOCATION_NAMESPACE
from sagewatch.core.shared.naming import alarm_name

TAG_ENDPOINT = "sagewatch:endpoint"
TAG_VARIANT = "sagewatch:variant"
TAG_ALARM_KEY = "sagewatch:alarm-key"
TAG_MANAGED_BY = "sagewatch:managed-by"

# Single-metric alarms: (namespace, metric name) per alarm key.
_SINGLE_METRIC: dict[str, tuple[str, str]] = {
    "model-latency-p99": (INVOCATION_NAMESPACE, "ModelLatency"),
    "cpu-utilization": (INSTANCE_NAMESPACE, "CPUUtilization"),
    "memory-utilization": (INSTANCE_NAMESPACE, "MemoryUtilization"),
    "disk-utilization": (INSTANCE_NAMESPACE, "DiskUtilization"),
    "gpu-utilization": (INSTANCE_NAMESPACE, "GPUUtilization"),
    "gpu-memory-utilization": (INSTANCE_NAMESPACE, "GPUMemoryUtilization"),
    "model-setup-time": (INVOCATION_NAMESPACE, "ModelSetupTime"),
    "serverless-concurrency-utilization": (INVOCATION_NAMESPACE, "ServerlessConcurrentExecutionsUtilization"),
    "async-backlog-size": (INVOCATION_NAMESPACE, "ApproximateBacklogSize"),
    "async-oldest-request-age": (INVOCATION_NAMESPACE, "ApproximateAgeOfOldestRequest"),
    "async-backlog-without-capacity": (INVOCATION_NAMESPACE, "HasBacklogWithoutCapacity"),
    "async-invocation-failures": (INVOCATION_NAMESPACE, "InvocationFailures"),
}
_ERROR_RATE_METRIC = {
    "invocation-5xx-rate": "Invocation5XXErrors",
    "invocation-4xx-rate": "Invocation4XXErrors",
}
LATENCY_KEY = "model-latency-p99"
_MICROSECOND_KEYS = frozenset({LATENCY_KEY, "model-setup-time"})
# An endpoint that hosts inference components publishes its invocation metrics per component,
# under InferenceComponentName alone, and none under EndpointName + VariantName (docs/alarms.md,
# "Where the metrics live"): the alarms that apply to Applies.COMPONENT move from the variant to
# each component, while the variant keeps its instance metrics (CPU, memory, disk, GPU).


@dataclass(frozen=True)
class DesiredAlarms:
    alarms: tuple[AlarmSpec, ...]
    notes: tuple[str, ...]  # things a person should know, e.g. an unknown instance type


def desired_alarms(
    profile: EndpointProfile,
    policy: Policy,
    prefix: str,
    *,
    slack_secret: str | None = None,
    email: tuple[str, ...] = (),
    team: str | None = None,
    severities: Mapping[str, str] | None = None,
) -> DesiredAlarms:
    """Every alarm the endpoint should have. ``slack_secret``/``email``/``team`` route its alerts
    elsewhere; ``severities`` overrides alarm keys' default severity (page or notify)."""
    route = AlarmContext(slack=slack_secret, email=email, team=team)
    severities = severities or {}
    alarms: list[AlarmSpec] = []
    notes: list[str] = []

    def own(key: str) -> AlarmContext:
        return replace(route, severity=severities.get(key)) if key in severities else route

    for variant in profile.variants:
        kinds = _variant_kinds(profile, variant, notes)
        for definition in DEFINITIONS:
            if not policy.is_enabled(definition.key):
                continue
            if variant.is_component_host and Applies.COMPONENT in definition.applies:
                # Per component; none on the variant, also while it hosts no component yet or
                # any more (it publishes no invocation metrics of its own either way).
                for component in variant.inference_components:
                    alarms.append(
                        _build(
                            prefix,
                            profile,
                            variant,
                            definition,
                            policy,
                            own(definition.key),
                            notes,
                            component=component,
                        )
                    )
                continue
            if kinds.intersection(definition.applies):
                alarms.append(_build(prefix, profile, variant, definition, policy, own(definition.key), notes))
    if profile.is_async:
        for definition in DEFINITIONS:
            if Applies.ASYNC in definition.applies and policy.is_enabled(definition.key):
                alarms.append(_build(prefix, profile, None, definition, policy, own(definition.key), notes))
    # Model Monitor: per-feature drift alarms of data-quality schedules (core.model_monitor.drift_alarms).
    drift, drift_notes = drift_alarms(profile, policy, prefix, own(DRIFT_SEVERITY_KEY))
    alarms.extend(drift)
    notes.extend(drift_notes)
    return DesiredAlarms(tuple(alarms), tuple(notes))


def _variant_kinds(profile: EndpointProfile, variant: VariantProfile, notes: list[str]) -> set[Applies]:
    if variant.is_serverless:
        return {Applies.SERVERLESS}
    kinds = {Applies.INSTANCE}
    kinds.add(Applies.ASYNC_VARIANT if profile.is_async else Applies.REALTIME)
    spec = lookup(variant.instance_type) if variant.instance_type else None
    if spec is None:
        notes.append(
            f"variant {variant.name}: instance type {variant.instance_type!r} is not in the catalogue, "
            "so CPU and GPU alarms (which need the core and GPU count) are skipped; "
            "the other alarms are created"
        )
        return kinds
    kinds.add(Applies.KNOWN_INSTANCE)
    if spec.gpus > 0:
        kinds.add(Applies.GPU)
    return kinds


def _build(
    prefix: str,
    profile: EndpointProfile,
    variant: VariantProfile | None,
    definition: AlarmDefinition,
    policy: Policy,
    route: AlarmContext,
    notes: list[str],
    component: str | None = None,
) -> AlarmSpec:
    key = definition.key
    human = policy.threshold(key)
    threshold, display = _to_metric_units(definition, variant, human)
    if component:
        dimensions: tuple[tuple[str, str], ...] = (("InferenceComponentName", component),)
    elif variant is None:
        dimensions = (("EndpointName", profile.name),)
    else:
        dimensions = (("EndpointName", profile.name), ("VariantName", variant.name))
    name_key = f"{key}.{component}" if component else key
    where = f"variant {variant.name}" if variant else "endpoint"
    if component:
        where = f"inference component {component} on variant {variant.name if variant else '-'}"
    statistic, period = definition.statistic, definition.period
    evaluation_periods, datapoints = definition.evaluation_periods, definition.datapoints_to_alarm
    title, fitted = definition.title, ""
    if key == LATENCY_KEY:
        # Fitted to the traffic it will see (core.monitoring.latency_fit); the key stays, so
        # alarm names and the tag override sagewatch:alarm:model-latency-p99 do not change.
        fit = profile.latency_fits.get(dimensions) or fit_latency(None)
        chosen = fit.chosen
        statistic, period = chosen.statistic, chosen.period
        evaluation_periods, datapoints = chosen.evaluation_periods, chosen.datapoints_to_alarm
        title = f"Model latency {statistic}"
        fitted = f" Fitted to traffic: {fit.reason()}."
        notes.append(InfoNote(f"latency alarm of {where}: {fit.reason()}"))
    name = alarm_name(prefix, profile.name, variant.name if variant else None, name_key)
    metric: Metric | None = None
    queries: tuple[MetricQuery, ...] = ()
    if key in _ERROR_RATE_METRIC:
        errors = Metric(INVOCATION_NAMESPACE, _ERROR_RATE_METRIC[key], dimensions, "Sum")
        invocations = Metric(INVOCATION_NAMESPACE, "Invocations", dimensions, "Sum")
        queries = (
            MetricQuery(id="errors", metric=errors),
            MetricQuery(id="invocations", metric=invocations),
            # IF without an else drops idle minutes instead of treating them as 0 % or breaching.
            MetricQuery(
                id="rate",
                expression="IF(invocations > 0, 100 * errors / invocations)",
                label=f"{definition.title} (%)",
                return_data=True,
            ),
        )
    else:
        # MemoryUtilization lives in /aws/sagemaker/Endpoints for serverless variants too: the
        # only namespace AWS documents it in (docs/alarms.md, "Where the metrics live").
        namespace, metric_name = _SINGLE_METRIC[key]
        metric = Metric(namespace, metric_name, dimensions, statistic)
    comparison = "above" if definition.comparison == "GreaterThanThreshold" else "at or above"
    description = (
        f"[SageWatch] {title} of SageMaker endpoint {profile.name} ({where}) is {comparison} "
        f"{_fmt(human)} {display.unit} in {datapoints} of "
        f"{evaluation_periods} periods of {period} s.{fitted} "
        f"Look first at: {definition.look_first}."
    )
    context = replace(
        route,
        kind=profile.kind,
        instance=variant.instance_type if variant is not None and not variant.is_serverless else None,
        unit=display.unit,
        scale=display.scale,
        insights=profile.detailed_observability,
    )
    tags = [
        (TAG_ENDPOINT, profile.name),
        (TAG_ALARM_KEY, key),
        (TAG_MANAGED_BY, "sagewatch"),
    ]
    if variant is not None:
        tags.append((TAG_VARIANT, variant.name))
    return AlarmSpec(
        name=name,
        key=key,
        endpoint=profile.name,
        variant=variant.name if variant else None,
        description=_with_context(description, context),
        threshold=threshold,
        comparison=definition.comparison,
        period=period,
        evaluation_periods=evaluation_periods,
        datapoints_to_alarm=datapoints,
        treat_missing_data=definition.treat_missing_data,
        display=display,
        metric=metric,
        queries=queries,
        # A percentile of a few samples is noise: keep the state instead. The fit chose a
        # statistic and period whose periods hold enough samples at the target's traffic.
        evaluate_low_sample_count_percentile="ignore" if key == LATENCY_KEY else None,
        tags=tuple(tags),
    )


def _to_metric_units(
    definition: AlarmDefinition, variant: VariantProfile | None, human: float
) -> tuple[float, Display]:
    key = definition.key
    if key in _MICROSECOND_KEYS:
        return human * 1000.0, Display(unit="ms", scale=0.001)
    if key == "serverless-concurrency-utilization":
        return human / 100.0, Display(unit="%", scale=100.0)
    if key in ("cpu-utilization", "gpu-utilization", "gpu-memory-utilization"):
        spec = lookup(variant.instance_type) if variant and variant.instance_type else None
        units = 0
        if spec is not None:
            units = spec.vcpus if key == "cpu-utilization" else spec.gpus
        units = max(units, 1)
        # CloudWatch sums these over cores/GPUs: 90 % per core on 4 vCPUs is 360 in the metric.
        return human * units, Display(unit="%", scale=1.0 / units)
    return human, Display(unit=definition.unit)


def _with_context(text: str, context: AlarmContext) -> str:
    """CloudWatch allows 1024 characters: shorten the text, never the machine-readable trailer."""
    trailer = context.encode()
    room = 1024 - len(trailer) - 1
    if len(text) > room:
        text = text[: room - 1] + "…"
    return f"{text} {trailer}"


def _fmt(value: float) -> str:
    return f"{value:g}"
