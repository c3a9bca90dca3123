"""The sweep's behaviour on failures (tests/e2e/sweeper.py), with stand-in clients and clock."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.e2e import sweeper
from tests.e2e.cleanup import Action, Inventory
from tests.e2e.naming import RunNames
from tests.e2e.sweeper import Sweeper
from tests.e2e.waits import Clock, WaitTimeoutError

NAMES = RunNames("sw-e2e-12070245-a1b2", "eu-west-1")


def error(code: str, message: str = "") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "Operation")


class Recorder:
    """A client of any service: records calls; answers from ``answers`` (a value, or an exception to raise)."""

    def __init__(self, calls: list[str], answers: dict[str, Any]) -> None:
        self._calls = calls
        self._answers = answers

    def __getattr__(self, operation: str) -> Any:
        def call(**kwargs: Any) -> Any:
            self._calls.append(operation)
            answer = self._answers.get(operation, {})
            if callable(answer):
                answer = answer()
            if isinstance(answer, Exception):
                raise answer
            return answer

        return call


class Ticking:
    def __init__(self) -> None:
        self.t = 0.0

    def clock(self) -> Clock:
        return Clock(now=lambda: self.t, sleep=self._sleep)

    def _sleep(self, seconds: float) -> None:
        self.t += seconds


def test_a_failed_step_is_reported_and_the_sweep_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    answers: dict[str, Any] = {"delete_endpoint": error("AccessDeniedException", "not allowed")}
    monkeypatch.setattr(
        sweeper,
        "read_inventory",
        lambda client, names: Inventory(endpoint=True, alarms=(f"{NAMES.prefix}-notify-errors",)),
    )
    result = Sweeper(lambda service: Recorder(calls, answers), NAMES, say=lambda _: None).sweep()
    assert [step.action for step, _ in result.failed] == [Action.DELETE_ENDPOINT]
    assert "not allowed" in result.failed[0][1]
    assert [step.action for step in result.done] == [Action.DELETE_ALARMS]
    assert calls == ["delete_endpoint", "delete_alarms"]


def test_an_endpoint_already_deleting_is_waited_for_not_failed() -> None:
    calls: list[str] = []
    described = iter([{"EndpointStatus": "Deleting"}, error("ValidationException", "Could not find endpoint")])
    answers: dict[str, Any] = {
        "delete_endpoint": error("ValidationException", "Cannot update in-progress endpoint"),
        "describe_endpoint": lambda: next(described),
    }
    ticking = Ticking()
    Sweeper(lambda s: Recorder(calls, answers), NAMES, clock=ticking.clock(), say=lambda _: None).delete_endpoint(
        NAMES.endpoint
    )
    assert calls == ["delete_endpoint", "describe_endpoint", "describe_endpoint"]


def test_a_stack_that_fails_to_delete_says_which_resource_and_why() -> None:
    calls: list[str] = []
    answers: dict[str, Any] = {
        "describe_stacks": {"Stacks": [{"StackStatus": "DELETE_FAILED"}]},
        "describe_stack_events": {
            "StackEvents": [
                {
                    "LogicalResourceId": "ModelBucket",
                    "ResourceStatus": "DELETE_FAILED",
                    "ResourceStatusReason": "The bucket you tried to delete is not empty",
                }
            ]
        },
    }
    with pytest.raises(WaitTimeoutError, match="ModelBucket: The bucket you tried to delete is not empty"):
        Sweeper(lambda s: Recorder(calls, answers), NAMES, clock=Ticking().clock(), say=lambda _: None).delete_stack(
            NAMES.fixtures_stack
        )


def test_a_stack_that_never_goes_is_given_up_on_at_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sweeper, "STACK_GONE_TIMEOUT", 60.0)
    answers: dict[str, Any] = {"describe_stacks": {"Stacks": [{"StackStatus": "DELETE_IN_PROGRESS"}]}}
    ticking = Ticking()
    with pytest.raises(WaitTimeoutError, match="DELETE_IN_PROGRESS"):
        Sweeper(lambda s: Recorder([], answers), NAMES, clock=ticking.clock(), say=lambda _: None).delete_stack(
            NAMES.stack
        )
    assert ticking.t == 60.0


def test_a_tagged_arn_is_checked_with_its_own_service() -> None:
    calls: list[str] = []
    answers: dict[str, Any] = {
        "describe_key": {"KeyMetadata": {"KeyState": "PendingDeletion"}},
        "get_queue_url": error("AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist"),
        "get_topic_attributes": {"Attributes": {}},
        "describe_log_groups": {"logGroups": [{"logGroupName": "/aws/lambda/sw-e2e-12070245-a1b2-notify-other"}]},
        "get_parameter": error("ParameterNotFound"),
    }

    def resolve(arn: str) -> tuple[bool, bool]:
        found = sweeper._resolve(lambda service: Recorder(calls, answers), arn)
        return found.exists, found.pending_deletion

    assert resolve("arn:aws:kms:eu-west-1:1:key/abc") == (True, True)
    assert resolve("arn:aws:sqs:eu-west-1:1:sw-e2e-12070245-a1b2-AlertQueue-X") == (False, False)
    assert resolve("arn:aws:sns:eu-west-1:1:sw-e2e-12070245-a1b2-alerts") == (True, False)
    assert resolve("arn:aws:logs:eu-west-1:1:log-group:/aws/lambda/sw-e2e-12070245-a1b2-notify") == (False, False)
    assert resolve("arn:aws:ssm:eu-west-1:1:parameter/sw-e2e-12070245-a1b2/policy") == (False, False)
    assert resolve("arn:aws:sagemaker:eu-west-1:1:endpoint/x") == (True, False)  # checked by name elsewhere
    assert calls == ["describe_key", "get_queue_url", "get_topic_attributes", "describe_log_groups", "get_parameter"]
