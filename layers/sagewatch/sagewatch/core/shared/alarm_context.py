"""Context that SageWatch writes into its own alarm descriptions, for the alert path to read back.

An alarm notification carries the alarm's description, so everything the alert needs and the
alarm itself does not say — what kind of endpoint, which instance type (to normalise CPU per
core), the human unit and scale of the threshold, where the endpoint's alerts go — is appended
as one bracketed trailer. The alert path then needs no extra API call to describe the endpoint
or read its tags. Example::

    [sagewatch kind=real-time instance=ml.g5.12xlarge unit=% scale=0.25 slack=team-llm-webhook]

``team=`` names the team whose route the alerts follow (the endpoint's ``sagewatch:team`` tag;
``core.alerting.routes``) and ``sev=`` an alarm's severity when the endpoint overrides its
default (``page`` or ``notify``; ``core.alerting.severity``). Both are written only when tagged,
so an endpoint without those tags keeps the trailer it had.

``insights=1`` says the endpoint has SageMaker AI detailed observability, so alerts link to its
SageMaker AI Insights view; alarms written before it existed simply lack it (no link).

Values never contain spaces or ``]`` (routing values are validated); renderers strip the trailer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_TRAILER = re.compile(r"\s*\[sagewatch((?: [a-z]+=[^\s\]]*)*)\]\s*$")
_VALUE = re.compile(r"^[^\s\]]*$")


@dataclass(frozen=True)
class AlarmContext:
    kind: str | None = None  # real-time | serverless | async | inference-components
    instance: str | None = None  # instance type of the variant, for per-core normalisation
    unit: str | None = None  # human unit of the threshold
    scale: float | None = None  # human value = metric value * scale
    slack: str | None = None  # Secrets Manager id of the endpoint's own Slack webhook
    email: tuple[str, ...] = ()  # the endpoint's own email recipients
    insights: bool = False  # the endpoint has SageMaker AI Insights (detailed observability)
    team: str | None = None  # the team whose route its alerts follow (core.alerting.routes)
    severity: str | None = None  # "page" or "notify" when the endpoint overrides the alarm's default

    def encode(self) -> str:
        fields: list[tuple[str, str]] = []
        if self.kind:
            fields.append(("kind", self.kind))
        if self.instance:
            fields.append(("instance", self.instance))
        if self.unit:
            fields.append(("unit", self.unit))
        if self.scale is not None:
            fields.append(("scale", f"{self.scale:.12g}"))
        if self.slack:
            fields.append(("slack", self.slack))
        if self.email:
            fields.append(("email", ",".join(self.email)))
        if self.insights:  # written only when on: other alarms' descriptions stay as they were
            fields.append(("insights", "1"))
        if self.team:
            fields.append(("team", self.team))
        if self.severity:
            fields.append(("sev", self.severity))
        for key, value in fields:
            if not _VALUE.match(value):
                raise ValueError(f"alarm context {key}={value!r} may not contain spaces or ']'")
        return "[sagewatch" + "".join(f" {k}={v}" for k, v in fields) + "]"


def split_description(description: str | None) -> tuple[str | None, AlarmContext | None]:
    """(the description a person wrote or SageWatch generated, the trailer's context or None)."""
    if not description:
        return description, None
    match = _TRAILER.search(description)
    if not match:
        return description, None
    values: dict[str, str] = {}
    for item in match.group(1).split():
        key, _, value = item.partition("=")
        values[key] = value
    text = description[: match.start()].rstrip() or None
    return text, _context(values)


def _context(values: Mapping[str, str]) -> AlarmContext:
    scale: float | None
    try:
        scale = float(values["scale"]) if values.get("scale") else None
    except ValueError:
        scale = None
    return AlarmContext(
        kind=values.get("kind") or None,
        instance=values.get("instance") or None,
        unit=values.get("unit") or None,
        scale=scale,
        slack=values.get("slack") or None,
        email=tuple(e for e in (values.get("email") or "").split(",") if e),
        insights=values.get("insights") in ("1", "true"),
        team=values.get("team") or None,
        severity=values.get("sev") or None,
    )
