"""The notices SageWatch publishes itself on AlertTopic, so they travel the alarms' delivery path.

OnboardFunction publishes an endpoint's failure (``sagewatch.endpoint-failed``) and a Model
Monitor run that failed or found violations (``sagewatch.monitoring-run``); the builders here
write the SNS message and the parsers read it back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sagewatch.core.alerting.alarm_message import InvalidAlarmMessageError, parse_time

FAILURE_NOTICE_TYPE = "sagewatch.endpoint-failed"
MONITORING_RUN_NOTICE_TYPE = "sagewatch.monitoring-run"


@dataclass(frozen=True)
class EndpointFailureNotice:
    """Published by OnboardFunction on FAILED, so the failure travels the same delivery path."""

    message_id: str
    endpoint_name: str
    region: str
    account_id: str
    reason: str
    time: datetime
    slack_secret: str | None = None  # the endpoint's own routing, copied from its tags
    email: tuple[str, ...] = ()
    team: str | None = None  # its sagewatch:team tag: the route in the policy's routing table


@dataclass(frozen=True)
class MonitoringRunNotice:
    """Published by OnboardFunction when a Model Monitor run failed or found violations.

    ``message_id`` is the run's own key (``monitoring-run:<ProcessingJobArn>``), not the SNS
    MessageId: SageMaker may send a run's event twice, and the delivery ledger, keyed by this id,
    then tells it once.
    """

    message_id: str
    endpoint_name: str
    schedule_name: str
    monitoring_type: str  # DataQuality | ModelQuality | ModelBias | ModelExplainability
    status: str  # CompletedWithViolations | Failed
    region: str
    account_id: str
    time: datetime  # when the run ended (the event's time)
    processing_job_arn: str | None  # None: the execution failed before starting a processing job
    failure_reason: str | None = None
    exit_message: str | None = None
    output_uri: str | None = None  # s3:// folder of this run's reports
    scheduled_time: datetime | None = None
    slack_secret: str | None = None  # the endpoint's own routing, copied from its tags
    email: tuple[str, ...] = ()
    team: str | None = None  # its sagewatch:team tag: the route in the policy's routing table


def parse_failure_notice(message_id: str, message: Mapping[str, Any]) -> EndpointFailureNotice:
    endpoint = message.get("endpoint")
    if not isinstance(endpoint, str) or not endpoint:
        raise InvalidAlarmMessageError(f"failure notice {message_id}: endpoint is missing")
    return EndpointFailureNotice(
        message_id=message_id,
        endpoint_name=endpoint,
        region=str(message.get("region") or ""),
        account_id=str(message.get("account") or ""),
        reason=str(message.get("reason") or "no FailureReason given"),
        time=parse_time(message.get("time"), f"failure notice {message_id}"),
        slack_secret=message.get("slack") if isinstance(message.get("slack"), str) and message.get("slack") else None,
        email=tuple(str(e) for e in message.get("email") or [] if isinstance(e, str)),
        team=message.get("team") if isinstance(message.get("team"), str) and message.get("team") else None,
    )


def failure_notice_message(
    endpoint: str,
    region: str,
    account: str,
    reason: str,
    time: datetime,
    slack: str | None,
    email: tuple[str, ...],
    team: str | None = None,
) -> dict[str, Any]:
    """The SNS message OnboardFunction publishes on FAILED (parsed back by ``parse_sns_record``)."""
    message: dict[str, Any] = {
        "type": FAILURE_NOTICE_TYPE,
        "endpoint": endpoint,
        "region": region,
        "account": account,
        "reason": reason,
        "time": time.isoformat(),
    }
    if slack:
        message["slack"] = slack
    if email:
        message["email"] = list(email)
    if team:
        message["team"] = team
    return message


def monitoring_run_notice_message(
    *,
    run_key: str,
    endpoint: str,
    schedule: str,
    monitoring_type: str,
    status: str,
    region: str,
    account: str,
    time: datetime,
    processing_job_arn: str | None,
    failure_reason: str | None = None,
    exit_message: str | None = None,
    output_uri: str | None = None,
    scheduled_time: datetime | None = None,
    slack: str | None = None,
    email: tuple[str, ...] = (),
    team: str | None = None,
) -> dict[str, Any]:
    """The SNS message OnboardFunction publishes for a failed or violating Model Monitor run."""
    message: dict[str, Any] = {
        "type": MONITORING_RUN_NOTICE_TYPE,
        "run": run_key,
        "endpoint": endpoint,
        "schedule": schedule,
        "monitoring_type": monitoring_type,
        "status": status,
        "region": region,
        "account": account,
        "time": time.isoformat(),
    }
    optional: dict[str, Any] = {
        "processing_job_arn": processing_job_arn,
        "failure_reason": failure_reason,
        "exit_message": exit_message,
        "output_uri": output_uri,
        "scheduled_time": scheduled_time.isoformat() if scheduled_time else None,
        "slack": slack,
        "email": list(email) if email else None,
        "team": team,
    }
    message.update({k: v for k, v in optional.items() if v})
    return message


def parse_monitoring_run_notice(message_id: str, message: Mapping[str, Any]) -> MonitoringRunNotice:
    where = f"monitoring run notice {message_id}"
    required = {key: message.get(key) for key in ("endpoint", "schedule", "status")}
    for key, value in required.items():
        if not isinstance(value, str) or not value:
            raise InvalidAlarmMessageError(f"{where}: {key} is missing")
    run = message.get("run")

    def text(key: str) -> str | None:
        value = message.get(key)
        return value if isinstance(value, str) and value else None

    scheduled = text("scheduled_time")
    return MonitoringRunNotice(
        # The run's key, so that a second event for the same run is the same delivery.
        message_id=run if isinstance(run, str) and run else message_id,
        endpoint_name=str(required["endpoint"]),
        schedule_name=str(required["schedule"]),
        monitoring_type=text("monitoring_type") or "DataQuality",
        status=str(required["status"]),
        region=text("region") or "",
        account_id=text("account") or "",
        time=parse_time(message.get("time"), where),
        processing_job_arn=text("processing_job_arn"),
        failure_reason=text("failure_reason"),
        exit_message=text("exit_message"),
        output_uri=text("output_uri"),
        scheduled_time=parse_time(scheduled, where) if scheduled else None,
        slack_secret=text("slack"),
        email=tuple(str(e) for e in message.get("email") or [] if isinstance(e, str)),
        team=text("team"),
    )
