"""Drift alarms for an endpoint's Model Monitor data-quality schedules (pure).

One alarm per discovered ``feature_baseline_drift_<feature>`` metric (capped per schedule by the
policy), on the metric exactly as ListMetrics returned it: namespace and every dimension, so the
alarm watches what the schedule really publishes whichever documented spelling that is.

Model-quality, bias and explainability schedules get no alarms: their metrics have no direction
and default that holds across models (accuracy falls when worse, RMSE rises; a good F1 for one
model is a bad one for another), and Model Monitor itself compares them with the schedule's own
baseline constraints. They are graphed on the dashboard, and a run that finds violations reaches
people through the execution alert path (CompletedWithViolations). See docs/alarms.md.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from sagewatch.core.model_monitor.schedules import DriftMetric, MonitoringSchedule
from sagewatch.core.monitoring.alarm_catalog import BY_KEY
from sagewatch.core.monitoring.alarm_spec import AlarmSpec, Display, Metric
from sagewatch.core.monitoring.cost import USD_PER_ALARM_METRIC
from sagewatch.core.monitoring.notes import InfoNote
from sagewatch.core.monitoring.policy import Policy
from sagewatch.core.monitoring.profile import EndpointProfile
from sagewatch.core.shared.alarm_context import AlarmContext
from sagewatch.core.shared.naming import alarm_name

KEY = "feature-drift"
TAG_SCHEDULE = "sagewatch:monitoring-schedule"
_MAX_NAME = 255  # PutMetricAlarm AlarmName: 1-255 characters


def drift_alarm_name(prefix: str, endpoint: str, schedule: str, feature: str) -> str:
    """``<prefix>/<endpoint>/_endpoint/feature-drift.<schedule>.<feature>``, within 255 characters.

    A ``/`` would break the name's four parts (core.shared.naming), so it becomes ``-``; a name
    too long keeps its head and ends with a digest of the full feature name, so it stays unique.
    """
    safe = feature.replace("/", "-")
    name = alarm_name(prefix, endpoint, None, f"{KEY}.{schedule}.{safe}")
    if len(name) <= _MAX_NAME:
        return name
    digest = hashlib.sha256(feature.encode()).hexdigest()[:8]
    return name[: _MAX_NAME - 9] + "~" + digest


def drift_alarms(
    profile: EndpointProfile, policy: Policy, prefix: str, route: AlarmContext
) -> tuple[list[AlarmSpec], list[str]]:
    """(alarms, notes) for every data-quality schedule; notes say what is left out and why."""
    alarms: list[AlarmSpec] = []
    notes: list[str] = []
    if not profile.monitoring_schedules:
        return alarms, notes
    enabled = policy.is_enabled(KEY)
    for schedule in profile.monitoring_schedules:
        if not schedule.is_data_quality:
            notes.append(
                InfoNote(
                    f"Model Monitor schedule {schedule.name} ({schedule.monitoring_type}): graphed on the "
                    "dashboard, no alarm (no direction or default holds across models; its violations "
                    "alert through the execution status)"
                )
            )
            continue
        if not enabled:
            continue
        if not schedule.drift_metrics:
            notes.append(
                f"Model Monitor schedule {schedule.name}: no feature_baseline_drift_* metrics found "
                "(CloudWatch metrics disabled, or no run yet); its drift alarms follow the first run "
                "(reconcile or the schedule's next state change)"
            )
            continue
        for metric in schedule.drift_metrics:
            alarms.append(_build(profile, schedule, metric, policy, prefix, route))
        count = len(schedule.drift_metrics)
        notes.append(
            InfoNote(
                f"Model Monitor schedule {schedule.name}: {count} drift alarm(s), ~{count * USD_PER_ALARM_METRIC:.2f} "
                f"USD/month (cap {policy.drift_features_per_schedule} per schedule)"
            )
        )
        if schedule.left_out:
            notes.append(
                InfoNote(  # the policy's cap doing its job: known, not a fault
                    f"Model Monitor schedule {schedule.name}: drift alarms on {len(schedule.drift_metrics)} "
                    f"feature(s), {len(schedule.left_out)} left out by drift_features_per_schedule="
                    f"{policy.drift_features_per_schedule}: {', '.join(schedule.left_out)}"
                )
            )
    return alarms, notes


def _build(
    profile: EndpointProfile,
    schedule: MonitoringSchedule,
    metric: DriftMetric,
    policy: Policy,
    prefix: str,
    route: AlarmContext,
) -> AlarmSpec:
    definition = BY_KEY[KEY]
    threshold = policy.threshold(KEY)
    description = (
        f"[SageWatch] Data drift on feature {metric.feature} of SageMaker endpoint {profile.name} "
        f"(Model Monitor schedule {schedule.name}): baseline drift above {threshold:g} in a run "
        f"(period {definition.period} s). Look first at: {definition.look_first}."
    )
    context = replace(route, kind=profile.kind, unit=definition.unit, scale=None)
    trailer = context.encode()
    room = 1024 - len(trailer) - 1  # CloudWatch allows 1024 characters; the trailer stays whole
    if len(description) > room:
        description = description[: room - 1] + "\u2026"
    return AlarmSpec(
        name=drift_alarm_name(prefix, profile.name, schedule.name, metric.feature),
        key=KEY,
        endpoint=profile.name,
        variant=None,
        description=f"{description} {trailer}",
        threshold=threshold,
        comparison=definition.comparison,
        period=definition.period,
        evaluation_periods=definition.evaluation_periods,
        datapoints_to_alarm=definition.datapoints_to_alarm,
        treat_missing_data=definition.treat_missing_data,
        display=Display(unit=definition.unit),
        metric=Metric(metric.namespace, metric.name, metric.dimensions, definition.statistic),
        tags=(
            ("sagewatch:endpoint", profile.name),
            ("sagewatch:alarm-key", KEY),
            ("sagewatch:managed-by", "sagewatch"),
            (TAG_SCHEDULE, schedule.name),
        ),
    )
