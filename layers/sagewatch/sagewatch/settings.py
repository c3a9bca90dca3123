"""Typed settings read from the function's environment (set by template.yaml).

Only configuration lives in the environment; secrets are read from Secrets Manager at run time.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass

from sagewatch.core.monitoring.policy import Policy
from sagewatch.core.shared.errors import InvalidPolicyError
from sagewatch.core.shared.naming import validate_prefix

ENV_NAME_PREFIX = "SAGEWATCH_NAME_PREFIX"
ENV_ALERT_TOPIC_ARN = "SAGEWATCH_ALERT_TOPIC_ARN"
ENV_CREATE_ALARMS = "SAGEWATCH_CREATE_ALARMS"
ENV_CREATE_DASHBOARDS = "SAGEWATCH_CREATE_DASHBOARDS"
ENV_POLICY = "SAGEWATCH_POLICY"


def _flag(value: str | None, default: bool, name: str) -> bool:
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise InvalidPolicyError(f"{name}={value!r} is not a boolean (use true or false)")


@dataclass(frozen=True)
class Settings:
    name_prefix: str
    alert_topic_arn: str | None
    create_alarms: bool
    create_dashboards: bool
    policy: Policy

    @property
    def alarm_actions(self) -> tuple[str, ...]:
        return (self.alert_topic_arn,) if self.alert_topic_arn else ()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        raw_policy = env.get(ENV_POLICY, "").strip()
        try:
            policy_doc = json.loads(raw_policy) if raw_policy else {}
        except json.JSONDecodeError as exc:
            raise InvalidPolicyError(f"{ENV_POLICY} is not valid JSON: {exc}") from exc
        return cls(
            name_prefix=validate_prefix(env.get(ENV_NAME_PREFIX, "SageWatch")),
            alert_topic_arn=env.get(ENV_ALERT_TOPIC_ARN) or None,
            create_alarms=_flag(env.get(ENV_CREATE_ALARMS), True, ENV_CREATE_ALARMS),
            create_dashboards=_flag(env.get(ENV_CREATE_DASHBOARDS), True, ENV_CREATE_DASHBOARDS),
            policy=Policy.from_document(policy_doc),
        )


ENV_SLACK_WEBHOOK_SECRET = "SAGEWATCH_SLACK_WEBHOOK_SECRET"  # noqa: S105 - the name of a variable
ENV_EMAIL_SENDER = "SAGEWATCH_EMAIL_SENDER"
ENV_EMAIL_RECIPIENTS = "SAGEWATCH_EMAIL_RECIPIENTS"
ENV_ENRICHMENT_TIMEOUT = "SAGEWATCH_ENRICHMENT_TIMEOUT_SECONDS"
ENV_SLACK_BOT_TOKEN_SECRET = "SAGEWATCH_SLACK_BOT_TOKEN_SECRET"  # noqa: S105 - the name of a variable
ENV_SLACK_CHANNEL = "SAGEWATCH_SLACK_CHANNEL"
ENV_DIGEST_THRESHOLD = "SAGEWATCH_DIGEST_THRESHOLD"
ENV_DELIVERY_TABLE = "SAGEWATCH_DELIVERY_TABLE"
# Not in the template (the defaults are Slack's figures); tests scale time down with them.
ENV_SLACK_MIN_INTERVAL = "SAGEWATCH_SLACK_MIN_INTERVAL_SECONDS"
ENV_SLACK_TIMEOUT = "SAGEWATCH_SLACK_TIMEOUT_SECONDS"
ENV_SLACK_API_URL = "SAGEWATCH_SLACK_API_URL"  # Web API base URL; unset = https://slack.com/api/


def _number(env: Mapping[str, str], name: str, default: float, *, minimum: float = 0.0) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise InvalidPolicyError(f"{name}={raw!r} is not a number") from None
    if value < minimum:
        raise InvalidPolicyError(f"{name}={raw!r} is below {minimum:g}")
    return value


@dataclass(frozen=True)
class NotifySettings:
    name_prefix: str
    dashboards: bool
    default_slack_secret: str | None  # Secrets Manager id of the default Slack webhook URL
    email_sender: str | None
    email_recipients: tuple[str, ...]
    enrichment_timeout: float  # seconds the reads may take before the alert goes out without them
    bot_token_secret: str | None = None  # bot mode: Secrets Manager id of the bot token
    slack_channel: str | None = None  # bot mode: the channel chat.postMessage posts to
    digest_threshold: int = 5  # this many alerts pending for one channel → one digest
    delivery_table: str | None = None  # DynamoDB table of delivery records (idempotency, threads)
    slack_min_interval: float = 1.0  # seconds between two messages to one channel (Slack: ~1/s)
    slack_timeout: float = 10.0  # seconds one Slack request may take
    slack_api_url: str | None = None  # Web API base URL (a fake Slack in tests); None = Slack's

    @property
    def bot_mode(self) -> bool:
        return bool(self.bot_token_secret and self.slack_channel)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> NotifySettings:
        env = os.environ if env is None else env
        recipients = tuple(env.get(ENV_EMAIL_RECIPIENTS, "").replace(",", " ").split())
        sender = env.get(ENV_EMAIL_SENDER, "").strip() or None
        if recipients and not sender:
            raise InvalidPolicyError(f"{ENV_EMAIL_RECIPIENTS} is set but {ENV_EMAIL_SENDER} is empty")
        try:
            timeout = float(env.get(ENV_ENRICHMENT_TIMEOUT, "") or 8.0)
        except ValueError:
            raise InvalidPolicyError(f"{ENV_ENRICHMENT_TIMEOUT} must be a number of seconds") from None
        return cls(
            name_prefix=validate_prefix(env.get(ENV_NAME_PREFIX, "SageWatch")),
            dashboards=_flag(env.get(ENV_CREATE_DASHBOARDS), True, ENV_CREATE_DASHBOARDS),
            default_slack_secret=env.get(ENV_SLACK_WEBHOOK_SECRET, "").strip() or None,
            email_sender=sender,
            email_recipients=recipients,
            enrichment_timeout=timeout,
            bot_token_secret=env.get(ENV_SLACK_BOT_TOKEN_SECRET, "").strip() or None,
            slack_channel=env.get(ENV_SLACK_CHANNEL, "").strip() or None,
            digest_threshold=int(_number(env, ENV_DIGEST_THRESHOLD, 5, minimum=2)),
            delivery_table=env.get(ENV_DELIVERY_TABLE, "").strip() or None,
            slack_min_interval=_number(env, ENV_SLACK_MIN_INTERVAL, 1.0),
            slack_timeout=_number(env, ENV_SLACK_TIMEOUT, 10.0, minimum=0.1),
            slack_api_url=env.get(ENV_SLACK_API_URL, "").strip() or None,
        )
