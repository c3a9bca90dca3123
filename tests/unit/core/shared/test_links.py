"""Console links for every partition: exact commercial URLs, China and GovCloud hosts, no guessed
hosts for the isolated partitions; and the three places that show links use the one builder."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sagewatch.core.alerting.alert_builder import Enrichment, build_alarm_view, build_failure_view
from sagewatch.core.alerting.alert_target import resolve_target
from sagewatch.core.alerting.enrichment import plan_metrics
from sagewatch.core.alerting.notification import AlarmNotification, EndpointFailureNotice, parse_sns_record
from sagewatch.core.fleet.overview import render_overview
from sagewatch.core.monitoring.dashboard import build_dashboard
from sagewatch.core.monitoring.profile import EndpointProfile, VariantProfile
from sagewatch.core.shared.links import (
    alarm_url,
    alarms_search_url,
    console_host,
    dashboard_url,
    endpoint_url,
    logs_url,
    processing_job_logs_url,
)
from sagewatch.core.shared.partitions import partition

ALARM = "SageWatch/fraud/AllTraffic/model-latency-p99"
LOG_GROUP = "$252Faws$252Fsagemaker$252FEndpoints$252Ffraud"
SAMPLE = Path(__file__).resolve().parents[4] / "events" / "notify" / "alarm-metric-latency-p99.json"


def every_link(region: str) -> dict[str, str | None]:
    return {
        "alarm": alarm_url(region, ALARM),
        "alarms": alarms_search_url(region, "SageWatch/fraud/"),
        "dashboard": dashboard_url(region, "SageWatch_fraud"),
        "endpoint": endpoint_url(region, "fraud"),
        "logs": logs_url(region, "fraud"),
    }


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("us-east-1", "aws"),
        ("eu-west-1", "aws"),
        ("il-central-1", "aws"),
        ("cn-north-1", "aws-cn"),
        ("cn-northwest-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-gov-east-1", "aws-us-gov"),
        ("us-iso-east-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
        ("us-isof-south-1", "aws-iso-f"),
        ("eu-isoe-west-1", "aws-iso-e"),
        ("eusc-de-east-1", "aws-eusc"),
    ],
)
def test_the_partition_follows_from_the_region_name(region: str, expected: str) -> None:
    assert partition(region) == expected


def test_commercial_links_keep_their_exact_regional_urls() -> None:
    home = "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1"
    assert every_link("eu-west-1") == {
        "alarm": f"{home}#alarmsV2:alarm/SageWatch%2Ffraud%2FAllTraffic%2Fmodel-latency-p99",
        "alarms": f"{home}#alarmsV2:?search=SageWatch%2Ffraud%2F",
        "dashboard": f"{home}#dashboards/dashboard/SageWatch_fraud",
        "endpoint": "https://eu-west-1.console.aws.amazon.com/sagemaker/home?region=eu-west-1#/endpoints/fraud",
        "logs": f"{home}#logsV2:log-groups/log-group/{LOG_GROUP}",
    }


def test_the_processing_job_log_link_filters_streams_the_way_the_logs_console_reads_it() -> None:
    # Inside the console's #logsV2 fragment the log group's name is encoded twice ('/' is $252F)
    # while the stream filter's '?' and '=' are encoded once ($3F, $3D): the console reads a
    # doubly encoded $253F as part of the group's name and opens a group that does not exist.
    home = "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1"
    assert processing_job_logs_url("eu-west-1", "model-monitoring-202612070300-abc") == (
        f"{home}#logsV2:log-groups/log-group/$252Faws$252Fsagemaker$252FProcessingJobs"
        "$3FlogStreamNameFilter$3Dmodel-monitoring-202612070300-abc"
    )


@pytest.mark.parametrize(
    ("region", "host"),
    [
        ("cn-north-1", "console.amazonaws.cn"),
        ("cn-northwest-1", "console.amazonaws.cn"),
        ("us-gov-west-1", "console.amazonaws-us-gov.com"),
        ("us-gov-east-1", "console.amazonaws-us-gov.com"),
    ],
)
def test_china_and_govcloud_links_use_their_partition_console(region: str, host: str) -> None:
    home = f"https://{host}/cloudwatch/home?region={region}"
    assert console_host(region) == host
    assert every_link(region) == {
        "alarm": f"{home}#alarmsV2:alarm/SageWatch%2Ffraud%2FAllTraffic%2Fmodel-latency-p99",
        "alarms": f"{home}#alarmsV2:?search=SageWatch%2Ffraud%2F",
        "dashboard": f"{home}#dashboards/dashboard/SageWatch_fraud",
        "endpoint": f"https://{host}/sagemaker/home?region={region}#/endpoints/fraud",
        "logs": f"{home}#logsV2:log-groups/log-group/{LOG_GROUP}",
    }


@pytest.mark.parametrize(
    "region", ["us-iso-east-1", "us-isob-east-1", "us-isof-south-1", "eu-isoe-west-1", "eusc-de-east-1"]
)
def test_partitions_without_a_documented_console_get_no_links(region: str) -> None:
    assert console_host(region) is None
    assert set(every_link(region).values()) == {None}


# --- the builders that show links ------------------------------------------------------------


def notification_in(region: str) -> AlarmNotification:
    record = json.loads(SAMPLE.read_text())["Records"][0]
    message: dict[str, Any] = json.loads(record["Sns"]["Message"])
    message["AlarmArn"] = f"arn:{partition(region)}:cloudwatch:{region}:123456789012:alarm:{message['AlarmName']}"
    record["Sns"]["Message"] = json.dumps(message)
    parsed = parse_sns_record(record)
    assert isinstance(parsed, AlarmNotification) and parsed.region == region
    return parsed


def failure_in(region: str) -> EndpointFailureNotice:
    return EndpointFailureNotice("m", "fraud", region, "123456789012", "boom", datetime(2026, 1, 1, tzinfo=UTC))


def alarm_links(region: str) -> dict[str, str]:
    notification = notification_in(region)
    target = resolve_target(notification, "SageWatch")
    view = build_alarm_view(
        notification, target, plan_metrics(notification, target), Enrichment(), prefix="SageWatch", dashboards=True
    )
    return {link.label: link.url for link in view.links}


@pytest.mark.parametrize(
    ("region", "host"), [("cn-north-1", "console.amazonaws.cn"), ("us-gov-west-1", "console.amazonaws-us-gov.com")]
)
def test_alerts_link_to_their_partition_console(region: str, host: str) -> None:
    links = alarm_links(region)
    assert set(links) == {"Alarm", "Dashboard", "Endpoint", "Logs"}
    assert all(url.startswith(f"https://{host}/") and f"region={region}" in url for url in links.values())


def test_alerts_in_an_isolated_partition_carry_no_links() -> None:
    assert alarm_links("us-iso-east-1") == {}
    notice = EndpointFailureNotice(
        "m", "fraud", "us-iso-east-1", "123456789012", "boom", datetime(2026, 1, 1, tzinfo=UTC)
    )
    assert build_failure_view(notice).links == ()


def test_failure_alerts_link_to_the_govcloud_console() -> None:
    notice = EndpointFailureNotice(
        "m", "fraud", "us-gov-west-1", "123456789012", "boom", datetime(2026, 1, 1, tzinfo=UTC)
    )
    urls = [link.url for link in build_failure_view(notice).links]
    assert urls == [endpoint_url("us-gov-west-1", "fraud"), logs_url("us-gov-west-1", "fraud")]
    assert all(url.startswith("https://console.amazonaws-us-gov.com/") for url in urls)


def test_the_fleet_overview_links_to_the_china_console() -> None:
    html = render_overview([{"AlarmName": ALARM}], [], region="cn-north-1", prefix="SageWatch")
    assert 'href="https://console.amazonaws.cn/cloudwatch/home?region=cn-north-1#alarmsV2:alarm/' in html
    assert 'href="https://console.amazonaws.cn/cloudwatch/home?region=cn-north-1#dashboards/dashboard/' in html
    assert "console.aws.amazon.com" not in html


def test_the_fleet_overview_shows_names_without_links_where_there_is_no_console() -> None:
    html = render_overview([{"AlarmName": ALARM}], [], region="us-iso-east-1", prefix="SageWatch")
    assert ALARM in html and "href=" not in html


@pytest.mark.parametrize(
    ("region", "host"), [("cn-north-1", "console.amazonaws.cn"), ("us-gov-west-1", "console.amazonaws-us-gov.com")]
)
def test_the_dashboard_header_links_to_the_partition_console(region: str, host: str) -> None:
    profile = EndpointProfile(
        name="fraud",
        arn=f"arn:{partition(region)}:sagemaker:{region}:123456789012:endpoint/fraud",
        region=region,
        status="InService",
        config_name="fraud-config",
        variants=(VariantProfile("AllTraffic", "ml.m5.xlarge", 1),),
    )
    markdown = build_dashboard(profile, [], prefix="SageWatch")["widgets"][0]["properties"]["markdown"]
    assert f"[SageMaker endpoint]({endpoint_url(region, 'fraud')})" in markdown
    assert f"[Logs: /aws/sagemaker/Endpoints/fraud]({logs_url(region, 'fraud')})" in markdown
    assert f"[Alarms]({alarms_search_url(region, 'SageWatch/fraud/')})" in markdown
    assert markdown.count(f"https://{host}/") == 3
