"""Which alarm mute rules target an alarm: one ListAlarmMuteRules, filtered by the alarm's name.

Read by the alert path only for an ALARM that arrives well after its state change (the sign of
actions CloudWatch held in a mute window and ran when it ended; docs/alerts.md, "Quiet hours and
deployments"). The summaries carry the rule's ARN, not its name or schedule (API Reference
"ListAlarmMuteRules"), so the name is read from the ARN. Needs ``cloudwatch:ListAlarmMuteRules``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sagewatch.adapters.aws import call
from sagewatch.core.monitoring.mute_rules import rule_name_of_arn
from sagewatch.core.shared.errors import AwsCallError


class MuteRuleReader:
    def __init__(self, client: Any) -> None:
        self._client = client

    def rules_for_alarm(self, alarm_name: str) -> list[tuple[str, datetime | None]]:
        """(name, ExpireDate or None) of the mute rules targeting ``alarm_name`` (one page of up
        to 100), any status: the summary carries ExpireDate "only if an expiration date was configured"."""
        try:
            page = call("ListAlarmMuteRules", self._client.list_alarm_mute_rules, AlarmName=alarm_name, MaxRecords=100)
        except AwsCallError as exc:
            if exc.code in ("ResourceNotFoundException", "ResourceNotFound"):  # the alarm is gone since
                return []
            raise
        return [
            (rule_name_of_arn(str(s["AlarmMuteRuleArn"])), _aware(s.get("ExpireDate")))
            for s in page.get("AlarmMuteRuleSummaries", [])
        ]


def _aware(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
