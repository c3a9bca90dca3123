"""What bit us on a real account, reproduced by the emulated one: a reservation below the SQS
poller's concurrency dead-letters valid alerts untried, and a reservation a new account cannot
grant is refused at deploy time with Lambda's error.

Sources: Lambda "Configuring scaling behavior for SQS event source mappings" — "Lambda starts
processing five batches at a time with five concurrent invocations of your function"
(https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html); re:Post knowledge
center "lambda-sqs-scaling" — throttled batches go back to the queue and count receives
(https://repost.aws/knowledge-center/lambda-sqs-scaling); Lambda "Configuring reserved
concurrency" — "You can reserve up to the Unreserved account concurrency value that is shown,
minus 100 for functions that don't have reserved concurrency"
(https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sagewatch_emulator import EmulatedAccount, ProvisioningError
from tests.integration.delivery_support import FUNCTION, QUEUE, alarm_message, delivery_account, dlq_message_ids, ids_in

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def test_a_reservation_of_one_under_five_pollers_dead_letters_valid_alerts_untried() -> None:
    """The bug: throttled batches return to the queue, and their receives reach maxReceiveCount."""
    with delivery_account(max_receive_count=3) as (account, environment):
        published = [account.publish_alert(alarm_message(i)) for i in range(60)]
        drained = account.drain_queue(
            QUEUE, FUNCTION, pollers=5, reserved_concurrency=1, max_rounds=60, environment=environment
        )
        assert drained.throttled_batches > 0 and drained.peak_in_flight == 5
        assert all(i.error is None for i in drained)  # every invocation that ran delivered its batch
        dead = dlq_message_ids(account)
        assert dead, "nothing was dead-lettered: the throttling was not modelled"
        delivered = ids_in(account.slack.messages)
        assert not set(dead) & set(delivered)  # valid alerts, never tried
        assert sorted([*dead, *delivered]) == sorted(published)  # each ended in one place


def test_without_a_reservation_the_same_pollers_deliver_everything() -> None:
    with delivery_account(max_receive_count=3) as (account, environment):
        published = [account.publish_alert(alarm_message(i)) for i in range(60)]
        drained = account.drain_queue(QUEUE, FUNCTION, pollers=5, max_rounds=60, environment=environment)
        assert drained.throttled_batches == 0 and drained.peak_in_flight == 5
        assert dlq_message_ids(account) == []
        assert ids_in(account.slack.messages) == dict.fromkeys(published, 1)


def test_drain_queue_defaults_to_the_event_sources_maximum_concurrency() -> None:
    with delivery_account() as (account, environment):
        for i in range(40):
            account.publish_alert(alarm_message(i))
        drained = account.drain_queue(QUEUE, FUNCTION, concurrent=True, environment=environment)
        assert drained.peak_in_flight == 2  # AlertQueue's ScalingConfig.MaximumConcurrency
        assert len(drained) == 4 and drained.throttled_batches == 0


RESERVING = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: {code}
      Handler: app.lambda_handler
      Runtime: python3.13
      ReservedConcurrentExecutions: {reserved}
"""


def reserving_template(tmp_path: Path, reserved: int) -> Path:
    path = tmp_path / "template.yaml"
    path.write_text(RESERVING.format(code=ROOT / "functions" / "notify", reserved=reserved))
    return path


def test_a_new_accounts_limit_of_ten_refuses_a_reservation_with_lambdas_error(tmp_path: Path) -> None:
    with pytest.raises(ProvisioningError) as refused:
        EmulatedAccount(reserving_template(tmp_path, 1), account_concurrency=10).start()
    assert refused.value.logical_id == "Worker"
    assert refused.value.service_message.startswith(
        "Specified ReservedConcurrentExecutions for function decreases account's "
        "UnreservedConcurrentExecution below its minimum value of [10]."
    )


def test_the_default_limit_keeps_100_unreserved(tmp_path: Path) -> None:
    with EmulatedAccount(reserving_template(tmp_path, 900), account_concurrency=1000) as account:
        assert account.physical_id("Worker")  # 100 left: allowed
    with pytest.raises(ProvisioningError, match=r"below its minimum value of \[100\]"):
        EmulatedAccount(reserving_template(tmp_path, 901), account_concurrency=1000).start()


def test_the_stack_itself_deploys_on_a_new_account() -> None:
    with EmulatedAccount(account_concurrency=10) as account:
        assert account.physical_id("NotifyFunction")
