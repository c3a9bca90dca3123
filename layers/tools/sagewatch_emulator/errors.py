"""What the emulated account raises when it cannot do what was asked."""

from __future__ import annotations

__all__ = ["EmulatorBusyError", "EmulatorError"]


class EmulatorError(RuntimeError):
    """The emulated account cannot do what was asked; the message says why."""


class EmulatorBusyError(EmulatorError):
    """Another EmulatedAccount is open in this process (moto's state is process-wide)."""
