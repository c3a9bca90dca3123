"""Client-side pacing: keep a worker's CloudWatch writes under a rate, before CloudWatch has to say no.

CloudWatch's default quotas are per account and region (PutMetricAlarm 3 TPS, DeleteAlarms 3 TPS,
PutDashboard 10 TPS). The onboarding worker runs at most N concurrent invocations (the SQS event
source's MaximumConcurrency); each paces its own writes at ``tps`` so that N x tps stays under the
quota and leaves room for the event-driven path. Throttling that still happens is retried by
``adapters.aws.call``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

PACED_OPERATIONS = ("put_metric_alarm", "delete_alarms", "put_dashboard", "delete_dashboards")


class Pacer:
    """At most ``rate`` calls per second (evenly spaced); ``rate <= 0`` means no pacing."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()
        self.waited = 0.0

    def wait(self) -> None:
        if self.rate <= 0:
            return
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + 1.0 / self.rate
        delay = start - now
        if delay > 0:
            self.waited += delay
            self._sleep(delay)


class PacedClient:
    """A boto3 client proxy that paces the named operations; everything else passes through."""

    def __init__(self, client: Any, pacers: Mapping[str, Pacer]) -> None:
        self._client = client
        self._pacers = dict(pacers)

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        pacer = self._pacers.get(name)
        if pacer is None or not callable(attribute):
            return attribute

        def paced(*args: Any, **kwargs: Any) -> Any:
            pacer.wait()
            return attribute(*args, **kwargs)

        return paced


def paced_cloudwatch(client: Any, write_tps: float) -> Any:
    """The CloudWatch client with every write operation paced at ``write_tps`` (shared budget per op)."""
    if write_tps <= 0:
        return client
    return PacedClient(client, {op: Pacer(write_tps) for op in PACED_OPERATIONS})
