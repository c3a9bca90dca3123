"""Fleet-wide alarm policy: thresholds (human units) and switches, validated with clear errors."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from sagewatch.core.alerting.routes import RoutingTable, parse_routes
from sagewatch.core.monitoring.alarm_catalog import ALARM_KEYS, BY_KEY
from sagewatch.core.shared.errors import InvalidPolicyError


def parse_threshold(key: str, value: Any, where: str) -> float:
    """A finite, non-negative number; ``where`` names the source in the error message."""
    if isinstance(value, bool):
        raise InvalidPolicyError(f"{where}: threshold for {key!r} must be a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidPolicyError(f"{where}: threshold for {key!r} must be a number, got {value!r}") from None
    if not math.isfinite(number) or number < 0:
        raise InvalidPolicyError(f"{where}: threshold for {key!r} must be >= 0 and finite, got {value!r}")
    return number


def parse_keys(raw: str | Iterable[Any], where: str) -> frozenset[str]:
    """Alarm keys from a list or a space/comma separated string; unknown keys are an error."""
    items = raw.replace(",", " ").split() if isinstance(raw, str) else [str(x).strip() for x in raw]
    unknown = sorted(k for k in items if k not in BY_KEY)
    if unknown:
        raise InvalidPolicyError(
            f"{where}: unknown alarm key(s) {', '.join(unknown)}; known keys: {', '.join(ALARM_KEYS)}"
        )
    return frozenset(items)


# Drift alarms per Model Monitor schedule: one per feature costs 0.10 USD a month, and a wide
# table has hundreds of features. Small by default; the plan and the dashboard name the rest.
DEFAULT_DRIFT_FEATURES_PER_SCHEDULE = 10
MAX_DRIFT_FEATURES_PER_SCHEDULE = 100


def parse_feature_cap(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DRIFT_FEATURES_PER_SCHEDULE:
        raise InvalidPolicyError(
            f"{where}: drift_features_per_schedule must be a whole number from 0 to "
            f"{MAX_DRIFT_FEATURES_PER_SCHEDULE}, got {value!r}"
        )
    return value


@dataclass(frozen=True)
class Policy:
    thresholds: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    disabled: frozenset[str] = frozenset()
    drift_features_per_schedule: int = DEFAULT_DRIFT_FEATURES_PER_SCHEDULE
    routes: RoutingTable = field(default_factory=RoutingTable)  # team -> destinations (core.alerting.routes)

    def threshold(self, key: str) -> float:
        if key in self.thresholds:
            return self.thresholds[key]
        return BY_KEY[key].default_threshold

    def is_enabled(self, key: str) -> bool:
        return key not in self.disabled

    @classmethod
    def from_document(cls, doc: Any, where: str = "policy") -> Policy:
        if not isinstance(doc, Mapping):
            raise InvalidPolicyError(f"{where} must be a JSON object, got {type(doc).__name__}")
        extra = sorted(set(doc) - {"thresholds", "disabled", "drift_features_per_schedule", "routes"})
        if extra:
            raise InvalidPolicyError(
                f"{where}: unknown field(s) {', '.join(extra)} "
                "(use thresholds, disabled, drift_features_per_schedule, routes)"
            )
        raw_thresholds = doc.get("thresholds")
        if raw_thresholds is None:
            raw_thresholds = {}
        if not isinstance(raw_thresholds, Mapping):
            raise InvalidPolicyError(f"{where}: thresholds must be an object of alarm key -> number")
        thresholds: dict[str, float] = {}
        for key, value in raw_thresholds.items():
            if key not in BY_KEY:
                raise InvalidPolicyError(
                    f"{where}: unknown alarm key {key!r} in thresholds; known keys: {', '.join(ALARM_KEYS)}"
                )
            thresholds[key] = parse_threshold(key, value, where)
        raw_disabled = doc.get("disabled")
        if raw_disabled is None:
            raw_disabled = []
        if not isinstance(raw_disabled, str | list | tuple):
            raise InvalidPolicyError(f"{where}: disabled must be a list or a space-separated string of keys")
        return cls(
            thresholds=MappingProxyType(thresholds),
            disabled=parse_keys(raw_disabled, f"{where}.disabled"),
            drift_features_per_schedule=parse_feature_cap(
                doc.get("drift_features_per_schedule", DEFAULT_DRIFT_FEATURES_PER_SCHEDULE), where
            ),
            routes=parse_routes(doc.get("routes"), where),
        )
