"""Fleet-scale helpers for the emulated account (dev-only): quotas, DescribeAlarms paging, queue drain.

- :class:`Quotas` — CloudWatch's default per-region API quotas as token buckets inside moto. A
  call beyond the rate is answered ``Throttling`` from inside moto's response handler, so it is
  serialised in CloudWatch's own wire protocol and botocore's and the product's retries run for
  real. ``speedup`` scales every rate (and bucket refill) so a 1,000-endpoint run does not take
  the 40 minutes real 3 TPS would; :meth:`Quotas.projected_seconds` gives the wall time the same
  calls need at the real quotas. Counters: ``calls`` and ``throttled`` per operation.
- :func:`paginate_describe_alarms` — moto's DescribeAlarms ignores ``MaxRecords``/``NextToken``
  and returns everything in one page; AWS returns at most 100 alarms per page. The extension
  pages like AWS, so call counts (and quota projections) are real.
- :func:`drain_queue` — SQS → Lambda event source mappings are not wired in the emulator: this
  receives the queue's messages and invokes the function with SQS events of the real shape
  (one message per invocation, like ``BatchSize: 1``), deleting what succeeded.
"""

from __future__ import annotations

import hashlib
import importlib
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from sagewatch_emulator.account import EmulatedAccount
    from sagewatch_emulator.moto_extensions import MotoExtensions

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

DESCRIBE_ALARMS_PAGE = 100


def _snake(operation: str) -> str:
    out = []
    for i, ch in enumerate(operation):
        if ch.isupper() and i:
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


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
    from moto.cloudwatch.responses import CloudWatchResponse
    from moto.core.exceptions import ServiceException

    quotas = Quotas(dict(rates or DEFAULT_CLOUDWATCH_QUOTAS), speedup=speedup)
    module = importlib.import_module("moto.cloudwatch.exceptions")
    throttling = type(
        "InjectedQuotaThrottling", (ServiceException,), {"__module__": module.__name__, "code": "Throttling"}
    )
    for operation in quotas.rates:
        method = _snake(operation)
        original = getattr(CloudWatchResponse, method)

        def limited(self: Any, _original: Any = original, _operation: str = operation) -> Any:
            if not quotas.admit(_operation):
                raise throttling("Throttling", "Rate exceeded")
            return _original(self)

        extensions._patch(CloudWatchResponse, method, limited)
    extensions.installed.append(
        f"cloudwatch quotas x{speedup:g}: " + ", ".join(f"{k} {v:g}/s" for k, v in quotas.rates.items())
    )
    return quotas


def paginate_describe_alarms(extensions: MotoExtensions) -> None:
    """DescribeAlarms honours MaxRecords (default and maximum 100) and NextToken, as AWS does."""
    from moto.cloudwatch.responses import CloudWatchResponse
    from moto.core.responses import ActionResult

    original = CloudWatchResponse.describe_alarms

    def describe_alarms(self: Any) -> Any:
        answer = original(self)
        result: dict[str, Any] = dict(cast("dict[str, Any]", answer.result))
        size = min(int(self._get_param("MaxRecords") or DESCRIBE_ALARMS_PAGE), DESCRIBE_ALARMS_PAGE)
        start = int(self._get_param("NextToken") or 0)
        metric = sorted(result.get("MetricAlarms", []), key=lambda a: a.name)
        composite = sorted(result.get("CompositeAlarms", []), key=lambda a: a.name)
        everything = [("m", a) for a in metric] + [("c", a) for a in composite]
        page = everything[start : start + size]
        result["MetricAlarms"] = [a for kind, a in page if kind == "m"]
        result["CompositeAlarms"] = [a for kind, a in page if kind == "c"]
        if start + size < len(everything):
            result["NextToken"] = str(start + size)
        return ActionResult(result)

    extensions._patch(CloudWatchResponse, "describe_alarms", describe_alarms)
    extensions.installed.append("cloudwatch: DescribeAlarms pages by 100 (MaxRecords/NextToken)")


@dataclass
class DrainResult:
    invocations: int = 0
    failed: list[str] = field(default_factory=list)  # message ids answered as failures or raised
    aws_calls: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    logs: list[str] = field(default_factory=list)

    @property
    def writes(self) -> dict[str, int]:
        from sagewatch_emulator.calls import is_write

        return {k: v for k, v in sorted(self.aws_calls.items()) if is_write(k)}


def drain_queue(
    account: EmulatedAccount,
    queue: str = "OnboardQueue",
    function: str = "OnboardFunction",
    *,
    environment: Mapping[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> DrainResult:
    """Deliver every visible message of ``queue`` to ``function`` until the queue is empty."""
    sqs = account.client("sqs")
    url = account.physical_id(queue)
    arn = account.attribute(queue, "Arn")
    result = DrainResult()
    while True:
        answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = answer.get("Messages", [])
        if not messages:
            return result
        for message in messages:
            body = message["Body"]
            event = {
                "Records": [
                    {
                        "messageId": message["MessageId"],
                        "receiptHandle": message["ReceiptHandle"],
                        "body": body,
                        "attributes": {"ApproximateReceiveCount": "1"},
                        "messageAttributes": {},
                        "md5OfBody": hashlib.md5(body.encode()).hexdigest(),  # noqa: S324 - SQS's own checksum
                        "eventSource": "aws:sqs",
                        "eventSourceARN": arn,
                        "awsRegion": account.region,
                    }
                ]
            }
            invocation = account.invoke(function, event, environment=environment)
            result.invocations += 1
            result.aws_calls.update(invocation.aws_calls)
            result.logs.extend(invocation.logs)
            failures = {f.get("itemIdentifier") for f in (invocation.response or {}).get("batchItemFailures", [])}
            if invocation.error is not None or message["MessageId"] in failures:
                result.failed.append(message["MessageId"])
                result.outcomes["failed"] += 1
            else:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                result.outcomes["ok"] += 1
            if progress is not None:
                progress(result.invocations)


def projected_wall_seconds(calls: Mapping[str, int], rates: Mapping[str, float] | None = None) -> float:
    """A lower bound at the default quotas: the slowest operation's calls / its rate."""
    quotas = rates or DEFAULT_CLOUDWATCH_QUOTAS
    per_op = [calls.get(f"cloudwatch.{op}", 0) / rate for op, rate in quotas.items()]
    return math.ceil(max(per_op, default=0.0))
