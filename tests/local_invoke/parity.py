"""What the local-invoke tests compare, shared by the native and the arm64 modules."""

from __future__ import annotations

import re
from typing import Any

from tests.local_invoke import harness
from tests.local_invoke.emulated import Invocation

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def without_generated_ids(value: Any) -> Any:
    """The response with the ids each invocation generates anew masked: the MessageId SNS gives a
    published failure notice, and the reconcile's random run id. Everything else must match."""
    if isinstance(value, dict):
        return {k: "<run id>" if k == "run" else without_generated_ids(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_generated_ids(v) for v in value]
    if isinstance(value, str):
        return UUID.sub("<uuid>", value)
    return value


def assert_parity(sam: harness.SamInvocation, emulated: Invocation) -> None:
    context = f"{sam.function} {sam.event.relative_to(harness.ROOT)}\n--- sam stderr ---\n{sam.stderr[-3000:]}"
    assert sam.error == emulated.error, context
    assert without_generated_ids(sam.response) == without_generated_ids(emulated.response), context
    assert sam.writes == emulated.writes, context
    assert len(sam.slack_messages) == len(emulated.slack_messages), context
    assert len(sam.emails) == len(emulated.emails), context


def readme_commands() -> list[str]:
    """The shell lines of the README's "Local testing" section, in order."""
    text = (harness.ROOT / "README.md").read_text()
    section = text.split("## Local testing", 1)[1].split("\n## ", 1)[0]
    blocks = section.split("```bash\n")[1:]
    return [line for block in blocks for line in block.split("```", 1)[0].splitlines() if line.strip()]


def harness_commands(commands: list[str]) -> list[list[str]]:
    """The README's harness commands, as argument lists."""
    prefix = ".venv/bin/python -m tests.local_invoke.harness "
    return [c.removeprefix(prefix).split("#", 1)[0].split() for c in commands if c.startswith(prefix)]
