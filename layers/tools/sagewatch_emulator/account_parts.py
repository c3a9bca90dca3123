"""What an open emulated account is made of, and how the parts are wired (one place).

Each part has one concern and is reached from the account by its name: the moto server and the
fake Slack, the provisioned ``stack``, ``cloudwatch`` (quotas, paging), ``functions`` (the
template's functions run in-process), ``endpoints`` (SageMaker), ``model_monitor``, ``telemetry``
(metrics, logs, simulated time, alarm states), ``delivery`` (SNS → SQS → Lambda) and
``destinations`` (Slack, SES, secrets). :func:`open_parts` starts and wires them; the account's
close stops them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sagewatch_emulator.alarm_engine import AlarmEngine
from sagewatch_emulator.cloudwatch.emulated import EmulatedCloudWatch
from sagewatch_emulator.delivery import Delivery
from sagewatch_emulator.destinations import Destinations
from sagewatch_emulator.endpoints import SageMakerEndpoints
from sagewatch_emulator.extensions import MotoExtensions
from sagewatch_emulator.fake_pagerduty import FakePagerDuty
from sagewatch_emulator.fake_slack import FakeSlack
from sagewatch_emulator.fake_teams import FakeTeams
from sagewatch_emulator.lambda_functions import LambdaFunctions
from sagewatch_emulator.model_monitor.runs import ModelMonitorRuns
from sagewatch_emulator.moto_server import MotoServer
from sagewatch_emulator.provision import Provisioner
from sagewatch_emulator.sam.template import Resolver, Template
from sagewatch_emulator.stack import Stack
from sagewatch_emulator.telemetry import Telemetry

__all__ = ["AccountParts", "open_parts"]


@dataclass
class AccountParts:
    server: MotoServer
    slack: FakeSlack
    pagerduty: FakePagerDuty
    teams: FakeTeams
    stack: Stack
    cloudwatch: EmulatedCloudWatch
    functions: LambdaFunctions
    endpoints: SageMakerEndpoints
    model_monitor: ModelMonitorRuns
    telemetry: Telemetry
    delivery: Delivery
    destinations: Destinations

    def close(self) -> None:
        """End the functions' execution environments, stop the fake Slack, PagerDuty and Teams (the
        server is the account's)."""
        self.functions.close()
        self.slack.stop()
        self.pagerduty.stop()
        self.teams.stop()


def open_parts(
    server: MotoServer,
    template: Template,
    engine: AlarmEngine,
    extensions: MotoExtensions,
    *,
    client: Callable[[str], Any],
    aws_environment: Callable[[], dict[str, str]],
    region: str,
    account_id: str,
    stack_name: str,
    parameters: Mapping[str, Any],
    account_concurrency: int,
    provision: bool,
) -> AccountParts:
    """The parts of an account whose moto ``server`` runs and whose ``extensions`` are installed;
    with ``provision``, the template's resources are created."""
    slack = FakeSlack().start()
    pagerduty = FakePagerDuty().start()
    teams = FakeTeams().start()

    def function_environment() -> dict[str, str]:
        # NotifyFunction sends PagerDuty events to the fake, through its own urllib sender (as
        # AWS_ENDPOINT_URL points boto3 at moto). Teams URLs are in the secrets: nothing to set.
        return {**aws_environment(), "SAGEWATCH_PAGERDUTY_EVENTS_URL": pagerduty.events_url}

    try:
        provisioner = Provisioner(
            template,
            clients=client,
            region=region,
            account_id=account_id,
            stack_name=stack_name,
            account_concurrency=account_concurrency,
        )
        resolver = Resolver(
            template,
            region=region,
            account_id=account_id,
            stack_name=stack_name,
            parameters=parameters,
            attributes=provisioner,
        )
        stack = Stack(stack_name, provisioner, resolver)
        destinations = Destinations(
            slack, client, stack.physical_id, region=region, account_id=account_id, pagerduty=pagerduty, teams=teams
        )
        functions = LambdaFunctions(
            template,
            resolver,
            stack_name=stack_name,
            region=region,
            account_id=account_id,
            aws_environment=function_environment,
            slack=slack,
            sent_emails=destinations.sent_emails,
        )
        model_monitor = ModelMonitorRuns(
            client, region=region, account_id=account_id, now=lambda: engine.now, publish=engine.publish
        )
        engine.metric_gate = model_monitor.metric_gate  # no Model Monitor metric before a run published it
        parts = AccountParts(
            server=server,
            slack=slack,
            pagerduty=pagerduty,
            teams=teams,
            stack=stack,
            cloudwatch=EmulatedCloudWatch(client, stack.physical_id, extensions),
            functions=functions,
            endpoints=SageMakerEndpoints(client, region=region, account_id=account_id, now=lambda: engine.now),
            model_monitor=model_monitor,
            telemetry=Telemetry(client, engine),
            delivery=Delivery(
                template,
                resolver,
                client,
                functions,
                physical_id=stack.physical_id,
                attribute=stack.attribute,
                region=region,
            ),
            destinations=destinations,
        )
        if provision:
            stack.provision_all()
    except BaseException:
        slack.stop()
        pagerduty.stop()
        teams.stop()
        raise
    return parts
