"""Each function's configuration, read and validated from its environment."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from sagewatch.config import (
    DEFAULT_NAME_PREFIX,
    ConfigError,
    FleetWidgetConfig,
    MonitoringConfig,
    NotifyConfig,
    OnboardConfig,
    ReconcileConfig,
)
from sagewatch.core.fleet.plan import policy_version
from sagewatch.core.monitoring.policy import Policy

RUNTIME = Path(__file__).resolve().parents[2]
FLEET = {"SAGEWATCH_STATE_TABLE": "t", "SAGEWATCH_ONBOARD_QUEUE_URL": "https://sqs.invalid/q"}


def test_onboard_config_from_env() -> None:
    config = OnboardConfig.from_env(
        {
            "SAGEWATCH_NAME_PREFIX": "Acme",
            "SAGEWATCH_ALERT_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:alerts",
            "SAGEWATCH_CREATE_DASHBOARDS": "false",
            "SAGEWATCH_POLICY": '{"thresholds": {"disk-utilization": 70}, "disabled": ""}',
        }
    )
    assert config.name_prefix == "Acme"
    assert config.alarm_actions == ("arn:aws:sns:us-east-1:123456789012:alerts",)
    assert config.create_alarms and not config.create_dashboards
    assert config.policy.threshold("disk-utilization") == 70
    assert (config.state_table, config.cloudwatch_write_tps, config.policy_parameter) == (None, 0.0, None)


def test_fleet_settings_from_env() -> None:
    onboard = OnboardConfig.from_env({"SAGEWATCH_STATE_TABLE": "t", "SAGEWATCH_CLOUDWATCH_WRITE_TPS": "1.5"})
    assert (onboard.state_table, onboard.cloudwatch_write_tps) == ("t", 1.5)
    reconcile = ReconcileConfig.from_env(FLEET | {"SAGEWATCH_RECONCILE_SELF_INVOKE": "true"})
    assert (reconcile.state_table, reconcile.queue_url, reconcile.self_invoke) == ("t", "https://sqs.invalid/q", True)
    with pytest.raises(ConfigError, match="is not a number"):
        OnboardConfig.from_env({"SAGEWATCH_CLOUDWATCH_WRITE_TPS": "fast"})


@pytest.mark.parametrize(
    ("env", "variable", "message"),
    [
        ({"SAGEWATCH_POLICY": "{not json"}, "SAGEWATCH_POLICY", "SAGEWATCH_POLICY: is not valid JSON"),
        ({"SAGEWATCH_POLICY": '{"thresholds": {"nope": 1}}'}, "SAGEWATCH_POLICY", "unknown alarm key 'nope'"),
        ({"SAGEWATCH_NAME_PREFIX": "has/slash"}, "SAGEWATCH_NAME_PREFIX", "name prefix 'has/slash' is not valid"),
        ({"SAGEWATCH_CREATE_ALARMS": "maybe"}, "SAGEWATCH_CREATE_ALARMS", "'maybe' is not a boolean"),
        ({"SAGEWATCH_CLOUDWATCH_WRITE_TPS": "-1"}, "SAGEWATCH_CLOUDWATCH_WRITE_TPS", "is below 0"),
        ({"SAGEWATCH_CLOUDWATCH_WRITE_TPS": "nan"}, "SAGEWATCH_CLOUDWATCH_WRITE_TPS", "is below 0"),
    ],
)
def test_bad_settings_fail_clearly(env: dict[str, str], variable: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)) as caught:
        OnboardConfig.from_env(env)
    assert caught.value.variable == variable
    assert str(caught.value).startswith(f"environment variable {variable}: ")


def test_reconcile_needs_its_table_and_queue() -> None:
    with pytest.raises(ConfigError, match="SAGEWATCH_STATE_TABLE: is not set") as caught:
        ReconcileConfig.from_env({"SAGEWATCH_ONBOARD_QUEUE_URL": "q"})
    assert caught.value.variable == "SAGEWATCH_STATE_TABLE"
    with pytest.raises(ConfigError, match="SAGEWATCH_ONBOARD_QUEUE_URL: is not set"):
        ReconcileConfig.from_env({"SAGEWATCH_STATE_TABLE": "t", "SAGEWATCH_ONBOARD_QUEUE_URL": "  "})


def test_policy_version_is_the_one_the_worker_records() -> None:
    env = FLEET | {"SAGEWATCH_ALERT_TOPIC_ARN": "arn:t", "SAGEWATCH_POLICY": '{"disabled": "disk-utilization"}'}
    reconcile, onboard = ReconcileConfig.from_env(env), OnboardConfig.from_env(env)
    assert reconcile.policy_version == onboard.policy_version
    assert reconcile.policy_version == policy_version(
        onboard.policy, prefix="SageWatch", create_alarms=True, create_dashboards=True, actions=("arn:t",)
    )
    assert dataclasses.replace(onboard, create_dashboards=False).policy_version != onboard.policy_version


def test_notify_config_from_env() -> None:
    config = NotifyConfig.from_env(
        {
            "SAGEWATCH_CREATE_DASHBOARDS": "false",
            "SAGEWATCH_SLACK_WEBHOOK_SECRET": " sagewatch/slack ",
            "SAGEWATCH_EMAIL_SENDER": "alerts@example.com",
            "SAGEWATCH_EMAIL_RECIPIENTS": "a@example.com, b@example.com",
            "SAGEWATCH_SLACK_BOT_TOKEN_SECRET": "sagewatch/bot",
            "SAGEWATCH_SLACK_CHANNEL": "C123",
            "SAGEWATCH_DIGEST_THRESHOLD": "7",
            "SAGEWATCH_ENRICHMENT_TIMEOUT_SECONDS": "3",
        }
    )
    assert not config.dashboards and config.bot_mode
    assert config.default_slack_secret == "sagewatch/slack"
    assert config.email_recipients == ("a@example.com", "b@example.com")
    assert (config.digest_threshold, config.enrichment_timeout, config.slack_min_interval) == (7, 3.0, 1.0)
    defaults = NotifyConfig.from_env({})
    assert defaults.dashboards and not defaults.bot_mode and defaults.email_recipients == ()
    assert (defaults.digest_threshold, defaults.enrichment_timeout, defaults.slack_timeout) == (5, 8.0, 10.0)


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"SAGEWATCH_EMAIL_RECIPIENTS": "a@example.com"}, "SAGEWATCH_EMAIL_SENDER"),
        ({"SAGEWATCH_DIGEST_THRESHOLD": "1"}, "SAGEWATCH_DIGEST_THRESHOLD"),
        ({"SAGEWATCH_ENRICHMENT_TIMEOUT_SECONDS": "soon"}, "SAGEWATCH_ENRICHMENT_TIMEOUT_SECONDS"),
        ({"SAGEWATCH_SLACK_TIMEOUT_SECONDS": "0"}, "SAGEWATCH_SLACK_TIMEOUT_SECONDS"),
        # files_upload_v2 needs a channel ID: a name fails every upload (channel_not_found).
        ({"SAGEWATCH_SLACK_CHANNEL": "#alerts"}, "SAGEWATCH_SLACK_CHANNEL"),
        ({"SAGEWATCH_SLACK_CHANNEL": "alerts"}, "SAGEWATCH_SLACK_CHANNEL"),
        ({"SAGEWATCH_SLACK_CHANNEL": "c0123456789"}, "SAGEWATCH_SLACK_CHANNEL"),
        ({"SAGEWATCH_SLACK_CHANNEL": "U0123456789"}, "SAGEWATCH_SLACK_CHANNEL"),
    ],
)
def test_bad_notify_settings_name_their_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as caught:
        NotifyConfig.from_env(env)
    assert caught.value.variable == variable
    assert variable in str(caught.value)


@pytest.mark.parametrize("channel", ["C0123456789", "G0ALERTS1", "D024BE91L"])
def test_bot_mode_takes_slack_channel_ids(channel: str) -> None:
    env = {"SAGEWATCH_SLACK_BOT_TOKEN_SECRET": "sagewatch/bot", "SAGEWATCH_SLACK_CHANNEL": channel}
    assert NotifyConfig.from_env(env).slack_channel == channel


def test_a_channel_name_is_refused_at_cold_start_with_what_to_use_instead() -> None:
    with pytest.raises(ConfigError, match="SAGEWATCH_SLACK_CHANNEL: '#alerts' is not a Slack channel ID"):
        NotifyConfig.from_env({"SAGEWATCH_SLACK_CHANNEL": "#alerts"})


def test_fleet_widget_config_and_the_one_default_prefix() -> None:
    assert FleetWidgetConfig.from_env({}) == FleetWidgetConfig(name_prefix="SageWatch", region="us-east-1")
    assert FleetWidgetConfig.from_env({"AWS_REGION": "eu-west-1"}).region == "eu-west-1"
    defaults = [OnboardConfig.from_env({}), NotifyConfig.from_env({}), ReconcileConfig.from_env(FLEET)]
    assert {c.name_prefix for c in defaults} == {DEFAULT_NAME_PREFIX}
    assert MonitoringConfig().policy == Policy()


def test_configs_are_frozen() -> None:
    config = OnboardConfig.from_env({})
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.name_prefix = "Other"  # type: ignore[misc]


def test_only_the_config_module_reads_the_environment() -> None:
    """Runtime code and handlers get their configuration from sagewatch.config, never os.environ."""
    sources = [*(RUNTIME / "layers" / "sagewatch" / "sagewatch").rglob("*.py"), *(RUNTIME / "functions").rglob("*.py")]
    readers = sorted(
        str(path.relative_to(RUNTIME))
        for path in sources
        if re.search(r"os\.environ|os\.getenv|getenv\(", path.read_text(encoding="utf-8"))
    )
    assert readers == ["layers/sagewatch/sagewatch/config.py"]
    # The variables' names (and so their defaults) appear in one place too.
    naming = sorted(
        str(path.relative_to(RUNTIME))
        for path in sources
        if re.search(r"[\"']SAGEWATCH_[A-Z_]+[\"']", path.read_text(encoding="utf-8"))
    )
    assert naming == ["layers/sagewatch/sagewatch/config.py"]


# -- hub and spokes --------------------------------------------------------------------------------

SPOKE_ENV = {
    "AWS_REGION": "us-east-1",
    "SAGEWATCH_ACCOUNT_ID": "111111111111",
    "SAGEWATCH_SPOKE_EXTERNAL_ID": "a-long-random-external-id-value",
}


def test_no_external_id_means_no_spokes_whatever_else_is_set() -> None:
    config = OnboardConfig.from_env({"SAGEWATCH_ACCOUNT_ID": "111111111111", "SAGEWATCH_SPOKE_ACCOUNTS": ""})
    assert config.spokes is None
    assert config.spoke_place("222222222222", "eu-west-1") is None  # everything is the stack's own place
    assert config.foreign_without_spokes("222222222222")
    assert not config.foreign_without_spokes("111111111111")


def test_spoke_settings_are_read_and_the_external_id_never_shown() -> None:
    config = ReconcileConfig.from_env(
        SPOKE_ENV
        | FLEET
        | {
            "SAGEWATCH_SPOKE_ACCOUNTS": "222222222222,333333333333",
            "SAGEWATCH_SPOKE_REGIONS": "eu-west-1, us-east-1",
            "SAGEWATCH_SPOKE_ORGANIZATION": "o-abcdefghij",
            "SAGEWATCH_SPOKE_ORGANIZATIONAL_UNIT": "ou-ab12-34cd56ef",
        }
    )
    assert config.spokes is not None
    assert config.spokes.accounts == ("222222222222", "333333333333")
    assert config.spokes.regions == ("eu-west-1", "us-east-1")
    assert "a-long-random" not in repr(config)
    assert config.spoke_place("111111111111", "us-east-1") is None  # the hub's own place
    assert config.spoke_place("111111111111", "eu-west-1") is not None  # the hub account, another region
    assert config.spoke_place("222222222222", "us-east-1") is not None


@pytest.mark.parametrize(
    ("extra", "variable"),
    [
        ({"SAGEWATCH_SPOKE_EXTERNAL_ID": "short"}, "SAGEWATCH_SPOKE_EXTERNAL_ID"),
        ({"SAGEWATCH_ACCOUNT_ID": ""}, "SAGEWATCH_ACCOUNT_ID"),
        ({"SAGEWATCH_ACCOUNT_ID": "1234"}, "SAGEWATCH_ACCOUNT_ID"),
        ({"SAGEWATCH_SPOKE_ACCOUNTS": "2222"}, "SAGEWATCH_SPOKE_ACCOUNTS"),
        ({"SAGEWATCH_SPOKE_REGIONS": "Mars"}, "SAGEWATCH_SPOKE_REGIONS"),
        ({"SAGEWATCH_SPOKE_ORGANIZATION": "org"}, "SAGEWATCH_SPOKE_ORGANIZATION"),
        ({"SAGEWATCH_SPOKE_ORGANIZATIONAL_UNIT": "ou"}, "SAGEWATCH_SPOKE_ORGANIZATIONAL_UNIT"),
        ({"SAGEWATCH_SPOKE_CONSOLE_ROLE": "no spaces"}, "SAGEWATCH_SPOKE_CONSOLE_ROLE"),
    ],
)
def test_spoke_settings_mistakes_name_their_variable(extra: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as raised:
        NotifyConfig.from_env(SPOKE_ENV | extra)
    assert raised.value.variable == variable
    assert "a-long-random" not in str(raised.value)
