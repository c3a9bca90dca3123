"""One spoke of the emulated world: docs/spoke/spoke.yaml provisioned in one account and region.

Made by :meth:`EmulatedWorld.add_spoke <sagewatch_emulator.world.world.EmulatedWorld.add_spoke>`;
its clients act as the spoke account (moto's ``x-moto-account-id``), so everything it creates —
the four forwarding rules, the roles, the dead-letter queue and its alarm, the alert topic and
its key — belongs to that account and region. The verbs play what AWS does there: SageMaker's
events on the default bus, endpoints, alarms changing state.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from sagewatch_emulator.cloudwatch.emulated import EmulatedCloudWatch
from sagewatch_emulator.extensions import MotoExtensions
from sagewatch_emulator.sagemaker import EndpointMaker, VariantSpec
from sagewatch_emulator.sam.template import Resolver, Template
from sagewatch_emulator.stack import Stack
from sagewatch_emulator.world.provisioning import WorldProvisioner

__all__ = ["SpokeStack"]


class _Clients(Protocol):
    def __call__(self, service_name: str, *, account_id: str, region: str) -> Any: ...


class SpokeStack:
    """The spoke template in ``account_id``/``region``, provisioned on the world's moto server."""

    def __init__(
        self,
        clients: _Clients,
        extensions: MotoExtensions,
        template_path: Any,
        *,
        account_id: str,
        region: str,
        parameters: Mapping[str, Any],
        stack_name: str = "sagewatch-spoke",
    ) -> None:
        self.account_id, self.region, self.stack_name = account_id, region, stack_name
        self._clients = clients
        template = Template.load(template_path)
        provisioner = WorldProvisioner(
            template, clients=self.client, region=region, account_id=account_id, stack_name=stack_name
        )
        resolver = Resolver(
            template,
            region=region,
            account_id=account_id,
            stack_name=stack_name,
            parameters=parameters,
            attributes=provisioner,
        )
        self.stack = Stack(stack_name, provisioner, resolver)
        self.stack.provision_all()
        self.cloudwatch = EmulatedCloudWatch(self.client, self.stack.physical_id, extensions)
        self._endpoints = EndpointMaker(self.client("sagemaker"), region=region, account_id=account_id)

    def client(self, service_name: str) -> Any:
        """A boto3 client acting as this spoke's account, in its region (not counted by ``invoke``)."""
        return self._clients(service_name, account_id=self.account_id, region=self.region)

    @property
    def outputs(self) -> dict[str, Any]:
        return self.stack.outputs

    def physical_id(self, logical_id: str) -> str:
        return self.stack.physical_id(logical_id)

    # -- what AWS does in the spoke --

    def put_sagemaker_event(
        self, detail_type: str, detail: Mapping[str, Any], *, resources: Sequence[str] = ()
    ) -> list[dict[str, Any]]:
        """SageMaker puts an event on this account-region's default bus (source ``aws.sagemaker``):
        the spoke's rules match it as EventBridge would. Returns PutEvents' entries."""
        from moto.events.models import events_backends

        entry = {
            "Time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),  # EventBridge's form (moto: epoch seconds)
            "Source": "aws.sagemaker",
            "DetailType": detail_type,
            "Detail": json.dumps(dict(detail)),
            "Resources": list(resources),
        }
        return list(events_backends[self.account_id][self.region].put_events([entry]))

    def endpoint_state_change(self, endpoint_name: str, status: str) -> list[dict[str, Any]]:
        """ "SageMaker Endpoint State Change" for ``endpoint_name`` (IN_SERVICE, DELETING, FAILED …)."""
        arn = f"arn:aws:sagemaker:{self.region}:{self.account_id}:endpoint/{endpoint_name.lower()}"
        detail = {"EndpointName": endpoint_name, "EndpointArn": arn, "EndpointStatus": status}
        return self.put_sagemaker_event("SageMaker Endpoint State Change", detail, resources=[arn])

    def create_endpoint(
        self, name: str, *, variants: Sequence[VariantSpec] = (VariantSpec(),), tags: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """An InService endpoint in this account-region (like ``account.create_endpoint``)."""
        return self._endpoints.create(name, variants, False, dict(tags or {}))

    def dead_letters(self) -> list[dict[str, Any]]:
        """The events waiting in the forwarding dead-letter queue, with their attributes
        (RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE). Read without consuming them."""
        sqs = self.client("sqs")
        url = self.physical_id("ForwardingDeadLetterQueue")
        found: list[dict[str, Any]] = []
        for _ in range(10):
            batch = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30, MessageAttributeNames=["All"]
            ).get("Messages", [])
            if not batch:
                break
            found.extend(batch)
        for message in found:  # visible again: the queue keeps them for a redrive
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
        return [
            {
                "event": json.loads(m["Body"]),
                **{k: v["StringValue"] for k, v in (m.get("MessageAttributes") or {}).items()},
            }
            for m in found
        ]

    def evaluate_dead_letter_alarm(self) -> str:
        """CloudWatch's evaluation of ``<prefix>-spoke-forwarding-dead-letters`` now; a change of
        state runs its actions (the spoke's alert topic, hence the hub's queue). Returns the state."""
        return self.cloudwatch.evaluate_queue_alarm("ForwardingDeadLetterAlarm")

    def set_alarm_state(self, alarm_name: str, state: str, reason: str = "emulated world") -> None:
        """SetAlarmState on an alarm of this account-region (its actions run on a change)."""
        self.client("cloudwatch").set_alarm_state(AlarmName=alarm_name, StateValue=state, StateReason=reason)
