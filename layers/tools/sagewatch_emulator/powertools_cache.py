"""Each emulated account starts with an empty Powertools parameter cache (process state, not moto)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sagewatch_emulator.extensions import MotoExtensions

__all__ = ["reset_powertools_parameter_cache"]


def reset_powertools_parameter_cache(extensions: MotoExtensions) -> None:
    """Forget Powertools' cached parameter providers and values (not a moto gap: process state).

    ``parameters.get_secret`` keeps, process-wide, a provider whose boto3 client is bound to the
    endpoint of the account that was open when it was made, and the values it read for
    ``max_age`` seconds. On Lambda that cache lives and dies with one function's sandbox; in this
    process it would outlive the account, and the next account's functions would read the old
    account's secrets (a webhook URL on a fake Slack that no longer listens) through a client
    pointed at a moto that is gone. Each account therefore starts with an empty cache.
    """
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()  # type: ignore[no-untyped-call]
    extensions.installed.append("powertools: parameter cache cleared for this account")
