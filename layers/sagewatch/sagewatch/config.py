"""Each function's configuration: read from its environment (set by template.yaml) once, at cold start.

One frozen dataclass per function — :class:`OnboardConfig`, :class:`NotifyConfig`,
:class:`ReconcileConfig`, :class:`FleetWidgetConfig` — built by its ``from_env``, which
validates every variable it reads. A mistake raises :class:`ConfigError` naming the variable
and what is wrong with it, so the function fails its INIT with a message an operator can act
on instead of failing every event later. This is the only module of the runtime that reads
``os.environ``; defaults (such as the name prefix) live here and nowhere else.

Only configuration lives in the environment: secrets are read from Secrets Manager at run time
(the environment carries their names), and the fleet policy operators may change without a
deploy lives in an SSM parameter (``policy_parameter``) that the wiring reads and refreshes.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

from sagewatch.core.shared.errors import InvalidPolicyError, SageWatchError
from sagewatch.core.shared.naming import validate_prefix

if TYPE_CHECKING:
    from sagewatch.core.monitoring.policy import Policy

DEFAULT_NAME_PREFIX = "SageWatch"
DEFAULT_REGION = "us-east-1"  # Lambda always sets AWS_REGION; the default serves local runs

ENV_REGION = "AWS_REGION"
ENV_NAME_PREFIX = "SAGEWATCH_NAME_PREFIX"
# Onboarding (OnboardFunction, and ReconcileFunction for the policy version it plans with)
ENV_ALERT_TOPIC_ARN = "SAGEWATCH_ALERT_TOPIC_ARN"
ENV_CREATE_ALARMS = "SAGEWATCH_CREATE_ALARMS"
ENV_CREATE_DASHBOARDS = "SAGEWATCH_CREATE_DASHBOARDS"
ENV_POLICY = "SAGEWATCH_POLICY"
ENV_POLICY_PARAMETER = "SAGEWATCH_POLICY_PARAMETER"
# The fleet machinery
ENV_STATE_TABLE = "SAGEWATCH_STATE_TABLE"
ENV_ONBOARD_QUEUE_URL = "SAGEWATCH_ONBOARD_QUEUE_URL"
ENV_CLOUDWATCH_WRITE_TPS = "SAGEWATCH_CLOUDWATCH_WRITE_TPS"
ENV_RECONCILE_SELF_INVOKE = "SAGEWATCH_RECONCILE_SELF_INVOKE"
# Alert delivery (NotifyFunction)
ENV_SLACK_WEBHOOK_SECRET = "SAGEWATCH_SLACK_WEBHOOK_SECRET"  # noqa: S105 - the name of a variable
ENV_EMAIL_SENDER = "SAGEWATCH_EMAIL_SENDER"
ENV_EMAIL_RECIPIENTS = "SAGEWATCH_EMAIL_RECIPIENTS"
ENV_ENRICHMENT_TIMEOUT = "SAGEWATCH_ENRICHMENT_TIMEOUT_SECONDS"
ENV_SLACK_BOT_TOKEN_SECRET = "SAGEWATCH_SLACK_BOT_TOKEN_SECRET"  # noqa: S105 - the name of a variable
ENV_SLACK_CHANNEL = "SAGEWATCH_SLACK_CHANNEL"
ENV_DIGEST_THRESHOLD = "SAGEWATCH_DIGEST_THRESHOLD"
ENV_DELIVERY_TABLE = "SAGEWATCH_DELIVERY_TABLE"
ENV_ALERT_QUEUE_URL = "SAGEWATCH_ALERT_QUEUE_URL"  # where an OK waits out the settle window
ENV_OK_SETTLE_SECONDS = "SAGEWATCH_OK_SETTLE_SECONDS"
# "bucket" or "bucket/prefix" whose Model Monitor reports NotifyFunction may read (s3:GetObject on
# exactly that in template.yaml); empty: reports are linked, not read.
ENV_MONITORING_REPORTS = "SAGEWATCH_MONITORING_REPORTS"
# Not in the template (the defaults are Slack's figures); tests scale time down with them.
ENV_SLACK_MIN_INTERVAL = "SAGEWATCH_SLACK_MIN_INTERVAL_SECONDS"
ENV_SLACK_TIMEOUT = "SAGEWATCH_SLACK_TIMEOUT_SECONDS"
ENV_SLACK_API_URL = "SAGEWATCH_SLACK_API_URL"  # Web API base URL; unset = https://slack.com/api/
# PagerDuty's Events API v2 enqueue URL; unset = https://events.pagerduty.com/v2/enqueue (a fake in tests).
ENV_PAGERDUTY_EVENTS_URL = "SAGEWATCH_PAGERDUTY_EVENTS_URL"


class ConfigError(SageWatchError):
    """An environment variable of the function is missing or invalid."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"environment variable {variable}: {problem}")
        self.variable = variable
        self.problem = problem


class _Environment:
    """Typed, validated reads of one environment mapping; every failure names its variable."""

    def __init__(self, env: Mapping[str, str] | None) -> None:
        self._env: Mapping[str, str] = os.environ if env is None else env

    def text(self, name: str) -> str | None:
        """The stripped value, or None when unset or blank (the template passes "" for "none")."""
        return self._env.get(name, "").strip() or None

    def required(self, name: str, why: str) -> str:
        value = self.text(name)
        if value is None:
            raise ConfigError(name, f"is not set ({why})")
        return value

    def flag(self, name: str, default: bool) -> bool:
        raw = self.text(name)
        if raw is None:
            return default
        lowered = raw.lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
        raise ConfigError(name, f"{raw!r} is not a boolean (use true or false)")

    def number(self, name: str, default: float, *, minimum: float = 0.0) -> float:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError(name, f"{raw!r} is not a number") from None
        if not value >= minimum:  # also rejects nan
            raise ConfigError(name, f"{raw!r} is below {minimum:g}")
        return value

    def name_prefix(self) -> str:
        try:
            return validate_prefix(self._env.get(ENV_NAME_PREFIX, DEFAULT_NAME_PREFIX))
        except InvalidPolicyError as exc:
            raise ConfigError(ENV_NAME_PREFIX, str(exc)) from None

    def policy(self) -> Policy:
        from sagewatch.core.monitoring.policy import Policy

        raw = self.text(ENV_POLICY)
        try:
            doc = json.loads(raw) if raw else {}
        except json.JSONDecodeError as exc:
            raise ConfigError(ENV_POLICY, f"is not valid JSON: {exc}") from None
        try:
            return Policy.from_document(doc, where=ENV_POLICY)
        except InvalidPolicyError as exc:
            raise ConfigError(ENV_POLICY, str(exc)) from None


def _default_policy() -> Policy:
    # Imported on use, like the fleet planner below: the alarm catalogue behind the policy is
    # not needed by the functions that build no alarm (notify, fleet widget), so their INIT skips it.
    from sagewatch.core.monitoring.policy import Policy

    return Policy()


@dataclass(frozen=True, kw_only=True)
class CommonConfig:
    """What every function shares: the names SageWatch gives its resources, and the region."""

    name_prefix: str = DEFAULT_NAME_PREFIX
    region: str = DEFAULT_REGION


@dataclass(frozen=True, kw_only=True)
class MonitoringConfig(CommonConfig):
    """What an endpoint's alarms and dashboard are built from (onboarding, reconcile, the CLI)."""

    alert_topic_arn: str | None = None
    create_alarms: bool = True
    create_dashboards: bool = True
    policy: Policy = field(default_factory=lambda: _default_policy())  # SAGEWATCH_POLICY: fallback, initial value
    policy_parameter: str | None = None  # SSM parameter whose policy replaces ``policy`` when named

    @property
    def alarm_actions(self) -> tuple[str, ...]:
        return (self.alert_topic_arn,) if self.alert_topic_arn else ()

    @property
    def policy_version(self) -> str:
        """The digest the worker records with every endpoint it fits (see core.fleet.plan)."""
        from sagewatch.core.fleet.plan import policy_version

        return policy_version(
            self.policy,
            prefix=self.name_prefix,
            create_alarms=self.create_alarms,
            create_dashboards=self.create_dashboards,
            actions=self.alarm_actions,
        )

    @classmethod
    def _monitoring_fields(cls, env: _Environment) -> dict[str, Any]:
        return {
            "name_prefix": env.name_prefix(),
            "region": env.text(ENV_REGION) or DEFAULT_REGION,
            "alert_topic_arn": env.text(ENV_ALERT_TOPIC_ARN),
            "create_alarms": env.flag(ENV_CREATE_ALARMS, True),
            "create_dashboards": env.flag(ENV_CREATE_DASHBOARDS, True),
            "policy": env.policy(),
            "policy_parameter": env.text(ENV_POLICY_PARAMETER),
        }


@dataclass(frozen=True, kw_only=True)
class OnboardConfig(MonitoringConfig):
    """OnboardFunction: endpoint events, and the fleet worker of OnboardQueue."""

    state_table: str | None = None  # where the worker records what it applied
    cloudwatch_write_tps: float = 0.0  # client-side pacing of each worker invocation; 0 = none

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Self:
        read = _Environment(env)
        return cls(
            **cls._monitoring_fields(read),
            state_table=read.text(ENV_STATE_TABLE),
            cloudwatch_write_tps=read.number(ENV_CLOUDWATCH_WRITE_TPS, 0.0),
        )


@dataclass(frozen=True, kw_only=True)
class ReconcileConfig(MonitoringConfig):
    """ReconcileFunction: compares the fleet with the state table and enqueues work for the worker.

    It reads the same monitoring settings as the worker only to know the policy version the
    worker will apply; it builds no alarm itself.
    """

    state_table: str
    queue_url: str
    self_invoke: bool = False  # a run that runs out of time invokes the function to continue

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Self:
        read = _Environment(env)
        return cls(
            **cls._monitoring_fields(read),
            state_table=read.required(ENV_STATE_TABLE, "the reconcile compares the fleet with this table"),
            queue_url=read.required(ENV_ONBOARD_QUEUE_URL, "the reconcile sends its work to this queue"),
            self_invoke=read.flag(ENV_RECONCILE_SELF_INVOKE, False),
        )


@dataclass(frozen=True, kw_only=True)
class NotifyConfig(CommonConfig):
    """NotifyFunction: where alerts go and how fast."""

    create_dashboards: bool = True  # alerts link the endpoint's dashboard only when it exists
    default_slack_secret: str | None = None  # Secrets Manager id of the default Slack webhook URL
    email_sender: str | None = None
    email_recipients: tuple[str, ...] = ()
    enrichment_timeout: float = 8.0  # seconds the reads may take before the alert goes out without them
    bot_token_secret: str | None = None  # bot mode: Secrets Manager id of the bot token
    slack_channel: str | None = None  # bot mode: the channel chat.postMessage posts to
    digest_threshold: int = 5  # this many alerts pending for one channel → one digest
    delivery_table: str | None = None  # DynamoDB table of delivery records (idempotency, threads)
    slack_min_interval: float = 1.0  # seconds between two messages to one channel (Slack: ~1/s)
    slack_timeout: float = 10.0  # seconds one Slack request may take
    slack_api_url: str | None = None  # Web API base URL (a fake Slack in tests); None = Slack's
    alert_queue_url: str | None = None  # AlertQueue: an OK without a thread waits there (DelaySeconds)
    ok_settle_seconds: int = 900  # how long an incident's OK waits for a re-ALARM (0-900; SQS's limit)
    monitoring_reports: str | None = None  # "bucket" or "bucket/prefix" of readable Model Monitor reports
    # The policy parameter, for its routing table (read only when an alert names a team).
    policy_parameter: str | None = None
    pagerduty_events_url: str | None = None  # None: PagerDuty's own (adapters.pagerduty.EVENTS_URL)

    def may_read_report(self, bucket: str, key: str) -> bool:
        """Whether ``s3://bucket/key`` is inside what the role may read (MonitoringReportsBucket)."""
        if not self.monitoring_reports:
            return False
        allowed_bucket, _, prefix = self.monitoring_reports.partition("/")
        prefix = prefix.strip("/")
        return bucket == allowed_bucket and (not prefix or key.startswith(prefix + "/"))

    @property
    def dashboards(self) -> bool:
        """Whether endpoints have dashboards to link to (the name the alert pipeline reads)."""
        return self.create_dashboards

    @property
    def bot_mode(self) -> bool:
        return bool(self.bot_token_secret and self.slack_channel)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Self:
        read = _Environment(env)
        recipients = tuple((read.text(ENV_EMAIL_RECIPIENTS) or "").replace(",", " ").split())
        sender = read.text(ENV_EMAIL_SENDER)
        if recipients and not sender:
            raise ConfigError(ENV_EMAIL_SENDER, f"is empty, but {ENV_EMAIL_RECIPIENTS} names recipients")
        settle = int(read.number(ENV_OK_SETTLE_SECONDS, 900, minimum=0))
        if settle > 900:  # SQS DelaySeconds cannot exceed 15 minutes
            raise ConfigError(ENV_OK_SETTLE_SECONDS, f"{settle} is above 900 (SQS DelaySeconds' maximum)")
        return cls(
            name_prefix=read.name_prefix(),
            region=read.text(ENV_REGION) or DEFAULT_REGION,
            create_dashboards=read.flag(ENV_CREATE_DASHBOARDS, True),
            default_slack_secret=read.text(ENV_SLACK_WEBHOOK_SECRET),
            email_sender=sender,
            email_recipients=recipients,
            enrichment_timeout=read.number(ENV_ENRICHMENT_TIMEOUT, 8.0),
            bot_token_secret=read.text(ENV_SLACK_BOT_TOKEN_SECRET),
            slack_channel=_slack_channel_id(read.text(ENV_SLACK_CHANNEL)),
            digest_threshold=int(read.number(ENV_DIGEST_THRESHOLD, 5, minimum=2)),
            delivery_table=read.text(ENV_DELIVERY_TABLE),
            slack_min_interval=read.number(ENV_SLACK_MIN_INTERVAL, 1.0),
            slack_timeout=read.number(ENV_SLACK_TIMEOUT, 10.0, minimum=0.1),
            slack_api_url=read.text(ENV_SLACK_API_URL),
            alert_queue_url=read.text(ENV_ALERT_QUEUE_URL),
            ok_settle_seconds=settle,
            monitoring_reports=_reports_location(read.text(ENV_MONITORING_REPORTS)),
            policy_parameter=read.text(ENV_POLICY_PARAMETER),
            pagerduty_events_url=read.text(ENV_PAGERDUTY_EVENTS_URL),
        )


_REPORTS_LOCATION = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[^*?]*)?$")


def _reports_location(value: str | None) -> str | None:
    """``bucket`` or ``bucket/prefix`` (no wildcards: the IAM grant is built from it)."""
    if not value:
        return None
    if not _REPORTS_LOCATION.match(value):
        raise ConfigError(ENV_MONITORING_REPORTS, f"{value!r} is not a bucket name or bucket/prefix")
    return value.rstrip("/")


# A Slack conversation ID: C (public channel), G (private channel) or D (direct message), then
# upper-case letters and digits. Channel *names* are lower case, so the two cannot be confused.
_SLACK_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]+$")


def _slack_channel_id(value: str | None) -> str | None:
    """The bot-mode channel, which must be an ID: files_upload_v2 (files.completeUploadExternal
    ``channel_id``) answers ``channel_not_found`` for a name, so every chart upload would fail
    while chat.postMessage still worked. Resolving a name would need conversations.list (the
    ``channels:read`` scope and paging through every channel); an ID is what Slack shows under
    the channel's details, so it is asked for instead."""
    if value is None or _SLACK_CHANNEL_ID.match(value):
        return value
    raise ConfigError(
        ENV_SLACK_CHANNEL,
        f"{value!r} is not a Slack channel ID; bot mode needs the ID (such as C0123456789, shown at the "
        "bottom of the channel's details), because files_upload_v2 rejects channel names",
    )


@dataclass(frozen=True, kw_only=True)
class FleetWidgetConfig(CommonConfig):
    """FleetWidgetFunction: the fleet dashboard's live widget needs only the names and the region."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Self:
        read = _Environment(env)
        return cls(name_prefix=read.name_prefix(), region=read.text(ENV_REGION) or DEFAULT_REGION)
