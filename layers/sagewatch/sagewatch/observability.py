"""The service's observability in one place: Powertools Logger, Tracer and Metrics.

Handlers wrap themselves with :func:`lambda_entry_point`; use cases and adapters only call
:func:`count` (business metrics) and log through the standard library.

Logs. The Logger is named after the package (``SERVICE`` = ``sagewatch``), so it *is* the
parent of every ``logging.getLogger(__name__)`` logger under ``sagewatch.*``: their records
propagate to its handler and come out as the same JSON lines, with the invocation's keys
(request id, cold start, appended keys). Powertools filters those records out of the root
handlers, so the Lambda runtime does not print them a second time.

Traces. The template turns X-Ray on (``Tracing: Active``). The Tracer patches botocore (every
boto3 call is a subsegment) and ``http.client``, which ``urllib.request`` and therefore
slack_sdk use (Powertools' default ``patch_all`` leaves ``httplib`` out). An AWS call is still
one subsegment: urllib3 2, under botocore, sends without the ``http.client`` method the patch
wraps (tests/integration/test_tracing.py checks the shape of a trace).
Threads: the X-Ray SDK keeps the current segment per thread, but on Lambda a thread that has
none builds one from ``_X_AMZN_TRACE_ID`` (``aws_xray_sdk.core.lambda_launcher``), so the
calls of the notify enrichment pool are recorded in the invocation's trace without handing
the context over; they hang off the function's segment rather than under the handler's
subsegment. Powertools switches tracing off outside Lambda (no ``LAMBDA_TASK_ROOT``), under
``sam local`` and the emulator's invoke (both set ``AWS_SAM_LOCAL``), and with
``POWERTOOLS_TRACE_DISABLED``: tests send nothing to an X-Ray daemon.

Metrics. CloudWatch embedded metric format (EMF) lines in the function's log: no API call,
no IAM permission. Namespace ``SageWatch``, one dimension ``service`` — never an endpoint or
alarm name, which would make a metric per endpoint. :func:`count` records only while a
handler runs (the metrics are flushed when it returns); anywhere else — the CLI's ``sync``
of a thousand endpoints, unit tests — it does nothing, so no EMF blob is ever printed there.
"""

from __future__ import annotations

import functools
import io
import sys
import warnings
from collections.abc import Callable
from typing import IO, Any, TypeVar, cast

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

NAMESPACE = "SageWatch"
SERVICE = "sagewatch"  # the package's root logger name, and the metrics' ``service`` dimension

# Business metrics (the names alarms and dashboards refer to).
ALERTS_DELIVERED = "AlertsDelivered"
ALERTS_FAILED = "AlertsFailed"
ALERTS_RETRIED = "AlertsRetried"
ALERTS_DIGESTED = "AlertsDigested"
ALERTS_SUPPRESSED = "AlertsSuppressed"
ALERTS_HELD = "AlertsHeld"
ENRICHMENT_READS_MISSING = "EnrichmentReadsMissing"
ALARMS_WRITTEN = "AlarmsWritten"
ALARMS_DELETED = "AlarmsDeleted"
ENDPOINTS_ONBOARDED = "EndpointsOnboarded"
ENDPOINTS_REPAIRED = "EndpointsRepaired"
ENDPOINTS_REMOVED = "EndpointsRemoved"
RECONCILE_ENQUEUED = "ReconcileWorkEnqueued"
SPOKES_UNREACHABLE = "SpokesUnreachable"  # spoke account-regions the reconcile could not act in

_TRACED_MODULES = ("botocore", "httplib")


class _CurrentStdout(io.TextIOBase):
    """Writes to whatever ``sys.stdout`` is now.

    Lambda's stdout never changes, but pytest and the emulator's invoke swap ``sys.stdout`` per
    test or invocation, while this module (and its Logger) is built once per process.
    """

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


logger = Logger(service=SERVICE, stream=cast("IO[str]", _CurrentStdout()))


class _NoTracing:
    """Stands in for the Tracer where Powertools itself would disable tracing (outside Lambda,
    under ``sam local``, ``POWERTOOLS_TRACE_DISABLED``): constructing a real Tracer loads and
    patches the X-Ray SDK even then, and ``sam local``'s Powertools layer need not carry it."""

    disabled = True

    def capture_lambda_handler(self, handler: Any, capture_response: bool = True) -> Any:
        return handler


@functools.cache
def tracer() -> Tracer | _NoTracing:
    """The Tracer, built with the first invocation rather than at import: constructing it loads
    and patches the X-Ray SDK (~0.1 s here), which would otherwise sit in every module import —
    the CLI's, the tests', and Lambda's INIT phase alike. Where tracing is off, a stand-in."""
    if Tracer._is_tracer_disabled():  # Powertools' own rule, read without loading the X-Ray SDK
        return _NoTracing()
    return Tracer(service=SERVICE, patch_modules=_TRACED_MODULES)


metrics = Metrics(namespace=NAMESPACE, service=SERVICE)

# Powertools warns when a handler published no metric; here that is normal (an ignored event,
# a widget render), so the warning is filtered for the invocation (its docs suggest the filter).
_NO_METRICS_WARNING = "No application metrics to publish"

_handler_running = False

Handler = TypeVar("Handler", bound=Callable[[Any, Any], Any])


def count(name: str, value: float = 1) -> None:
    """Add ``value`` to the business metric ``name`` (flushed when the handler returns).

    Safe to call from any thread of the invocation; outside a Lambda handler it does nothing.
    """
    if value and _handler_running:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def lambda_entry_point(handler: Handler) -> Handler:
    """Wrap a Lambda handler: Logger context, an X-Ray subsegment, business metrics flushed at the end.

    ``clear_state``: keys appended during one invocation never leak into the next.
    ``capture_response=False``: responses (reports of a whole batch) can exceed what an
    X-Ray subsegment holds, and the logs already carry them.
    """

    @functools.wraps(handler)
    def counting(event: Any, context: Any) -> Any:
        global _handler_running
        _handler_running = True
        try:
            return handler(event, context)
        finally:
            _handler_running = False

    @functools.cache
    def observed() -> Callable[[Any, Any], Any]:
        wrapped = metrics.log_metrics(counting)
        wrapped = tracer().capture_lambda_handler(wrapped, capture_response=False)
        return logger.inject_lambda_context(wrapped, clear_state=True)

    @functools.wraps(handler)
    def entry_point(event: Any, context: Any) -> Any:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", _NO_METRICS_WARNING)
            return observed()(event, context)

    return cast("Handler", entry_point)
