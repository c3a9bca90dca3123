"""CloudWatch's default per-region API quotas as token buckets inside moto (moto never throttles).

A call beyond the rate is answered ``Throttling`` from inside moto's response handler, so it is
serialised in CloudWatch's own wire protocol and botocore's and the product's retries run for
real. ``speedup`` scales every rate (and bucket refill) so a 1,000-endpoint run does not take the
40 minutes real 3 TPS would; :meth:`Quotas.projected_seconds` gives the wall time the same calls
need at the real quotas. Counters: ``calls`` and ``throttled`` per operation.
"""

from __future__ import annotations

import importlib
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sagewatch_emulator.extensions import snake_case

if TYPE_CHECKING:
    from sagewatch_emulator.extensions import MotoExtensions

__all__ = ["DEFAULT_CLOUDWATCH_QUOTAS", "Quotas", "install_quotas", "projected_wall_seconds"]

# CloudWatch's default quotas (requests per second, per account and region).
DEFAULT_CLOUDWATCH_QUOTAS: dict[str, float] = {
    "PutMetricAlarm": 3.0,
    "DeleteAlarms": 3.0,
    "DescribeAlarms": 9.0,
    "PutDashboard": 10.0,
    "GetDashboard": 10.0,
    "DeleteDashboards": 10.0,
    "ListDashboards": 10.0,
    "GetMetricData": 50.0,
}


class _Bucket:
    def __init__(self, rate: float, clock: Callable[[], float]) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate)  # one second of burst, as CloudWatch allows roughly
        self.tokens = self.capacity
        self.clock = clock
        self.stamp = clock()

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


@dataclass
class Quotas:
    """Token buckets per CloudWatch operation; see the module docstring."""

    rates: Mapping[str, float]
    speedup: float = 1.0
    calls: Counter[str] = field(default_factory=Counter)
    throttled: Counter[str] = field(default_factory=Counter)
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets = {op: _Bucket(rate * self.speedup, self.clock) for op, rate in self.rates.items()}

    def admit(self, operation: str) -> bool:
        with self._lock:
            self.calls[operation] += 1
            if self._buckets[operation].take():
                return True
            self.throttled[operation] += 1
            return False

    def reset_counters(self) -> None:
        with self._lock:
            self.calls.clear()
            self.throttled.clear()

    def projected_seconds(self, calls: Mapping[str, int] | None = None) -> dict[str, float]:
        """Seconds each operation's successful calls need at the real (unscaled) quota."""
        counts = calls if calls is not None else {op: self.calls[op] - self.throttled[op] for op in self.calls}
        return {
            op: round(count / self.rates[op], 1) for op, count in sorted(counts.items()) if op in self.rates and count
        }


def install_quotas(
    extensions: MotoExtensions, rates: Mapping[str, float] | None = None, speedup: float = 1.0
) -> Quotas:
    """Check ``rates`` (default: CloudWatch's quotas) in moto's CloudWatch response handler."""
    from moto.cloudwatch.responses import CloudWatchResponse
    from moto.core.exceptions import ServiceException

    quotas = Quotas(dict(rates or DEFAULT_CLOUDWATCH_QUOTAS), speedup=speedup)
    module = importlib.import_module("moto.cloudwatch.exceptions")
    throttling = type(
        "InjectedQuotaThrottling", (ServiceException,), {"__module__": module.__name__, "code": "Throttling"}
    )
    for operation in quotas.rates:
        method = snake_case(operation)
        original = getattr(CloudWatchResponse, method)

        def limited(self: Any, _original: Any = original, _operation: str = operation) -> Any:
            if not quotas.admit(_operation):
                raise throttling("Throttling", "Rate exceeded")
            return _original(self)

        extensions.patch(CloudWatchResponse, method, limited)
    extensions.installed.append(
        f"cloudwatch quotas x{speedup:g}: " + ", ".join(f"{k} {v:g}/s" for k, v in quotas.rates.items())
    )
    return quotas


def projected_wall_seconds(calls: Mapping[str, int], rates: Mapping[str, float] | None = None) -> float:
    """A lower bound at the default quotas: the slowest operation's calls / its rate."""
    quotas = rates or DEFAULT_CLOUDWATCH_QUOTAS
    per_op = [calls.get(f"cloudwatch.{op}", 0) / rate for op, rate in quotas.items()]
    return math.ceil(max(per_op, default=0.0))
