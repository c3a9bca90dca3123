"""Deterministic names for everything SageWatch creates.

Alarm names:     ``{prefix}/{endpoint}/{scope}/{alarm-key}``  (scope = variant name, or ``_endpoint``)
Dashboard names: ``{prefix}_{region}_{endpoint}``

Why the region in dashboard names: alarms are regional, but dashboards are global per account
(PutDashboard API reference; a dashboard's ARN has no region: ``arn:aws:cloudwatch::<account>:
dashboard/<name>``). Two regional stacks of one account would otherwise share ``SageWatch_fraud``:
each would overwrite the other's, and each would take the other's dashboards for orphans. With
the region, a stack lists (``DashboardNamePrefix``) and writes only its own region's dashboards.
Before the region was added they were ``{prefix}_{endpoint}`` (:func:`legacy_dashboard_name`):
onboarding removes that one when it writes the new one. The longest name (prefix 32, region ~15,
endpoint 63, two separators) stays far below the 255 characters PutDashboard allows.

Why these separators: SageMaker endpoint and variant names only allow ``[a-zA-Z0-9-]``, so a
``/`` or ``_`` can never come from a name. ``DescribeAlarms(AlarmNamePrefix="SageWatch/fraud/")``
therefore matches exactly the alarms of endpoint ``fraud`` and never those of ``fraud-v2``, and
IAM policies can scope writes to ``alarm:SageWatch/*`` and ``dashboard/SageWatch_<region>_*``.
Dashboard names only allow ``[A-Za-z0-9_-]``, hence ``_`` there; region codes are
``[a-z0-9-]``, so ``_`` still separates the three parts unambiguously.
"""

from __future__ import annotations

import re

from sagewatch.core.shared.errors import InvalidPolicyError

ENDPOINT_SCOPE = "_endpoint"
_PREFIX_RE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,31}$")
_SAGEMAKER_NAME_RE = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")


def validate_prefix(prefix: str) -> str:
    if not _PREFIX_RE.match(prefix):
        raise InvalidPolicyError(
            f"name prefix {prefix!r} is not valid: use 1-32 letters, digits or '-', starting with a letter"
        )
    return prefix


def is_valid_endpoint_name(name: str) -> bool:
    return bool(_SAGEMAKER_NAME_RE.match(name))


def alarm_prefix(prefix: str, endpoint: str) -> str:
    """The AlarmNamePrefix that selects exactly this endpoint's alarms."""
    return f"{prefix}/{endpoint}/"


def alarm_name(prefix: str, endpoint: str, variant: str | None, key: str) -> str:
    return f"{alarm_prefix(prefix, endpoint)}{variant or ENDPOINT_SCOPE}/{key}"


def dashboard_prefix(prefix: str, region: str) -> str:
    """The DashboardNamePrefix that selects exactly this region's dashboards."""
    return f"{prefix}_{region}_"


def dashboard_name(prefix: str, region: str, endpoint: str) -> str:
    return f"{dashboard_prefix(prefix, region)}{endpoint}"


def legacy_dashboard_name(prefix: str, endpoint: str) -> str:
    """The name dashboards had before it carried the region (removed when the new one is written)."""
    return f"{prefix}_{endpoint}"


def parse_alarm_name(prefix: str, name: str) -> tuple[str, str | None, str] | None:
    """(endpoint, variant or None, alarm key) for one of our alarm names; None for anything else."""
    parts = name.split("/")
    if len(parts) != 4 or parts[0] != prefix:
        return None
    _, endpoint, scope, key = parts
    return endpoint, (None if scope == ENDPOINT_SCOPE else scope), key


def endpoint_of_dashboard(prefix: str, region: str, name: str) -> str | None:
    """The endpoint of one of this region's dashboards; None for anything else (other regions too)."""
    head = dashboard_prefix(prefix, region)
    if not name.startswith(head):
        return None
    endpoint = name[len(head) :]
    return endpoint if is_valid_endpoint_name(endpoint) else None
