"""Which endpoint and variant an alarm notification is about, without any API call.

In order: SageWatch's own alarm names (``<prefix>/<endpoint>/<variant>/<key>``), the trigger's
dimensions (someone's hand-made alarm on SageMaker metrics), the triggering children of a
composite alarm. Anything else is not about an endpoint and is formatted generically.
"""

from __future__ import annotations

from dataclasses import dataclass

from sagewatch.core.alerting.notification import AlarmNotification
from sagewatch.core.model_monitor.schedules import DRIFT_METRIC_PREFIX
from sagewatch.core.shared.alarm_context import AlarmContext, split_description
from sagewatch.core.shared.namespaces import MODEL_MONITOR_NAMESPACES, SAGEMAKER_NAMESPACES
from sagewatch.core.shared.naming import is_valid_endpoint_name, parse_alarm_name

DRIFT_KEY = "feature-drift"  # core.model_monitor.drift_alarms.KEY (alerting does not import the builder)


@dataclass(frozen=True)
class AlertTarget:
    endpoint: str | None = None
    variant: str | None = None
    component: str | None = None
    alarm_key: str | None = None  # SageWatch's alarm key when the alarm is ours
    context: AlarmContext | None = None
    description: str | None = None  # the description without SageWatch's trailer
    # Model Monitor alarms (drift per feature): the schedule and the feature they watch.
    schedule: str | None = None
    feature: str | None = None

    @property
    def is_endpoint(self) -> bool:
        return self.endpoint is not None


def resolve_target(notification: AlarmNotification, prefix: str) -> AlertTarget:
    description, context = split_description(notification.description)
    own = parse_alarm_name(prefix, notification.alarm_name)
    if own is not None:
        endpoint, variant, key = own
        component = None
        if key.startswith(f"{DRIFT_KEY}."):
            # feature-drift.<schedule>.<feature>: schedule names have no ".", feature names may.
            schedule, _, feature = key[len(DRIFT_KEY) + 1 :].partition(".")
            return AlertTarget(
                endpoint, variant, None, DRIFT_KEY, context, description, schedule or None, feature or None
            )
        if "." in key:
            key, component = key.split(".", 1)
        return AlertTarget(endpoint, variant, component, key, context, description)
    for metric in notification.metrics:
        if metric.namespace in MODEL_MONITOR_NAMESPACES:
            # Someone's own alarm on Model Monitor metrics: either documented dimension spelling.
            monitored = metric.dimension("Endpoint") or metric.dimension("EndpointName")
            if monitored and is_valid_endpoint_name(monitored):
                drift = metric.name.startswith(DRIFT_METRIC_PREFIX)
                drifted = metric.name[len(DRIFT_METRIC_PREFIX) :] if drift else None
                watched_by = metric.dimension("MonitoringSchedule") or metric.dimension("ScheduleName")
                return AlertTarget(monitored, None, None, None, context, description, watched_by, drifted)
            continue
        if metric.namespace not in SAGEMAKER_NAMESPACES:
            continue
        dimension_endpoint = metric.dimension("EndpointName")
        if dimension_endpoint and is_valid_endpoint_name(dimension_endpoint):
            return AlertTarget(
                dimension_endpoint,
                metric.dimension("VariantName"),
                metric.dimension("InferenceComponentName"),
                None,
                context,
                description,
            )
    for child_arn in notification.triggering_children:
        child_name = child_arn.split(":alarm:", 1)[-1]
        child = parse_alarm_name(prefix, child_name)
        if child is not None:
            endpoint, variant, _key = child
            return AlertTarget(endpoint, variant, None, None, context, description)
    return AlertTarget(context=context, description=description)
