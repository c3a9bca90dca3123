"""OnboardFunction: SageMaker endpoint state change (EventBridge) → dashboard and alarms.

A Model Monitor schedule state change (EventBridge) re-fits the schedule's endpoint; a finished
data-quality run re-fits its drift alarms; the hourly schedule looks for executions that failed
without a processing job.

It is also the fleet worker: messages from OnboardQueue (sent by ReconcileFunction, one per
endpoint) are onboarded, repaired or removed with paced CloudWatch writes, and what was applied
is recorded in the state table. Failed messages are reported individually (Powertools' batch
utility, ReportBatchItemFailures), retried by SQS and finally moved to the queue's dead-letter
queue.

Thin by design: the input is parsed once into one typed value
(``core.monitoring.onboard_input``), :meth:`OnboardHandler.dispatch` maps that value to one use
case call, and the result is reported. Invalid input is logged with what is wrong and answered,
not raised: retrying it cannot help. Every other failure raises, so Lambda retries the event and
finally sends it to the dead-letter queue (SQS retries the message, then dead-letters it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, assert_never

from aws_lambda_powertools.utilities.typing import LambdaContext

from sagewatch.config import OnboardConfig
from sagewatch.core.model_monitor.runs import MonitoringJobFinished
from sagewatch.core.model_monitor.schedule_events import ScheduleStateChange
from sagewatch.core.monitoring.component_events import ComponentChange
from sagewatch.core.monitoring.diff import DashboardAction
from sagewatch.core.monitoring.onboard_input import (
    ComponentCallFailed,
    EndpointDeleting,
    EndpointDeploying,
    EndpointFailed,
    EndpointInService,
    EndpointStatusIgnored,
    ExecutionsCheck,
    InvalidInput,
    NotAMonitoringRun,
    OnboardInput,
    QueueBatch,
    QueuedEndpoint,
    Unrecognized,
    parse_onboard_input,
)
from sagewatch.core.shared.errors import SageWatchError
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

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch import BatchProcessor
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    from sagewatch.core.shared.places import Place

# Lambda hands its context object; tests and the emulated account, one with the same attributes.
LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]

_RECORD_KEYS = ("message_id", "endpoint")
# What a monitoring run's response says of the re-fit it caused.
_REFIT_KEYS = ("endpoint", "outcome", "created", "updated", "deleted")


def entry_point(config: OnboardConfig | None = None, wiring: Wiring | None = None) -> LambdaHandler:
    """The function's handler; the config is read now (at INIT: a mistake fails the cold start,
    naming the variable), use cases and their clients at their first use."""
    handler = OnboardHandler(config if config is not None else OnboardConfig.from_env(), wiring or Wiring())

    @lambda_entry_point
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return handler.dispatch(parse_onboard_input(event), context)

    return lambda_handler


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


def _counted(result: OnboardResult) -> dict[str, Any]:
    _count(result)
    return result.as_dict()


def _at(place: Place | None) -> dict[str, Place]:
    """The wiring's ``place`` argument, given only for a spoke (the hub's own place is the default)."""
    return {} if place is None else {"place": place}


class OnboardHandler:
    def __init__(self, config: OnboardConfig, wiring: Wiring) -> None:
        self.config = config
        self.wiring = wiring
        self._batch_processor: BatchProcessor | None = None

    def _service(self, place: Place | None = None) -> Onboarding:
        """The event path's use case (the policy is re-read from SSM at most once a minute)."""
        if place is None:
            return self.wiring.onboarding(self.config)
        return self.wiring.onboarding(self.config, place=place)

    def _worker(self, place: Place | None = None) -> Onboarding:
        """The fleet worker's use case: paced CloudWatch writes, what was applied recorded."""
        if place is None:
            return self.wiring.onboard_worker(self.config)
        return self.wiring.onboard_worker(self.config, place=place)

    def _place(self, account: str | None, region: str | None) -> Place | None:
        """The spoke the input names (None: the hub's own account-region), logged with the input."""
        place = self.config.spoke_place(account, region)
        if place is not None:
            logger.append_keys(account=place.account, region=place.region)
        return place

    def dispatch(self, value: OnboardInput, context: LambdaContext | None = None) -> dict[str, Any]:
        """The one dispatch: each kind of input to its use case call (mypy checks every kind is here)."""
        refused = self._refused(value)
        if refused is not None:
            return refused
        match value:
            case EndpointInService(change):
                logger.append_keys(endpoint=change.endpoint_name, status=change.status, event_id=change.event_id)
                place = self._place(change.account, change.region)
                return _counted(self._service(place).onboard(change.endpoint_name))
            case EndpointDeleting(change):
                logger.append_keys(endpoint=change.endpoint_name, status=change.status, event_id=change.event_id)
                place = self._place(change.account, change.region)
                return _counted(self._service(place).offboard(change.endpoint_name, "endpoint is being deleted"))
            case EndpointFailed(change):
                logger.append_keys(endpoint=change.endpoint_name, status=change.status, event_id=change.event_id)
                place = self._place(change.account, change.region)
                return _counted(self._service(place).report_failure(change))
            case EndpointDeploying(change):
                logger.append_keys(endpoint=change.endpoint_name, status=change.status, event_id=change.event_id)
                place = self._place(change.account, change.region)
                return _counted(self._service(place).hold_during_deployment(change))
            case EndpointStatusIgnored(change):
                # Decided by the event alone: no policy read needed.
                logger.append_keys(endpoint=change.endpoint_name, status=change.status, event_id=change.event_id)
                logger.info("ignored: status %s needs no action", change.status)
                return OnboardResult(
                    change.endpoint_name, "skipped", f"status {change.status} needs no action"
                ).as_dict()
            case MonitoringJobFinished():
                return self._monitoring_run(value)
            case NotAMonitoringRun():
                logger.info(
                    "ignored: a processing job no monitoring schedule started", extra={"event_id": value.event_id}
                )
                return {"outcome": "ignored", "reason": "not a Model Monitor run"}
            case ScheduleStateChange():
                # The worker's use case, which can resolve a deleted schedule's endpoint from the state table.
                logger.append_keys(monitoring_schedule=value.schedule_name, event_id=value.event_id)
                place = self._place(value.account, value.region)
                return _counted(self._worker(place).on_schedule_change(value))
            case ExecutionsCheck(region, account):
                return self._executions_check(region, account)
            case ComponentChange():
                logger.append_keys(component=value.component, operation=value.operation, event_id=value.event_id)
                place = self._place(value.account, value.region)
                return _counted(self._service(place).component_changed(value))
            case ComponentCallFailed(change):
                # Decided by the event alone: the call failed, so nothing changed.
                logger.append_keys(component=change.component, operation=change.operation, event_id=change.event_id)
                logger.info("ignored: %s failed with %s", change.operation, change.error_code)
                return {"outcome": "skipped", "reason": f"{change.operation} failed ({change.error_code})"}
            case QueueBatch(event):
                from aws_lambda_powertools.utilities.batch import process_partial_response

                return dict(
                    process_partial_response(
                        event=dict(event), record_handler=self._work, processor=self._processor(), context=context
                    )
                )
            case QueuedEndpoint():
                return self._queued(value)
            case Unrecognized(source, detail_type):
                logger.info(
                    "ignored: not a SageMaker endpoint state change",
                    extra={"source": source, "detail_type": detail_type},
                )
                return {"outcome": "ignored", "reason": f"not a SageMaker endpoint state change (source={source!r})"}
            case InvalidInput(what, error, event_id):
                logger.error("invalid %s: %s", what, error, extra={"event_id": event_id})
                return {"outcome": "invalid", "error": error}
            case _:
                assert_never(value)

    def _refused(self, value: OnboardInput) -> dict[str, Any] | None:
        """An input of another account reaching a stack without spokes: logged, answered, not acted on
        (acting would fit this account for an endpoint it does not have)."""
        account = getattr(getattr(value, "change", value), "account", None)
        if not isinstance(account, str) or not self.config.foreign_without_spokes(account):
            return None
        logger.error(
            "ignored: an event of account %s reached a stack without spokes (set SpokeExternalId to act "
            "in spoke accounts: docs/hub-and-spokes.md)",
            account,
        )
        return {"outcome": "ignored", "reason": f"account {account} is not this stack's and it has no spokes"}

    def _processor(self) -> BatchProcessor:
        """Powertools' batch utility, loaded when the first OnboardQueue batch arrives: the event
        path (EventBridge) never needs it, and it costs ~0.1 s of INIT (it imports asyncio). One
        per handler: it holds the batch being processed."""
        if self._batch_processor is None:
            from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType

            # Every record of a batch is tried; when all fail, they are all reported (not raised), as
            # SQS then retries exactly those - the same effect, and the response says which ones.
            # OnboardQueue is FIFO with BatchSize 1 (template.yaml): no record follows a failed one
            # in its batch, so the group's order needs no SqsFifoPartialProcessor.
            self._batch_processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        return self._batch_processor

    def _work(self, record: SQSRecord) -> None:
        """One OnboardQueue record, parsed by itself and dispatched; raising reports it as failed.
        A malformed message is logged and dropped: retrying it cannot help."""
        # Each record is logged under its own keys, never under the previous record's endpoint.
        logger.remove_keys(list(_RECORD_KEYS))
        logger.append_keys(message_id=record.message_id)
        self.dispatch(parse_onboard_input(record.raw_event))

    def _queued(self, message: QueuedEndpoint) -> dict[str, Any]:
        """The fleet worker: onboard (or remove) the message's endpoint."""
        logger.append_keys(endpoint=message.endpoint)
        place = self._place(message.account, message.region)
        service = self._worker(place)
        if message.policy and message.policy != service.policy_version:
            # Planned under a policy this warm environment has not read yet: read it now.
            service = self.wiring.onboard_worker(self.config, fresh=True, **_at(place))
        try:
            result = service.onboard(message.endpoint)
        except Exception:
            logger.exception("onboarding %s failed; the message is retried", message.endpoint)
            raise
        logger.info(
            "worker: %s %s (%s)", message.endpoint, result.outcome, message.why, extra={"result": result.as_dict()}
        )
        return _counted(result)

    def _monitoring_run(self, job: MonitoringJobFinished) -> dict[str, Any]:
        """A processing job finished: a Model Monitor run's alert when it failed or found violations."""
        logger.append_keys(schedule=job.schedule_name, processing_job=job.job_name, event_id=job.event_id)
        place = self._place(job.account, job.region)
        result = self.wiring.model_monitor_run_alerts(self.config, **_at(place)).handle(job)
        response = result.as_dict()
        if result.published_drift_metrics:
            # No drift metric exists before a schedule's first run, and a feature can appear in any
            # later one: the endpoint's drift alarms follow the metrics this run published.
            fitted = self._worker(place).onboard(result.endpoint)
            _count(fitted)
            response["refit"] = {k: v for k, v in fitted.as_dict().items() if k in _REFIT_KEYS}
        return response

    def _executions_check(self, region: str, account: str) -> dict[str, Any]:
        """The hourly schedule: Model Monitor executions that failed before starting a processing job
        (they send no event), each told once."""
        now = datetime.now(tz=UTC)
        alerts = self.wiring.model_monitor_run_alerts(self.config, **_at(self._place(account, region)))
        result = alerts.check_failed_executions(now, region=region, account=account)
        logger.info("failed executions without a processing job: %d found", result.found, extra=result.as_dict())
        answer = result.as_dict()
        # A hub looks in every spoke account-region it fitted something in (the state table knows
        # them): one failure of one spoke does not stop the others, and is logged with its place.
        spokes = self.wiring.known_spoke_places(self.config) if self.config.spokes is not None else frozenset()
        for place in sorted(spokes):
            try:
                found = self.wiring.model_monitor_run_alerts(self.config, place=place).check_failed_executions(
                    now, region=place.region, account=place.account, scope=place.key_prefix
                )
            except SageWatchError as exc:
                logger.error("failed executions of spoke %s %s not checked: %s", place.account, place.region, exc)
                continue
            answer.setdefault("spokes", {})[f"{place.account}/{place.region}"] = found.as_dict()
        return answer
