"""SageMaker AI Insights: which endpoints have it (the explicit flag, else the documented default by
creation date), and the link that only those endpoints' dashboards and alerts show."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sagewatch.core.alerting.alert import AlertView
from sagewatch.core.alerting.alert_builder import Enrichment, build_alarm_view
from sagewatch.core.alerting.alert_target import resolve_target
from sagewatch.core.alerting.enrichment import plan_metrics
from sagewatch.core.alerting.notification import AlarmNotification, parse_sns_record
from sagewatch.core.alerting.render_email import render_email
from sagewatch.core.alerting.render_slack import render_slack
from sagewatch.core.monitoring.alarms import desired_alarms
from sagewatch.core.monitoring.dashboard import build_dashboard
from sagewatch.core.monitoring.detailed_observability import DEFAULT_ON_SINCE, has_detailed_observability
from sagewatch.core.monitoring.policy import Policy
from sagewatch.core.monitoring.profile import EndpointProfile, profile_from_descriptions
from sagewatch.core.shared.alarm_context import AlarmContext, split_description
from sagewatch.core.shared.links import ENDPOINT_AND_AI_INSIGHTS, ai_insights_url, endpoint_url
from sagewatch.core.shared.partitions import partition

SAMPLE = Path(__file__).resolve().parents[4] / "events" / "notify" / "alarm-metric-latency-p99.json"
LABEL = ENDPOINT_AND_AI_INSIGHTS  # the endpoint link, saying its page holds the Insights view
BEFORE = datetime(2026, 6, 17, 23, 59, tzinfo=UTC)  # the documented day itself: "after June 17"
AFTER = datetime(2026, 6, 18, tzinfo=UTC)


def describe_config(**extra: Any) -> dict[str, Any]:
    return {
        "EndpointConfigName": "fraud-config",
        "ProductionVariants": [
            {"VariantName": "AllTraffic", "ModelName": "m", "InstanceType": "ml.m5.xlarge", "InitialInstanceCount": 1}
        ],
        **extra,
    }


def profile_in(region: str, config: dict[str, Any] | None) -> EndpointProfile:
    endpoint = {
        "EndpointName": "fraud",
        "EndpointArn": f"arn:{partition(region)}:sagemaker:{region}:123456789012:endpoint/fraud",
        "EndpointConfigName": "fraud-config",
        "EndpointStatus": "InService",
        "ProductionVariants": [{"VariantName": "AllTraffic", "CurrentInstanceCount": 1}],
    }
    return profile_from_descriptions(endpoint, config, {})


# --- which endpoints have it -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        # An explicit flag wins over the creation date, either way.
        (describe_config(MetricsConfig={"EnableDetailedObservability": True}, CreationTime=BEFORE), True),
        (describe_config(MetricsConfig={"EnableDetailedObservability": False}, CreationTime=AFTER), False),
        # No flag: configs created after June 17, 2026 have it by default (developer guide).
        (describe_config(CreationTime=AFTER), True),
        (describe_config(CreationTime=BEFORE), False),
        (describe_config(MetricsConfig={"EnableEnhancedMetrics": True}, CreationTime=AFTER), True),
        (describe_config(MetricsConfig={"EnableEnhancedMetrics": True}, CreationTime=BEFORE), False),
        # A naive CreationTime is read as UTC; no CreationTime, no config: no claim.
        (describe_config(CreationTime=AFTER.replace(tzinfo=None)), True),
        (describe_config(), False),
        (None, False),
    ],
)
def test_detailed_observability_is_the_flag_else_the_default_by_creation_date(
    config: dict[str, Any] | None, expected: bool
) -> None:
    assert has_detailed_observability(config) is expected
    assert profile_in("eu-west-1", config).detailed_observability is expected


def test_the_default_starts_the_day_after_june_17_2026() -> None:
    assert datetime(2026, 6, 18, tzinfo=UTC) == DEFAULT_ON_SINCE


# --- the link ----------------------------------------------------------------------------------


@pytest.mark.parametrize("region", ["eu-west-1", "us-east-1", "cn-north-1"])
def test_the_link_is_the_endpoint_page_whose_button_opens_the_filtered_view(region: str) -> None:
    assert ai_insights_url(region, "fraud") == endpoint_url(region, "fraud")


@pytest.mark.parametrize("region", ["us-gov-west-1", "us-iso-east-1", "eusc-de-east-1"])
def test_no_link_where_the_feature_is_not_documented(region: str) -> None:
    assert ai_insights_url(region, "fraud") is None


# --- the dashboard header ----------------------------------------------------------------------


def header(profile: EndpointProfile) -> str:
    markdown: str = build_dashboard(profile, [], prefix="SageWatch")["widgets"][0]["properties"]["markdown"]
    return markdown


def test_the_dashboard_links_to_ai_insights_only_when_the_endpoint_has_it() -> None:
    on = profile_in("eu-west-1", describe_config(CreationTime=AFTER))
    off = profile_in("eu-west-1", describe_config(CreationTime=BEFORE))
    assert f"[{LABEL}]({endpoint_url('eu-west-1', 'fraud')})" in header(on)
    assert header(on).count(endpoint_url("eu-west-1", "fraud") or "?") == 1  # one link to the page, not two
    assert LABEL not in header(off) and "AI Insights" not in header(off)
    assert header(off) == header(replace(on, detailed_observability=False))


def test_a_govcloud_dashboard_has_no_ai_insights_link_even_with_the_flag() -> None:
    on = profile_in("us-gov-west-1", describe_config(MetricsConfig={"EnableDetailedObservability": True}))
    assert on.detailed_observability and LABEL not in header(on)


# --- the alarm's context trailer ---------------------------------------------------------------


def test_the_trailer_carries_insights_only_when_on() -> None:
    assert AlarmContext(kind="real-time", insights=True).encode() == "[sagewatch kind=real-time insights=1]"
    assert AlarmContext(kind="real-time").encode() == "[sagewatch kind=real-time]"
    _, context = split_description("text [sagewatch kind=real-time insights=1]")
    assert context is not None and context.insights
    _, old = split_description("text [sagewatch kind=real-time unit=ms scale=0.001]")
    assert old is not None and not old.insights  # alarms written before keep working, without the link


def test_onboarding_writes_the_flag_into_every_alarm_of_an_endpoint_that_has_it() -> None:
    on = profile_in("eu-west-1", describe_config(CreationTime=AFTER))
    off = replace(on, detailed_observability=False)
    on_alarms = desired_alarms(on, Policy(), "SageWatch").alarms
    off_alarms = desired_alarms(off, Policy(), "SageWatch").alarms
    assert on_alarms and all(split_description(a.description)[1].insights for a in on_alarms)  # type: ignore[union-attr]
    assert all(" insights=" not in a.description for a in off_alarms)


# --- alerts ------------------------------------------------------------------------------------


def notification(*, insights: bool | None, region: str = "eu-west-1") -> AlarmNotification:
    record = json.loads(SAMPLE.read_text())["Records"][0]
    message: dict[str, Any] = json.loads(record["Sns"]["Message"])
    message["AlarmArn"] = f"arn:{partition(region)}:cloudwatch:{region}:123456789012:alarm:{message['AlarmName']}"
    if insights is not None:
        message["AlarmDescription"] = "Model latency. " + AlarmContext(kind="real-time", insights=insights).encode()
    record["Sns"]["Message"] = json.dumps(message)
    parsed = parse_sns_record(record)
    assert isinstance(parsed, AlarmNotification)
    return parsed


def alarm_view(parsed: AlarmNotification) -> AlertView:
    target = resolve_target(parsed, "SageWatch")
    plan = plan_metrics(parsed, target)
    return build_alarm_view(parsed, target, plan, Enrichment(), prefix="SageWatch", dashboards=True)


def view_links(parsed: AlarmNotification) -> dict[str, str]:
    view = alarm_view(parsed)
    return {link.label: link.url for link in view.links}


def test_an_alert_links_to_ai_insights_when_its_alarm_says_so() -> None:
    parsed = notification(insights=True)
    links = view_links(parsed)
    assert links[LABEL] == endpoint_url("eu-west-1", resolve_target(parsed, "SageWatch").endpoint or "")
    # The endpoint link itself says its page holds the Insights view: no second link to that page.
    assert list(links) == ["Alarm", "Dashboard", LABEL, "Logs"]
    assert len(set(links.values())) == len(links)


@pytest.mark.parametrize("insights", [False, None])
def test_an_alert_without_the_flag_has_no_ai_insights_link(insights: bool | None) -> None:
    assert list(view_links(notification(insights=insights))) == ["Alarm", "Dashboard", "Endpoint", "Logs"]


def test_no_ai_insights_link_in_govcloud_alerts() -> None:
    assert LABEL not in view_links(notification(insights=True, region="us-gov-west-1"))


def rendered(parsed: AlarmNotification) -> tuple[str, str, str]:
    view = alarm_view(parsed)
    email = render_email(view)
    return json.dumps(render_slack(view), ensure_ascii=False), email.text, email.html


def test_slack_and_email_show_the_ai_insights_link_only_with_the_flag() -> None:
    slack, text, html = rendered(notification(insights=True))
    assert f'"text": "{LABEL}"' in slack
    assert f"{LABEL}: https://" in text
    assert LABEL in html
    for part in rendered(notification(insights=False)):
        assert LABEL not in part and "AI Insights" not in part
