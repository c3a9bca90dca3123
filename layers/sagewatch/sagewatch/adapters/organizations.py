"""AWS Organizations, from the hub (the management account or a delegated administrator:
"Delegated administrator for AWS Organizations"): an account's name for alerts, and the spoke
accounts the reconcile covers (the whole organization, or every account under an OU)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sagewatch.adapters.aws import call
from sagewatch.adapters.pagination import items


class Organizations:
    def __init__(self, client: Any, *, sleep: Callable[[float], None] | None = None) -> None:
        self._client = client
        self._sleep = sleep

    def account_name(self, account_id: str) -> str | None:
        """The account's name in the organization (DescribeAccount), or None when it has none."""
        answer = call("DescribeAccount", self._client.describe_account, AccountId=account_id, sleep=self._sleep)
        name = answer.get("Account", {}).get("Name")
        return str(name) if name else None

    def active_accounts(self, parent: str | None = None) -> list[str]:
        """The ACTIVE accounts of the organization (ListAccounts), or of everything under ``parent``
        (ListAccountsForParent on it and, recursively, on each OU ListOrganizationalUnitsForParent
        finds under it); every list paged through NextToken."""
        if parent is None:
            found = items("ListAccounts", self._client.list_accounts, "Accounts", sleep=self._sleep)
            return sorted({str(a["Id"]) for a in found if a.get("Status", "ACTIVE") == "ACTIVE"})
        accounts: set[str] = set()
        pending = [parent]
        while pending:
            here = pending.pop()
            for account in items(
                "ListAccountsForParent",
                self._client.list_accounts_for_parent,
                "Accounts",
                ParentId=here,
                sleep=self._sleep,
            ):
                if account.get("Status", "ACTIVE") == "ACTIVE":
                    accounts.add(str(account["Id"]))
            pending += [
                str(unit["Id"])
                for unit in items(
                    "ListOrganizationalUnitsForParent",
                    self._client.list_organizational_units_for_parent,
                    "OrganizationalUnits",
                    ParentId=here,
                    sleep=self._sleep,
                )
            ]
        return sorted(accounts)
