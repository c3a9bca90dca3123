"""The notify enrichment's readers per spoke: the account's name looked up once per warm
environment (alias in the spoke, else its Organizations name), a failed lookup not kept."""

from __future__ import annotations

from typing import Any

from sagewatch.config import NotifyConfig, SpokeSettings
from sagewatch.core.shared.errors import SpokeAccessError
from sagewatch.core.shared.places import Place
from sagewatch.spoke_wiring import SpokeReadsOf
from sagewatch.wiring import Wiring
from tests.fakes.aws import Clients

SPOKE = Place("222222222222", "eu-west-1")


class FakeIam:
    def __init__(self, aliases: list[str]) -> None:
        self.aliases = aliases
        self.calls = 0

    def list_account_aliases(self) -> dict[str, Any]:
        self.calls += 1
        return {"AccountAliases": self.aliases}


class FakeOrganizations:
    def describe_account(self, AccountId: str) -> dict[str, Any]:  # noqa: N803
        return {"Account": {"Id": AccountId, "Name": "Team Fraud (prod)"}}


def reads(iam: Any, *, organization: str | None = None, refuse: list[bool] | None = None) -> SpokeReadsOf:
    def spoke(place: Place, service: str) -> Any:
        if service == "iam" and refuse and refuse.pop(0):
            raise SpokeAccessError(place.account, place.region, "arn", "AccessDenied", "no")
        return iam if service == "iam" else object()

    config = NotifyConfig(
        region="us-east-1",
        account_id="111111111111",
        spokes=SpokeSettings(external_id="x" * 20, organization_id=organization, console_role="OnCall"),
    )
    wiring = Wiring(Clients(organizations=FakeOrganizations()), spoke_client_factory=spoke)
    return SpokeReadsOf(wiring, config, sleep=lambda _: None)


def test_the_hubs_own_place_has_no_spoke_readers() -> None:
    assert reads(FakeIam([])).reads_in("111111111111", "us-east-1") is None


def test_the_alias_is_read_once_per_warm_environment() -> None:
    iam = FakeIam(["prod-ml"])
    spoke = reads(iam)
    readers = spoke.reads_in(SPOKE.account, SPOKE.region)
    assert readers is not None and readers.console_role == "OnCall"
    assert readers.account_name() == "prod-ml" and readers.account_name() == "prod-ml"
    assert iam.calls == 1


def test_without_an_alias_the_organizations_name_else_the_id_alone() -> None:
    with_org = reads(FakeIam([]), organization="o-abcdefghij").reads_in(SPOKE.account, SPOKE.region)
    assert with_org is not None and with_org.account_name() == "Team Fraud (prod)"
    without = reads(FakeIam([])).reads_in(SPOKE.account, SPOKE.region)
    assert without is not None and without.account_name() is None


def test_a_failed_lookup_is_asked_again_at_the_next_alert() -> None:
    iam = FakeIam(["prod-ml"])
    readers = reads(iam, refuse=[True, False]).reads_in(SPOKE.account, SPOKE.region)
    assert readers is not None
    assert readers.account_name() is None  # refused: the alert shows the ID alone
    assert readers.account_name() == "prod-ml"


def test_the_single_account_path_loads_nothing_of_the_spokes() -> None:
    """A stack without spokes imports no STS, IAM or Organizations adapter at INIT (cold start
    unchanged), and its handlers never build a spoke client."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import sagewatch.handlers.onboard, sagewatch.handlers.notify, sagewatch.handlers.reconcile\n"
        "loaded = {m for m in sys.modules if m.startswith('sagewatch.')}\n"
        "spokes = {'sagewatch.adapters.sts', 'sagewatch.spoke_wiring', 'sagewatch.adapters.iam',\n"
        "          'sagewatch.adapters.organizations', 'sagewatch.core.fleet.spokes'}\n"
        "print(sorted(loaded & spokes))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


class FakeOrganizationsListing:
    def list_accounts(self, **_: Any) -> dict[str, Any]:
        return {"Accounts": [{"Id": "111111111111", "Status": "ACTIVE"}, {"Id": "333333333333", "Status": "ACTIVE"}]}


def test_organizations_accounts_leave_out_the_hub_unless_listed() -> None:
    from sagewatch.config import ReconcileConfig
    from sagewatch.spoke_wiring import spoke_accounts

    def config(*listed: str) -> ReconcileConfig:
        spokes = SpokeSettings(external_id="x" * 20, accounts=listed, organization_id="o-abcdefghij")
        return ReconcileConfig(account_id="111111111111", state_table="t", queue_url="q", spokes=spokes)

    org = FakeOrganizationsListing()
    assert spoke_accounts(config("222222222222"), org, sleep=lambda _: None) == ["222222222222", "333333333333"]
    assert spoke_accounts(config("111111111111"), org, sleep=lambda _: None) == ["111111111111", "333333333333"]
