"""The composition root's part for spokes (docs/hub-and-spokes.md), imported by ``sagewatch.wiring``
only when a stack has spokes: the clients acting in a spoke account-region, and the notify
enrichment's readers and account names per spoke."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sagewatch.config import CommonConfig, NotifyConfig, ReconcileConfig
    from sagewatch.core.shared.places import Place
    from sagewatch.usecases.notify.enrich import SpokeReads
    from sagewatch.wiring import SpokeClientFactory, Wiring

log = logging.getLogger(__name__)


def spoke_clients(
    config: CommonConfig, *, wall_clock: Callable[[], float], sleep: Callable[[float], None]
) -> SpokeClientFactory:
    """``(place, service)`` → a client in that spoke, through its role (``adapters.sts``)."""
    from sagewatch.adapters.sts import SpokeClients

    if config.spokes is None:
        raise ValueError("a spoke place needs the spoke settings (SAGEWATCH_SPOKE_EXTERNAL_ID)")
    clients = SpokeClients(
        prefix=config.name_prefix,
        external_id=config.spokes.external_id,
        hub_region=config.region,
        wall_clock=wall_clock,
        sleep=sleep,
    )
    return clients.deferred


def spoke_accounts(config: ReconcileConfig, organizations: Any, *, sleep: Callable[[float], None]) -> list[str]:
    """The explicit list, and the ACTIVE accounts of the organization or OU when the hub knows it
    (the hub's own account from the explicit list only).

    Organizations answers only in the management account or a delegated administrator: when it
    refuses, the error is logged and the explicit list stands (the organization's accounts are
    then found again at the next run, once the hub is registered)."""
    spokes = config.spokes
    if spokes is None:
        return []
    accounts = set(spokes.accounts)
    if spokes.organization_id and organizations is not None:
        from sagewatch.adapters.organizations import Organizations
        from sagewatch.core.shared.errors import SageWatchError

        try:
            found = Organizations(organizations, sleep=sleep).active_accounts(spokes.organizational_unit)
            # The hub's own account is in its organization (often its management account or a
            # delegated administrator) but is a spoke elsewhere only when listed explicitly.
            accounts |= set(found) - {config.account_id}
        except SageWatchError as exc:
            log.error(
                "spoke accounts of %s not listed (is this account a delegated administrator?): %s",
                spokes.organizational_unit or spokes.organization_id,
                exc,
            )
    return sorted(accounts)


class SpokeReadsOf:
    """The notify enrichment's readers in each spoke account-region (``SpokeReadsPort``), and the
    spoke accounts' names, kept while the execution environment is warm."""

    def __init__(self, wiring: Wiring, config: NotifyConfig, *, sleep: Callable[[float], None]) -> None:
        self._wiring = wiring
        self._sleep = sleep
        self._config = config
        self._readers: dict[Place, SpokeReads] = {}
        self._names: dict[str, str | None] = {}
        self._lock = threading.Lock()

    def reads_in(self, account: str, region: str) -> SpokeReads | None:
        place = self._config.spoke_place(account, region)
        if place is None:
            return None
        with self._lock:
            if place not in self._readers:
                self._readers[place] = self._build(place)
            return self._readers[place]

    def _build(self, place: Place) -> SpokeReads:
        from sagewatch.adapters.cloudwatch.alarm_history import AlarmHistory
        from sagewatch.adapters.cloudwatch.alert_metrics import MetricsReader
        from sagewatch.adapters.cloudwatch.mute_rules import MuteRuleReader
        from sagewatch.adapters.cloudwatch_logs import LogsReader
        from sagewatch.adapters.sagemaker import ComponentReader
        from sagewatch.usecases.notify.enrich import SpokeReads

        aws = self._wiring.in_place(self._config, place)
        cloudwatch, sagemaker = aws("cloudwatch"), aws("sagemaker")
        spokes = self._config.spokes
        return SpokeReads(
            metrics=MetricsReader(cloudwatch, sleep=self._sleep),
            logs=LogsReader(aws("logs")),
            history=AlarmHistory(cloudwatch),
            components=ComponentReader(lambda: sagemaker),
            mute_rules=MuteRuleReader(cloudwatch),
            account_name=lambda: self._name(place),
            console_role=spokes.console_role if spokes is not None else None,
        )

    def _name(self, place: Place) -> str | None:
        """The account's alias (through the spoke role), else its Organizations name (from the hub,
        when the hub knows its organization), else None: the alert shows the ID alone. A failed
        lookup is not kept, so the next alert asks again; a name never delays delivery beyond it."""
        if place.account in self._names:
            return self._names[place.account]
        from sagewatch.adapters.iam import account_alias
        from sagewatch.core.shared.errors import SageWatchError

        try:
            name = account_alias(self._wiring.in_place(self._config, place)("iam"), sleep=self._sleep)
            spokes = self._config.spokes
            if name is None and spokes is not None and spokes.organization_id:
                from sagewatch.adapters.organizations import Organizations

                name = Organizations(self._wiring.client("organizations")).account_name(place.account)
        except SageWatchError as exc:
            log.warning("the name of account %s is unknown: %s", place.account, exc)
            return None
        self._names[place.account] = name
        return name


def subscribe_alert_queue(
    wiring: Wiring, config: ReconcileConfig, place: Place, sns: Callable[[], Any], *, sleep: Callable[[float], None]
) -> str | None:
    """AlertQueue subscribed to ``place``'s topic once, recorded in the state table (None: nothing to do).
    ``sns``: the hub's client in the topic's region, built only when a subscription is made."""
    from sagewatch.adapters.dynamodb.fleet_state import StateStore
    from sagewatch.adapters.sns import subscribe_queue
    from sagewatch.usecases.spoke_subscriptions import ensure_subscribed

    if not config.alert_queue_arn:
        return None
    return ensure_subscribed(
        place,
        prefix=config.name_prefix,
        queue_arn=config.alert_queue_arn,
        records=StateStore(wiring.deferred("dynamodb"), config.state_table, sleep=sleep, place=place),
        subscribe=lambda topic, queue: subscribe_queue(sns(), topic, queue, sleep=sleep),
    )
