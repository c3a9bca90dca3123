"""OnboardFunction: SageMaker endpoint state change (EventBridge) → dashboard and alarms.

Thin by design: parse the event, call the onboarding use case, report. Invalid events are
logged with what is wrong and answered, not raised: retrying them cannot help. Every other
failure raises, so Lambda retries the event and finally sends it to the dead-letter queue.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from sagewatch.adapters.aws import client
from sagewatch.adapters.cloudwatch import CloudWatchWriter
from sagewatch.adapters.sagemaker import SageMakerEndpoints
from sagewatch.adapters.sns import NoticePublisher
from sagewatch.core.errors import InvalidEventError
from sagewatch.core.events import is_endpoint_state_change, parse_state_change
from sagewatch.settings import Settings
from sagewatch.usecases.onboarding import Onboarding

logger = Logger()
_onboarding: Onboarding | None = None


def _service() -> Onboarding:
    """Built on first use and kept while the execution environment is warm."""
    global _onboarding
    if _onboarding is None:
        settings = Settings.from_env()
        notices = NoticePublisher(client("sns"), settings.alert_topic_arn) if settings.alert_topic_arn else None
        _onboarding = Onboarding(
            SageMakerEndpoints(client("sagemaker")),
            CloudWatchWriter(client("cloudwatch")),
            settings,
            notices,
        )
    return _onboarding


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
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
    return _service().handle(change).as_dict()
