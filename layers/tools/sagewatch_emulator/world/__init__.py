"""The emulated world: an organization with a hub and spokes on one moto server, and the
resource and trust policies between accounts enforced as AWS enforces them.

:class:`EmulatedWorld` (:mod:`.world`) is the facade; :class:`SpokeStack` (:mod:`.spoke`) one
spoke account-region; :mod:`.policy` the pure policy evaluator; :mod:`.enforcement` where it
meets moto; :mod:`.provisioning` the roles and policies a single account only records. See
docs/emulated-account.md ("The emulated world").
"""

from sagewatch_emulator.world.enforcement import Enforcement, Refusal
from sagewatch_emulator.world.spoke import SpokeStack
from sagewatch_emulator.world.world import DEFAULT_EXTERNAL_ID, EmulatedWorld, default_spoke_template_path

__all__ = [
    "DEFAULT_EXTERNAL_ID",
    "EmulatedWorld",
    "Enforcement",
    "Refusal",
    "SpokeStack",
    "default_spoke_template_path",
]
