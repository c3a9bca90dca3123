"""Backtest one endpoint: the alarms onboarding would create, replayed over the endpoint's history.

The endpoint is read and its alarms derived by the very code onboarding runs
(``Onboarding.read_profile``, drift metrics of Model Monitor schedules included, and
``Onboarding.desired`` with the fleet policy), so the
backtest and the alarms in the account cannot disagree. History comes from GetMetricData
(``adapters.cloudwatch.metric_history``); the replay and the threshold search are pure
(``sagewatch_cli.backtest.report``). Nothing is written.

A tool, not shipped in the layer: no Lambda function backtests. :func:`backtester` composes it from
the runtime's own adapters and onboarding, through the wiring the handlers use.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sagewatch.adapters.cloudwatch.alarms_and_dashboards import CloudWatchWriter
from sagewatch.adapters.cloudwatch.metric_history import MAX_DATAPOINTS_PER_CALL, MetricHistory
from sagewatch.adapters.sagemaker import SageMakerEndpoints
from sagewatch.config import MonitoringConfig
from sagewatch.usecases.onboarding import Onboarding
from sagewatch.wiring import Wiring
from sagewatch_cli.backtest.report import BacktestReport, backtest_alarm, history_queries, window

MAX_DAYS = 15  # GetMetricData keeps 1-minute datapoints for 15 days; SageWatch's alarms use 60 s


class Backtester:
    def __init__(
        self,
        onboarding: Onboarding,
        history: MetricHistory,
        now: Callable[[], datetime] = lambda: datetime.now(tz=UTC),
    ) -> None:
        self._onboarding = onboarding
        self._history = history
        self._now = now

    def run(self, endpoint_name: str, days: int, end: datetime | None = None) -> BacktestReport:
        """Raises EndpointNotFoundError, AwsCallError, or ValueError for days outside 1..MAX_DAYS."""
        if not 1 <= days <= MAX_DAYS:
            raise ValueError(f"days must be between 1 and {MAX_DAYS} (1-minute data is kept 15 days)")
        # Onboarding's own reading (ListMetrics for drift features), so drift alarms are replayed too.
        profile = self._onboarding.read_profile(endpoint_name)
        specs, _body, notes = self._onboarding.desired(profile)
        start, stop = window(end or self._now(), days)
        queries, readings = history_queries(specs)
        history = self._history.read([q.as_query() for q in queries], start, stop)
        alarms = tuple(backtest_alarm(reading, history.points, start, stop, days) for reading in readings)
        all_notes = list(notes) + [f"GetMetricData: {problem}" for problem in history.problems]
        if profile.status != "InService":
            all_notes.append(f"endpoint is {profile.status}: alarms as they would be fitted once it is InService")
        if any(reading.samples is not None for reading in readings):
            # GetMetricData returned each percentile's SampleCount in the same call.
            all_notes.append(
                "percentile alarms with EvaluateLowSampleCountPercentile=ignore keep their state in periods "
                "with too few samples, as CloudWatch does (SampleCount read with the history)"
            )
        return BacktestReport(
            endpoint=profile.name,
            kind=profile.kind,
            start=start,
            end=stop,
            days=days,
            get_metric_data_calls=history.calls,
            alarms=alarms,
            notes=tuple(all_notes),
        )


def backtester(wiring: Wiring, config: MonitoringConfig, *, max_datapoints: int | None = None) -> Backtester:
    """``sagewatch backtest``: the alarms onboarding would fit, replayed over the metric history.

    Built from the same pieces as onboarding (endpoint reader, policy, ``Onboarding.desired``);
    its writer is never called. ``max_datapoints`` is GetMetricData's page size (default: the
    API's 100,800)."""
    current = wiring.with_current_policy(config, fresh=True)
    cloudwatch = wiring.client("cloudwatch")
    endpoints = SageMakerEndpoints(wiring.client("sagemaker"))
    history = MetricHistory(cloudwatch, max_datapoints=max_datapoints or MAX_DATAPOINTS_PER_CALL)
    onboarding = Onboarding(endpoints, CloudWatchWriter(cloudwatch), current, traffic=MetricHistory(cloudwatch))
    return Backtester(onboarding, history)
