"""Client-side pacing: keep a worker's CloudWatch writes under a rate, before CloudWatch has to say no.

CloudWatch's default quotas are per account and region (PutMetricAlarm 3 TPS, DeleteAlarms 3 TPS,
PutDashboard 10 TPS). The onboarding worker runs at most N concurrent invocations (the SQS event
source's MaximumConcurrency); each paces its own writes at ``tps`` so that N x tps stays under the
quota and leaves room for the event-driven path. Throttling that still happens is retried by
``adapters.aws.call``. The spacing itself is ``adapters.rate_limit.RateLimiter``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from sagewatch.adapters.rate_limit import RateLimiter

PACED_OPERATIONS = ("put_metric_alarm", "delete_alarms", "put_dashboard", "delete_dashboards")


class PacedClient:
    """A boto3 client proxy that paces the named operations; everything else passes through."""

    def __init__(self, client: Any, limiters: Mapping[str, RateLimiter]) -> None:
        self._client = client
        self._limiters = dict(limiters)

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        limiter = self._limiters.get(name)
        if limiter is None or not callable(attribute):
            return attribute

        def paced(*args: Any, **kwargs: Any) -> Any:
            limiter.take()
            return attribute(*args, **kwargs)

        return paced


def paced_cloudwatch(
    client: Any,
    write_tps: float,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Any:
    """The CloudWatch client with every write operation paced at ``write_tps`` (a budget per operation),
    waiting with ``sleep`` on ``clock`` (the wiring's)."""
    if write_tps <= 0:
        return client
    return PacedClient(
        client, {op: RateLimiter.per_second(write_tps, clock=clock, sleep=sleep) for op in PACED_OPERATIONS}
    )
