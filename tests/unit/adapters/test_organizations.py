"""Spoke accounts from Organizations: the whole organization, or every account under an OU
(recursively), every list paged; only ACTIVE accounts."""

from __future__ import annotations

from typing import Any

from sagewatch.adapters.organizations import Organizations


def account(number: int, status: str = "ACTIVE") -> dict[str, Any]:
    return {"Id": f"{number:012d}", "Name": f"team-{number}", "Status": status}


class FakeOrganizations:
    """A root r-1 with accounts 1, 2 and OU ou-a, which holds account 3 and OU ou-b (account 4,
    and a SUSPENDED 5). Pages of one entry, with NextToken ("ListAccountsForParent": "NextToken")."""

    def __init__(self) -> None:
        self.accounts = {
            "r-1": [account(1), account(2)],
            "ou-a": [account(3)],
            "ou-b": [account(4), account(5, "SUSPENDED")],
        }
        self.units = {"r-1": ["ou-a"], "ou-a": ["ou-b"], "ou-b": []}
        self.calls: list[str] = []

    @staticmethod
    def _page(entries: list[Any], token: str | None, key: str) -> dict[str, Any]:
        start = int(token or 0)
        page: dict[str, Any] = {key: entries[start : start + 1]}
        if start + 1 < len(entries):
            page["NextToken"] = str(start + 1)
        return page

    def list_accounts(self, NextToken: str | None = None) -> dict[str, Any]:  # noqa: N803
        self.calls.append("ListAccounts")
        everyone = [a for accounts in self.accounts.values() for a in accounts]
        return self._page(everyone, NextToken, "Accounts")

    def list_accounts_for_parent(self, ParentId: str, NextToken: str | None = None) -> dict[str, Any]:  # noqa: N803
        self.calls.append("ListAccountsForParent")
        return self._page(self.accounts[ParentId], NextToken, "Accounts")

    def list_organizational_units_for_parent(self, ParentId: str, NextToken: str | None = None) -> dict[str, Any]:  # noqa: N803
        self.calls.append("ListOrganizationalUnitsForParent")
        return self._page([{"Id": u} for u in self.units[ParentId]], NextToken, "OrganizationalUnits")

    def describe_account(self, AccountId: str) -> dict[str, Any]:  # noqa: N803
        return {"Account": {"Id": AccountId, "Name": f"team-{int(AccountId)}"}}


def test_the_whole_organization_paged_active_only() -> None:
    assert Organizations(FakeOrganizations()).active_accounts() == [f"{n:012d}" for n in (1, 2, 3, 4)]


def test_an_ou_covers_its_accounts_and_every_ou_below_it() -> None:
    fake = FakeOrganizations()
    assert Organizations(fake).active_accounts("ou-a") == [f"{n:012d}" for n in (3, 4)]
    assert "ListOrganizationalUnitsForParent" in fake.calls


def test_an_accounts_name() -> None:
    assert Organizations(FakeOrganizations()).account_name("000000000003") == "team-3"
