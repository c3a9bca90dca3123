"""ReconcileFunction: bring every endpoint's alarms and dashboard in line, at fleet scale.

Triggered by a schedule (ReconcileSchedule parameter, daily by default), by the stack's own
CloudFormation "stack status change" events (CREATE_COMPLETE / UPDATE_COMPLETE: right after a
deploy, no manual step), and by itself to continue a run that ran out of time. It only reads
in bulk and enqueues one message per endpoint that needs work on OnboardQueue; the onboarding
worker does the (paced) writes. See docs/fleet.md.

Event fields (all optional): ``{"full": true}`` enqueues every InService endpoint (e.g. after
changing many endpoint tags, which ListEndpoints cannot show); ``{"continue": "<run id>"}``
continues an interrupted run; ``{"max_items": n}`` stops after n (tests and drills).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sagewatch.config import ReconcileConfig
from sagewatch.core.shared.errors import InvalidPolicyError
from sagewatch.observability import RECONCILE_ENQUEUED, count, lambda_entry_point, logger
from sagewatch.wiring import Wiring

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
    result = reconciler.run(
        continue_run=str(event["continue"]) if event.get("continue") else None,
        full=bool(event.get("full", False)),
        budget_seconds=budget,
        max_items=int(max_items) if isinstance(max_items, int) else None,
    )
    count(RECONCILE_ENQUEUED, result.enqueued)
    if result.continuation is not None and config.self_invoke:
        # Asynchronous, so this invocation ends now and the continuation gets a full timeout.
        wiring.continue_asynchronously(context.function_name, json.dumps(result.continuation).encode())
    return result.as_dict()
