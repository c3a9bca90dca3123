"""Every alarm SageWatch knows, with its defaults and the reasoning behind them.

Thresholds here are in *human* units (ms, %, requests, seconds); the alarm builder converts
them to the metric's own unit (ModelLatency is in microseconds, CPUUtilization is summed over
cores). The README's "Alarm defaults" table is generated from this module, so the two
cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sagewatch.core.alerting.units import format_comparison, format_value


class Applies(StrEnum):
    """Which kind of variant or endpoint an alarm belongs to."""

    REALTIME = "real-time"  # instance-backed, synchronous invocations
    SERVERLESS = "serverless"
    INSTANCE = "instance"  # any instance-backed variant (real-time or async)
    KNOWN_INSTANCE = "known-instance"  # instance-backed, type in the catalogue (core count known)
    GPU = "gpu"  # instance-backed variants on NVIDIA GPU instances
    ASYNC = "async"  # endpoint-level, asynchronous endpoints
    ASYNC_VARIANT = "async-variant"  # per variant of an asynchronous endpoint
    DATA_QUALITY_SCHEDULE = "data-quality-schedule"  # per feature of a Model Monitor data-quality schedule
    # Per inference component (dimension InferenceComponentName alone): an endpoint that hosts
    # components publishes its invocation metrics per component, none per variant (docs/alarms.md).
    COMPONENT = "inference-component"


@dataclass(frozen=True)
class AlarmDefinition:
    key: str
    title: str
    applies: tuple[Applies, ...]
    unit: str
    default_threshold: float
    comparison: str
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int
    treat_missing_data: str
    statistic: str
    why: str  # why these defaults; shown in the docs
    look_first: str  # what the on-call engineer should look at first; goes into the alarm description
    # Statistic, period and datapoints fitted per target to its traffic (core.monitoring.latency_fit);
    # the fields above then hold the busiest class's.
    fitted: bool = False


_GT = "GreaterThanThreshold"
_GTE = "GreaterThanOrEqualToThreshold"

DEFINITIONS: tuple[AlarmDefinition, ...] = (
    AlarmDefinition(
        key="invocation-5xx-rate",
        title="5XX error rate",
        applies=(Applies.REALTIME, Applies.SERVERLESS, Applies.COMPONENT),
        unit="%",
        default_threshold=5.0,
        comparison=_GT,
        period=60,
        evaluation_periods=5,
        datapoints_to_alarm=3,
        treat_missing_data="notBreaching",
        statistic="Sum",
        why=(
            "Metric math 100*Invocation5XXErrors/Invocations, evaluated only in minutes with traffic "
            "(IF(Invocations > 0, ...)), so an idle endpoint never alarms and one failed request "
            "out of three does not page at night. 3 of 5 minutes rides out a single bad minute."
        ),
        look_first="the endpoint's CloudWatch Logs for container errors, then memory utilization",
    ),
    AlarmDefinition(
        key="invocation-4xx-rate",
        title="4XX error rate",
        applies=(Applies.REALTIME, Applies.SERVERLESS, Applies.COMPONENT),
        unit="%",
        default_threshold=10.0,
        comparison=_GT,
        period=60,
        evaluation_periods=5,
        datapoints_to_alarm=3,
        treat_missing_data="notBreaching",
        statistic="Sum",
        why=(
            "Client errors are usually the caller's fault (bad payloads, wrong content type), so the "
            "threshold is higher than for 5XX; a sustained rise still means a broken client release."
        ),
        look_first="recent client deployments and the request content type; the logs show rejected payloads",
    ),
    AlarmDefinition(
        key="model-latency-p99",
        title="Model latency",
        applies=(Applies.INSTANCE, Applies.SERVERLESS, Applies.COMPONENT),
        unit="ms",
        default_threshold=1000.0,
        comparison=_GT,
        period=60,
        evaluation_periods=5,
        datapoints_to_alarm=3,
        treat_missing_data="notBreaching",
        statistic="p99",
        why=(
            "A percentile shows the tail users feel; the average hides it. But CloudWatch keeps the "
            "state of a percentile alarm while a period holds fewer than 10/(1-p) samples "
            "(EvaluateLowSampleCountPercentile=ignore; 1,000 a period for p99), so a 60 s p99 never "
            "fires below 1,000 requests a minute. The statistic, period and datapoints are therefore "
            "fitted to each variant's or component's quiet-hour traffic: p99 where the traffic can "
            "feed it, then p90, p50 and, below 4 requests a minute, Average (see 'The latency alarm, "
            "fitted to traffic'). ModelLatency is reported in microseconds, so the threshold in ms "
            "is multiplied by 1000; a tag or policy threshold applies to whichever statistic is chosen. "
            "The key keeps its historical name so that alarm names and tag overrides stay stable."
        ),
        look_first="CPU/GPU utilization and instance count (saturation), then the model's own logs",
        fitted=True,
    ),
    AlarmDefinition(
        key="cpu-utilization",
        title="CPU utilization (per core)",
        applies=(Applies.KNOWN_INSTANCE,),
        unit="%",
        default_threshold=90.0,
        comparison=_GT,
        period=300,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data="missing",
        statistic="Average",
        why=(
            "CPUUtilization is summed over cores (400% on 4 vCPUs), so the per-core threshold is "
            "multiplied by the instance type's vCPU count. 15 minutes of saturation means scaling "
            "is not keeping up; shorter spikes are normal for batch-y traffic."
        ),
        look_first="invocations per instance and the auto-scaling policy; latency usually rises with it",
    ),
    AlarmDefinition(
        key="memory-utilization",
        title="Memory utilization",
        applies=(Applies.INSTANCE, Applies.SERVERLESS),
        unit="%",
        default_threshold=90.0,
        comparison=_GT,
        period=300,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data="missing",
        statistic="Average",
        why="Sustained high memory precedes OOM kills, which show up as 5XX errors and restarts.",
        look_first="the logs for OOM kills and worker restarts; 5XX errors follow high memory",
    ),
    AlarmDefinition(
        key="disk-utilization",
        title="Disk utilization",
        applies=(Applies.INSTANCE,),
        unit="%",
        default_threshold=85.0,
        comparison=_GT,
        period=300,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data="missing",
        statistic="Maximum",
        why="A full volume breaks model loading and logging; Maximum catches the worst instance.",
        look_first="what the container writes to disk (temporary files, caches, logs)",
    ),
    AlarmDefinition(
        key="gpu-utilization",
        title="GPU utilization (per GPU)",
        applies=(Applies.GPU,),
        unit="%",
        default_threshold=95.0,
        comparison=_GT,
        period=300,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data="missing",
        statistic="Average",
        why=(
            "GPUUtilization is summed over GPUs (400% on 4 GPUs), so the per-GPU threshold is "
            "multiplied by the GPU count. GPUs are meant to run hot: only near-saturation alarms."
        ),
        look_first="latency and invocations per instance; consider scaling out",
    ),
    AlarmDefinition(
        key="gpu-memory-utilization",
        title="GPU memory utilization (per GPU)",
        applies=(Applies.GPU,),
        unit="%",
        default_threshold=90.0,
        comparison=_GT,
        period=300,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data="missing",
        statistic="Average",
        why="Summed over GPUs like GPUUtilization; running out of GPU memory fails requests (CUDA OOM).",
        look_first="the logs for CUDA out-of-memory errors; batch size and model size",
    ),
    AlarmDefinition(
        key="model-setup-time",
        title="Serverless cold start (ModelSetupTime)",
        applies=(Applies.SERVERLESS,),
        unit="ms",
        default_threshold=10000.0,
        comparison=_GT,
        period=300,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        treat_missing_data="notBreaching",
        statistic="Maximum",
        why=(
            "ModelSetupTime (microseconds) is the cold start of a serverless endpoint; it is only "
            "reported when compute is launched, so missing data is normal and not breaching. Cold "
            "starts are sparse (one per scale-out): under steady traffic a slow one may be the only "
            "one in hours, so one slow cold start alarms (Maximum, 1 of 1) — a 2-of-3 rule missed a "
            "regression in the simulated week."
        ),
        look_first="model artifact size and container start-up; consider provisioned concurrency",
    ),
    AlarmDefinition(
        key="serverless-concurrency-utilization",
        title="Serverless concurrency utilization",
        applies=(Applies.SERVERLESS,),
        unit="%",
        default_threshold=80.0,
        comparison=_GT,
        period=60,
        evaluation_periods=5,
        datapoints_to_alarm=3,
        treat_missing_data="notBreaching",
        statistic="Maximum",
        why=(
            "ServerlessConcurrentExecutionsUtilization is a fraction (0-1) of MaxConcurrency; near "
            "1 requests are throttled. The % threshold is divided by 100."
        ),
        look_first="the endpoint's MaxConcurrency and account concurrency quota",
    ),
    AlarmDefinition(
        key="async-backlog-size",
        title="Async backlog size",
        applies=(Applies.ASYNC,),
        unit="requests",
        default_threshold=100.0,
        comparison=_GT,
        period=300,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data="notBreaching",
        statistic="Average",
        why="A backlog that stays above the threshold for 15 minutes means processing cannot keep up.",
        look_first="instance count and auto-scaling on ApproximateBacklogSizePerInstance",
    ),
    AlarmDefinition(
        key="async-oldest-request-age",
        title="Async oldest request age",
        applies=(Applies.ASYNC,),
        unit="s",
        default_threshold=900.0,
        comparison=_GT,
        period=300,
        evaluation_periods=2,
        datapoints_to_alarm=2,
        treat_missing_data="notBreaching",
        statistic="Maximum",
        why="Requests waiting more than 15 minutes break most callers' expectations of 'near real time'.",
        look_first="the backlog size and whether the endpoint has scaled to zero",
    ),
    AlarmDefinition(
        key="async-invocation-failures",
        title="Async invocation failures",
        applies=(Applies.ASYNC_VARIANT,),
        unit="requests",
        default_threshold=5.0,
        comparison=_GTE,
        period=300,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        treat_missing_data="notBreaching",
        statistic="Sum",
        why="Failed async requests land in the failure S3 path silently; a handful in 5 minutes is a signal.",
        look_first="the S3 failure path of the async config and the endpoint's logs",
    ),
    AlarmDefinition(
        key="async-backlog-without-capacity",
        title="Async backlog without capacity",
        applies=(Applies.ASYNC,),
        unit="flag",
        default_threshold=1.0,
        comparison=_GTE,
        period=60,
        evaluation_periods=5,
        datapoints_to_alarm=3,
        treat_missing_data="notBreaching",
        statistic="Maximum",
        why=(
            "HasBacklogWithoutCapacity is 1 when requests wait and no instance runs (scaled to zero): "
            "nothing will process them until scaling reacts."
        ),
        look_first="the scale-out-from-zero policy (a step scaling policy on HasBacklogWithoutCapacity)",
    ),
    AlarmDefinition(
        key="feature-drift",
        title="Data drift (Model Monitor)",
        applies=(Applies.DATA_QUALITY_SCHEDULE,),
        unit="distance",
        default_threshold=0.1,
        comparison=_GT,
        period=3600,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        treat_missing_data="ignore",
        statistic="Maximum",
        why=(
            "feature_baseline_drift_<feature> is the distance between the feature's distribution in "
            "the run and in the baseline; Model Monitor's own constraint check flags a violation above "
            "distribution_constraints.comparison_threshold, 0.1 in the constraints it suggests "
            '("Schema for Constraints (constraints.json file)", SageMaker developer guide), so the '
            "alarm uses the same default. One point per run (hourly at most): 1 of 1 in an hour, and "
            "missing data keeps the state between runs (ignore) so a drifted feature stays in ALARM "
            "until a run says otherwise. One alarm per discovered feature, capped per schedule by "
            "the policy's drift_features_per_schedule."
        ),
        look_first=(
            "the feature's distribution in the run's statistics.json against the baseline, "
            "then recent upstream data changes"
        ),
    ),
)

BY_KEY: dict[str, AlarmDefinition] = {d.key: d for d in DEFINITIONS}
ALARM_KEYS: tuple[str, ...] = tuple(BY_KEY)


def _missing_data_text(treatment: str) -> str:
    return {
        "notBreaching": "not breaching",
        "missing": "keeps state",
        "breaching": "breaching",
        "ignore": "ignored (state kept)",
    }.get(treatment, treatment)


def markdown_table() -> str:
    """The alarm defaults as a Markdown table (docs/alarms.md embeds exactly this)."""
    rows = [
        "| key | alarm | applies to | statistic | default threshold | period | datapoints | missing data |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for d in DEFINITIONS:
        threshold = format_comparison(d.comparison, format_value(d.default_threshold, d.unit))
        statistic, period, datapoints = (
            d.statistic,
            f"{d.period} s",
            f"{d.datapoints_to_alarm} of {d.evaluation_periods}",
        )
        if d.fitted:
            statistic, period, datapoints = (
                "fitted to traffic: p99, p90, p50 or Average",
                "60 or 300 s",
                "3 of 5 or 2 of 3",
            )
        rows.append(
            f"| `{d.key}` | {d.title} | {', '.join(a.value for a in d.applies)} | {statistic} | "
            f"{threshold} | {period} | {datapoints} | {_missing_data_text(d.treat_missing_data)} |"
        )
    return "\n".join(rows)


def markdown_reasons() -> str:
    """Why each default is what it is, and what an on-call engineer should look at first."""
    return "\n".join(f"- **`{d.key}`**: {d.why} *Look first at:* {d.look_first}." for d in DEFINITIONS)
