"""Cleanup planning (tests/e2e/cleanup.py): what goes, in which order, and what counts as gone."""

from __future__ import annotations

from tests.e2e.cleanup import Action, Inventory, TaggedResource, leftovers, lingering, plan
from tests.e2e.naming import RunNames

NAMES = RunNames("sw-e2e-12070245-a1b2", "eu-west-1")
P = NAMES.prefix
ENDPOINT_ALARM = f"{P}/{NAMES.endpoint}/AllTraffic/invocation-5xx-rate"


def test_an_account_with_nothing_of_the_run_needs_no_step() -> None:
    assert plan(NAMES, Inventory()) == []
    assert leftovers(Inventory()) == []
    assert Inventory().empty


def test_everything_goes_endpoint_first_stack_before_its_strays_fixtures_after_their_bucket() -> None:
    found = Inventory(
        endpoint=True,
        endpoint_config=True,
        model=True,
        stacks=(NAMES.stack, NAMES.fixtures_stack),
        alarms=(ENDPOINT_ALARM, f"{P}-notify-errors"),
        dashboards=(NAMES.endpoint_dashboard,),
        bucket="sw-e2e-fixtures-modelbucket-abc",
        log_groups=(NAMES.endpoint_log_group, f"/aws/lambda/{P}-notify"),
    )
    steps = plan(NAMES, found)
    assert [s.action for s in steps] == [
        Action.DELETE_ENDPOINT,
        Action.DELETE_ENDPOINT_CONFIG,
        Action.DELETE_MODEL,
        Action.DELETE_STACK,
        Action.DELETE_ALARMS,
        Action.DELETE_DASHBOARDS,
        Action.EMPTY_BUCKET,
        Action.DELETE_STACK,
        Action.DELETE_LOG_GROUP,
        Action.DELETE_LOG_GROUP,
    ]
    assert steps[3].targets == (NAMES.stack,) and steps[7].targets == (NAMES.fixtures_stack,)
    assert set(steps[4].targets) == {ENDPOINT_ALARM, f"{P}-notify-errors"}


def test_nothing_outside_the_run_is_ever_planned() -> None:
    found = Inventory(
        stacks=("sagewatch",),
        alarms=("SageWatch/fraud/AllTraffic/cpu-utilization", "sw-e2e-12070245-a1b3-notify-errors"),
        dashboards=("SageWatch_eu-west-1_fraud",),
        log_groups=("/aws/sagemaker/Endpoints/fraud", "/aws/lambda/sagewatch-notify"),
    )
    assert plan(NAMES, found) == []


def test_alarms_are_deleted_a_hundred_per_call() -> None:
    alarms = tuple(f"{P}/{NAMES.endpoint}/v{i:03d}/invocation-5xx-rate" for i in range(230))
    steps = plan(NAMES, Inventory(alarms=alarms))
    assert [len(s.targets) for s in steps] == [100, 100, 30]
    assert sorted(t for s in steps for t in s.targets) == sorted(alarms)


def test_keys_pending_deletion_secrets_scheduled_and_stale_tag_entries_are_not_left_over() -> None:
    tagged = (
        TaggedResource("arn:aws:kms:eu-west-1:1:key/k", pending_deletion=True),
        TaggedResource("arn:aws:secretsmanager:eu-west-1:1:secret:sagewatch/x", pending_deletion=True),
        TaggedResource("arn:aws:sqs:eu-west-1:1:gone", exists=False),
        TaggedResource("arn:aws:sqs:eu-west-1:1:still-here"),
    )
    assert lingering(tagged) == ["arn:aws:sqs:eu-west-1:1:still-here"]
    left = leftovers(Inventory(endpoint=True, stacks=(NAMES.stack,), tagged=tagged))
    assert left == ["SageMaker endpoint", f"stack {NAMES.stack}", "tagged arn:aws:sqs:eu-west-1:1:still-here"]
