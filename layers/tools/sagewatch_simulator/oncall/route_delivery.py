"""The two teams' routes in the emulated account, and what reached PagerDuty and Teams.

:func:`set_up_routes` does what an operator does before the endpoints are tagged: the PagerDuty
routing key and the Teams workflow URL go into Secrets Manager, and the ``routes`` table is
added to the policy parameter the stack wrote (its thresholds kept). :class:`RouteCollector`
turns what the fake PagerDuty and the fake Teams accepted into :class:`Delivery` records the
scorer counts like Slack messages:

- a Teams card carries its notification's SNS MessageId in its footer (``message <id>``), as a
  Slack message does: each card is one top-level message;
- a PagerDuty trigger carries it in ``custom_details["Message"]``; the first trigger of a
  ``dedup_key`` opens an alert (top level, ``ts`` = the key), later ones update it (a reply in
  its "thread"); a resolve carries only the key ("Send an Alert Event": no payload), so it is
  matched to the notification that caused it: the latest ALARM → OK of an alarm the alert was
  triggered for, not yet matched to a resolve.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sagewatch_emulator.account import EmulatedAccount
from sagewatch_simulator.oncall.records import AlarmNotice, Delivery, message_ids_in
from sagewatch_simulator.oncall.routing import (
    PAGERDUTY,
    PAGERDUTY_SECRET,
    PAGERDUTY_SERVICE,
    TEAMS,
    TEAMS_CHANNEL,
    TEAMS_SECRET,
    routes_document,
)


def set_up_routes(account: EmulatedAccount, slack: str) -> None:
    """Secrets and the policy parameter's ``routes`` (``slack``: the payments route's Slack)."""
    account.pagerduty_secret(PAGERDUTY_SECRET, PAGERDUTY_SERVICE)
    account.teams_secret(TEAMS_SECRET, TEAMS_CHANNEL)
    ssm, name = account.client("ssm"), account.physical_id("PolicyParameter")
    policy = json.loads(ssm.get_parameter(Name=name)["Parameter"]["Value"])
    policy["routes"] = routes_document(slack)
    ssm.put_parameter(Name=name, Value=json.dumps(policy), Type="String", Overwrite=True)


@dataclass(frozen=True)
class RouteTally:
    """What PagerDuty and Teams kept by the end of a run (the fakes' own records)."""

    pagerduty_opened: int = 0
    pagerduty_resolved: int = 0
    pagerduty_triggers: int = 0  # trigger events applied (openings and updates)
    pagerduty_rejected: int = 0  # events answered 400 (invalid against Events API v2)
    pagerduty_dropped: int = 0  # resolves with nothing open
    teams_cards: int = 0
    teams_invalid: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class RouteCollector:
    """Reads the fakes after each NotifyFunction round; ``seen_*`` are what was read already."""

    seen_events: int = 0
    seen_cards: int = 0
    resolved_by: set[str] = field(default_factory=set)  # OK notices already matched to a resolve
    told: dict[str, list[str]] = field(default_factory=dict)  # dedup_key -> alarms its triggers named

    def collect(self, account: EmulatedAccount, notices: Sequence[AlarmNotice], runs: Sequence[str]) -> list[Delivery]:
        known: Mapping[str, AlarmNotice] = {n.message_id: n for n in notices}
        out: list[Delivery] = []
        cards = account.teams.messages(TEAMS_CHANNEL)
        for card in cards[self.seen_cards :]:
            text = json.dumps(card)
            ids = message_ids_in(text, known) + tuple(key for key in runs if key in text)
            out.append(Delivery(TEAMS, account.now, ids))
        self.seen_cards = len(cards)
        events = account.pagerduty.events
        for event in events[self.seen_events :]:
            out.append(self.pagerduty_delivery(event, known, account.now))
        self.seen_events = len(events)
        return out

    def pagerduty_delivery(self, event: Mapping[str, Any], known: Mapping[str, AlarmNotice], now: datetime) -> Delivery:
        """One accepted event as a delivery: a trigger opens (``ts``) or updates (``thread_ts``)
        its alert; a resolve is the OK that caused it (see the module docstring)."""
        key = str(event.get("dedup_key") or "")
        if event.get("event_action") == "trigger":
            ids = message_ids_in(json.dumps(event.get("payload") or {}), known)
            opening = key not in self.told
            self.told.setdefault(key, []).extend(known[m].alarm_name for m in ids)
            return Delivery(PAGERDUTY, now, ids, ts=key if opening else None, thread_ts=None if opening else key)
        alarms = set(self.told.pop(key, []))
        oks = [
            n
            for n in known.values()
            if n.alarm_name in alarms
            and (n.old_state, n.new_state) == ("ALARM", "OK")
            and n.at <= now
            and n.message_id not in self.resolved_by
        ]
        latest = max(oks, key=lambda n: n.at, default=None)
        if latest is None:
            return Delivery(PAGERDUTY, now, (), thread_ts=key)
        self.resolved_by.add(latest.message_id)
        return Delivery(PAGERDUTY, now, (latest.message_id,), thread_ts=key)


def tally(account: EmulatedAccount) -> RouteTally:
    alerts = account.pagerduty.alerts(PAGERDUTY_SERVICE)
    return RouteTally(
        pagerduty_opened=len(alerts),
        pagerduty_resolved=sum(1 for a in alerts if a.status == "resolved"),
        pagerduty_triggers=sum(a.triggers for a in alerts),
        pagerduty_rejected=len(account.pagerduty.rejected),
        pagerduty_dropped=len(account.pagerduty.ledger.dropped),
        teams_cards=len(account.teams.messages(TEAMS_CHANNEL)),
        teams_invalid=len(account.teams.invalid),
    )
