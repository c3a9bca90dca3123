"""Seeding "an ALARM was told here" for tests about how an OK is rendered: an OK is told only
where its ALARM was (core.alerting.incident), so such a test first records that incident."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sagewatch.adapters.dynamodb.deliveries import DeliveryRecords
from sagewatch.core.alerting.alert_target import resolve_target
from sagewatch.core.alerting.delivery_record import Settlement
from sagewatch.core.alerting.incident import AlarmTrack, Incident, incident_key
from sagewatch.core.alerting.notification import AlarmNotification, parse_sns_record
from sagewatch_emulator import EmulatedAccount


def told_alarm_first(
    account: EmulatedAccount, ok_event: dict[str, Any], *slack: str, email: bool = True, prefix: str = "SageWatch"
) -> None:
    """Record, for every record of ``ok_event``, that its ALARM was told to ``slack`` (secret
    names or ``bot:<channel>``) and e-mail, a minute before the OK."""
    records = DeliveryRecords(account.physical_id("DeliveryTable"), account.client("dynamodb"))
    notifications = [
        parse_sns_record(record["Sns"] if "Sns" in record else json.loads(record["body"]))
        for record in ok_event["Records"]
    ]
    alarms = {n.alarm_arn for n in notifications if isinstance(n, AlarmNotification) and n.new_state == "ALARM"}
    for notification in notifications:
        assert isinstance(notification, AlarmNotification)
        if notification.new_state != "OK" or notification.alarm_arn in alarms:
            continue  # an ALARM in the same event is told by the event itself
        opened = notification.state_change_time - timedelta(minutes=1)
        target = resolve_target(notification, prefix)
        owned = target.alarm_key is not None or target.context is not None
        key = incident_key(notification.alarm_arn, target.endpoint, owned=owned)
        destinations = [f"slack:{s}" for s in slack] + (["email"] if email else [])
        told = f"told-{notification.alarm_name}"  # the ALARM's own delivery, as NotifyFunction records it
        claimed = records.claim(key, told, destinations, remaining_ms=30_000)
        track = AlarmTrack(notification.alarm_name, 1, opened)
        settled = [
            Settlement(d, True, Incident(key, d, opened_at=opened, alarms=(track,)), claimed.incident(d).token)
            for d in destinations
        ]
        assert records.settle(key, told, settled) == {}
