"""OnboardFunction: SageMaker endpoint state change (EventBridge) → dashboard and alarms.

A Model Monitor schedule state change (EventBridge) re-fits the schedule's endpoint; a finished
data-quality run re-fits its drift alarms; the hourly schedule looks for executions that failed
without a processing job.

It is also the fleet worker: messages from OnboardQueue (sent by ReconcileFunction, one per
endpoint) are onboarded, repaired or removed with paced CloudWatch writes, and what was applied
is recorded in the state table. Failed messages are reported individually (Powertools' batch
utility, ReportBatchItemFailures), retried by SQS and finally moved to the queue's dead-letter
queue.

Thin by design: parse the event, call the onboarding use case, report. Invalid events are
logged with what is wrong and answered, not raised: retrying them cannot help. Every other
failure raises, so Lambda retries the event and finally sends it to the dead-letter queue.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sagewatch.config import OnboardConfig
from sagewatch.core.monitoring.component_events import is_component_call, parse_component_call
from sagewatch.core.monitoring.diff import DashboardAction
from sagewatch.core.monitoring.events import Action, is_endpoint_state_change, parse_state_change
from sagewatch.core.monitoring.monitor_runs import (
    is_processing_job_state_change,
    is_scheduled_event,
    parse_monitoring_job,
)
from sagewatch.core.monitoring.schedule_events import is_schedule_state_change, parse_schedule_change
from sagewatch.core.shared.errors import InvalidEventError
from sagewatch.core.shared.naming import is_valid_endpoint_name
from sagewatch.observability import (
    ALARMS_DELETED,
    ALARMS_WRITTEN,
    ENDPOINTS_ONBOARDED,
    ENDPOINTS_REMOVED,
    ENDPOINTS_REPAIRED,
    count,
    lambda_entry_point,
    logger,
)
from sagewatch.usecases.onboarding import Onboarding, OnboardResult
from sagewatch.wiring import Wiring

# Lambda hands its context object; tests and the emulated account, one with the same attributes.
LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch import BatchProcessor
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

_RECORD_KEYS = ("message_id", "endpoint")
# What a monitoring run's response says of the re-fit it caused.
_REFIT_KEYS = ("endpoint", "outcome", "created", "updated", "deleted")


def _is_queue_batch(event: Any) -> bool:
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list) or not records:
        return False
    return all(isinstance(r, dict) and r.get("eventSource") == "aws:sqs" for r in records)


def _count(result: OnboardResult) -> None:
    """Business metrics of one endpoint's onboarding: what was written, and what it meant."""
    count(ALARMS_WRITTEN, len(result.created) + len(result.updated))
    count(ALARMS_DELETED, len(result.deleted))
    if result.outcome == "onboarded":
        # Something of it existed already: the endpoint drifted or changed and was repaired.
        existed = bool(result.updated or result.unchanged or result.dashboard == DashboardAction.UPDATE)
        count(ENDPOINTS_REPAIRED if existed else ENDPOINTS_ONBOARDED)
    elif result.outcome == "removed" and (result.deleted or result.dashboard == DashboardAction.DELETE):
        count(ENDPOINTS_REMOVED)  # only when something was there to remove


def _queued_endpoint(record: SQSRecord) -> tuple[str, dict[str, Any]]:
    """(endpoint, message body) of an OnboardQueue message; ValueError says what is wrong."""
    try:
        body = json.loads(record.body or "")
    except json.JSONDecodeError as exc:
        raise ValueError(f"body is not JSON: {exc}") from None
    endpoint = body.get("endpoint") if isinstance(body, dict) else None
    if not isinstance(endpoint, str) or not is_valid_endpoint_name(endpoint):
        raise ValueError(f"not an endpoint name: {endpoint!r}")
    return endpoint, body


def entry_point(config: OnboardConfig | None = None, wiring: Wiring | None = None) -> LambdaHandler:
    """The function's handler; the config is read now (at INIT: a mistake fails the cold start,
    naming the variable), use cases and their clients at their first use."""
    handler = OnboardHandler(config if config is not None else OnboardConfig.from_env(), wiring or Wiring())

    @lambda_entry_point
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return handler.handle(event, context)

    return lambda_handler


class OnboardHandler:
    def __init__(self, config: OnboardConfig, wiring: Wiring) -> None:
        self.config = config
        self.wiring = wiring
        self._batch_processor: BatchProcessor | None = None

    def _processor(self) -> BatchProcessor:
        """Powertools' batch utility, loaded when the first OnboardQueue batch arrives: the event
        path (EventBridge) never needs it, and it costs ~0.1 s of INIT (it imports asyncio). One
        per handler: it holds the batch being processed."""
        if self._batch_processor is None:
            from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType

            # Every record of a batch is tried; when all fail, they are all reported (not raised), as
            # SQS then retries exactly those - the same effect, and the response says which ones.
            self._batch_processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        return self._batch_processor

    def _service(self) -> Onboarding:
        """The event path's use case (the policy is re-read from SSM at most once a minute)."""
        return self.wiring.onboarding(self.config)

    def _work(self, record: SQSRecord) -> None:
        """One OnboardQueue message: onboard (or remove) its endpoint; raising reports it as failed."""
        # Each record is logged under its own keys, never under the previous record's endpoint.
        logger.remove_keys(list(_RECORD_KEYS))
        logger.append_keys(message_id=record.message_id)
        try:
            endpoint, body = _queued_endpoint(record)
        except ValueError as exc:
            # Retrying a malformed message cannot help: logged and dropped.
            logger.error("invalid queue message %s: %s", record.message_id, exc)
            return
        logger.append_keys(endpoint=endpoint)
        service = self.wiring.onboard_worker(self.config)
        planned = body.get("policy")
        if planned and planned != service.policy_version:
            # Planned under a policy this warm environment has not read yet: read it now.
            service = self.wiring.onboard_worker(self.config, fresh=True)
        try:
            result = service.onboard(endpoint)
        except Exception:
            logger.exception("onboarding %s failed; the message is retried", endpoint)
            raise
        _count(result)
        logger.info(
            "worker: %s %s (%s)",
            endpoint,
            result.outcome,
            "; ".join(body.get("reasons") or []) or body.get("kind", ""),
            extra={"result": result.as_dict()},
        )

    def _on_monitoring_run(self, event: dict[str, Any]) -> dict[str, Any]:
        """A processing job finished: a Model Monitor run's alert when it failed or found violations."""
        try:
            job = parse_monitoring_job(event)
        except InvalidEventError as exc:
            logger.error("invalid event: %s", exc, extra={"event_id": event.get("id")})
            return {"outcome": "invalid", "error": str(exc)}
        if job is None:
            logger.info("ignored: a processing job no monitoring schedule started")
            return {"outcome": "ignored", "reason": "not a Model Monitor run"}
        logger.append_keys(schedule=job.schedule_name, processing_job=job.job_name, event_id=job.event_id)
        result = self.wiring.monitoring_runs(self.config).handle(job)
        response = result.as_dict()
        if result.published_drift_metrics:
            # No drift metric exists before a schedule's first run, and a feature can appear in any
            # later one: the endpoint's drift alarms follow the metrics this run published.
            fitted = self.wiring.onboard_worker(self.config).onboard(result.endpoint)
            _count(fitted)
            response["refit"] = {k: v for k, v in fitted.as_dict().items() if k in _REFIT_KEYS}
        return response

    def _on_executions_check(self, event: dict[str, Any]) -> dict[str, Any]:
        """The hourly schedule: Model Monitor executions that failed before starting a processing job
        (they send no event), each told once."""
        now = datetime.now(tz=UTC)
        result = self.wiring.monitoring_runs(self.config).check_failed_executions(
            now, region=str(event.get("region") or ""), account=str(event.get("account") or "")
        )
        logger.info("failed executions without a processing job: %d found", result.found, extra=result.as_dict())
        return result.as_dict()

    def _on_schedule_event(self, event: dict[str, Any]) -> dict[str, Any]:
        """A Model Monitor schedule came, changed or went: re-fit its endpoint (the worker's use case,
        which can resolve a deleted schedule's endpoint from the state table)."""
        try:
            change = parse_schedule_change(event)
        except InvalidEventError as exc:
            logger.error("invalid event: %s", exc, extra={"event_id": event.get("id")})
            return {"outcome": "invalid", "error": str(exc)}
        logger.append_keys(monitoring_schedule=change.schedule_name, event_id=change.event_id)
        result = self.wiring.onboard_worker(self.config).on_schedule_change(change)
        _count(result)
        return result.as_dict()

    def _on_component_call(self, event: dict[str, Any]) -> dict[str, Any]:
        """A CloudTrail-recorded Create/Update/DeleteInferenceComponent: re-fit the hosting endpoint."""
        try:
            change = parse_component_call(event)
        except InvalidEventError as exc:
            logger.error("invalid event: %s", exc, extra={"event_id": event.get("id")})
            return {"outcome": "invalid", "error": str(exc)}
        logger.append_keys(component=change.component, operation=change.operation, event_id=change.event_id)
        if change.error_code is not None:
            # Decided by the event alone: the call failed, so nothing changed.
            logger.info("ignored: %s failed with %s", change.operation, change.error_code)
            return {"outcome": "skipped", "reason": f"{change.operation} failed ({change.error_code})"}
        result = self._service().component_changed(change)
        _count(result)
        return result.as_dict()

    def _on_event(self, event: dict[str, Any]) -> dict[str, Any]:
        """An EventBridge event: an endpoint state change, a finished processing job (Model Monitor
        runs), a monitoring schedule's state change, or an inference component API call (CloudTrail)."""
        if is_component_call(event):
            return self._on_component_call(event)
        if is_processing_job_state_change(event):
            return self._on_monitoring_run(event)
        if is_schedule_state_change(event):
            return self._on_schedule_event(event)
        if is_scheduled_event(event):
            return self._on_executions_check(event)
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
            # Decided by the event alone: no policy read needed.
            logger.info("ignored: status %s needs no action", change.status)
            return Onboarding.ignored(change).as_dict()
        result = self._service().handle(change)
        _count(result)
        return result.as_dict()

    def handle(self, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        if _is_queue_batch(event):
            from aws_lambda_powertools.utilities.batch import process_partial_response

            return dict(
                process_partial_response(
                    event=event, record_handler=self._work, processor=self._processor(), context=context
                )
            )
        return self._on_event(event)
