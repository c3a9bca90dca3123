"""IAM: an account's alias, read in that account (``iam:ListAccountAliases``; every account may
read its own, and the spoke role grants it: docs/hub-and-spokes.md (c))."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sagewatch.adapters.aws import call


def account_alias(client: Any, *, sleep: Callable[[float], None] | None = None) -> str | None:
    """The account's alias, or None when it has none ("an AWS account can have only one alias":
    ListAccountAliases, IAM API Reference)."""
    answer = call("ListAccountAliases", client.list_account_aliases, sleep=sleep)
    aliases = answer.get("AccountAliases") or []
    return str(aliases[0]) if aliases else None
