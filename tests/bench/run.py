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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sagewatch.local import EmulatedAccount, VariantSpec

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
assert result["outcome"] in ("onboarded", "unchanged"), result
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


def cold_start(env: Mapping[str, str]) -> dict[str, Any]:
    paths = {"code": str(ROOT / "functions" / "onboard"), "layer": str(ROOT / "layers" / "sagewatch")}
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


def peak_memory(env: Mapping[str, str]) -> dict[str, Any]:
    code = _ONE_EVENT.format(
        code=str(ROOT / "functions" / "onboard"),
        layer=str(ROOT / "layers" / "sagewatch"),
        event=str(EVENTS / "in-service-multi-variant-gpu.json"),
    )
    kib = _fresh(code, env)
    return {"peak_rss_mb": round(kib / 1024, 1), "target_mb": 150}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with EmulatedAccount() as account:
        calls = api_calls(account)
        env = {**os.environ, **account.function_environment("OnboardFunction"), **account.aws_environment()}
        report = {
            "onboarding_api_calls": calls,
            "cold_start_vs_boto3_cloudwatch_client": cold_start(env),
            "peak_memory_one_event": peak_memory(env),
        }
    (args.out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
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
    (args.out / "report.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"\nreport: {args.out / 'report.md'}, {args.out / 'report.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
