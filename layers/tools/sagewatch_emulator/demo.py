"""`make demo`: the whole story in the emulated account, printed for a person.

Creates four realistic endpoints (CPU, multi-variant GPU, serverless, async), sends their
InService events through OnboardFunction, shows the alarms (thresholds in human units) and
writes each dashboard body to a file; then repeats an event (zero writes), updates one
endpoint (re-fit) and deletes another (clean-up). Finally fraud-scorer's p99 latency spikes:
the demo pushes the metrics and error logs, raises the alarm's notification and writes the
Slack message (JSON) and the email (HTML) NotifyFunction produced.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sagewatch.adapters.sagemaker import SageMakerEndpoints
from sagewatch.config import OnboardConfig
from sagewatch.core.monitoring.alarms import desired_alarms
from sagewatch.core.monitoring.tags import overrides_from_tags
from sagewatch.core.shared.naming import alarm_prefix, dashboard_name
from sagewatch_emulator import EmulatedAccount, Invocation, VariantSpec
from sagewatch_emulator.cloudwatch.alarm_notifications import alarm_notification
from sagewatch_emulator.sample_account import ENDPOINTS, PARAMETERS, seed_destinations

FUNCTION = "OnboardFunction"


def state_change(account: EmulatedAccount, endpoint: str, status: str) -> dict[str, Any]:
    """An EventBridge event shaped like the ones SageMaker sends (see events/onboard/)."""
    arn = f"arn:aws:sagemaker:{account.region}:{account.account_id}:endpoint/{endpoint}"
    return {
        "version": "0",
        "id": f"demo-{endpoint}-{status.lower()}",
        "detail-type": "SageMaker Endpoint State Change",
        "source": "aws.sagemaker",
        "account": account.account_id,
        "time": "2026-11-28T03:12:00Z",
        "region": account.region,
        "resources": [arn],
        "detail": {"EndpointName": endpoint, "EndpointArn": arn, "EndpointStatus": status, "Tags": {}},
    }


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def _writes(invocation: Invocation) -> int:
    return sum(invocation.writes.values())


def _calls(invocation: Invocation) -> str:
    return ", ".join(f"{op} x{n}" for op, n in sorted(invocation.aws_calls.items())) or "none"


def _show_alarms(account: EmulatedAccount, endpoint: str, settings: OnboardConfig) -> list[dict[str, Any]]:
    cloudwatch = account.client("cloudwatch")
    pages = cloudwatch.get_paginator("describe_alarms").paginate(
        AlarmNamePrefix=alarm_prefix(settings.name_prefix, endpoint)
    )
    existing = [a for page in pages for a in page["MetricAlarms"]]
    # Human units come from the same core code that built the alarms.
    profile = SageMakerEndpoints(account.client("sagemaker")).read_profile(endpoint)
    policy = overrides_from_tags(profile.tags).apply(settings.policy)
    specs = {s.name: s for s in desired_alarms(profile, policy, settings.name_prefix).alarms}
    print(f"  {len(existing)} alarms:")
    for alarm in existing:
        spec = specs.get(alarm["AlarmName"])
        human = f"{_number(round(spec.human_threshold, 6))} {spec.display.unit}" if spec else "?"
        op = ">=" if alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold" else ">"
        metric = alarm.get("MetricName") or "metric math"
        raw = _number(alarm["Threshold"])
        print(f"    {alarm['AlarmName']:<66} {metric:<42} {op} {human:<14} (alarm threshold {raw})")
    return existing


def _save_dashboard(account: EmulatedAccount, endpoint: str, settings: OnboardConfig, out: Path) -> Path | None:
    name = dashboard_name(settings.name_prefix, settings.region, endpoint)
    try:
        body = account.client("cloudwatch").get_dashboard(DashboardName=name)["DashboardBody"]
    except account.client("cloudwatch").exceptions.ResourceNotFound:
        return None
    path = out / "dashboards" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(json.loads(body), indent=2) + "\n")
    print(f"  dashboard {name} ({len(json.loads(body)['widgets'])} widgets) -> {path}")
    return path


def _invoke(account: EmulatedAccount, endpoint: str, status: str) -> Invocation:
    invocation = account.invoke(FUNCTION, state_change(account, endpoint, status))
    if invocation.error:
        raise RuntimeError(f"{FUNCTION} failed for {endpoint}: {invocation.error}")
    response: Mapping[str, Any] = invocation.response or {}
    print(
        f"  {FUNCTION} -> {response.get('outcome')}: created {len(response.get('created', []))}, "
        f"updated {len(response.get('updated', []))}, deleted {len(response.get('deleted', []))}, "
        f"dashboard {response.get('dashboard')}; {_writes(invocation)} write call(s)"
    )
    print(f"  AWS calls: {_calls(invocation)}")
    return invocation


def _alert_story(account: EmulatedAccount, settings: OnboardConfig, out: Path) -> None:
    endpoint, variant = "fraud-scorer", "AllTraffic"
    name = f"{settings.name_prefix}/{endpoint}/{variant}/model-latency-p99"
    now = datetime.now(tz=UTC).replace(second=0, microsecond=0)
    dims = {"EndpointName": endpoint, "VariantName": variant}
    latency_us = [95_000.0 + 5_000 * (i % 7) for i in range(52)] + [420_000.0, 910_000.0, 1_380_000.0]
    latency_us += [1_840_000.0, 1_760_000.0, 1_690_000.0, 1_720_000.0, 1_650_000.0]
    errors = [0.0] * 54 + [12.0, 48.0, 95.0, 140.0, 160.0, 150.0]
    account.put_metric_series("AWS/SageMaker", "ModelLatency", dims, latency_us, end=now)
    account.put_metric_series(
        "AWS/SageMaker", "Invocations", dims, [2_900.0 + 10 * (i % 5) for i in range(60)], end=now
    )
    account.put_metric_series("AWS/SageMaker", "Invocation5XXErrors", dims, errors, end=now)
    account.put_metric_series("/aws/sagemaker/Endpoints", "CPUUtilization", dims, [150.0] * 50 + [370.0] * 10, end=now)
    account.put_log_lines(
        f"/aws/sagemaker/Endpoints/{endpoint}",
        [
            "INFO  worker 7 handled request in 96 ms",
            "ERROR inference timed out after 1800 ms (feature store lookup)",
            "WARN  retrying feature store lookup (attempt 2)",
            "ERROR upstream feature store returned 503 Service Unavailable",
            "Traceback (most recent call last): FeatureStoreTimeout: GetRecord exceeded 1500 ms",
        ],
        at=now,
    )
    alarm = account.client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
    account.client("cloudwatch").set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="latency spike")
    reason = (
        "Threshold Crossed: 3 out of the last 5 datapoints [1840000.0 (03:11:00), 1380000.0 (03:10:00), "
        "910000.0 (03:09:00)] were greater than the threshold (250000.0) "
        "(minimum 3 datapoints for OK -> ALARM transition)."
    )
    notification = alarm_notification(alarm, new_state="ALARM", old_state="OK", reason=reason, at=now)
    result = account.invoke("NotifyFunction", notification)
    if result.error:
        raise RuntimeError(f"NotifyFunction failed: {result.error}")
    print(f"  NotifyFunction AWS calls: {_calls(result)}")
    alerts = out / "alerts"
    alerts.mkdir(parents=True, exist_ok=True)
    for i, message in enumerate(result.slack_messages):
        path = alerts / f"slack-{i + 1}.json"
        path.write_text(json.dumps(message, indent=2, ensure_ascii=False) + "\n")
        print(f"  Slack message -> {path}")
        print("    " + message["text"])
    for i, mail in enumerate(result.emails):
        html = alerts / f"email-{i + 1}.html"
        html.write_text(mail["html"] or "")
        (alerts / f"email-{i + 1}.txt").write_text(mail["text"] or "")
        print(f"  email to {', '.join(mail['to'])}: {mail['subject']!r} -> {html}")

    print("\n== 6. Fourteen minutes later the alarm returns to OK")
    account.client("cloudwatch").set_alarm_state(AlarmName=name, StateValue="OK", StateReason="recovered")
    ok = alarm_notification(
        alarm,
        new_state="OK",
        old_state="ALARM",
        reason=(
            "Threshold Crossed: 5 out of the last 5 datapoints [120000.0 (03:26:00)] "
            "were not greater than the threshold."
        ),
        at=datetime.now(tz=UTC) + timedelta(minutes=14),
    )
    resolved = account.invoke("NotifyFunction", ok)
    if resolved.error:
        raise RuntimeError(f"NotifyFunction failed: {resolved.error}")
    for message in resolved.slack_messages:
        path = alerts / "slack-resolved.json"
        path.write_text(json.dumps(message, indent=2, ensure_ascii=False) + "\n")
        print(f"  Slack message -> {path}")
        print("    " + message["text"])


def run_demo(out_dir: Path) -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    with EmulatedAccount(parameters=PARAMETERS) as account:
        seed_destinations(account)
        settings = OnboardConfig.from_env(account.function_environment(FUNCTION))
        print(f"Emulated AWS account {account.account_id} ({account.region}) on {account.endpoint_url}")
        print(f"Stack resources provisioned from template.yaml: {', '.join(sorted(account.stack.resources))}\n")

        print("== 1. Four endpoints go InService")
        for name, what, spec in ENDPOINTS:
            account.create_endpoint(name, **spec)
            print(f"\n{name}: {what}")
            _invoke(account, name, "IN_SERVICE")
            _show_alarms(account, name, settings)
            _save_dashboard(account, name, settings, out_dir)

        print("\n== 2. SageMaker sends the same InService event again (at-least-once delivery)")
        repeat = _invoke(account, "fraud-scorer", "IN_SERVICE")
        print(f"  -> {_writes(repeat)} write calls: nothing changed, nothing written")

        print("\n== 3. llm-chat is updated: the CPU canary variant is removed, the GPU variant scales to 4")
        account.update_endpoint("llm-chat", variants=[VariantSpec("gpu-a10g", "ml.g5.12xlarge", 4)])
        _invoke(account, "llm-chat", "IN_SERVICE")
        _show_alarms(account, "llm-chat", settings)
        _save_dashboard(account, "llm-chat", settings, out_dir)

        print("\n== 4. churn-predictor is deleted")
        _invoke(account, "churn-predictor", "DELETING")
        account.delete_endpoint("churn-predictor")
        left = account.client("cloudwatch").describe_alarms(AlarmNamePrefix="SageWatch/churn-predictor/")
        print(f"  alarms left for churn-predictor: {len(left['MetricAlarms'])}")

        print("\n== 5. 03:12 - fraud-scorer's p99 latency alarm fires")
        _alert_story(account, settings, out_dir)

        total = account.client("cloudwatch").describe_alarms(AlarmNamePrefix=f"{settings.name_prefix}/")
        boards = account.client("cloudwatch").list_dashboards(DashboardNamePrefix=f"{settings.name_prefix}_")
        print(
            f"\nDone: {len(total['MetricAlarms'])} alarms and {len(boards['DashboardEntries'])} dashboards "
            f"remain for {len(ENDPOINTS) - 1} endpoints. Dashboard bodies: {out_dir / 'dashboards'}; "
            f"alerts: {out_dir / 'alerts'}"
        )
    return 0
