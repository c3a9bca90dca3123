"""arm64, as the template says: one event per function through `sam local invoke` (under qemu on
an x86_64 machine), and the README's local-testing commands as written. ``make local-invoke``
runs this module on its own pytest worker (``--dist loadfile``) beside test_local_invoke.py, so
these containers, which keep a core busy under qemu, run while the native matrix goes on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.local_invoke import harness
from tests.local_invoke.parity import assert_parity, harness_commands, readme_commands

pytestmark = pytest.mark.local_invoke

# Run as the template says (arm64) as well, one event per function: an alert that reads metrics
# and logs and posts to Slack and email, and a reconcile; the onboarding that writes alarms and a
# dashboard (onboard/in-service-cpu.json) is the README's harness command, run in
# test_readme_local_testing_commands_run (test_every_function_runs_arm64 holds the three).
ARM64_EVENTS = [
    harness.EVENTS / "notify" / "alarm-metric-latency-p99.json",
    harness.EVENTS / "reconcile" / "scheduled.json",
]


@pytest.mark.parametrize("event", ARM64_EVENTS, ids=[str(p.relative_to(harness.EVENTS)) for p in ARM64_EVENTS])
def test_sam_local_invoke_arm64_as_the_template_says(event: Path) -> None:
    emulated = harness.emulated_invoke(event)
    with harness.seeded_account() as account:
        sam = harness.sam_invoke(account, event, architecture=harness.TEMPLATE_ARCH)
    assert_parity(sam, emulated)


def test_every_function_runs_arm64() -> None:
    """Each function with sample events runs arm64, as the template says, in one test or another:
    ARM64_EVENTS here, the README's harness command (default architecture: the template's)."""
    in_readme = {
        argv[0]
        for argv in harness_commands(readme_commands())
        if "--architecture" not in argv or argv[argv.index("--architecture") + 1] == harness.TEMPLATE_ARCH
    }
    assert {harness.function_of(e) for e in ARM64_EVENTS} | in_readme == set(harness.FUNCTION_OF_FOLDER.values())


def test_readme_local_testing_commands_run() -> None:
    """Every command of the README's local-testing section, as written. The AWS ones run with
    the emulated account as "AWS": the SSM lookup (no AWS here) is checked against the template
    and its result stood in for; `make local-invoke` is this very target."""
    commands = readme_commands()
    lookup, build, invoke = (c for c in commands if "POWERTOOLS_LAYER_ARN" in c or "sam build" in c)
    template = (harness.ROOT / "template.yaml").read_text()
    ssm_path = lookup.split("--name ", 1)[1].split()[0]
    assert f"Default: {ssm_path}" in template
    assert any(c.startswith("make local-invoke") for c in commands)
    with harness.seeded_account() as account:
        environment = {
            **harness.sam_environment(account),
            # `sam build` runs the layer's Makefile, which needs python3.13 on PATH (README).
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
            "POWERTOOLS_LAYER_ARN": harness.POWERTOOLS_LAYER_ARN,
            "SAM_LAYER_CACHE_BASEDIR": str(harness.prepare_powertools_layer(harness.TEMPLATE_ARCH).parent),
        }
        # `sam build` rewrites .aws-sam: not while the other worker reads it (harness.preparing).
        with harness.preparing():
            done = subprocess.run(
                ["bash", "-c", build], cwd=harness.ROOT, env=environment,
                capture_output=True, text=True, timeout=harness.EMULATED_GUARD_SECONDS, check=False,
            )  # fmt: skip
        assert done.returncode == 0, f"{build}\n{done.stderr[-3000:]}"
        for attempt in range(harness.SAM_ATTEMPTS):  # harness.NOT_READY: SAM CLI asked too early
            if attempt:
                harness.pause_before_retry(attempt - 1)
            done = harness.run_sam(["bash", "-c", invoke], env=environment, timeout=harness.EMULATED_GUARD_SECONDS)
            if not harness.container_not_ready(done):
                break
        assert done.returncode == 0, f"{invoke}\n{done.stderr[-3000:]}"
        response = json.loads(done.stdout.strip().splitlines()[-1])
        assert response["outcome"] == "skipped"  # CREATING needs no action: no AWS call
    for command in commands:
        if command.startswith((".venv/bin/sagewatch ", ".venv/bin/python -m tests.local_invoke.harness ")):
            done = subprocess.run(
                ["bash", "-c", command], cwd=harness.ROOT, capture_output=True, text=True,
                timeout=harness.EMULATED_GUARD_SECONDS * 2, check=False,
            )  # fmt: skip
            assert done.returncode == 0, f"{command}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
