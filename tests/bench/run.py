"""`make bench`: counts and ratios measured in one run, written to build/bench/report.{md,json}.

Timings on a shared machine are noisy, so the report gives API-call counts and ratios of
fresh-process timings measured alternately in the same run (median of several rounds), never
a single absolute time. Nothing here is asserted by `make test`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import botocore.client

from sagewatch_emulator import EmulatedAccount, VariantSpec

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events" / "onboard"
ROUNDS = 9

# A fresh interpreter that imports the handler module the way Lambda's INIT phase does (function
# code and layer on sys.path); it prints the seconds that took. With {clients}, it also builds
# the boto3 clients the first event needs (the handler builds them on first use and keeps them).
_COLD_HANDLER = """
import sys, time
t0 = time.perf_counter()
sys.path[:0] = [{code!r}, {layer!r}]
import app
if {clients}:
    app._service()
print(time.perf_counter() - t0)
"""
_COLD_BASELINE = """
import time
t0 = time.perf_counter()
import boto3
boto3.client("cloudwatch")
print(time.perf_counter() - t0)
"""
# Handles one event against the emulator running in the parent process; prints peak RSS (KiB).
# VmHWM, not ru_maxrss: Linux carries the forking parent's high-water mark into ru_maxrss
# across exec, which would charge the emulator's memory to the handler.
_ONE_EVENT = """
import json, resource, sys
sys.path[:0] = [{code!r}, {layer!r}]
import app
class Context:
    function_name = "OnboardFunction"; memory_limit_in_mb = 256; aws_request_id = "bench"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:OnboardFunction"
    def get_remaining_time_in_millis(self): return 60000
result = app.lambda_handler(json.load(open({event!r})), Context())
assert "error" not in result and result.get("outcome") != "invalid", result
try:
    status = open("/proc/self/status").read()
    print(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
except OSError:
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _fresh(code: str, env: Mapping[str, str]) -> float:
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, env=dict(env), timeout=120
    )
    return float(out.stdout.strip().splitlines()[-1])


def _split(calls: Mapping[str, int], writes: Mapping[str, int]) -> dict[str, Any]:
    total = sum(calls.values())
    written = sum(writes.values())
    return {"calls": dict(sorted(calls.items())), "total": total, "writes": written, "reads": total - written}


def api_calls(account: EmulatedAccount) -> dict[str, Any]:
    account.create_endpoint("fraud-scorer", variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 2)])
    account.create_endpoint(
        "llm-chat",
        variants=[VariantSpec("gpu-a10g", "ml.g5.12xlarge", 2), VariantSpec("cpu-canary", "ml.g5.2xlarge", 1)],
    )
    cpu_event = json.loads((EVENTS / "in-service-cpu.json").read_text())
    gpu_event = json.loads((EVENTS / "in-service-multi-variant-gpu.json").read_text())
    fresh_cpu = account.invoke("OnboardFunction", cpu_event)
    fresh_gpu = account.invoke("OnboardFunction", gpu_event)
    repeat = account.invoke("OnboardFunction", cpu_event)
    for inv in (fresh_cpu, fresh_gpu, repeat):
        if inv.error:
            raise RuntimeError(inv.error)
    return {
        "fresh 1-variant CPU endpoint": _split(fresh_cpu.aws_calls, fresh_cpu.writes)
        | {"alarms": len(fresh_cpu.response["created"])},
        "fresh 2-variant GPU endpoint": _split(fresh_gpu.aws_calls, fresh_gpu.writes)
        | {"alarms": len(fresh_gpu.response["created"])},
        "repeated unchanged event": _split(repeat.aws_calls, repeat.writes),
    }


def cold_start(env: Mapping[str, str], function: str = "onboard") -> dict[str, Any]:
    paths = {"code": str(ROOT / "functions" / function), "layer": str(ROOT / "layers" / "sagewatch")}
    init_only = _COLD_HANDLER.format(clients=False, **paths)
    with_clients = _COLD_HANDLER.format(clients=True, **paths)
    init_ratios, client_ratios = [], []
    for _ in range(ROUNDS):  # alternate so all sides see the same machine load
        base = _fresh(_COLD_BASELINE, env)
        init_ratios.append(_fresh(init_only, env) / base)
        client_ratios.append(_fresh(with_clients, env) / base)
    return {
        "rounds": ROUNDS,
        "median_ratio": round(statistics.median(init_ratios), 3),
        "median_ratio_with_clients": round(statistics.median(client_ratios), 3),
        "target": 1.5,
    }


def peak_memory(env: Mapping[str, str], function: str = "onboard", event: Path | None = None) -> dict[str, Any]:
    code = _ONE_EVENT.format(
        code=str(ROOT / "functions" / function),
        layer=str(ROOT / "layers" / "sagewatch"),
        event=str(event or EVENTS / "in-service-multi-variant-gpu.json"),
    )
    kib = _fresh(code, env)
    return {"peak_rss_mb": round(kib / 1024, 1), "target_mb": 150}


class _CallRecorder:
    """Records (operation, start, end) of every AWS call, to count sequential round trips."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float, float]] = []
        self._original = getattr(botocore.client.BaseClient, "_make_api_call")  # noqa: B009 - private method

    def __enter__(self) -> _CallRecorder:
        recorder, original = self, self._original

        def recording(client: Any, operation: str, params: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(client, operation, params)
            finally:
                recorder.calls.append(
                    (f"{client.meta.service_model.service_name}.{operation}", start, time.perf_counter())
                )

        setattr(botocore.client.BaseClient, "_make_api_call", recording)  # noqa: B010 - patching a method
        return self

    def __exit__(self, *_: object) -> None:
        setattr(botocore.client.BaseClient, "_make_api_call", self._original)  # noqa: B010 - restoring it

    def rounds_before_send(self) -> int:
        """Groups of overlapping reads (enrichment and secret) before sending: one group ran concurrently.

        The delivery records' claim/settle calls (DynamoDB) are delivery bookkeeping, counted
        separately in ``dynamodb_calls``, not enrichment round trips.
        """
        reads = [c for c in self.calls if c[0].startswith(("cloudwatch.", "logs.", "secretsmanager."))]
        reads.sort(key=lambda c: c[1])
        rounds, horizon = 0, -1.0
        for _op, start, end in reads:
            if start >= horizon:
                rounds += 1
            horizon = max(horizon, end) if start < horizon else end
        return rounds


ALERT_PARAMETERS = {
    "SlackWebhookSecretName": "sagewatch/slack-webhook",
    "EmailSender": "sagewatch@example.com",
    "EmailRecipients": "oncall@example.com",
    # The OK resolving the incident is told at once (no settle window): the warm alert is told.
    "OkSettleSeconds": "0",
}
# DynamoDB calls per alert (Slack and e-mail), warm environment: the claim of both destinations,
# the Slack channel's lease, and one settlement carrying the lease's release (docs/delivery.md).
DYNAMODB_CALLS_TARGET = 3
ALERT_CASES = (
    ("cold (first alert)", "ALARM", "bench-alert-0"),  # opens the incident
    ("warm", "OK", "bench-alert-1"),  # resolves it: told to both destinations
    ("warm (repeated transition)", "OK", "bench-alert-2"),  # the same OK under another MessageId: not told
    ("warm (redelivered MessageId)", "OK", "bench-alert-2"),  # SNS/SQS at least once: already done
)


def alert_calls() -> dict[str, Any]:
    """API calls and sequential round trips for one alert, cold (first) and warm (second)."""
    with EmulatedAccount(parameters=ALERT_PARAMETERS) as account:
        account.client("secretsmanager").create_secret(Name="sagewatch/slack-webhook", SecretString=account.slack_url)
        account.verify_email_identity("sagewatch@example.com")
        account.create_endpoint("fraud-scorer", variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 2)])
        now = datetime.now(tz=UTC).replace(second=0, microsecond=0)
        dims = {"EndpointName": "fraud-scorer", "VariantName": "AllTraffic"}
        account.put_metric_series("AWS/SageMaker", "ModelLatency", dims, [150_000.0] * 55 + [1_800_000.0] * 5, end=now)
        account.put_metric_series("AWS/SageMaker", "Invocations", dims, [3000.0] * 60, end=now)
        account.put_log_lines("/aws/sagemaker/Endpoints/fraud-scorer", ["ERROR timed out"], at=now)
        sample = json.loads((ROOT / "events" / "notify" / "alarm-metric-latency-p99.json").read_text())
        message = json.loads(sample["Records"][0]["Sns"]["Message"])
        message["StateChangeTime"] = now.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
        sample["Records"][0]["Sns"]["Message"] = json.dumps(message)
        out: dict[str, Any] = {}
        for label, state, message_id in ALERT_CASES:
            # A new SNS MessageId each time: the same one would rightly be deduplicated.
            sample["Records"][0]["Sns"]["MessageId"] = message_id
            message |= {"NewStateValue": state, "OldStateValue": "OK" if state == "ALARM" else "ALARM"}
            if state == "OK":
                later = now + timedelta(minutes=1)
                message["StateChangeTime"] = later.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
            sample["Records"][0]["Sns"]["Message"] = json.dumps(message)
            with _CallRecorder() as recorder:
                result = account.invoke("NotifyFunction", sample)
            if result.error:
                raise RuntimeError(result.error)
            calls = result.aws_calls
            enrichment = {op: n for op, n in calls.items() if op.startswith(("cloudwatch.", "logs."))}
            out[label] = {
                "calls": dict(sorted(calls.items())),
                "enrichment_calls": sum(enrichment.values()),
                "secret_reads": sum(n for op, n in calls.items() if op.startswith("secretsmanager.")),
                "dynamodb_calls": sum(n for op, n in calls.items() if op.startswith("dynamodb.")),
                "sequential_round_trips_before_send": recorder.rounds_before_send(),
                "slack_messages": len(result.slack_messages),
                "emails": len(result.emails),
            }
        env = {**os.environ, **account.function_environment("NotifyFunction"), **account.aws_environment()}
        event_file = ROOT / "build" / "bench" / "alert-event.json"
        event_file.parent.mkdir(parents=True, exist_ok=True)
        event_file.write_text(json.dumps(sample))
        out["cold_start_vs_boto3_cloudwatch_client"] = cold_start(env, "notify")
        out["peak_memory_one_alert"] = peak_memory(env, "notify", event_file)
    out["targets"] = {
        "enrichment_calls": 3,
        "sequential_round_trips_before_send": 2,
        "warm_dynamodb_calls": DYNAMODB_CALLS_TARGET,
    }
    out["over_target"] = dynamodb_over_target(out)
    return out


def dynamodb_over_target(alert: dict[str, Any]) -> list[str]:
    """Report lines for every alert case above the DynamoDB calls target (warm or cold)."""
    return [
        f"{case}: {data['dynamodb_calls']} DynamoDB calls per alert > target {DYNAMODB_CALLS_TARGET}"
        for case, data in alert.items()
        if case in {c for c, _, _ in ALERT_CASES} and data["dynamodb_calls"] > DYNAMODB_CALLS_TARGET
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench")
    parser.add_argument("--fleet-endpoints", type=int, default=1000, help="fleet size of the reconcile run (0: skip)")
    parser.add_argument("--no-week", action="store_true", help="skip the week on call (about 3 minutes)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with EmulatedAccount() as account:
        calls = api_calls(account)
        env = {**os.environ, **account.function_environment("OnboardFunction"), **account.aws_environment()}
        report: dict[str, Any] = {
            "onboarding_api_calls": calls,
            "cold_start_vs_boto3_cloudwatch_client": cold_start(env),
            "peak_memory_one_event": peak_memory(env),
        }
    report["alert"] = alert_calls()
    from tests.bench.delivery import run_delivery_bench

    report["delivery"] = run_delivery_bench()
    if args.fleet_endpoints:
        from tests.bench.fleet import run_fleet_bench

        report["fleet"] = run_fleet_bench(args.fleet_endpoints)
    if not args.no_week:
        from tests.bench.week import run_week_bench

        report |= run_week_bench(verbose=False)
    (args.out / "report.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    lines = ["# SageWatch benchmark", "", "## Onboarding API calls", ""]
    lines += ["| case | reads | writes | alarms | calls |", "|---|---|---|---|---|"]
    for case, data in calls.items():
        detail = ", ".join(f"{k} {v}" for k, v in data["calls"].items())
        lines.append(f"| {case} | {data['reads']} | {data['writes']} | {data.get('alarms', '-')} | {detail} |")
    cold = report["cold_start_vs_boto3_cloudwatch_client"]
    mem = report["peak_memory_one_event"]
    lines += [
        "",
        f"Cold start (import + init of OnboardFunction's handler module, fresh process) / (`import boto3; "
        f"boto3.client('cloudwatch')`): median of {cold['rounds']} rounds = **{cold['median_ratio']}x** "
        f"(target <= {cold['target']}x); including the two boto3 clients (sagemaker, cloudwatch) the "
        f"first event builds: {cold['median_ratio_with_clients']}x",
        "",
        f"Peak RSS handling one 2-variant GPU event in a fresh process: **{mem['peak_rss_mb']} MB** "
        f"(target <= {mem['target_mb']} MB)",
    ]
    alert = report["alert"]
    lines += ["", "## Alerts (NotifyFunction, latency alarm with Slack and email)", ""]
    lines += ["| alert | enrichment calls | secret reads | DynamoDB calls | round trips before send | calls |"]
    lines += ["|---|---|---|---|---|---|"]
    for case, _, _ in ALERT_CASES:
        data = alert[case]
        detail = ", ".join(f"{k} {v}" for k, v in data["calls"].items())
        lines.append(
            f"| {case} | {data['enrichment_calls']} | {data['secret_reads']} | {data['dynamodb_calls']} | "
            f"{data['sequential_round_trips_before_send']} | {detail} |"
        )
    notify_cold = alert["cold_start_vs_boto3_cloudwatch_client"]
    lines += [
        "",
        f"Targets: enrichment calls <= {alert['targets']['enrichment_calls']}, round trips before sending <= "
        f"{alert['targets']['sequential_round_trips_before_send']}, DynamoDB calls per alert <= "
        f"{alert['targets']['warm_dynamodb_calls']} (warm; cold reported against the same).",
        *[f"**OVER TARGET** — {line}" for line in alert["over_target"]],
        "",
        f"NotifyFunction cold start ratio (module import + init): **{notify_cold['median_ratio']}x**; with the "
        f"clients the first alert builds: {notify_cold['median_ratio_with_clients']}x (target <= 1.5x)",
        "",
        f"Peak RSS handling one alert in a fresh process: **{alert['peak_memory_one_alert']['peak_rss_mb']} MB** "
        f"(target <= 150 MB)",
    ]
    lines += ["", "## Delivery under storms and faults", "", "```json"]
    lines += [json.dumps(report["delivery"], indent=2, default=str), "```"]
    if "fleet" in report:
        lines += ["", f"## Fleet reconcile ({args.fleet_endpoints} endpoints)", "", "```json"]
        lines += [json.dumps(report["fleet"], indent=2, default=str), "```"]
    if "week" in report:
        from tests.bench.week import markdown as week_markdown

        lines += ["", *week_markdown(report)]
    (args.out / "report.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"\nreport: {args.out / 'report.md'}, {args.out / 'report.json'}")
    for line in alert["over_target"]:
        print(f"OVER TARGET: {line}", file=sys.stderr)
    return 1 if alert["over_target"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
