"""The service's observability in one place: Powertools Logger, Tracer and Metrics.

Handlers decorate themselves with these objects; use cases and adapters only call
:func:`count` (business metrics) and log through the standard library, which the handlers'
Logger formats as JSON. Metrics are CloudWatch embedded metric format (EMF) lines in the
function's log, so they cost no API call, and their dimensions stay low-cardinality: the
service and, where it helps, a destination kind or outcome — never an endpoint or alarm name.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

NAMESPACE = "SageWatch"

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace=NAMESPACE)


def count(name: str, value: float = 1) -> None:
    """Add ``value`` to the business metric ``name`` (flushed when the handler returns)."""
    if value:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
