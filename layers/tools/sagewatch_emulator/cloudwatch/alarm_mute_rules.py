"""PutAlarmMuteRule, GetAlarmMuteRule, ListAlarmMuteRules, DeleteAlarmMuteRule: moto 5.2 has none.

Served over the real boto3 path (CloudWatch's smithy-rpc-v2-cbor protocol, as moto decodes it),
into the alarm engine's :class:`~sagewatch_emulator.alarm_engine.mute_rules.MuteRuleBook`, which
the engine consults before running an alarm's actions. What each call checks and answers, from
the CloudWatch API Reference pages of the four operations and botocore's service model:

- PutAlarmMuteRule: ``Name`` 1-255 characters, ``Description`` up to 1024, the schedule
  (:func:`~sagewatch_emulator.alarm_engine.mute_rules.parse_schedule`), ``MuteTargets.AlarmNames``
  at most 100 names of 1-255 characters that "must match existing alarms in your Amazon Web
  Services account and region"; a name that exists is updated ("If you specify a rule name that
  already exists, this operation updates the existing rule"). Refusals are ``ValidationError``
  with AWS's constraint wording, or ``InvalidParameterValue`` for what the model cannot express.
- GetAlarmMuteRule: the rule, its status now (SCHEDULED, ACTIVE, EXPIRED) and ``MuteType``
  (ONE_TIME, RECURRING); ``ResourceNotFoundException`` when there is no such rule.
- ListAlarmMuteRules: summaries (ARN, ExpireDate only when set, Status, MuteType,
  LastUpdatedTimestamp), filtered by ``AlarmName`` (rules targeting it) and ``Statuses``, paged
  by ``MaxRecords`` (default 50, 1-100) and ``NextToken`` (``InvalidNextToken`` when unknown).
- DeleteAlarmMuteRule: idempotent ("If you delete a mute rule that does not exist, the operation
  succeeds"); alarms it muted are unmuted at once and, still in the muted state, run its actions
  ("If those alarms are in an ALARM state, their configured actions will trigger").
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sagewatch_emulator.alarm_engine.mute_rules import MAX_TARGETS, MuteRule, MuteRuleError, parse_schedule

if TYPE_CHECKING:
    from sagewatch_emulator.alarm_engine.engine import AlarmEngine
    from sagewatch_emulator.extensions import MotoExtensions

__all__ = ["LIST_PAGE_DEFAULT", "add_alarm_mute_rules"]

LIST_PAGE_DEFAULT = 50  # ListAlarmMuteRules MaxRecords: "The default is 50" (max 100)
_STATUSES = ("SCHEDULED", "ACTIVE", "EXPIRED")


def _aware(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _length(field: str, value: Any, low: int, high: int) -> None:
    from moto.cloudwatch.exceptions import ValidationError

    if value is None or not low <= len(str(value)) <= high:
        raise ValidationError(
            f"1 validation error detected: Value at '{field}' failed to satisfy constraint: "
            f"Member must have length between {low} and {high}"
        )


def add_alarm_mute_rules(engine: AlarmEngine, extensions: MotoExtensions) -> None:
    """The four operations on ``engine``'s rule book (removed by ``extensions.uninstall``)."""
    from moto.cloudwatch.exceptions import InvalidParameterValue, ResourceNotFoundException, ValidationError
    from moto.cloudwatch.responses import CloudWatchResponse
    from moto.core.exceptions import ServiceException
    from moto.core.responses import ActionResult, EmptyResult

    class InvalidNextToken(ServiceException):
        code = "InvalidNextToken"

    def arn(name: str) -> str:
        return f"arn:aws:cloudwatch:{engine.region}:{engine.account_id}:alarm-mute-rule:{name}"

    def put_alarm_mute_rule(self: Any) -> Any:
        name = self._get_param("Name")
        _length("name", name, 1, 255)
        description = self._get_param("Description")
        if description is not None:
            _length("description", description, 0, 1024)
        schedule_in = (self._get_param("Rule") or {}).get("Schedule") or {}
        try:
            expression, duration = str(schedule_in.get("Expression") or ""), str(schedule_in.get("Duration") or "")
            schedule = parse_schedule(expression, duration, schedule_in.get("Timezone"))
        except MuteRuleError as exc:
            raise InvalidParameterValue(str(exc)) from None
        targets = list((self._get_param("MuteTargets") or {}).get("AlarmNames") or [])
        if len(targets) > MAX_TARGETS:
            raise ValidationError(
                "1 validation error detected: Value at 'muteTargets.alarmNames' failed to satisfy constraint: "
                f"Member must have length less than or equal to {MAX_TARGETS}"
            )
        for target in targets:
            _length("muteTargets.alarmNames.member", target, 1, 255)
        unknown = [t for t in targets if t not in self.cloudwatch_backend.alarms]
        if unknown:
            raise ResourceNotFoundException(f"The alarm(s) {', '.join(unknown[:5])} do not exist")
        start, expire = _aware(self._get_param("StartDate")), _aware(self._get_param("ExpireDate"))
        if start is not None and expire is not None and expire <= start:
            raise InvalidParameterValue("ExpireDate must be after StartDate")
        engine.mute_rules.put(
            MuteRule(
                name=name,
                arn=arn(name),
                schedule=schedule,
                duration_text=str(schedule_in["Duration"]),
                timezone=schedule_in.get("Timezone"),
                targets=tuple(dict.fromkeys(targets)),
                updated=engine.clock.now,
                description=description,
                start=start,
                expire=expire,
                tags=list(self._get_param("Tags") or []),
            )
        )
        return EmptyResult()

    def get_alarm_mute_rule(self: Any) -> Any:
        name = self._get_param("AlarmMuteRuleName")
        rule = engine.mute_rules.rules.get(name)
        if rule is None:
            raise ResourceNotFoundException(f"Alarm mute rule {name} does not exist")
        schedule: dict[str, Any] = {"Expression": rule.schedule.expression, "Duration": rule.duration_text}
        if rule.timezone is not None:
            schedule["Timezone"] = rule.timezone
        answer: dict[str, Any] = {
            "Name": rule.name,
            "AlarmMuteRuleArn": rule.arn,
            "Rule": {"Schedule": schedule},
            "MuteTargets": {"AlarmNames": list(rule.targets)},
            "Status": rule.status(engine.clock.now),
            "LastUpdatedTimestamp": rule.updated,
            "MuteType": rule.mute_type,
        }
        for key, value in (("Description", rule.description), ("StartDate", rule.start), ("ExpireDate", rule.expire)):
            if value is not None:
                answer[key] = value
        return ActionResult(answer)

    def list_alarm_mute_rules(self: Any) -> Any:
        alarm_name = self._get_param("AlarmName")
        statuses = self._get_param("Statuses") or []
        bad = [s for s in statuses if s not in _STATUSES]
        if bad:
            raise ValidationError(f"Statuses {bad} are not among {list(_STATUSES)}")
        if alarm_name is not None and alarm_name not in self.cloudwatch_backend.alarms:
            raise ResourceNotFoundException(f"Alarm {alarm_name} does not exist")
        size = int(self._get_param("MaxRecords") or LIST_PAGE_DEFAULT)
        if not 1 <= size <= 100:
            raise ValidationError("MaxRecords must be between 1 and 100")
        token = self._get_param("NextToken")
        if token is not None and not str(token).isdigit():
            raise InvalidNextToken("The next token is not valid")
        now = engine.clock.now
        rules = [r for _, r in sorted(engine.mute_rules.rules.items())]
        if alarm_name is not None:
            rules = [r for r in rules if alarm_name in r.targets]
        if statuses:
            rules = [r for r in rules if r.status(now) in statuses]
        start = int(token or 0)
        summaries = []
        for rule in rules[start : start + size]:
            summary: dict[str, Any] = {
                "AlarmMuteRuleArn": rule.arn,
                "Status": rule.status(now),
                "MuteType": rule.mute_type,
                "LastUpdatedTimestamp": rule.updated,
            }
            if rule.expire is not None:
                summary["ExpireDate"] = rule.expire
            summaries.append(summary)
        answer: dict[str, Any] = {"AlarmMuteRuleSummaries": summaries}
        if start + size < len(rules):
            answer["NextToken"] = str(start + size)
        return ActionResult(answer)

    def delete_alarm_mute_rule(self: Any) -> Any:
        name = self._get_param("AlarmMuteRuleName")
        _length("alarmMuteRuleName", name, 1, 255)
        if engine.mute_rules.delete(name) is not None:
            engine.release_mutes(engine.clock.now)
        return EmptyResult()

    for operation, handler in (
        ("put_alarm_mute_rule", put_alarm_mute_rule),
        ("get_alarm_mute_rule", get_alarm_mute_rule),
        ("list_alarm_mute_rules", list_alarm_mute_rules),
        ("delete_alarm_mute_rule", delete_alarm_mute_rule),
    ):
        # Patched even if a later moto has them: the engine must see the rules it stores.
        extensions.patch(CloudWatchResponse, operation, handler)
    extensions.installed.append("cloudwatch: alarm mute rules (Put/Get/List/DeleteAlarmMuteRule), engine-honoured")
