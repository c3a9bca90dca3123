"""The one place the local-invoke harness touches the emulated account's package.

Everything else in ``tests/local_invoke`` imports from here, so a move of the emulator changes
one import block. The account it opens is the sample account ``sagewatch invoke --emulated``
opens too (``sagewatch_simulator.sample_account``): both sides of the parity check see the
same endpoints, secret, sender and metrics.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sagewatch_emulator import EmulatedAccount, Invocation, VariantSpec
from sagewatch_simulator.sample_account import PARAMETERS, SLACK_SECRET, open_sample_account

__all__ = [
    "PARAMETERS",
    "SLACK_SECRET",
    "EmulatedAccount",
    "Invocation",
    "VariantSpec",
    "load_event",
    "open_seeded_account",
]


def open_seeded_account() -> EmulatedAccount:
    """A fresh sample account for every sample event at once (see
    ``sagewatch_simulator.sample_account``). The caller closes it."""
    return open_sample_account()


def load_event(path: Path) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(path.read_text())
    return event
