"""`sagewatch doctor --spoke ACCOUNT[:REGION]` in the emulated world: a healthy spoke passes, a
broken one is named piece by piece with its fix, and its events are not silently lost."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sagewatch_cli import main as cli
from sagewatch_cli.doctor import Finding, Status
from sagewatch_cli.spoke_doctor import SpokeDoctor, hub_from_stack
from sagewatch_emulator.world import EmulatedWorld

pytestmark = pytest.mark.integration

HUB_AND_SPOKES = Path(__file__).resolve().parents[2] / "docs" / "hub-and-spokes.md"


def _failed(findings: list[Finding]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for finding in findings:
        if finding.status is Status.FAIL:
            out.setdefault(finding.check, []).append(f"{finding.what} | {finding.fix}")
    return out


def _recording(calls: set[str], make: Callable[..., Any]) -> Callable[..., Any]:
    """``make`` (a client factory) whose clients add each call's IAM action to ``calls``."""

    def recorded(*args: Any) -> Any:
        client = make(*args)
        prefix = client.meta.service_model.signing_name
        client.meta.events.register("before-call", lambda model, **_: calls.add(f"{prefix}:{model.name}"))
        return client

    return recorded


def _check(
    world: EmulatedWorld, account_id: str, region: str, calls: tuple[set[str], set[str]] | None = None
) -> list[Finding]:
    hub = hub_from_stack(
        {k: str(v) for k, v in world.hub.stack.parameters.items()},
        {k: str(v) for k, v in world.hub_outputs.items()},
        account_id=world.hub_account_id,
        region=world.hub.region,
        external_id=world.external_id,
    )
    hub_calls, spoke_calls = calls or (set(), set())
    return SpokeDoctor(
        hub,
        account_id,
        region,
        hub_clients=_recording(hub_calls, lambda service, where: world.client(service, region=where)),
        spoke_clients=_recording(
            spoke_calls, lambda service: world.client(service, account_id=account_id, region=region)
        ),
    ).run()


def test_the_sample_worlds_healthy_spoke_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["doctor", "--spoke", "222222222222:eu-west-1", "--emulated"]) == 0
    out = capsys.readouterr().out
    for check in ("spoke-role", "spoke-forwarding", "spoke-topic", "hub-bus-policy", "hub-subscription"):
        assert f"[ ok ] {check}:" in out
    assert "6 ok, 0 warning(s), 0 failure(s)" in out


def test_the_sample_worlds_wrong_trust_is_named_with_its_fix(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["doctor", "--spoke", "333333333333", "--emulated"]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] spoke-role: SageWatch-spoke-us-east-1 does not trust sagewatch-OnboardFunctionRole-" in out
    assert "fix: update the spoke stack: HubFunctionRoleArns = the hub's output, ExternalId = the hub's value" in out
    assert out.count("[FAIL]") == 1


def test_a_wrong_bus_policy_is_named_and_the_spokes_events_wait_in_its_dead_letter_queue(
    world: EmulatedWorld,
) -> None:
    outsider = world.create_account("outsider", member=False)
    spoke = world.add_spoke(outsider, "us-east-1")

    failed = _failed(_check(world, outsider, "us-east-1"))
    assert set(failed) == {"hub-bus-policy", "hub-queue-policy"}
    assert f"does not admit account {outsider}" in failed["hub-bus-policy"][0]
    assert f"add {outsider} to the hub's SpokeAccountIds" in failed["hub-bus-policy"][0]

    spoke.endpoint_state_change("fraud-scorer", "IN_SERVICE")
    [letter] = spoke.dead_letters()
    assert letter["ERROR_CODE"] == "NO_PERMISSIONS" and letter["event"]["account"] == outsider
    assert spoke.evaluate_dead_letter_alarm() == "ALARM"


def test_a_wrong_role_trust_is_named_and_the_hub_is_refused(world: EmulatedWorld) -> None:
    team_a = world.create_account("team-a")
    world.add_spoke(team_a, "eu-west-1", parameters={"ExternalId": "some-other-external-id"})

    failed = _failed(_check(world, team_a, "eu-west-1"))
    assert list(failed) == ["spoke-role"]
    assert "ExternalId = the hub's value" in failed["spoke-role"][0]
    onboard = world.client_with(world.execution_role_environment("OnboardFunction"), "sts")
    with pytest.raises(Exception, match="AccessDenied"):
        onboard.assume_role(
            RoleArn=f"arn:aws:iam::{team_a}:role/SageWatch-spoke-eu-west-1",
            RoleSessionName="onboard",
            ExternalId=world.external_id,
        )


def test_a_missing_or_unconfirmed_subscription_is_named(world: EmulatedWorld) -> None:
    team_a = world.create_account("team-a")
    spoke = world.add_spoke(team_a, "eu-west-1", subscribe=False)
    assert list(_failed(_check(world, team_a, "eu-west-1"))) == ["hub-subscription"]

    # The topic's owner subscribed the hub's queue: AWS waits for the queue owner's confirmation.
    spoke.client("sns").subscribe(
        TopicArn=spoke.outputs["AlertTopicArn"], Protocol="sqs", Endpoint=world.hub_outputs["AlertQueueArn"]
    )
    assert list(_failed(_check(world, team_a, "eu-west-1"))) == ["hub-subscription"]


def test_an_account_without_a_spoke_names_every_piece(world: EmulatedWorld) -> None:
    team_a = world.create_account("team-a")
    failed = _failed(_check(world, team_a, "eu-west-1"))
    assert set(failed) == {"spoke-role", "spoke-forwarding", "spoke-topic", "hub-subscription"}
    assert len(failed["spoke-forwarding"]) == 4


def _documented(block: str) -> set[str]:
    text = HUB_AND_SPOKES.read_text(encoding="utf-8")
    match = re.search(rf"<!-- permissions: {block} -->\s*```json\n(.*?)```", text, re.DOTALL)
    assert match, f"docs/hub-and-spokes.md has no policy block {block}"
    return {a for statement in json.loads(match.group(1))["Statement"] for a in statement["Action"]}


def test_the_documented_read_permissions_are_exactly_the_calls(world: EmulatedWorld) -> None:
    hub_calls: set[str] = set()
    spoke_calls: set[str] = set()
    team_a = world.create_account("team-a")
    world.add_spoke(team_a, "eu-west-1")
    _check(world, team_a, "eu-west-1", (hub_calls, spoke_calls))  # every check, all ok
    _check(world, world.create_account("team-b"), "eu-west-1", (hub_calls, spoke_calls))  # nothing there

    assert hub_calls == _documented("doctor-spoke-hub")
    assert spoke_calls == _documented("doctor-spoke-spoke")


def test_against_an_endpoint_without_the_hub_stack_it_says_so_in_one_line(
    world: EmulatedWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["doctor", "--spoke", "222222222222", "--endpoint-url", world.hub.endpoint_url, "--region", "us-east-1"]
    assert cli.main(argv) == 2
    _out, err = capsys.readouterr()
    assert err.strip().splitlines() == ["sagewatch doctor: no stack 'sagewatch' in us-east-1: pass --stack (the hub's)"]
