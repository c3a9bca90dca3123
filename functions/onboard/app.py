"""OnboardFunction: SageMaker endpoint state change (EventBridge) → dashboard and alarms.

It is also the fleet worker: messages from OnboardQueue (sent by ReconcileFunction, one per
endpoint) are onboarded, repaired or removed with paced CloudWatch writes, and what was applied
is recorded in the state table. Failed messages are reported individually
(ReportBatchItemFailures), retried by SQS and finally moved to the queue's dead-letter queue.

Thin by design: parse the event, call the onboarding use case, report. Invalid events are
logged with what is wrong and answered, not raised: retrying them cannot help. Every other
failure raises, so Lambda retries the event and finally sends it to the dead-letter queue.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from sagewatch.core.monitoring.events import Action, is_endpoint_state_change, parse_state_change
from sagewatch.core.shared.errors import InvalidEventError
from sagewatch.core.shared.naming import is_valid_endpoint_name
from sagewatch.usecases.onboarding import Onboarding
from sagewatch.wiring import Services

logger = Logger()
_services: Services | None = None


def _wiring() -> Services:
    """Clients built on first use and kept while the execution environment is warm."""
    global _services
    if _services is None:
        _services = Services()
    return _services


def _service() -> Onboarding:
    """The event path's use case (the policy is re-read from SSM at most once a minute)."""
    return _wiring().onboarding()


def _is_queue_batch(event: Any) -> bool:
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list) or not records:
        return False
    return all(isinstance(r, dict) and r.get("eventSource") == "aws:sqs" for r in records)


def _work(event: dict[str, Any]) -> dict[str, Any]:
    """OnboardQueue messages: onboard (or remove) each endpoint; report the ones that failed."""
    service = _wiring().onboarding(worker=True)
    failures: list[dict[str, str]] = []
    for record in event["Records"]:
        message_id = str(record.get("messageId", ""))
        try:
            body = json.loads(record.get("body") or "")
            endpoint = body["endpoint"]
            if not isinstance(endpoint, str) or not is_valid_endpoint_name(endpoint):
                raise ValueError(f"not an endpoint name: {endpoint!r}")
        except (ValueError, KeyError, TypeError) as exc:
            # Retrying a malformed message cannot help: logged and dropped.
            logger.error("invalid queue message %s: %s", message_id, exc)
            continue
        logger.append_keys(endpoint=endpoint, message_id=message_id)
        planned = body.get("policy")
        if planned and planned != service.policy_version:
            # Planned under a policy this warm environment has not read yet: read it now.
            service = _wiring().onboarding(worker=True, fresh=True)
        try:
            result = service.onboard(endpoint)
        except Exception:
            logger.exception("onboarding %s failed; the message is retried", endpoint)
            failures.append({"itemIdentifier": message_id})
            continue
        logger.info(
            "worker: %s %s (%s)",
            endpoint,
            result.outcome,
            "; ".join(body.get("reasons") or []) or body.get("kind", ""),
            extra={"result": result.as_dict()},
        )
    return {"batchItemFailures": failures}


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if _is_queue_batch(event):
        return _work(event)
    if not is_endpoint_state_change(event):
        source = event.get("source") if isinstance(event, dict) else None
        detail_type = event.get("detail-type") if isinstance(event, dict) else None
        logger.info(
            "ignored: not a SageMaker endpoint state change",
            extra={"source": source, "detail_type": detail_type},
        )
        return {"outcome": "ignored", "reason": f"not a SageMaker endpoint state change (source={source!r})"}
    try:
        change = parse_state_change(event)
    except InvalidEventError as exc:
        logger.error("invalid event: %s", exc, extra={"event_id": event.get("id")})
        return {"outcome": "invalid", "error": str(exc)}
    logger.append_keys(endpoint=change.endpoint_name, status=change.status, event_id=change.event_id)
    if change.action is Action.IGNORE:
        # Decided by the event alone: no settings (and no policy read) needed.
        logger.info("ignored: status %s needs no action", change.status)
        return Onboarding.ignored(change).as_dict()
    return _service().handle(change).as_dict()
