"""Backtest one endpoint: the alarms onboarding would create, replayed over the endpoint's history.

The endpoint is read and its alarms derived by the very code onboarding runs
(``Onboarding.read_profile``, drift metrics of Model Monitor schedules included, and
``Onboarding.desired`` with the fleet policy), so the
backtest and the alarms in the account cannot disagree. History comes from GetMetricData
(``adapters.cloudwatch.metric_history``); the replay and the threshold search are pure
(``core.monitoring.backtest``). Nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from sagewatch.core.monitoring.backtest import BacktestReport, backtest_alarm, history_queries, window
from sagewatch.usecases.latency_traffic import MetricPoints
from sagewatch.usecases.onboarding import Onboarding

MAX_DAYS = 15  # GetMetricData keeps 1-minute datapoints for 15 days; SageWatch's alarms use 60 s


class HistoryRead(MetricPoints, Protocol):
    """The points read, with the GetMetricData calls it took and what CloudWatch complained about."""

    @property
    def calls(self) -> int: ...

    @property
    def problems(self) -> Sequence[str]: ...


class HistoryPort(Protocol):
    def read(self, queries: Sequence[Mapping[str, Any]], start: datetime, end: datetime) -> HistoryRead: ...


class Backtester:
    def __init__(
        self,
        onboarding: Onboarding,
        history: HistoryPort,
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
