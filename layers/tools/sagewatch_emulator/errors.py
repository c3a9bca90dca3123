"""What the emulated account raises when it cannot do what was asked."""

from __future__ import annotations

__all__ = ["EmulatorBusyError", "EmulatorError", "ProvisioningError"]


class EmulatorError(RuntimeError):
    """The emulated account cannot do what was asked; the message says why."""


class EmulatorBusyError(EmulatorError):
    """Another EmulatedAccount is open in this process (moto's state is process-wide)."""


class ProvisioningError(EmulatorError):
    """A resource of the template was refused, as CloudFormation would report the service's error."""

    def __init__(self, logical_id: str, message: str) -> None:
        super().__init__(f"{logical_id}: Resource handler returned message: {message!r}")
        self.logical_id = logical_id
        self.service_message = message
