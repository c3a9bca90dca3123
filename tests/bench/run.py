"""`make bench`: counts and ratios measured in one run, written to build/bench/report.{md,json}.

Timings on a shared machine are noisy, so the report gives API-call counts and ratios of
fresh-process timings measured alternately in the same run (median of several rounds), never
a single absolute time. Nothing here is asserted by `make test`.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import py_compile
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import botocore.client

from sagewatch.core.shared.naming import alarm_prefix, dashboard_name
from sagewatch_emulator import EmulatedAccount, VariantSpec

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events" / "onboard"
ROUNDS = 15  # cold-start rounds: on a shared machine a median of 9 still moved by a tenth run to run

# Cold starts are measured on the layer as it ships: `sam build` compiles it to bytecode
# (layers/sagewatch/Makefile), and Lambda's /opt is read-only, so nothing is compiled or cached
# by the import itself (PYTHONDONTWRITEBYTECODE in the fresh interpreters' environment).
STAGED_LAYER = ROOT / "build" / "bench" / "layer"

# A fresh interpreter imports the handler module the way Lambda's INIT phase does (function code
# and staged layer on sys.path), then handles one event the way the first invocation does. It
# prints what each part took: INIT, the whole first invocation, and within it the time spent
# building boto3 clients and inside AWS calls (round trips to the emulator), plus peak RSS (KiB).
# VmHWM, not ru_maxrss: Linux carries the forking parent's high-water mark into ru_maxrss
# across exec, which would charge the emulator's memory to the handler. The instrumentation
# imports botocore inside the timed first invocation, so it can only make that look slower.
_COLD_HANDLER = """
import json, sys, time
t0 = time.perf_counter()
sys.path[:0] = [{code!r}, {layer!r}]
import app
t1 = time.perf_counter()
import botocore.client, botocore.session
spans = {{"clients": [], "calls": []}}
built = []
create, make_call = botocore.session.Session.create_client, botocore.client.BaseClient._make_api_call
def timed_create(self, service_name, *args, **kwargs):
    start = time.perf_counter()
    try:
        return create(self, service_name, *args, **kwargs)
    finally:
        spans["clients"].append((start, time.perf_counter()))
        built.append(service_name)
def timed_call(self, *args, **kwargs):
    start = time.perf_counter()
    try:
        return make_call(self, *args, **kwargs)
    finally:
        spans["calls"].append((start, time.perf_counter()))
def covered(intervals):  # wall time with at least one in progress (the notify reads run in threads)
    total, end = 0.0, float("-inf")
    for start, stop in sorted(intervals):
        if stop > end:
            total += stop - max(start, end)
            end = stop
    return total
botocore.session.Session.create_client = timed_create
botocore.client.BaseClient._make_api_call = timed_call
class Context:
    function_name = {function!r}; memory_limit_in_mb = 256; aws_request_id = "bench"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:" + {function!r}
    def get_remaining_time_in_millis(self): return 60000
result = app.lambda_handler(json.load(open({event!r})), Context())
t2 = time.perf_counter()
assert "error" not in result and result.get("outcome") != "invalid", result
peak = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({{
    "init": t1 - t0, "first": t2 - t1, "clients": covered(spans["clients"]), "calls": covered(spans["calls"]),
    "built": built, "n_calls": len(spans["calls"]), "peak_kib": int(peak),
}}))
"""
# The bare client, and one AWS call with it: what the ratios divide by.
_COLD_BASELINE = """
import json, time
t0 = time.perf_counter()
import boto3
client = boto3.client("cloudwatch")
t1 = time.perf_counter()
client.describe_alarms(MaxRecords=1)
print(json.dumps({"client": t1 - t0, "call": time.perf_counter() - t1}))
"""
# An active X-Ray trace as Lambda sets it (Tracing: Active): the first invocation builds the
# Tracer. Its segments go to 127.0.0.1:2000 over UDP, where nothing listens.
_TRACE_ID = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


def stage_layer() -> Path:
    """The runtime package compiled the way the layer's build compiles it (checked-hash bytecode)."""
    target = STAGED_LAYER / "sagewatch"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(ROOT / "layers" / "sagewatch" / "sagewatch", target, ignore=shutil.ignore_patterns("__pycache__"))
    compileall.compile_dir(target, quiet=1, invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
    return STAGED_LAYER


def _fresh(code: str, env: Mapping[str, str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        env={**env, "PYTHONDONTWRITEBYTECODE": "1", "_X_AMZN_TRACE_ID": _TRACE_ID},
        timeout=120,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


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


def cold_start(
    env: Mapping[str, str], function: str, logical_id: str, event_for_round: Callable[[int], Path]
) -> dict[str, Any]:
    """A cold start and its first invocation against ``import boto3; boto3.client("cloudwatch")``.

    Ratios of fresh-process timings, alternated with the baseline round by round and given as
    medians: ``module_only`` is INIT (importing the handler module: config validated, wiring
    built); ``with_clients`` adds the boto3 clients the first event's path built, however late;
    ``first_invocation`` is INIT plus the whole first invocation against the bare client plus one
    AWS call (it includes every AWS round trip of the event: several for one onboarding, so it
    mostly measures the emulator); ``first_invocation_without_aws_calls`` takes the time inside
    AWS calls out and divides by the bare client alone: what a cold start costs the function
    itself, wherever it was moved (lazy imports, clients, the Tracer). ``event_for_round(i)``
    gives each round its event, so that every round does the same work.
    """
    layer = stage_layer()
    module, clients, first, own, peaks = [], [], [], [], []
    built: list[str] = []
    aws_calls = 0
    for index in range(ROUNDS):  # alternate so all sides see the same machine load
        base = _fresh(_COLD_BASELINE, env)
        code = _COLD_HANDLER.format(
            code=str(ROOT / "functions" / function),
            layer=str(layer),
            function=logical_id,
            event=str(event_for_round(index)),
        )
        run = _fresh(code, env)
        module.append(run["init"] / base["client"])
        clients.append((run["init"] + run["clients"]) / base["client"])
        first.append((run["init"] + run["first"]) / (base["client"] + base["call"]))
        own.append((run["init"] + run["first"] - run["calls"]) / base["client"])
        peaks.append(run["peak_kib"])
        built, aws_calls = run["built"], run["n_calls"]
    return {
        "rounds": ROUNDS,
        "module_only": round(statistics.median(module), 3),
        "with_clients": round(statistics.median(clients), 3),
        "first_invocation": round(statistics.median(first), 3),
        "first_invocation_without_aws_calls": round(statistics.median(own), 3),
        "clients_built": sorted(built),
        "aws_calls_in_first_invocation": aws_calls,
        "target": 1.5,
        "peak_rss_mb": round(max(peaks) / 1024, 1),
        "target_mb": 150,
    }


def onboard_cold_start(account: EmulatedAccount) -> dict[str, Any]:
    """OnboardFunction: a 2-variant GPU endpoint's InService event, onboarded afresh every round."""
    env = {**os.environ, **account.function_environment("OnboardFunction"), **account.aws_environment()}
    event = EVENTS / "in-service-multi-variant-gpu.json"
    endpoint = json.loads(event.read_text())["detail"]["EndpointName"]
    cloudwatch = account.client("cloudwatch")

    def fresh_endpoint(_round: int) -> Path:
        # What the previous round created is removed, so that each round writes the same alarms.
        prefix = alarm_prefix("SageWatch", endpoint)
        alarms = cloudwatch.describe_alarms(AlarmNamePrefix=prefix)["MetricAlarms"]
        if alarms:
            cloudwatch.delete_alarms(AlarmNames=[a["AlarmName"] for a in alarms])
        cloudwatch.delete_dashboards(DashboardNames=[dashboard_name("SageWatch", account.region, endpoint)])
        return event

    return cold_start(env, "onboard", "OnboardFunction", fresh_endpoint)


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

        dynamodb, table = account.client("dynamodb"), env["SAGEWATCH_DELIVERY_TABLE"]
        keys = [k["AttributeName"] for k in dynamodb.describe_table(TableName=table)["Table"]["KeySchema"]]
        event_file = ROOT / "build" / "bench" / "alert-event.json"
        event_file.parent.mkdir(parents=True, exist_ok=True)
        event_file.write_text(json.dumps(sample))

        def first_alert(_round: int) -> Path:
            # The delivery table is emptied (ledger, incidents, channel lease), so that each round
            # delivers the first alert of a new incident, as the first round did.
            for item in dynamodb.scan(TableName=table)["Items"]:
                dynamodb.delete_item(TableName=table, Key={k: item[k] for k in keys})
            return event_file

        out["cold_start_vs_boto3_cloudwatch_client"] = cold_start(env, "notify", "NotifyFunction", first_alert)
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


def cold_start_markdown(onboard: Mapping[str, Any], notify: Mapping[str, Any]) -> list[str]:
    """The cold-start section of the report: both functions against the same baseline."""
    lines = ["## Cold start (fresh process, the layer as it ships)", ""]
    lines += [
        f"Ratios to `import boto3; boto3.client('cloudwatch')`, medians of {onboard['rounds']} alternated rounds "
        f"(target <= {onboard['target']}x with clients); the first invocation is divided by that bare client "
        "plus one AWS call (`describe_alarms`), and, without the time inside AWS calls, by the bare client alone.",
        "",
        "| function (event) | module only | with clients | first invocation | first invocation without AWS calls "
        "| clients built | AWS calls | peak RSS |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, data in (("OnboardFunction (2-variant GPU InService)", onboard), ("NotifyFunction (one alert)", notify)):
        lines.append(
            f"| {name} | {data['module_only']}x | **{data['with_clients']}x** | {data['first_invocation']}x | "
            f"{data['first_invocation_without_aws_calls']}x | {', '.join(data['clients_built'])} | "
            f"{data['aws_calls_in_first_invocation']} | {data['peak_rss_mb']} MB (target <= {data['target_mb']}) |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench")
    parser.add_argument("--fleet-endpoints", type=int, default=1000, help="fleet size of the reconcile run (0: skip)")
    parser.add_argument(
        "--spoke-fleet",
        type=int,
        nargs=2,
        default=(10, 100),
        metavar=("SPOKES", "ENDPOINTS"),
        help="the fleet across accounts: spoke accounts and endpoints per spoke (0 0: skip)",
    )
    parser.add_argument("--no-week", action="store_true", help="skip the week on call (about 3 minutes)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with EmulatedAccount() as account:
        calls = api_calls(account)
        report: dict[str, Any] = {
            "onboarding_api_calls": calls,
            "cold_start_vs_boto3_cloudwatch_client": onboard_cold_start(account),
        }
    report["alert"] = alert_calls()
    from tests.bench.delivery import run_delivery_bench

    report["delivery"] = run_delivery_bench()
    if args.fleet_endpoints:
        from tests.bench.fleet import run_fleet_bench

        report["fleet"] = run_fleet_bench(args.fleet_endpoints)
    spokes, per_spoke = args.spoke_fleet
    if spokes and per_spoke:
        from tests.bench.spokes import run_spoke_fleet_bench

        report["spoke_fleet"] = run_spoke_fleet_bench(spokes, per_spoke)
    if not args.no_week:
        from tests.bench.week import run_week_bench

        report |= run_week_bench(verbose=False)
    (args.out / "report.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    lines = ["# SageWatch benchmark", "", "## Onboarding API calls", ""]
    lines += ["| case | reads | writes | alarms | calls |", "|---|---|---|---|---|"]
    for case, data in calls.items():
        detail = ", ".join(f"{k} {v}" for k, v in data["calls"].items())
        lines.append(f"| {case} | {data['reads']} | {data['writes']} | {data.get('alarms', '-')} | {detail} |")
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
    lines += [
        "",
        f"Targets: enrichment calls <= {alert['targets']['enrichment_calls']}, round trips before sending <= "
        f"{alert['targets']['sequential_round_trips_before_send']}, DynamoDB calls per alert <= "
        f"{alert['targets']['warm_dynamodb_calls']} (warm; cold reported against the same).",
        *[f"**OVER TARGET** — {line}" for line in alert["over_target"]],
        "",
        *cold_start_markdown(
            report["cold_start_vs_boto3_cloudwatch_client"], alert["cold_start_vs_boto3_cloudwatch_client"]
        ),
    ]
    lines += ["", "## Delivery under storms and faults", "", "```json"]
    lines += [json.dumps(report["delivery"], indent=2, default=str), "```"]
    if "fleet" in report:
        lines += ["", f"## Fleet reconcile ({args.fleet_endpoints} endpoints)", "", "```json"]
        lines += [json.dumps(report["fleet"], indent=2, default=str), "```"]
    if "spoke_fleet" in report:
        from tests.bench.spokes import markdown as spokes_markdown

        lines += ["", *spokes_markdown(report["spoke_fleet"])]
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
