"""X-Ray on Lambda: AWS calls, Slack-style urllib requests and worker threads land in the trace.

Runs tests/integration/fixtures/tracing/trace_probe.py in a fresh interpreter with a
Lambda-like environment, because the Tracer decides once per process whether it is on (it is
off in this test process, as it must be in every other test).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).resolve().parent / "fixtures" / "tracing" / "trace_probe.py"
ROOT_ID, FACADE = "1-5759e988-bd862e3fe1be46a994272793", "53995c3f42cd8ad8"


def run_probe(**extra: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_", "_X_AMZN"))}
    env |= {
        "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "sagewatch"), str(ROOT)]),
        "LAMBDA_TASK_ROOT": str(PROBE.parent),
        "AWS_LAMBDA_FUNCTION_NAME": "sagewatch-probe",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "_X_AMZN_TRACE_ID": f"Root={ROOT_ID};Parent={FACADE};Sampled=1",
        **extra,
    }
    out = subprocess.run(
        [sys.executable, str(PROBE)], env=env, capture_output=True, text=True, timeout=120, check=True
    ).stdout
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    status = next(line for line in lines if "tracer_disabled" in line)
    return status, [line for line in lines if "trace_id" in line or "parent_id" in line]


def test_calls_of_the_handler_and_its_threads_are_subsegments_of_the_invocation() -> None:
    status, entities = run_probe()
    assert status == {"tracer_disabled": False}
    (handler,) = [e for e in entities if e["name"] == "## lambda_handler"]
    assert handler["parent_id"] == FACADE
    (sts,) = [e for e in entities if e.get("namespace") == "aws"]
    assert sts["name"] == "sts" and sts["parent_id"] == handler["id"]
    remote = [e for e in entities if e.get("namespace") == "remote"]
    urls = {e["http"]["request"]["url"].rsplit("/", 1)[-1] for e in remote if "http" in e}
    assert urls == {"main", "thread"}  # the boto3 call is traced once, as "sts", not again as HTTP
    # The worker thread has no segment of its own: on Lambda the SDK builds one from
    # _X_AMZN_TRACE_ID, so its calls hang off the function's segment, in the same trace.
    in_thread = [e for e in remote if e.get("http", {}).get("request", {}).get("url", "").endswith("/thread")]
    assert in_thread and all(e["parent_id"] == FACADE for e in in_thread)
    main = [e for e in remote if e.get("http", {}).get("request", {}).get("url", "").endswith("/main")]
    assert main and all(e["parent_id"] == handler["id"] for e in main)
    assert all(e["trace_id"] == ROOT_ID for e in entities)


def test_tracing_is_off_under_sam_local_and_the_emulators_invoke() -> None:
    status, entities = run_probe(AWS_SAM_LOCAL="true")
    assert status == {"tracer_disabled": True}
    assert entities == []
