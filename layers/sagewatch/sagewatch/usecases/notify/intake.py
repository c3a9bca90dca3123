"""Intake, the first stage: records become batch items, and batch items become routed alerts.

A record is parsed into its kind (``core.alerting.alert_kinds``); one that cannot be read is not
dropped: it becomes an "unreadable notification" alert for the default destinations, summarised
field by field (never the raw JSON). Each alert is routed (its team's route in the policy's
routing table, its endpoint's own destinations, else the defaults; PagerDuty for ``page`` alerts
only) and, across the batch, a storm for one Slack destination becomes that destination's
digests. Intake reads nothing and builds no view: it hands the gate an ``Alert``
(its kind, its ``Target``s when sent alone, its report) and the batch's digests.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sagewatch.core.alerting.alert_kinds import AlertKind, UnreadableAlert, alert_kind
from sagewatch.core.alerting.delivery_record import SETTLED_MARKER
from sagewatch.core.alerting.notification import InvalidAlarmMessageError, Notification, parse_sns_record
from sagewatch.core.alerting.routes import Route, RoutingTable
from sagewatch.core.alerting.routing import BOT_PREFIX, Destinations, route
from sagewatch.core.shared.errors import SageWatchError
from sagewatch.usecases.notify.outcome import DeliveryReport

log = logging.getLogger(__name__)

RAW_LIMIT = 4000  # characters of an unreadable record kept for its summary


@dataclass
class BatchItem:
    """One record of a batch: a parsed notification, or what could not be read."""

    item_id: str  # SQS messageId (what batchItemFailures names), or the SNS MessageId
    message_id: str  # SNS MessageId: the idempotency key
    notification: Notification | None = None
    unreadable: str | None = None  # why it could not be read
    raw: str = ""
    received: datetime | None = None
    envelope: dict[str, Any] | None = None  # the SNS envelope, when it came through AlertQueue (can be held)
    settled: bool = False  # the copy of an OK that waited for the settle window (adapters.sqs)


def sns_payload(record: dict[str, Any]) -> dict[str, Any]:
    """The SNS notification of a record: SNS→Lambda directly, or SNS→SQS→Lambda (JSON body)."""
    if "Sns" in record:
        return dict(record["Sns"])
    body = record.get("body")
    if isinstance(body, str):
        try:
            parsed = json.loads(body)
        except json.JSONDecodeError:
            raise InvalidAlarmMessageError("SQS record body is not JSON") from None
        if isinstance(parsed, dict):
            return parsed
    raise InvalidAlarmMessageError("record is neither an SNS notification nor an SQS message carrying one")


def batch_item(record: dict[str, Any]) -> BatchItem:
    """One record as the notifier sees it; an unreadable one keeps its raw text and the reason."""
    sns = record.get("Sns") if isinstance(record.get("Sns"), dict) else None
    item_id = str(record.get("messageId") or (sns or {}).get("MessageId") or "")
    try:
        payload = sns_payload(record)
        notification = parse_sns_record(payload)
    except InvalidAlarmMessageError as exc:
        log.error("unreadable notification: %s", exc)
        raw = (sns or {}).get("Message") if sns is not None else record.get("body")
        message_id = str((sns or {}).get("MessageId") or record.get("messageId") or "")
        if not sns and isinstance(record.get("body"), str):
            try:  # an SNS envelope whose Message is what cannot be read: keep its MessageId
                envelope = json.loads(record["body"])
                if isinstance(envelope, dict) and envelope.get("MessageId"):
                    message_id = str(envelope["MessageId"])
                    raw = envelope.get("Message", raw)
            except json.JSONDecodeError:
                pass
        return BatchItem(
            item_id or message_id,
            message_id,
            unreadable=str(exc),
            raw=str(raw)[:RAW_LIMIT],
            received=datetime.now(tz=UTC),
        )
    queued = "Sns" not in record  # only a queued notification can be held back in its queue
    return BatchItem(
        item_id or notification.message_id,
        notification.message_id,
        notification=notification,
        envelope={k: v for k, v in payload.items() if k != SETTLED_MARKER} if queued else None,
        settled=bool(payload.get(SETTLED_MARKER)),
    )


PAGERDUTY = "pagerduty:"
TEAMS = "teams:"

RoutesSource = Callable[[], RoutingTable]
"""The routing table of the policy parameter as it stands (read when an alert names a team)."""


@dataclass(frozen=True)
class Target:
    """One destination an alert is claimed and decided for: ``key`` in the delivery records
    ("slack:<destination>", "email", "pagerduty:<secret>" or "teams:<secret>"), ``label`` in its
    report; ``threaded``: a bot channel (replies go in the incident's thread); ``can_hold``: an OK
    may wait for the settle window."""

    key: str
    label: str
    threaded: bool = False
    can_hold: bool = True

    @property
    def slack(self) -> str | None:
        """The Slack destination (a webhook's secret id or ``bot:<channel>``), None for e-mail."""
        return self.key.removeprefix("slack:") if self.key.startswith("slack:") else None

    @property
    def pagerduty(self) -> str | None:
        """The secret holding a PagerDuty routing key, None for other destinations."""
        return self.key.removeprefix(PAGERDUTY) if self.key.startswith(PAGERDUTY) else None

    @property
    def teams(self) -> str | None:
        """The secret holding a Teams Workflows webhook URL, None for other destinations."""
        return self.key.removeprefix(TEAMS) if self.key.startswith(TEAMS) else None


@dataclass
class Alert:
    """An alert on its way: its kind, where it goes, and its report (filled by every stage)."""

    item: BatchItem
    kind: AlertKind
    destinations: Destinations
    targets: tuple[Target, ...] = ()  # where it is sent on its own (the rest go in digests)
    report: DeliveryReport = field(init=False)

    def __post_init__(self) -> None:
        headline = self.kind.headline
        self.report = DeliveryReport(self.item.message_id, headline.alarm, headline.state, headline.endpoint)

    @property
    def alone(self) -> bool:
        """Sent on its own somewhere: its view is enriched by the reads."""
        return bool(self.targets)

    @property
    def wants_chart(self) -> bool:
        """The chart is read for an e-mail or a bot channel (it is attached or uploaded)."""
        return any(t.slack is None or t.threaded for t in self.targets)


@dataclass(frozen=True)
class Routed:
    """A batch's alerts in arrival order, and the Slack destinations whose storms become digests."""

    alerts: list[Alert]
    digests: dict[str, list[Alert]]  # Slack destination → its alerts, in arrival order


def route_batch(
    items: Sequence[BatchItem],
    *,
    prefix: str,
    dashboards: bool,
    defaults: Destinations,
    emailing: bool,
    digest_threshold: int,
    routes: RoutesSource | None = None,
) -> Routed:
    """Each item as an alert, routed; a Slack destination with ``digest_threshold`` or more alerts
    in the batch gets them as digests (render.py), every other destination one alert at a time.
    ``emailing``: e-mail is configured (a sender and the SES port). ``routes``: the routing
    table, read only if an alert names a team (an endpoint tagged ``sagewatch:team``)."""
    table = _Table(routes)
    alerts = [_alert(item, prefix=prefix, dashboards=dashboards, defaults=defaults, table=table) for item in items]
    members: dict[str, list[Alert]] = {}
    for alert in alerts:
        for destination in alert.destinations.slack_secrets:
            members.setdefault(destination, []).append(alert)
    digests = {d: group for d, group in members.items() if len(group) >= digest_threshold}
    for alert in alerts:
        alone = [
            Target(f"slack:{d}", f"slack:{d}", threaded=d.startswith(BOT_PREFIX))
            for d in alert.destinations.slack_secrets
            if d not in digests
        ]
        if emailing and alert.destinations.email_recipients:
            alone.append(Target("email", f"email:{len(alert.destinations.email_recipients)} recipient(s)"))
        alone += [Target(f"{PAGERDUTY}{s}", f"{PAGERDUTY}{s}") for s in alert.destinations.pagerduty_secrets]
        alone += [Target(f"{TEAMS}{s}", f"{TEAMS}{s}") for s in alert.destinations.teams_secrets]
        alert.targets = tuple(alone)
    return Routed(alerts, digests)


class _Table:
    """The routing table, read once per batch and only when an alert names a team."""

    def __init__(self, source: RoutesSource | None) -> None:
        self._source = source
        self._table: RoutingTable | None = None
        self._unknown: set[str] = set()

    def route_of(self, team: str | None) -> Route | None:
        if not team:
            return None
        if self._source is None:
            self._warn(team, "the function reads no policy parameter")
            return None
        if self._table is None:
            try:
                self._table = self._source()
            except SageWatchError as exc:
                # An invalid or unreadable policy must not silence every alert of the batch:
                # they go to the stack's own destinations, and the error is logged each batch.
                log.error("routing table unavailable (%s); alerts go to the default route", exc)
                self._table = RoutingTable()
                self._unknown.add(team)
                return None
        found = self._table.route(team)
        if found is None:
            self._warn(team, "the policy's routing table has no such team")
        return found

    def _warn(self, team: str, why: str) -> None:
        if team not in self._unknown:
            self._unknown.add(team)
            log.warning("team %r: %s; its alerts go to the default route", team, why)


def _alert(item: BatchItem, *, prefix: str, dashboards: bool, defaults: Destinations, table: _Table) -> Alert:
    kind = kind_of(item, prefix=prefix, dashboards=dashboards)
    context = kind.context
    return Alert(item, kind, route(context, defaults, table.route_of(context.team if context else None), kind.urgency))


def kind_of(item: BatchItem, *, prefix: str, dashboards: bool) -> AlertKind:
    """What ``item`` is on its way to people (core.alerting.alert_kinds); an unreadable record is
    told too, summarised, to the default destinations."""
    if item.notification is None:
        return UnreadableAlert(item.message_id, item.raw, item.unreadable or "unreadable", item.received)
    return alert_kind(item.notification, prefix=prefix, dashboards=dashboards)
