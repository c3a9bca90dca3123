"""Metrics and logs into one open account, simulated time forward, alarm states out: ``account.telemetry``.

Test data goes in through the real APIs (PutMetricData, PutLogEvents: :mod:`.cloudwatch.sample_data`)
or, for the simulator's volumes, straight into the alarm engine's store (``publish_metrics``);
``advance`` moves the simulated clock, evaluating every alarm at each minute boundary crossed
(:mod:`.alarm_engine`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sagewatch_emulator.alarm_engine import AdvanceReport, AlarmEngine, SentNotification
from sagewatch_emulator.cloudwatch.published import Published
from sagewatch_emulator.cloudwatch.sample_data import put_log_lines, put_metric_series
from sagewatch_emulator.errors import EmulatorError

__all__ = ["Telemetry"]


class Telemetry:
    """``client`` gives the account's boto3 clients; ``engine`` is the account's alarm engine."""

    def __init__(self, client: Callable[[str], Any], engine: AlarmEngine) -> None:
        self._client = client
        self.engine = engine

    def put_metric_series(
        self,
        namespace: str,
        metric_name: str,
        dimensions: Mapping[str, str],
        values: Sequence[float],
        *,
        end: datetime | None = None,
        period: int = 60,
        unit: str | None = None,
    ) -> None:
        """One datapoint per ``period`` seconds, the last at ``end``, through PutMetricData.

        ``end`` defaults to the start of the current period (metrics carry period-aligned
        timestamps, and a window ending "now" then includes the last point). Each value is put
        as a raw sample (``Values=[v]``), so every statistic works on it, percentiles included.
        """
        if period <= 0:
            raise EmulatorError("period must be a positive number of seconds")
        put_metric_series(
            self._client("cloudwatch"),
            namespace,
            metric_name,
            dimensions,
            values,
            end=end,
            period=period,
            unit=unit,
            now=self.engine.clock.now,  # the wall clock until a simulation starts
        )

    def put_log_lines(
        self,
        log_group: str,
        lines: Sequence[str],
        *,
        stream: str = "AllTraffic/i-0123456789abcdef0",
        at: datetime | None = None,
    ) -> None:
        """Write ``lines`` to a log stream (group and stream created if missing), in order.

        The lines are one millisecond apart, the last one at ``at`` (default: now), the way a
        container's lines arrive, so that their order is the order of their timestamps. Lines
        CloudWatch Logs rejects (older than 14 days, or more than 2 hours ahead of the clock) are
        dropped as on AWS, with a warning in the log.
        """
        put_log_lines(self._client("logs"), log_group, lines, stream=stream, at=at or self.engine.clock.now)

    def advance(self, delta: timedelta) -> AdvanceReport:
        """Move simulated time; every alarm is evaluated at each minute boundary crossed."""
        return self.engine.advance(delta)

    def publish_metrics(self, items: Iterable[Published]) -> int:
        """Metric data as the simulator makes it (``Published``), without an HTTP call each."""
        return self.engine.publish(items)

    def alarm_states(self) -> dict[str, str]:
        """Alarm name → state, as DescribeAlarms would say."""
        return self.engine.states()

    def alarm_notifications(self) -> list[SentNotification]:
        """Every notification alarm actions sent so far (evaluations and SetAlarmState)."""
        return list(self.engine.notifications)
