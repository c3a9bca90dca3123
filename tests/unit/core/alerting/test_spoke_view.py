"""A spoke's alert names its account (alias or ID, always with the ID) and region, and every
console link says which account it opens; the hub's own alert is unchanged."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

from sagewatch.core.alerting.alert import AlertView, Link
from sagewatch.core.alerting.digest import DigestEntry, render_digest
from sagewatch.core.alerting.render_email import render_email
from sagewatch.core.alerting.render_slack import render_slack
from sagewatch.core.alerting.spoke_view import in_spoke, switch_role_url
from sagewatch_emulator.slack_blocks import validate_slack_message

SPOKE = "222222222222"


def view(account: str = SPOKE, region: str = "eu-west-1") -> AlertView:
    return AlertView(
        state="ALARM",
        title="Model latency p99 is above 1,000 ms on fraud / AllTraffic",
        alarm_name="SageWatch/fraud/AllTraffic/model-latency-p99",
        region=region,
        account_id=account,
        since=datetime(2026, 11, 28, 3, 12, tzinfo=UTC),
        endpoint="fraud",
        variant="AllTraffic",
        links=(
            Link("Alarm", f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#alarmsV2:alarm/x"),
            Link("Logs", f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#logsV2:log-groups"),
        ),
        message_id="00000000-0000-4000-8000-000000000001",
    )


def test_the_switch_role_link_is_the_documented_one() -> None:
    url = switch_role_url("eu-west-1", SPOKE, "OnCall", "prod-ml")
    assert url is not None
    parsed = urlparse(url)
    assert (parsed.scheme, parsed.netloc, parsed.path) == ("https", "signin.aws.amazon.com", "/switchrole")
    assert parse_qs(parsed.query) == {"account": [SPOKE], "roleName": ["OnCall"], "displayName": ["prod-ml"]}
    assert switch_role_url("us-iso-east-1", SPOKE, "OnCall", "x") is None  # no documented host there


def test_a_spoke_alert_names_its_account_and_every_link_says_where_it_opens() -> None:
    spoke = in_spoke(view(), account_name="prod-ml", console_role="OnCall")
    assert spoke.account_text == f"prod-ml ({SPOKE})"
    labels = [link.label for link in spoke.links]
    assert labels == [
        f"Switch role to prod-ml ({SPOKE})",
        f"Alarm in prod-ml ({SPOKE})",
        f"Logs in prod-ml ({SPOKE})",
    ]
    message = render_slack(spoke)
    assert validate_slack_message(message) == []
    text = json.dumps(message, ensure_ascii=False)
    assert f"eu-west-1 / prod-ml ({SPOKE})" in text
    assert "signin.aws.amazon.com/switchrole" in text
    email = render_email(spoke)
    assert f"prod-ml ({SPOKE})" in str(email)


def test_without_a_name_or_console_role_the_id_alone_and_no_switch_link() -> None:
    spoke = in_spoke(view(), account_name=None, console_role=None)
    assert [link.label for link in spoke.links] == [f"Alarm in {SPOKE}", f"Logs in {SPOKE}"]
    assert f"eu-west-1 / {SPOKE}" in json.dumps(render_slack(spoke))


def test_the_hubs_own_alert_is_unchanged() -> None:
    hub = view("111111111111", "us-east-1")
    assert not hub.in_spoke and hub.account_name is None
    text = json.dumps(render_slack(hub), ensure_ascii=False)
    assert "us-east-1 / 111111111111" in text and " in 111111111111" not in text


def test_a_digest_groups_each_spoke_endpoint_with_its_account_and_keeps_the_alarm_link() -> None:
    one = in_spoke(view(), account_name="prod-ml", console_role="OnCall")
    other = in_spoke(view("333333333333"), account_name=None, console_role=None)
    [message] = render_digest([DigestEntry(one), DigestEntry(other)])
    text = json.dumps(message, ensure_ascii=False)
    assert f"fraud / AllTraffic · prod-ml ({SPOKE}) eu-west-1" in text
    assert "fraud / AllTraffic · 333333333333 eu-west-1" in text
    assert "alarmsV2:alarm/x|" in text  # the line still links its alarm
