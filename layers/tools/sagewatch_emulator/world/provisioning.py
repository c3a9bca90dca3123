"""What the world provisions beyond a single account: IAM roles and the resource policies.

A single :class:`~sagewatch_emulator.EmulatedAccount` records roles and policies without
creating them (nothing evaluated them). In the world they decide what crosses accounts, so the
spoke stacks create them in moto (:class:`WorldProvisioner`), and the hub's policy resources
(``AlertQueuePolicy``, ``SpokeOrganizationBusPolicy``, ``SpokeAccountsBusPolicy``) are applied to
the already provisioned hub with :func:`apply_policy_resource`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from sagewatch_emulator.provision import Provisioner, ResourceRecord

__all__ = ["POLICY_TYPES", "WorldProvisioner", "apply_policy_resource"]

ClientFactory = Callable[[str], Any]


def _document(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _queue_policy(clients: ClientFactory, p: Mapping[str, Any]) -> None:
    for url in p["Queues"]:
        clients("sqs").set_queue_attributes(QueueUrl=str(url), Attributes={"Policy": _document(p["PolicyDocument"])})


def _topic_policy(clients: ClientFactory, p: Mapping[str, Any]) -> None:
    for arn in p["Topics"]:
        clients("sns").set_topic_attributes(
            TopicArn=str(arn), AttributeName="Policy", AttributeValue=_document(p["PolicyDocument"])
        )


def _event_bus_policy(clients: ClientFactory, p: Mapping[str, Any]) -> None:
    # "AWS::Events::EventBusPolicy": one statement per resource, identified by StatementId; the
    # bus's policy is the union of them (PutPermission with a Policy adds its statements).
    statement = {"Sid": str(p["StatementId"]), **dict(p["Statement"])}
    document = {"Version": "2012-10-17", "Statement": [statement]}
    clients("events").put_permission(EventBusName=str(p.get("EventBusName", "default")), Policy=json.dumps(document))


POLICY_TYPES: dict[str, Callable[[ClientFactory, Mapping[str, Any]], None]] = {
    "AWS::SQS::QueuePolicy": _queue_policy,
    "AWS::SNS::TopicPolicy": _topic_policy,
    "AWS::Events::EventBusPolicy": _event_bus_policy,
}


def apply_policy_resource(clients: ClientFactory, kind: str, properties: Mapping[str, Any]) -> None:
    """Set the policy a resource of ``kind`` (one of :data:`POLICY_TYPES`) declares."""
    POLICY_TYPES[kind](clients, properties)


class WorldProvisioner(Provisioner):
    """A :class:`Provisioner` that also creates IAM roles (with their trust and inline policies)
    and sets queue, topic and bus policies, for the stacks of the emulated world."""

    def creator(self, kind: str) -> Callable[[Provisioner, str, Any], ResourceRecord] | None:
        if kind == "AWS::IAM::Role":
            return _create_role
        if kind in POLICY_TYPES:
            return _create_policy
        return super().creator(kind)


def _create_role(self: Provisioner, logical_id: str, p: Mapping[str, Any]) -> ResourceRecord:
    name = self._name(p, "RoleName", logical_id)
    iam = self.clients("iam")
    kwargs: dict[str, Any] = {
        "RoleName": name,
        "AssumeRolePolicyDocument": _document(p["AssumeRolePolicyDocument"]),
    }
    for key in ("Description", "Path"):
        if key in p:
            kwargs[key] = str(p[key])
    if "MaxSessionDuration" in p:
        kwargs["MaxSessionDuration"] = int(p["MaxSessionDuration"])
    role = iam.create_role(**kwargs)["Role"]
    for policy in p.get("Policies") or []:
        iam.put_role_policy(
            RoleName=name, PolicyName=str(policy["PolicyName"]), PolicyDocument=_document(policy["PolicyDocument"])
        )
    for arn in p.get("ManagedPolicyArns") or []:
        iam.attach_role_policy(RoleName=name, PolicyArn=str(arn))
    return ResourceRecord(
        logical_id, "AWS::IAM::Role", name, {"Arn": role["Arn"], "RoleId": role["RoleId"]}, provisioned=True
    )


def _create_policy(self: Provisioner, logical_id: str, p: Mapping[str, Any]) -> ResourceRecord:
    kind = self.template.resource_type(logical_id)
    apply_policy_resource(self.clients, kind, p)
    return ResourceRecord(logical_id, kind, f"{self.stack_name}-{logical_id}", {}, provisioned=True)
