"""ReconcileFunction: bring every endpoint's alarms and dashboard in line, at fleet scale.

Triggered by a schedule (ReconcileSchedule parameter, daily by default), by the stack's own
CloudFormation "stack status change" events (CREATE_COMPLETE / UPDATE_COMPLETE: right after a
deploy, no manual step), and by itself to continue a run that ran out of time. It only reads
in bulk and enqueues one message per endpoint that needs work on OnboardQueue; the onboarding
worker does the (paced) writes. See docs/fleet.md.

Event fields (all optional): ``{"full": true}`` enqueues every InService endpoint (e.g. after
changing many endpoint tags, which ListEndpoints cannot show); ``{"continue": "<run id>"}``
continues an interrupted run; ``{"max_items": n}`` stops after n (tests and drills).

A hub with spokes (docs/hub-and-spokes.md (d)) reconciles its own account-region first, exactly
as a single-account stack, then every spoke account-region (``core.fleet.spokes``) through its
role, with messages that name the place. A spoke whose role cannot be assumed (or that refuses a
read) is reported (an error log naming account and region, and the ``SpokesUnreachable``
metric) and skipped: nothing is planned for it, so its state and alarms are kept until it
answers again or someone removes them. A run that runs out of time continues at the place it
stopped (``{"continue": …, "spoke_account": …, "spoke_region": …}``: not ``account``/``region``,
which every EventBridge event carries, the stack's own deploy events included).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sagewatch.config import ReconcileConfig
from sagewatch.core.shared.errors import InvalidPolicyError, SageWatchError
from sagewatch.observability import RECONCILE_ENQUEUED, SPOKES_UNREACHABLE, count, lambda_entry_point, logger
from sagewatch.wiring import Wiring

if TYPE_CHECKING:
    from sagewatch.core.shared.places import Place
    from sagewatch.usecases.reconcile import Reconciler, ReconcileResult

# Stop sending with this much of the Lambda timeout left: room for the checkpoint and the re-invoke.
SAFETY_MARGIN_MS = 30_000

# Lambda hands its context object; tests and the emulated account, one with the same attributes.
LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def entry_point(config: ReconcileConfig | None = None, wiring: Wiring | None = None) -> LambdaHandler:
    """The function's handler; the config is read now (at INIT: a mistake fails the cold start,
    naming the variable), clients at their first call."""
    config = config if config is not None else ReconcileConfig.from_env()
    wiring = wiring if wiring is not None else Wiring()

    @lambda_entry_point
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return reconcile(config, wiring, event if isinstance(event, dict) else {}, context)

    return lambda_handler


def reconcile(config: ReconcileConfig, wiring: Wiring, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        reconciler = wiring.reconciler(config)
    except InvalidPolicyError as exc:
        # Nothing is enqueued with a policy nobody can apply; raising makes the error visible
        # (Errors alarm) and the next run, after the parameter is fixed, picks everything up.
        logger.error("invalid policy, nothing changed: %s", exc)
        raise
    if event.get("source") == "aws.cloudformation":
        logger.info("reconcile after a deploy of the stack", extra={"detail": event.get("detail")})
    budget = max(0.0, (context.get_remaining_time_in_millis() - SAFETY_MARGIN_MS) / 1000.0)
    max_items = event.get("max_items")
    run = _Run(
        continue_run=str(event["continue"]) if event.get("continue") else None,
        full=bool(event.get("full", False)),
        max_items=int(max_items) if isinstance(max_items, int) else None,
    )
    started = time.monotonic()
    continuing_spoke = bool(event.get("continue") and event.get("spoke_account"))
    if continuing_spoke:
        answer: dict[str, Any] = {"outcome": "complete", "enqueued": 0}
    else:
        result = run.of(reconciler, budget)
        answer = result.as_dict()
        if result.continuation is not None:
            return _continue(config, wiring, context, result.continuation, answer)
    if config.spokes is not None:
        left = budget - (time.monotonic() - started)
        answer["spokes"] = _spokes(config, wiring, event, context, run if continuing_spoke else run.fresh(), left)
    count(RECONCILE_ENQUEUED, answer.get("enqueued", 0))
    return answer


@dataclass(frozen=True)
class _Run:
    """What the event asks of every place's run."""

    continue_run: str | None
    full: bool
    max_items: int | None

    def of(self, reconciler: Reconciler, budget: float) -> ReconcileResult:
        return reconciler.run(
            continue_run=self.continue_run, full=self.full, budget_seconds=budget, max_items=self.max_items
        )

    def fresh(self) -> _Run:
        return replace(self, continue_run=None)


def _continue(
    config: ReconcileConfig,
    wiring: Wiring,
    context: LambdaContext,
    continuation: dict[str, Any],
    answer: dict[str, Any],
) -> dict[str, Any]:
    count(RECONCILE_ENQUEUED, answer.get("enqueued", 0))
    if config.self_invoke:
        # Asynchronous, so this invocation ends now and the continuation gets a full timeout.
        wiring.continue_asynchronously(context.function_name, json.dumps(continuation).encode())
    return answer


def _spokes(
    config: ReconcileConfig,
    wiring: Wiring,
    event: dict[str, Any],
    context: LambdaContext,
    run: _Run,
    budget: float,
) -> dict[str, Any]:
    """Every spoke account-region after the hub's own: planned through its role, each reported."""
    from sagewatch.core.fleet.spokes import resume_at, spoke_places
    from sagewatch.core.shared.places import Place

    assert config.account_id is not None  # config.spokes requires it (ConfigError otherwise)
    places = spoke_places(Place(config.account_id, config.region), wiring.spoke_accounts(config), _regions(config))
    start = resume_at(places, event.get("spoke_account"), event.get("spoke_region"))
    report: dict[str, Any] = {"places": len(places), "unreachable": [], "enqueued": 0, "complete": []}
    # Spokes no longer found (an account that left the OU, a region dropped) whose state is still
    # in the table: reported at every run, their state and alarms kept until someone removes them.
    report["gone"] = [f"{p.account}/{p.region}" for p in sorted(wiring.known_spoke_places(config) - set(places))]
    for gone in report["gone"]:
        logger.warning("spoke %s is no longer found; its state and alarms are kept until removed", gone)
    began = time.monotonic()
    for place in places[start:]:
        left = max(0.0, budget - (time.monotonic() - began))
        try:
            result = run.of(wiring.reconciler(config, place=place, fresh=False), left)
        except SageWatchError as exc:
            _unreachable(place, exc)
            report["unreachable"].append(f"{place.account}/{place.region}")
            continue
        finally:
            run = run.fresh()  # only the first place continues the interrupted run
        report["enqueued"] += result.enqueued
        _subscribe(config, wiring, place, report)
        if result.continuation is not None:
            continuation = result.continuation | {"spoke_account": place.account, "spoke_region": place.region}
            report["continuing"] = f"{place.account}/{place.region}"
            if config.self_invoke:
                wiring.continue_asynchronously(context.function_name, json.dumps(continuation).encode())
            break
        report["complete"].append(f"{place.account}/{place.region}")
    count(SPOKES_UNREACHABLE, len(report["unreachable"]) + len(report["gone"]))
    return report


def _subscribe(config: ReconcileConfig, wiring: Wiring, place: Place, report: dict[str, Any]) -> None:
    """The hub's AlertQueue subscribed to the spoke's topic at its first reconcile; a refusal (no
    spoke stack, a topic policy that does not admit the hub) is an error naming the place."""
    try:
        if wiring.subscribe_alert_queue(config, place):
            report.setdefault("subscribed", []).append(f"{place.account}/{place.region}")
    except SageWatchError as exc:
        logger.error(
            "AlertQueue not subscribed to the topic of spoke %s %s: %s",
            place.account,
            place.region,
            exc,
            extra={"account": place.account, "region": place.region},
        )
        report.setdefault("unsubscribed", []).append(f"{place.account}/{place.region}")


def _regions(config: ReconcileConfig) -> tuple[str, ...]:
    return config.spokes.regions if config.spokes is not None else ()


def _unreachable(place: Place, error: SageWatchError) -> None:
    """Reported, not raised: the other spokes go on, and this one's state is kept (nothing planned)."""
    logger.error(
        "spoke %s %s not reconciled, its state kept: %s",
        place.account,
        place.region,
        error,
        extra={"account": place.account, "region": place.region},
    )
