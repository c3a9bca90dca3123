"""Every sample event through SAM CLI's own `sam local invoke`, in a container, against a fresh
emulated account; then the same event through ``EmulatedAccount.invoke`` in another fresh
account seeded the same way. Both must answer the same and make the same AWS writes.

The full matrix runs in ``harness.MATRIX_ARCH`` containers: x86_64 through the local-only
override (native on an x86_64 machine); a subset (one onboard, one notify event) runs arm64 as
the template says (under qemu on x86_64). test_the_override_is_local_only and
test_layers_are_pure_python keep the override honest.

Writes are counted on the client side by the emulated invoke and on moto's side for the
container (see harness.ServerCalls): the same operations, the same number of times.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.local_invoke import harness
from tests.local_invoke.emulated import Invocation

pytestmark = pytest.mark.local_invoke

EVENTS = harness.sample_events()
# Run as the template says (arm64) as well: an onboarding that writes alarms and a dashboard, and
# an alert that reads metrics and logs and posts to Slack and email.
ARM64_EVENTS = [
    harness.EVENTS / "onboard" / "in-service-cpu.json",
    harness.EVENTS / "notify" / "alarm-metric-latency-p99.json",
]


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def without_generated_ids(value: Any) -> Any:
    """The response with the ids each invocation generates anew masked: the MessageId SNS gives a
    published failure notice, and the reconcile's random run id. Everything else must match."""
    if isinstance(value, dict):
        return {k: "<run id>" if k == "run" else without_generated_ids(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_generated_ids(v) for v in value]
    if isinstance(value, str):
        return UUID.sub("<uuid>", value)
    return value


def assert_parity(sam: harness.SamInvocation, emulated: Invocation) -> None:
    context = f"{sam.function} {sam.event.relative_to(harness.ROOT)}\n--- sam stderr ---\n{sam.stderr[-3000:]}"
    assert sam.error == emulated.error, context
    assert without_generated_ids(sam.response) == without_generated_ids(emulated.response), context
    assert sam.writes == emulated.writes, context
    assert len(sam.slack_messages) == len(emulated.slack_messages), context
    assert len(sam.emails) == len(emulated.emails), context


def test_every_event_folder_has_a_function() -> None:
    folders = {p.name for p in harness.EVENTS.iterdir() if p.is_dir()}
    assert folders == set(harness.FUNCTION_OF_FOLDER), "a new events/ folder needs its function in the harness"
    assert len(EVENTS) >= 20


def test_the_override_is_local_only() -> None:
    """The deployed architecture is arm64 in template.yaml and in what `sam build` produced; only
    the generated local copy says otherwise, and only when the override is asked for."""
    source = yaml.load((harness.ROOT / "template.yaml").read_text(), Loader=_CfnLoader)  # noqa: S506 (tags only)
    built = yaml.load(harness.BUILT_TEMPLATE.read_text(), Loader=_CfnLoader)  # noqa: S506
    for template in (source, built):
        assert template["Globals"]["Function"]["Architectures"] == [harness.TEMPLATE_ARCH]
        layer = template["Resources"]["SageWatchLayer"]
        assert layer["Properties"]["CompatibleArchitectures"] == [harness.TEMPLATE_ARCH]
        assert layer["Metadata"]["BuildArchitecture"] == harness.TEMPLATE_ARCH
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::Serverless::Function":
                assert resource["Properties"].get("Architectures", [harness.TEMPLATE_ARCH]) == [harness.TEMPLATE_ARCH]
    for architecture in ("x86_64", "arm64"):
        local = json.loads(harness.write_local_template(architecture).read_text())
        functions = [r for r in local["Resources"].values() if r["Type"] == "AWS::Serverless::Function"]
        assert functions
        for function in functions:
            assert function["Properties"].get("Architectures", local["Globals"]["Function"]["Architectures"]) == [
                architecture
            ]
    assert harness.LOCAL_TEMPLATE.parent == harness.STATE  # build/local-invoke, never the source tree


def test_layers_are_pure_python() -> None:
    """What the override runs on x86_64 is what ships for arm64: the SageWatch layer (built for
    arm64 by sam build) and the Powertools layer hold no compiled extension, so the same files
    import on both architectures."""
    folders = [
        harness.BUILT_TEMPLATE.parent / "SageWatchLayer",
        *(harness.prepare_powertools_layer(architecture) for architecture in ("arm64", "x86_64")),
    ]
    for folder in folders:
        assert (folder / "python").is_dir(), folder
        native = [p for p in folder.rglob("*") if p.suffix == ".so" or ".so." in p.name]
        assert native == [], f"{folder} ships compiled extensions: {native[:5]}"
    done = subprocess.run(
        [sys.executable, "-S", "-c", "import sagewatch, slack_sdk, aws_lambda_powertools"],
        env={"PYTHONPATH": f"{folders[0] / 'python'}:{folders[1] / 'python'}"},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]


class _CfnLoader(yaml.SafeLoader):
    """Plain YAML with CloudFormation's short-form tags read as their value."""


_CfnLoader.add_multi_constructor("!", lambda loader, _tag, node: None)


@pytest.mark.parametrize("event", EVENTS, ids=[str(p.relative_to(harness.EVENTS)) for p in EVENTS])
def test_sam_local_invoke_matches_the_emulated_invoke(event: Path, timings: list[tuple[str, float]]) -> None:
    emulated = harness.emulated_invoke(event)
    with harness.seeded_account() as account:
        sam = harness.sam_invoke(account, event, architecture=harness.MATRIX_ARCH)
    timings.append((f"invoke {event.relative_to(harness.EVENTS)} {harness.MATRIX_ARCH}", sam.seconds))
    assert_parity(sam, emulated)


@pytest.mark.parametrize("event", ARM64_EVENTS, ids=[str(p.relative_to(harness.EVENTS)) for p in ARM64_EVENTS])
def test_sam_local_invoke_arm64_as_the_template_says(event: Path, timings: list[tuple[str, float]]) -> None:
    emulated = harness.emulated_invoke(event)
    with harness.seeded_account() as account:
        sam = harness.sam_invoke(account, event, architecture=harness.TEMPLATE_ARCH)
    timings.append((f"invoke {event.relative_to(harness.EVENTS)} {harness.TEMPLATE_ARCH}", sam.seconds))
    assert_parity(sam, emulated)


def test_sam_local_start_lambda_with_boto3(timings: list[tuple[str, float]]) -> None:
    event = harness.EVENTS / "onboard" / "in-service-cpu.json"
    emulated = harness.emulated_invoke(event)
    with harness.seeded_account() as account, harness.start_lambda(account, harness.MATRIX_ARCH) as endpoint:
        sam = harness.invoke_through_start_lambda(account, endpoint, "OnboardFunction", event)
    timings.append((f"start-lambda invoke onboard/in-service-cpu.json {harness.MATRIX_ARCH}", sam.seconds))
    assert_parity(sam, emulated)
    assert sam.response["outcome"] == "onboarded"


@pytest.fixture(scope="session")
def timings() -> Iterator[list[tuple[str, float]]]:
    measured: list[tuple[str, float]] = []
    yield measured
    if measured:
        out = harness.STATE / "timings.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(dict(measured), indent=1))


def readme_commands() -> list[str]:
    """The shell lines of the README's "Local testing" section, in order."""
    text = (harness.ROOT / "README.md").read_text()
    section = text.split("## Local testing", 1)[1].split("\n## ", 1)[0]
    blocks = section.split("```bash\n")[1:]
    return [line for block in blocks for line in block.split("```", 1)[0].splitlines() if line.strip()]


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
        for command in (build, invoke):
            done = subprocess.run(
                ["bash", "-c", command], cwd=harness.ROOT, env=environment,
                capture_output=True, text=True, timeout=harness.SAM_TIMEOUT_SECONDS, check=False,
            )  # fmt: skip
            assert done.returncode == 0, f"{command}\n{done.stderr[-3000:]}"
        response = json.loads(done.stdout.strip().splitlines()[-1])
        assert response["outcome"] == "skipped"  # UPDATING needs no action: no AWS call
    for command in commands:
        if command.startswith((".venv/bin/sagewatch ", ".venv/bin/python -m tests.local_invoke.harness ")):
            done = subprocess.run(
                ["bash", "-c", command], cwd=harness.ROOT, capture_output=True, text=True,
                timeout=harness.SAM_TIMEOUT_SECONDS * 2, check=False,
            )  # fmt: skip
            assert done.returncode == 0, f"{command}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
