"""A pure evaluator of CloudWatch alarms, following CloudWatch's documented semantics.

Used by the emulated account (which stores raw samples and must evaluate alarms as AWS does), the
simulator, and ``sagewatch backtest`` (which replays per-period values from GetMetricData). No
boto3, no I/O. A tool, never shipped: no Lambda function evaluates alarms (CloudWatch does), so it
lives beside the emulator, not in the runtime package; it imports neither the emulator, the
simulator nor the CLI (tests/unit/test_tool_packages.py).
docs/evaluation.md describes each rule, its AWS source and the documented approximations.

Typical use::

    config = AlarmConfig.from_describe_alarms(described_alarm)
    points = datapoints_for_alarm(config, samples, now)          # or per-period values you have
    outcome = evaluate(config, points, now)
    new_state = outcome.resolve(current_state)
"""

from .anomaly import anomaly_bands, band_from_history, parse_anomaly_band
from .comparison import Band, is_breaching
from .composite import (
    CompositeEvaluation,
    CompositeRule,
    CompositeRuleError,
    UnknownChildAlarmError,
    evaluate_composite,
    parse_rule,
)
from .config import (
    AlarmConfig,
    AlarmState,
    ComparisonOperator,
    LowSampleCount,
    MetricDataQuery,
    MetricStat,
    TreatMissingData,
)
from .datapoints import Datapoint, aggregate, align, datapoints_for_alarm, evaluation_window, window_end
from .expressions import (
    Expression,
    ExpressionError,
    UnsupportedFunctionError,
    evaluate_expression,
    parse_expression,
)
from .math_alarm import AlarmSeries, alarm_series, evaluate_alarm
from .metric_alarm import EvaluatedDatapoint, Evaluation, evaluate
from .reason import format_number, format_timestamp
from .statistics import Sample, Statistic, compute, is_low_sample, low_sample_bound, parse_statistic, percentile

__all__ = [
    "AlarmConfig",
    "AlarmSeries",
    "AlarmState",
    "Band",
    "ComparisonOperator",
    "CompositeEvaluation",
    "CompositeRule",
    "CompositeRuleError",
    "Datapoint",
    "EvaluatedDatapoint",
    "Evaluation",
    "Expression",
    "ExpressionError",
    "LowSampleCount",
    "MetricDataQuery",
    "MetricStat",
    "Sample",
    "Statistic",
    "TreatMissingData",
    "UnknownChildAlarmError",
    "UnsupportedFunctionError",
    "aggregate",
    "alarm_series",
    "align",
    "anomaly_bands",
    "band_from_history",
    "compute",
    "datapoints_for_alarm",
    "evaluate",
    "evaluate_alarm",
    "evaluate_composite",
    "evaluate_expression",
    "evaluation_window",
    "format_number",
    "format_timestamp",
    "is_breaching",
    "is_low_sample",
    "low_sample_bound",
    "parse_anomaly_band",
    "parse_expression",
    "parse_rule",
    "parse_statistic",
    "percentile",
    "window_end",
]
