"""How loud an alert is: ``page`` (wakes someone: PagerDuty) or ``notify`` (told only: Slack, Teams, e-mail).

Every alarm key has a default (:data:`DEFAULT_SEVERITY`, the table in docs/alerts.md, "Severity
and routing"), chosen for what an on-call person must act on at night: errors reaching callers,
latency, a disk filling, async requests that wait or fail. Saturation signals (CPU, memory, GPU,
concurrency), client errors, a slow model load and drift tell without paging: they are worth a
look in working hours, and paging on them is the noise people learn to ignore. An endpoint
overrides one alarm's severity with the tag ``sagewatch:severity:<alarm-key>`` = ``page`` or
``notify``, which onboarding writes into the alarm's context trailer (``sev=``).

An endpoint that failed pages; a Model Monitor run, an alarm SageWatch did not create and a
notification that could not be read only notify (nobody chose to be woken by them).

Pure: no I/O.
"""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType


class Severity(StrEnum):
    PAGE = "page"
    NOTIFY = "notify"


DEFAULT_SEVERITY = MappingProxyType(
    {
        "invocation-5xx-rate": Severity.PAGE,
        "invocation-4xx-rate": Severity.NOTIFY,
        "model-latency-p99": Severity.PAGE,
        "cpu-utilization": Severity.NOTIFY,
        "memory-utilization": Severity.NOTIFY,
        "disk-utilization": Severity.PAGE,
        "gpu-utilization": Severity.NOTIFY,
        "gpu-memory-utilization": Severity.NOTIFY,
        "model-setup-time": Severity.NOTIFY,
        "serverless-concurrency-utilization": Severity.NOTIFY,
        "async-backlog-size": Severity.NOTIFY,
        "async-oldest-request-age": Severity.PAGE,
        "async-invocation-failures": Severity.PAGE,
        "async-backlog-without-capacity": Severity.PAGE,
        "feature-drift": Severity.NOTIFY,
    }
)
ENDPOINT_FAILED = Severity.PAGE  # an endpoint that went to Failed serves nothing
OTHER = Severity.NOTIFY  # Model Monitor runs, alarms SageWatch did not create, unreadable notifications


def parse_severity(value: str | None) -> Severity | None:
    """``page`` or ``notify`` (any case, surrounding blanks ignored); None for anything else."""
    text = (value or "").strip().lower()
    return Severity(text) if text in (Severity.PAGE, Severity.NOTIFY) else None


def alarm_severity(alarm_key: str | None, override: str | None = None) -> Severity:
    """An alarm's severity: the endpoint's override (the trailer's ``sev=``), else its key's default."""
    chosen = parse_severity(override)
    if chosen is not None:
        return chosen
    return DEFAULT_SEVERITY.get(alarm_key or "", OTHER)
