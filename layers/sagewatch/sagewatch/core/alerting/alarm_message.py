"""CloudWatch's alarm notification, parsed into a typed model (one of the notification kinds).

Traps this module exists to handle (see docs/alerts.md):
- ``Message`` is a JSON *string* inside the SNS envelope.
- ``Region`` is a display name ("US East (N. Virginia)"): the region comes from ``AlarmArn``.
- Older bodies have no ``AlarmArn``, no ``AlarmConfigurationUpdatedTimestamp`` and no action
  lists, ``Unit: ""``, and ``TreatMissingData`` as ``"- TreatMissingData:      missing"``. Their
  region comes from the display name (``core.alerting.regions``) or else from the SNS topic
  they came through, and their ARN is rebuilt from region, account and name.
- Trigger dimensions use lowercase ``name``/``value``; ``Statistic`` is upper case (``AVERAGE``)
  or absent in favour of ``ExtendedStatistic`` (``p99``).
- Metric-math and anomaly-detection alarms have ``Trigger.Metrics`` and no ``MetricName``;
  anomaly alarms name the band with ``Trigger.ThresholdMetricId`` and have no ``Threshold``.
- Composite alarms have no ``Trigger`` but ``AlarmRule`` and ``TriggeringChildren`` (may be empty).
- ``AlarmDescription`` may be null; numbers may arrive as strings.
SNS delivers at least once: ``message_id`` (the SNS MessageId) is the idempotency key.

The parse degrades field by field: a field that is absent (or null, or empty) takes its fallback
and the notification is still an alarm in the state CloudWatch said; only a message with no
alarm name, no state, or a field present in a shape SageWatch cannot trust (a non-numeric
threshold, an AlarmArn that is not an ARN, a time that is not a time) is unreadable.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sagewatch.core.alerting.regions import partition_of, region_from_arn, region_from_display_name
from sagewatch.core.shared.errors import InvalidEventError

Dimensions = tuple[tuple[str, str], ...]

STATES = ("ALARM", "OK", "INSUFFICIENT_DATA")

# CloudWatch's TreatMissingData values; older bodies wrap them ("- TreatMissingData:   missing").
_TREAT_MISSING = {"breaching", "notBreaching", "ignore", "missing"}

_STAT_NAMES = {
    "AVERAGE": "Average",
    "SUM": "Sum",
    "MINIMUM": "Minimum",
    "MAXIMUM": "Maximum",
    "SAMPLECOUNT": "SampleCount",
    "SAMPLE_COUNT": "SampleCount",
}


class InvalidAlarmMessageError(InvalidEventError):
    """An SNS message that is not a readable CloudWatch alarm notification; names what is wrong."""


class AlarmKind(StrEnum):
    METRIC = "metric"
    MATH = "math"
    ANOMALY = "anomaly"
    COMPOSITE = "composite"


@dataclass(frozen=True)
class TriggerMetric:
    namespace: str
    name: str
    dimensions: Dimensions
    stat: str  # "Average", "Sum", … or an extended statistic such as "p99"
    period: int
    unit: str | None = None

    def dimension(self, key: str) -> str | None:
        return next((v for k, v in self.dimensions if k == key), None)


@dataclass(frozen=True)
class TriggerQuery:
    id: str
    metric: TriggerMetric | None = None
    expression: str | None = None
    label: str | None = None
    return_data: bool = False


@dataclass(frozen=True)
class AlarmNotification:
    message_id: str
    subject: str | None
    alarm_name: str
    alarm_arn: str
    region: str
    account_id: str
    description: str | None
    new_state: str
    old_state: str | None
    reason: str
    state_change_time: datetime
    kind: AlarmKind
    threshold: float | None = None
    comparison: str | None = None
    evaluation_periods: int | None = None
    datapoints_to_alarm: int | None = None
    treat_missing_data: str | None = None
    metric: TriggerMetric | None = None
    queries: tuple[TriggerQuery, ...] = ()
    threshold_metric_id: str | None = None
    alarm_rule: str | None = None
    triggering_children: tuple[str, ...] = ()  # child alarm ARNs of a composite alarm
    published_at: datetime | None = None  # the SNS envelope's Timestamp (core.alerting.quiet_window)
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def period(self) -> int | None:
        if self.metric is not None:
            return self.metric.period
        periods = [q.metric.period for q in self.queries if q.metric]
        return min(periods) if periods else None

    @property
    def metrics(self) -> tuple[TriggerMetric, ...]:
        """Every metric the alarm reads (one for single-metric alarms, several for math)."""
        if self.metric is not None:
            return (self.metric,)
        return tuple(q.metric for q in self.queries if q.metric is not None)

    @property
    def breaching_value(self) -> float | None:
        """The most recent datapoint quoted in NewStateReason, when CloudWatch quotes one."""
        return value_from_reason(self.reason)


_REASON_VALUE = re.compile(r"\[(-?[0-9.eE+-]+)(?: \(([^)]*)\))?")


def value_from_reason(reason: str) -> float | None:
    """``... datapoints [2.0 (28/11/26 03:11:00), 1.5 (...)] was greater ...`` → 2.0 (the newest)."""
    match = _REASON_VALUE.search(reason or "")
    if not match:
        return None
    try:
        value = float(match.group(1))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def region_of_arn(arn: str) -> str:
    region = region_from_arn(arn)
    if region is None:
        raise InvalidAlarmMessageError(f"AlarmArn {arn!r} is not an ARN with a region")
    return region


def parse_alarm_message(
    message: Mapping[str, Any],
    *,
    message_id: str,
    subject: str | None = None,
    topic_arn: str | None = None,
    published_at: datetime | None = None,
) -> AlarmNotification:
    """One CloudWatch alarm message; ``topic_arn`` (the SNS envelope's) is the last source of the region."""
    where = f"alarm message {message_id}"
    name = message.get("AlarmName")
    if not isinstance(name, str) or not name:
        raise InvalidAlarmMessageError(f"{where}: AlarmName is missing")
    new_state = message.get("NewStateValue")
    if new_state not in STATES:
        raise InvalidAlarmMessageError(f"{where}: NewStateValue {new_state!r} is not one of {', '.join(STATES)}")
    arn, region, account = _identity(message, name, topic_arn, where)
    old_state = message.get("OldStateValue")
    description = message.get("AlarmDescription")
    common: dict[str, Any] = {
        "message_id": message_id,
        "subject": subject,
        "alarm_name": name,
        "alarm_arn": arn,
        "region": region,
        "account_id": account,
        "description": description if isinstance(description, str) and description else None,
        "new_state": new_state,
        "old_state": old_state if old_state in STATES else None,
        "reason": str(message.get("NewStateReason") or ""),
        "state_change_time": parse_time(message.get("StateChangeTime"), where),
        "published_at": published_at,
        "raw": message,
    }
    trigger = message.get("Trigger")
    if trigger is None:
        if "AlarmRule" not in message:
            raise InvalidAlarmMessageError(f"{where}: neither Trigger nor AlarmRule (not an alarm notification)")
        children = message.get("TriggeringChildren")
        if not isinstance(children, list):
            children = []  # absent, or not the list CloudWatch sends: no child is named
        return AlarmNotification(
            **common,
            kind=AlarmKind.COMPOSITE,
            alarm_rule=str(message.get("AlarmRule") or ""),
            triggering_children=tuple(str(c.get("Arn")) for c in children if isinstance(c, Mapping) and c.get("Arn")),
        )
    if not isinstance(trigger, Mapping):
        raise InvalidAlarmMessageError(f"{where}: Trigger must be an object")
    threshold_metric_id = trigger.get("ThresholdMetricId") or None
    threshold = None
    if threshold_metric_id is None or trigger.get("Threshold") is not None:
        threshold = _number(trigger.get("Threshold"), f"{where}: Trigger.Threshold", required=not threshold_metric_id)
    fields: dict[str, Any] = {
        "threshold": threshold,
        # A hostile or broken body may put anything here: only a string is an operator.
        "comparison": comparison if isinstance(comparison := trigger.get("ComparisonOperator"), str) else None,
        "evaluation_periods": _int_or_none(trigger.get("EvaluationPeriods")),
        "datapoints_to_alarm": _int_or_none(trigger.get("DatapointsToAlarm")),
        "treat_missing_data": _treat_missing_data(trigger.get("TreatMissingData")),
        "threshold_metric_id": threshold_metric_id,
    }
    metrics = trigger.get("Metrics")
    if metrics and not isinstance(metrics, list):
        raise InvalidAlarmMessageError(f"{where}: Trigger.Metrics is not a list")
    if metrics:
        queries = tuple(_parse_query(q, where) for q in metrics if isinstance(q, Mapping))
        kind = AlarmKind.ANOMALY if threshold_metric_id else AlarmKind.MATH
        return AlarmNotification(**common, **fields, kind=kind, queries=queries)
    metric_name = trigger.get("MetricName")
    if not isinstance(metric_name, str) or not metric_name:
        raise InvalidAlarmMessageError(f"{where}: Trigger has neither MetricName nor Metrics")
    metric = TriggerMetric(
        namespace=str(trigger.get("Namespace") or ""),
        name=metric_name,
        dimensions=_dimensions(trigger.get("Dimensions")),
        stat=_stat(trigger),
        period=_int_or_none(trigger.get("Period")) or 60,
        unit=trigger.get("Unit") or None,
    )
    return AlarmNotification(**common, **fields, kind=AlarmKind.METRIC, metric=metric)


def _identity(message: Mapping[str, Any], name: str, topic_arn: str | None, where: str) -> tuple[str, str, str]:
    """(alarm ARN, region, account) from AlarmArn, else the Region display name, else the topic.

    An alarm can only notify a topic of its own region and account, so the SNS TopicArn is a
    faithful last resort. Only well-formed region codes are kept: the region becomes the host
    of console links.
    """
    arn = message.get("AlarmArn")
    if arn is not None and arn != "" and (not isinstance(arn, str) or not arn.startswith("arn:") or arn.count(":") < 5):
        raise InvalidAlarmMessageError(f"{where}: AlarmArn {arn!r} is not an ARN with a region")
    topic_parts = topic_arn.split(":") if topic_arn and region_from_arn(topic_arn) else None
    region = (
        (region_from_arn(arn) if arn else None)
        or region_from_display_name(message.get("Region"))
        or (topic_parts[3] if topic_parts else None)
    )
    if region is None:
        raise InvalidAlarmMessageError(
            f"{where}: no region (no AlarmArn, no TopicArn, and Region {message.get('Region')!r} is not a region name)"
        )
    account = message.get("AWSAccountId")
    if not isinstance(account, (str, int)) or isinstance(account, bool) or account == "":
        account = (arn.split(":")[4] if arn else "") or (topic_parts[4] if topic_parts else "")
    account = str(account)
    if not arn:
        # Older bodies: rebuild the ARN CloudWatch would have sent, so that an ALARM and its OK
        # share the same key (Slack threads are keyed by the alarm ARN).
        partition = topic_parts[1] if topic_parts and topic_parts[3] == region else partition_of(region)
        arn = f"arn:{partition}:cloudwatch:{region}:{account}:alarm:{name}"
    return arn, region, account


def _treat_missing_data(value: Any) -> str | None:
    """``"notBreaching"`` as it is; the older ``"- TreatMissingData:      missing"`` → ``"missing"``."""
    if not isinstance(value, str):
        return None
    word = value.rsplit(":", 1)[-1].strip()
    return word if word in _TREAT_MISSING else None


def _parse_query(query: Mapping[str, Any], where: str) -> TriggerQuery:
    qid = str(query.get("Id") or "")
    if not qid:
        raise InvalidAlarmMessageError(f"{where}: a Trigger.Metrics entry has no Id")
    metric = None
    stat = query.get("MetricStat")
    if isinstance(stat, Mapping) and isinstance(stat.get("Metric"), Mapping):
        m = stat["Metric"]
        metric = TriggerMetric(
            namespace=str(m.get("Namespace") or ""),
            name=str(m.get("MetricName") or ""),
            dimensions=_dimensions(m.get("Dimensions")),
            stat=_normalise_stat(str(stat.get("Stat") or "Average")),
            period=_int_or_none(stat.get("Period")) or 60,
            unit=stat.get("Unit") or None,
        )
    return TriggerQuery(
        id=qid,
        metric=metric,
        expression=query.get("Expression") or None,
        label=query.get("Label") or None,
        return_data=bool(query.get("ReturnData", False)),
    )


def _dimensions(raw: Any) -> Dimensions:
    out: list[tuple[str, str]] = []
    for item in raw or []:
        if not isinstance(item, Mapping):
            continue
        key = item.get("name", item.get("Name"))
        value = item.get("value", item.get("Value"))
        if key is not None and value is not None:
            out.append((str(key), str(value)))
    return tuple(out)


def _stat(trigger: Mapping[str, Any]) -> str:
    extended = trigger.get("ExtendedStatistic")
    if isinstance(extended, str) and extended:
        return extended
    return _normalise_stat(str(trigger.get("Statistic") or "Average"))


def _normalise_stat(stat: str) -> str:
    return _STAT_NAMES.get(stat.upper().replace(" ", ""), stat)


def _number(value: Any, where: str, *, required: bool) -> float | None:
    if value is None:
        if required:
            raise InvalidAlarmMessageError(f"{where} is missing")
        return None
    if isinstance(value, bool):
        raise InvalidAlarmMessageError(f"{where} must be a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidAlarmMessageError(f"{where} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise InvalidAlarmMessageError(f"{where} must be finite, got {value!r}")
    return number


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def parse_time(value: Any, where: str) -> datetime:
    if not isinstance(value, str) or not value:
        return datetime.now(tz=UTC)
    text = value.replace("Z", "+00:00")
    # CloudWatch writes "2026-11-28T03:12:00.123+0000": make the offset ISO-8601.
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidAlarmMessageError(f"{where}: time {value!r} is not ISO-8601") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
