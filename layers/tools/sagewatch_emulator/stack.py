"""``account.stack``: the template's resources as the emulated account holds them.

Every resource of the template has a :class:`~sagewatch_emulator.provision.ResourceRecord`:
created in moto (*provisioned*) or only recorded with a physical id and attributes of the real
shape (functions, IAM …), so that ``!Ref``/``!GetAtt``/``!Sub`` to it resolve.
"""

from __future__ import annotations

from typing import Any

from sagewatch_emulator.provision import Provisioner, ResourceRecord
from sagewatch_emulator.sam.template import Resolver

__all__ = ["Stack"]


class Stack:
    """The stack of one open account: resources, outputs and parameters in effect."""

    def __init__(self, name: str, provisioner: Provisioner, resolver: Resolver) -> None:
        self.name = name
        self._provisioner = provisioner
        self._resolver = resolver

    def provision_all(self) -> None:
        """Create every resource of the template that moto can (the account does, when it opens)."""
        self._provisioner.provision_all(self._resolver)

    @property
    def resources(self) -> dict[str, str]:
        """Logical id → physical id of every resource of the stack (created or not)."""
        return {lid: record.physical_id for lid, record in self._provisioner.records.items()}

    @property
    def provisioned(self) -> dict[str, str]:
        """Logical id → physical id of the resources created in moto."""
        return {lid: r.physical_id for lid, r in self._provisioner.records.items() if r.provisioned}

    @property
    def not_provisioned(self) -> dict[str, str]:
        """Logical id → type of the resources recorded but not created (functions, IAM …)."""
        return {lid: r.type for lid, r in self._provisioner.records.items() if not r.provisioned}

    def record(self, logical_id: str) -> ResourceRecord:
        """The full record: type, physical id, attributes, provisioned or not and why."""
        try:
            return self._provisioner.records[logical_id]
        except KeyError:
            raise KeyError(f"{logical_id!r} is not a resource of this stack (or its Condition is false)") from None

    def physical_id(self, logical_id: str) -> str:
        """What ``!Ref`` of the resource yields: topic ARN, queue URL, table name …"""
        return self.record(logical_id).physical_id

    def attribute(self, logical_id: str, name: str) -> Any:
        """What ``!GetAtt logical_id.name`` yields, e.g. ``attribute("AlertQueue", "Arn")``."""
        return self.record(logical_id).attribute(name)

    def resolved_properties(self, logical_id: str) -> dict[str, Any]:
        """The resource's Properties with every intrinsic function resolved (as created)."""
        self.record(logical_id)  # raises for a resource that is not part of the stack
        template = self._provisioner.template
        return dict(self._resolver.resolve(template.properties(logical_id), f"{logical_id}.Properties"))

    @property
    def outputs(self) -> dict[str, Any]:
        """The template's Outputs, resolved."""
        return self._resolver.outputs()

    @property
    def parameters(self) -> dict[str, Any]:
        """The parameter values in effect (defaults, overrides, SSM placeholders)."""
        return dict(self._resolver.parameter_values)
