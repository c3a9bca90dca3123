"""What is left of a run, in what order to remove it, and what counts as gone (pure).

The same plan serves the scenario's teardown (after a success or any failure) and
``make e2e-clean PREFIX=…`` (after a run that could not clean up: a killed process, lost
credentials). It is computed from an :class:`Inventory` — what a read of the account found under
the run's names and tag — so it can be tested without an account, and it is idempotent: what is
already gone is simply not in the inventory.

Order matters, and each step says why it comes where it does:

1. the endpoint first: it is the one thing that can keep costing money (and deleting it while
   the stack still runs lets OnboardFunction remove its alarms and dashboard, as the product does);
2. its endpoint configuration and model (free, but named and tagged by the run);
3. the SageWatch stack (its queues, topics, tables, functions, the stack's own alarms);
4. alarms and dashboards still named with the prefix (written by OnboardFunction, not by
   CloudFormation, so deleting the stack does not remove them);
5. the fixtures bucket's objects, then the fixtures stack (CloudFormation cannot delete a bucket
   that still holds objects);
6. log groups CloudFormation does not own: the endpoint's (SageMaker creates it) and any
   function log group left behind.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from tests.e2e.naming import RunNames


class Action(StrEnum):
    DELETE_ENDPOINT = "delete endpoint"
    DELETE_ENDPOINT_CONFIG = "delete endpoint config"
    DELETE_MODEL = "delete model"
    DELETE_STACK = "delete stack"
    DELETE_ALARMS = "delete alarms"
    DELETE_DASHBOARDS = "delete dashboards"
    EMPTY_BUCKET = "empty bucket"
    DELETE_LOG_GROUP = "delete log group"


@dataclass(frozen=True)
class Step:
    action: Action
    targets: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.action}: {', '.join(self.targets)}"


@dataclass(frozen=True)
class TaggedResource:
    """A resource the Resource Groups Tagging API lists with the run's tag, and what its service says of it."""

    arn: str
    pending_deletion: bool = False  # a KMS key in PendingDeletion, a secret with a DeletedDate
    exists: bool = True  # False when its own service no longer finds it (the tagging index lags)


@dataclass(frozen=True)
class Inventory:
    """What a read of the account found that belongs to the run (names as AWS gives them)."""

    endpoint: bool = False
    endpoint_config: bool = False
    model: bool = False
    stacks: tuple[str, ...] = ()  # stacks that exist and are not DELETE_COMPLETE
    alarms: tuple[str, ...] = ()
    dashboards: tuple[str, ...] = ()
    bucket: str | None = None  # the fixtures bucket, when it still holds objects
    log_groups: tuple[str, ...] = ()
    tagged: tuple[TaggedResource, ...] = ()

    @property
    def empty(self) -> bool:
        return not leftovers(self)


# At most 100 alarm names per DeleteAlarms call (API reference "DeleteAlarms": "up to 100").
ALARMS_PER_CALL = 100


def plan(names: RunNames, found: Inventory) -> list[Step]:
    """The steps that remove everything in ``found``, in the order the module docstring gives."""
    steps: list[Step] = []
    if found.endpoint:
        steps.append(Step(Action.DELETE_ENDPOINT, (names.endpoint,)))
    if found.endpoint_config:
        steps.append(Step(Action.DELETE_ENDPOINT_CONFIG, (names.endpoint_config,)))
    if found.model:
        steps.append(Step(Action.DELETE_MODEL, (names.model,)))
    if names.stack in found.stacks:
        steps.append(Step(Action.DELETE_STACK, (names.stack,)))
    alarms = sorted(name for name in found.alarms if names.owns_alarm(name))
    for start in range(0, len(alarms), ALARMS_PER_CALL):
        steps.append(Step(Action.DELETE_ALARMS, tuple(alarms[start : start + ALARMS_PER_CALL])))
    dashboards = sorted(name for name in found.dashboards if names.owns_dashboard(name))
    if dashboards:
        steps.append(Step(Action.DELETE_DASHBOARDS, tuple(dashboards)))
    if found.bucket:
        steps.append(Step(Action.EMPTY_BUCKET, (found.bucket,)))
    if names.fixtures_stack in found.stacks:
        steps.append(Step(Action.DELETE_STACK, (names.fixtures_stack,)))
    for group in sorted(found.log_groups):
        if group == names.endpoint_log_group or group.startswith(names.function_log_group_prefix):
            steps.append(Step(Action.DELETE_LOG_GROUP, (group,)))
    return steps


def lingering(tagged: Iterable[TaggedResource]) -> list[str]:
    """Tagged resources that are really still there.

    Not counted: a KMS key pending deletion (CloudFormation schedules a key's deletion, 7 days at
    least; "AWS Key Management Service pricing": no charge for keys scheduled for deletion), a
    secret scheduled for deletion ("Delete an AWS Secrets Manager secret": no charge, inaccessible),
    and an ARN its own service no longer finds (the tagging index is eventually consistent and
    lists resources for a while after they are deleted).
    """
    return sorted(item.arn for item in tagged if item.exists and not item.pending_deletion)


def leftovers(found: Inventory) -> list[str]:
    """Everything of the run still in the account, one line each ([] when the account is clean)."""
    lines: list[str] = []
    if found.endpoint:
        lines.append("SageMaker endpoint")
    if found.endpoint_config:
        lines.append("SageMaker endpoint config")
    if found.model:
        lines.append("SageMaker model")
    lines += [f"stack {name}" for name in found.stacks]
    lines += [f"alarm {name}" for name in found.alarms]
    lines += [f"dashboard {name}" for name in found.dashboards]
    if found.bucket:
        lines.append(f"objects in bucket {found.bucket}")
    lines += [f"log group {name}" for name in found.log_groups]
    lines += [f"tagged {arn}" for arn in lingering(found.tagged)]
    return lines


@dataclass
class Sweep:
    """What a sweep did and what it could not do (it goes on after a failed step)."""

    done: list[Step] = field(default_factory=list)
    failed: list[tuple[Step, str]] = field(default_factory=list)
