"""`make demo`: the whole story in the emulated account, printed for a person.

Creates four realistic endpoints (CPU, multi-variant GPU, serverless, async), sends their
InService events through OnboardFunction, shows the alarms (thresholds in human units) and
writes each dashboard body to a file; then repeats an event (zero writes), updates one
endpoint (re-fit) and deletes another (clean-up). Finally fraud-scorer's p99 latency spikes:
the demo pushes the metrics and error logs, raises the alarm's notification and writes the
Slack message (JSON) and the email (HTML) NotifyFunction produced.

The story runs on the emulated account's clock, pinned at 03:12 UTC (the latest one past), so
the alert's times are the story's. The output folder's own subfolders (dashboards/, alerts/)
hold this run's final state only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sagewatch.adapters.sagemaker import SageMakerEndpoints
from sagewatch.config import OnboardConfig
from sagewatch.core.alerting.slack_text import unescape_mrkdwn
from sagewatch.core.alerting.units import format_comparison, format_value
from sagewatch.core.monitoring.alarms import desired_alarms
from sagewatch.core.monitoring.tags import overrides_from_tags
from sagewatch.core.shared.naming import alarm_prefix, dashboard_name
from sagewatch_emulator import EmulatedAccount, Invocation, VariantSpec
from sagewatch_emulator.cloudwatch.alarm_notifications import alarm_notification
from sagewatch_evaluation import AlarmConfig, Datapoint, evaluate
from sagewatch_simulator.sample_account import ENDPOINTS, PARAMETERS, seed_destinations

FUNCTION = "OnboardFunction"


# The story's alarm fires at 03:12 UTC: the demo runs on a clock that says so (the emulated
# account's clock, pinned), so that every time the alert shows is the story's, not the machine's.
STORY_TIME = time(3, 12, tzinfo=UTC)


def story_moment(wall_now: datetime) -> datetime:
    """The latest 03:12 UTC not after ``wall_now``: in the past, as it must be (CloudWatch Logs and
    PutMetricData refuse timestamps more than 2 hours ahead), and less than a day old (well inside
    the 14 days both accept; see sagewatch_emulator.alarm_engine.clock)."""
    wall_now = wall_now.astimezone(UTC)
    today = datetime.combine(wall_now.date(), STORY_TIME)
    return today if today <= wall_now else today - timedelta(days=1)


def state_change(account: EmulatedAccount, endpoint: str, status: str) -> dict[str, Any]:
    """An EventBridge event shaped like the ones SageMaker sends (see events/onboard/)."""
    arn = f"arn:aws:sagemaker:{account.region}:{account.account_id}:endpoint/{endpoint}"
    return {
        "version": "0",
        "id": f"demo-{endpoint}-{status.lower()}",
        "detail-type": "SageMaker Endpoint State Change",
        "source": "aws.sagemaker",
        "account": account.account_id,
        "time": account.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": account.region,
        "resources": [arn],
        "detail": {"EndpointName": endpoint, "EndpointArn": arn, "EndpointStatus": status, "Tags": {}},
    }


def _raw_number(value: float) -> str:
    """An alarm's own threshold, in the metric's unit, exact (only grouped): not a human value."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def _table(rows: Sequence[Sequence[str]], indent: str) -> list[str]:
    """Rows as columns as wide as their widest cell, whatever the names' lengths."""
    widths = [max(len(cell) for cell in column) for column in zip(*rows, strict=True)]
    return [indent + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]


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
    rows = []
    for alarm in existing:
        spec = specs.get(alarm["AlarmName"])
        human = format_value(spec.human_threshold, spec.display.unit) if spec else "?"
        rows.append(
            (
                alarm["AlarmName"],
                alarm.get("MetricName") or "metric math",
                format_comparison(alarm["ComparisonOperator"], human),
                f"(alarm threshold {_raw_number(alarm['Threshold'])})",
            )
        )
    for line in _table(rows, "    "):
        print(line)
    return existing


def _save_dashboard(account: EmulatedAccount, endpoint: str, settings: OnboardConfig, out: Path) -> Path | None:
    """Write the endpoint's dashboard body to ``out/dashboards``; remove its file when it has none."""
    name = dashboard_name(settings.name_prefix, settings.region, endpoint)
    path = out / "dashboards" / f"{name}.json"
    try:
        body = account.client("cloudwatch").get_dashboard(DashboardName=name)["DashboardBody"]
    except account.client("cloudwatch").exceptions.ResourceNotFound:
        if path.exists():
            path.unlink()
            print(f"  dashboard {name} deleted -> {path} removed")
        return None
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


def _evaluation_reason(alarm: Mapping[str, Any], points: Sequence[tuple[datetime, float]], at: datetime) -> str:
    """The state reason CloudWatch gives ``alarm`` evaluated at ``at`` over per-minute ``points``,
    from the evaluator the emulated account and the backtest use (docs/evaluation.md)."""
    evaluation = evaluate(AlarmConfig.from_describe_alarms(alarm), [Datapoint(t, v) for t, v in points], at)
    if evaluation.state is None:
        raise RuntimeError(f"the story's data leaves {alarm['AlarmName']} in its state at {at:%H:%M}")
    return evaluation.reason


def _minutes(values: Sequence[float], last: datetime) -> list[tuple[datetime, float]]:
    """One point a minute, the last at ``last``."""
    return [(last - timedelta(minutes=len(values) - 1 - i), v) for i, v in enumerate(values)]


def _alert_story(account: EmulatedAccount, settings: OnboardConfig, out: Path) -> None:
    endpoint, variant = "fraud-scorer", "AllTraffic"
    name = f"{settings.name_prefix}/{endpoint}/{variant}/model-latency-p99"
    now = account.now  # the story's clock: 03:12
    last = now - timedelta(minutes=1)  # the newest complete minute
    dims = {"EndpointName": endpoint, "VariantName": variant}
    # Latency breaches the 250 ms threshold in the last three minutes: the third of 3-of-5 fires now.
    latency_us = [95_000.0 + 5_000 * (i % 7) for i in range(57)] + [910_000.0, 1_380_000.0, 1_840_000.0]
    errors = [0.0] * 56 + [12.0, 48.0, 95.0, 140.0]
    account.put_metric_series("AWS/SageMaker", "ModelLatency", dims, latency_us, end=last)
    account.put_metric_series(
        "AWS/SageMaker", "Invocations", dims, [2_900.0 + 10 * (i % 5) for i in range(60)], end=last
    )
    account.put_metric_series("AWS/SageMaker", "Invocation5XXErrors", dims, errors, end=last)
    account.put_metric_series("/aws/sagemaker/Endpoints", "CPUUtilization", dims, [150.0] * 50 + [370.0] * 10, end=last)
    account.put_log_lines(
        f"/aws/sagemaker/Endpoints/{endpoint}",
        [
            "INFO  worker 7 handled request in 96 ms",
            "ERROR inference timed out after 1800 ms (feature store lookup)",
            "WARN  retrying feature store lookup (attempt 2)",
            "ERROR upstream feature store returned 503 Service Unavailable",
            "Traceback (most recent call last): FeatureStoreTimeout: GetRecord exceeded 1500 ms",
        ],
        at=last + timedelta(seconds=50),
    )
    cloudwatch = account.client("cloudwatch")
    alarm = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
    reason = _evaluation_reason(alarm, _minutes(latency_us, last), now)
    cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason=reason)
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
        print("    " + unescape_mrkdwn(message["text"]))  # as Slack shows it; the file keeps the escaping
    for i, mail in enumerate(result.emails):
        html = alerts / f"email-{i + 1}.html"
        html.write_text(mail["html"] or "")
        (alerts / f"email-{i + 1}.txt").write_text(mail["text"] or "")
        print(f"  email to {', '.join(mail['to'])}: {mail['subject']!r} -> {html}")

    recovered = now + timedelta(minutes=14)
    print(f"\n== 6. {recovered:%H:%M} - fourteen minutes later the alarm returns to OK")
    # The feature store recovers: latency falls back under the threshold from 03:14.
    recovery_us = [1_760_000.0, 1_120_000.0] + [110_000.0 + 4_000 * (i % 5) for i in range(12)]
    account.put_metric_series("AWS/SageMaker", "ModelLatency", dims, recovery_us, end=recovered - timedelta(minutes=1))
    account.put_metric_series(
        "AWS/SageMaker", "Invocation5XXErrors", dims, [150.0, 60.0] + [0.0] * 12, end=recovered - timedelta(minutes=1)
    )
    history = _minutes(latency_us + recovery_us, recovered - timedelta(minutes=1))
    ok_reason = _evaluation_reason(alarm, history, recovered)
    cloudwatch.set_alarm_state(AlarmName=name, StateValue="OK", StateReason=ok_reason)
    ok = alarm_notification(alarm, new_state="OK", old_state="ALARM", reason=ok_reason, at=recovered)
    resolved = account.invoke("NotifyFunction", ok)
    if resolved.error:
        raise RuntimeError(f"NotifyFunction failed: {resolved.error}")
    for message in resolved.slack_messages:
        path = alerts / "slack-resolved.json"
        path.write_text(json.dumps(message, indent=2, ensure_ascii=False) + "\n")
        print(f"  Slack message -> {path}")
        print("    " + unescape_mrkdwn(message["text"]))


def _fresh_output(out_dir: Path) -> None:
    """The demo's own subfolders start empty, so the output shows this run's final state only
    (a dashboard deleted in this run, or left from an earlier one, is not there)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for folder in (out_dir / "dashboards", out_dir / "alerts"):
        if folder.is_dir():
            for stale in folder.iterdir():
                if stale.is_file() and stale.suffix in (".json", ".html", ".txt"):
                    stale.unlink()


def run_demo(out_dir: Path, *, wall_clock: Callable[[], datetime] = lambda: datetime.now(tz=UTC)) -> int:
    _fresh_output(out_dir)
    with EmulatedAccount(parameters=PARAMETERS) as account:
        # Pinned before anything reads the clock; nothing advances it, so "now" stays 03:12.
        account.alarm_engine.clock.pin(story_moment(wall_clock()))
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
        left = account.client("cloudwatch").describe_alarms(
            AlarmNamePrefix=alarm_prefix(settings.name_prefix, "churn-predictor")
        )
        print(f"  alarms left for churn-predictor: {len(left['MetricAlarms'])}")
        _save_dashboard(account, "churn-predictor", settings, out_dir)  # gone: its file goes too

        print(f"\n== 5. {account.now:%H:%M} - fraud-scorer's latency alarm fires")
        _alert_story(account, settings, out_dir)

        total = account.client("cloudwatch").describe_alarms(AlarmNamePrefix=f"{settings.name_prefix}/")
        boards = account.client("cloudwatch").list_dashboards(DashboardNamePrefix=f"{settings.name_prefix}_")
        print(
            f"\nDone: {len(total['MetricAlarms'])} alarms and {len(boards['DashboardEntries'])} dashboards "
            f"remain for {len(ENDPOINTS) - 1} endpoints. Dashboard bodies: {out_dir / 'dashboards'}; "
            f"alerts: {out_dir / 'alerts'}"
        )
    return 0
