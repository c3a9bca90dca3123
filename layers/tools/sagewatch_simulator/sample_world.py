"""The sample world of ``sagewatch doctor --spoke ACCOUNT[:REGION] --emulated``: a hub and three
spoke accounts of which two are deliberately broken, so the command has something to name.

- ``222222222222`` (team-a, a member of the organization): a healthy spoke in us-east-1 and
  eu-west-1;
- ``333333333333`` (team-b, a member): its spoke in us-east-1 was deployed with another external
  ID, so its role does not trust the hub's functions as they call;
- ``900000000001`` (outsider, not in the organization): a spoke in us-east-1 the hub's bus and
  queue policies (which admit the organization) refuse.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sagewatch_emulator.world import EmulatedWorld

__all__ = ["SAMPLE_SPOKES", "open_sample_world"]

SAMPLE_SPOKES = (
    ("222222222222", "us-east-1", "healthy"),
    ("222222222222", "eu-west-1", "healthy"),
    ("333333333333", "us-east-1", "role trust: another external ID"),
    ("900000000001", "us-east-1", "not in the organization the hub's policies admit"),
)


@contextmanager
def open_sample_world() -> Iterator[EmulatedWorld]:
    """An open world holding :data:`SAMPLE_SPOKES`, closed on leaving the block."""
    with EmulatedWorld() as world:
        team_a = world.create_account("team-a")
        team_b = world.create_account("team-b")
        outsider = world.create_account("outsider", member=False)
        world.add_spoke(team_a, "us-east-1")
        world.add_spoke(team_a, "eu-west-1")
        world.add_spoke(team_b, "us-east-1", parameters={"ExternalId": "not-the-hubs-external-id"})
        world.add_spoke(outsider, "us-east-1")
        yield world
