"""DescribeAlarmHistory, which moto does not implement (HTTP 500).

moto's alarms keep a list of their *previous* states (reason, value, timestamp) in
``alarm.history``; with the current state that is every transition, returned as ``StateUpdate``
items. It is what the alert path reads to say how long an alarm lasted.

AlarmTypes as on AWS (DescribeAlarmHistory API reference, AlarmTypes: "If you omit this
parameter, only metric alarms are returned"): a composite alarm's history is returned only when
the call asks for ``CompositeAlarm``.
"""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sagewatch_emulator.cloudwatch.utc import as_utc

if TYPE_CHECKING:
    from sagewatch_emulator.extensions import MotoExtensions

__all__ = ["add_describe_alarm_history", "alarm_state_updates", "alarm_type"]


def alarm_type(alarm: Any) -> str:
    """``CompositeAlarm`` for an alarm stored by PutCompositeAlarm (it has a rule), else ``MetricAlarm``."""
    return "CompositeAlarm" if getattr(alarm, "rule", None) else "MetricAlarm"


def alarm_state_updates(alarm: Any) -> list[dict[str, Any]]:
    """StateUpdate history items of one moto alarm, newest first, in DescribeAlarmHistory's shape."""
    states = [(h[3], h[1], h[4]) for h in alarm.history if h and h[0] == "StateUpdate"]
    states.append((alarm.state_value, alarm.state_reason, alarm.state_updated_timestamp))
    items = []
    for (old_value, _old_reason, _old_time), (new_value, new_reason, new_time) in itertools.pairwise(states):
        data = {
            "version": "1.0",
            "oldState": {"stateValue": old_value},
            "newState": {"stateValue": new_value, "stateReason": new_reason or ""},
        }
        items.append(
            {
                "AlarmName": alarm.name,
                "AlarmType": alarm_type(alarm),
                "Timestamp": new_time,
                "HistoryItemType": "StateUpdate",
                "HistorySummary": f"Alarm updated from {old_value} to {new_value}",
                "HistoryData": json.dumps(data),
            }
        )
    return list(reversed(items))


def add_describe_alarm_history(extensions: MotoExtensions) -> None:
    """DescribeAlarmHistory: ``StateUpdate`` items filtered by AlarmName, AlarmTypes (metric
    alarms only when omitted), HistoryItemType and EndDate, ordered by ScanBy, capped by MaxRecords."""
    from moto.cloudwatch.responses import CloudWatchResponse
    from moto.core.responses import ActionResult

    def describe_alarm_history(self: Any) -> Any:
        name = self._get_param("AlarmName")
        item_type = self._get_param("HistoryItemType")
        end = self._get_param("EndDate")
        alarms = self.cloudwatch_backend.alarms
        selected = [alarms[name]] if name in alarms else ([] if name else list(alarms.values()))
        types = set(self._get_param("AlarmTypes") or ["MetricAlarm"])
        selected = [alarm for alarm in selected if alarm_type(alarm) in types]
        items = [i for alarm in selected for i in alarm_state_updates(alarm)]
        if item_type and item_type != "StateUpdate":
            items = []
        if end is not None:
            limit = end if isinstance(end, datetime) else datetime.fromisoformat(str(end).replace("Z", "+00:00"))
            items = [i for i in items if as_utc(i["Timestamp"]) <= as_utc(limit)]
        items.sort(key=lambda i: as_utc(i["Timestamp"]), reverse=self._get_param("ScanBy") != "TimestampAscending")
        max_records = int(self._get_param("MaxRecords") or 100)
        return ActionResult({"AlarmHistoryItems": items[:max_records]})

    extensions.patch(CloudWatchResponse, "describe_alarm_history", describe_alarm_history)
    extensions.installed.append("cloudwatch: DescribeAlarmHistory (state updates from moto's alarm history)")
