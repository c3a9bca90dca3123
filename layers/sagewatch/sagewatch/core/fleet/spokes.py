"""Which account-regions a hub's reconcile covers (docs/hub-and-spokes.md (d)), decided from the
accounts found (Organizations, the explicit list, or both) and the spoke regions alone.

Every spoke account is covered in every spoke region (``SpokeRegions``; none: the hub's own
region), in a stable order (account, then region), so a run that stops early continues at the
same place. The hub's own account-region is not a spoke: it is reconciled first, with the
functions' own clients, as in a single-account stack. The hub's account in another region is a
spoke like any other (it needs the spoke stack there) when the accounts name it; Organizations'
answer leaves it out (``spoke_wiring.spoke_accounts``), SpokeAccountIds may list it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sagewatch.core.shared.places import Place


def spoke_places(hub: Place, accounts: Iterable[str], regions: Sequence[str]) -> tuple[Place, ...]:
    """Every (account, region) to reconcile through a spoke role, sorted; the hub's own place left out."""
    covered = tuple(dict.fromkeys(regions)) or (hub.region,)
    places = {Place(account, region) for account in accounts for region in covered}
    places.discard(hub)
    return tuple(sorted(places))


def resume_at(places: Sequence[Place], account: str | None, region: str | None) -> int:
    """The index of the place a continuation names (0 when it names none, or one no longer covered)."""
    for index, place in enumerate(places):
        if (place.account, place.region) == (account, region):
            return index
    return 0
