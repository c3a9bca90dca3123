"""Whether the alarms of inference components followed them through a run (pure).

Kept apart from :mod:`.scoring`, which scores what people received: this scores what SageWatch
did when components came and went (their CloudTrail events through OnboardFunction).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sagewatch_simulator.oncall.records import ComponentStepRecord


def component_lifecycle(steps: Sequence[ComponentStepRecord]) -> dict[str, Any]:
    """Components added and removed, the alarms created and deleted with them, and whether every
    component created got alarms and every component deleted kept none."""
    created = [s for s in steps if s.action == "create"]
    deleted = [s for s in steps if s.action == "delete"]
    followed = all(s.alarms_after > 0 for s in created) and all(s.alarms_after == 0 for s in deleted)
    return {
        "components_added": len(created),
        "components_removed": len(deleted),
        "component_alarms_created": sum(max(0, s.alarms_after - s.alarms_before) for s in created),
        "component_alarms_deleted": sum(max(0, s.alarms_before - s.alarms_after) for s in deleted),
        "component_alarms_followed": followed,
    }
