"""When did an alarm go into ALARM? One DescribeAlarmHistory page, newest first."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sagewatch.adapters.aws import call

# DescribeAlarmHistory API reference, AlarmTypes: "If you omit this parameter, only metric alarms
# are returned" — a composite alarm's OK would never find when it started. Reading a composite
# alarm's history also needs cloudwatch:DescribeAlarmHistory on Resource "*" (template.yaml).
ALARM_TYPES = ["MetricAlarm", "CompositeAlarm"]


class AlarmHistory:
    def __init__(self, client: Any) -> None:
        self._client = client

    def alarm_started(self, alarm_name: str, before: datetime) -> datetime | None:
        page = call(
            "DescribeAlarmHistory",
            self._client.describe_alarm_history,
            AlarmName=alarm_name,
            AlarmTypes=ALARM_TYPES,
            HistoryItemType="StateUpdate",
            EndDate=before,
            MaxRecords=20,
            ScanBy="TimestampDescending",
        )
        for item in page.get("AlarmHistoryItems", []):
            try:
                data = json.loads(item.get("HistoryData") or "{}")
            except json.JSONDecodeError:
                continue
            if (data.get("newState") or {}).get("stateValue") == "ALARM":
                stamp = item.get("Timestamp")
                return stamp if isinstance(stamp, datetime) else None
        return None
