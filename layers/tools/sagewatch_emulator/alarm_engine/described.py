"""A moto alarm as DescribeAlarms returns it (the dict boto3 gives), read straight from the backend.

The engine works in-process on moto's objects (no HTTP per alarm per minute); the evaluator
(``AlarmConfig.from_describe_alarms``) and the notification builder both read the DescribeAlarms
shape, so this is the one place that translates moto's attribute names into it.
"""

from __future__ import annotations

from typing import Any


def is_composite(alarm: Any) -> bool:
    return getattr(alarm, "rule", None) is not None


def _dimensions(dimensions: Any) -> list[dict[str, str]]:
    return [{"Name": str(d.name), "Value": str(d.value)} for d in dimensions or ()]


def _queries(alarm: Any) -> list[dict[str, Any]]:
    queries: list[dict[str, Any]] = []
    for query in alarm.metric_data_queries or ():
        entry: dict[str, Any] = {"Id": query.id}
        stat = query.metric_stat
        if stat is not None:
            metric: dict[str, Any] = {
                "Namespace": stat.metric.namespace,
                "MetricName": stat.metric.metric_name,
                "Dimensions": _dimensions(stat.metric.dimensions),
            }
            entry["MetricStat"] = {"Metric": metric, "Period": int(stat.period), "Stat": stat.stat}
            if stat.unit:
                entry["MetricStat"]["Unit"] = stat.unit
        if query.expression:
            entry["Expression"] = query.expression
        if query.label:
            entry["Label"] = query.label
        entry["ReturnData"] = query.return_data in (None, True, "true", "True")
        if query.period:
            entry["Period"] = int(query.period)
        queries.append(entry)
    return queries


def describe_alarm(alarm: Any) -> dict[str, Any]:
    """``MetricAlarms``/``CompositeAlarms`` entry of DescribeAlarms for one moto alarm."""
    described: dict[str, Any] = {
        "AlarmName": alarm.name,
        "AlarmArn": alarm.alarm_arn,
        "AlarmDescription": alarm.description,
        "AlarmConfigurationUpdatedTimestamp": alarm.configuration_updated_timestamp,
        "ActionsEnabled": bool(alarm.actions_enabled),
        "OKActions": list(alarm.ok_actions or ()),
        "AlarmActions": list(alarm.alarm_actions or ()),
        "InsufficientDataActions": list(alarm.insufficient_data_actions or ()),
        "StateValue": alarm.state_value,
        "StateReason": alarm.state_reason,
        "StateUpdatedTimestamp": alarm.state_updated_timestamp,
    }
    if is_composite(alarm):
        described["AlarmRule"] = alarm.rule
        return described
    optional = {
        "MetricName": alarm.metric_name,
        "Namespace": alarm.namespace,
        "Statistic": alarm.statistic,
        "ExtendedStatistic": alarm.extended_statistic,
        "Unit": alarm.unit,
        "TreatMissingData": alarm.treat_missing_data,
        "EvaluateLowSampleCountPercentile": alarm.evaluate_low_sample_count_percentile,
        "ThresholdMetricId": alarm.threshold_metric_id,
    }
    described.update({key: value for key, value in optional.items() if value})
    if alarm.period:
        described["Period"] = int(alarm.period)
    described["EvaluationPeriods"] = int(alarm.evaluation_periods)
    if alarm.datapoints_to_alarm:
        described["DatapointsToAlarm"] = int(alarm.datapoints_to_alarm)
    if alarm.threshold is not None:
        described["Threshold"] = float(alarm.threshold)
    described["ComparisonOperator"] = alarm.comparison_operator
    if alarm.dimensions:
        described["Dimensions"] = _dimensions(alarm.dimensions)
    if alarm.metric_data_queries:
        described["Metrics"] = _queries(alarm)
    return described
