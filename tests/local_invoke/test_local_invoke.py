"""Every sample event through SAM CLI, in a container, against a fresh emulated account; then
the same event through ``EmulatedAccount.invoke`` in another fresh account seeded the same way.
Both must answer the same and make the same AWS writes.

The full matrix goes through one `sam local start-lambda` with warm containers, invoked with
boto3 (each event against its own fresh account), in ``harness.MATRIX_ARCH`` containers: x86_64
through the local-only override (native on an x86_64 machine). `sam local invoke` itself (a new
container per call) runs one event per function natively here; test_local_invoke_arm64.py runs
one per function arm64 as the template says, and the README's commands, on the other pytest
worker (``make local-invoke``: ``-n 2 --dist loadfile``). test_the_override_is_local_only and
test_layers_are_pure_python keep the override honest.

Writes are counted on the client side by the emulated invoke and on moto's side for the
container (see harness.ServerCalls): the same operations, the same number of times.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import yaml

from tests.local_invoke import harness
from tests.local_invoke.parity import assert_parity

pytestmark = pytest.mark.local_invoke

EVENTS = harness.sample_events()
# `sam local invoke` itself (a new container per invocation), one event per function; the full
# matrix goes through one start-lambda with warm containers (test_every_event_through_start_lambda…).
INVOKE_EVENTS = [
    harness.EVENTS / "onboard" / "in-service-cpu.json",
    harness.EVENTS / "notify" / "alarm-metric-latency-p99.json",
    harness.EVENTS / "reconcile" / "scheduled.json",
]


def test_every_event_folder_has_a_function() -> None:
    folders = {p.name for p in harness.EVENTS.iterdir() if p.is_dir()}
    assert folders == set(harness.FUNCTION_OF_FOLDER), "a new events/ folder needs its function in the harness"
    assert len(EVENTS) >= 20


def test_the_override_is_local_only() -> None:
    """The deployed architecture is arm64 in template.yaml and in what `sam build` produced; only
    the generated local copy says otherwise, and only when the override is asked for."""
    source = yaml.load((harness.ROOT / "template.yaml").read_text(), Loader=_CfnLoader)  # noqa: S506 (tags only)
    with harness.preparing():
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
        assert harness.local_template(architecture).parent == harness.STATE  # never the source tree


def test_layers_are_pure_python() -> None:
    """What the override runs on x86_64 is what ships for arm64: the SageWatch layer (built for
    arm64 by sam build) and the Powertools layer hold no compiled extension, so the same files
    import on both architectures."""
    with harness.preparing():  # not while the README test's `sam build` rewrites the layer
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


@pytest.fixture(scope="module")
def warm_lambda() -> Iterator[harness.StartLambda]:
    """One `sam local start-lambda` with warm containers for the whole matrix: each function's
    container starts on its first event and serves the rest, each event against a fresh account
    (the relays are pointed at it). The account it starts with is closed before the first event
    opens its own (one open account per process)."""
    with ExitStack() as session:
        with harness.seeded_account() as account:
            service = session.enter_context(harness.start_lambda(account, harness.MATRIX_ARCH))
        yield service


@pytest.mark.parametrize("event", EVENTS, ids=[str(p.relative_to(harness.EVENTS)) for p in EVENTS])
def test_every_event_through_start_lambda_matches_the_emulated_invoke(
    event: Path, warm_lambda: harness.StartLambda
) -> None:
    """boto3 ``lambda.invoke`` against start-lambda, the way a user's test script calls it. The
    container is warm after a function's first event (Lambda reuses execution environments
    too), while the emulated invoke runs each event in a cold one: the same answers show no
    event depends on a cold start."""
    emulated = harness.emulated_invoke(event)
    with harness.seeded_account() as account:
        sam = harness.invoke_through_start_lambda(account, warm_lambda, harness.function_of(event), event)
    assert_parity(sam, emulated)


@pytest.mark.parametrize("event", INVOKE_EVENTS, ids=[str(p.relative_to(harness.EVENTS)) for p in INVOKE_EVENTS])
def test_sam_local_invoke_matches_the_emulated_invoke(event: Path) -> None:
    """`sam local invoke` itself (a new container per call), one event per function."""
    emulated = harness.emulated_invoke(event)
    with harness.seeded_account() as account:
        sam = harness.sam_invoke(account, event, architecture=harness.MATRIX_ARCH)
    assert_parity(sam, emulated)
