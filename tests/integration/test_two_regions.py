"""Two SageWatch stacks in two regions of one account: dashboards are global per account.

PutDashboard API reference / CloudWatch user guide: dashboards belong to the account, not to a
region (their ARN has an empty region field). The emulated account keeps them so
(``sagewatch_emulator.cloudwatch.global_dashboards``); the second stack is a
``RegionalStack``: the template provisioned again in eu-west-1 of the same emulated account,
its functions run with that region's environment (only one EmulatedAccount opens per process).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from sagewatch_emulator import EmulatedAccount, VariantSpec
from sagewatch_emulator.regional_stack import RegionalStack
from sagewatch_emulator.sqs_event_source import drain_one_at_a_time

pytestmark = pytest.mark.integration

EAST, WEST = "us-east-1", "eu-west-1"
ENDPOINT = "fraud-scorer"
NO_SELF_INVOKE = {"SAGEWATCH_RECONCILE_SELF_INVOKE": "false"}


def in_service(region: str) -> dict[str, object]:
    return {
        "source": "aws.sagemaker",
        "detail-type": "SageMaker Endpoint State Change",
        "region": region,
        "detail": {"EndpointName": ENDPOINT, "EndpointStatus": "IN_SERVICE"},
    }


@pytest.fixture
def west(account: EmulatedAccount) -> Iterator[RegionalStack]:
    stack = RegionalStack(account, WEST, stack_name="sagewatch-west")
    yield stack
    stack.close()


def dashboards(account: EmulatedAccount) -> set[str]:
    entries = account.client("cloudwatch").list_dashboards(DashboardNamePrefix="SageWatch")["DashboardEntries"]
    return {entry["DashboardName"] for entry in entries}


def widget_regions(account: EmulatedAccount, name: str) -> set[str]:
    body = json.loads(account.client("cloudwatch").get_dashboard(DashboardName=name)["DashboardBody"])
    return {w["properties"]["region"] for w in body["widgets"] if "region" in w.get("properties", {})}


def test_the_emulated_account_keeps_dashboards_account_wide(account: EmulatedAccount, west: RegionalStack) -> None:
    account.client("cloudwatch").put_dashboard(DashboardName="made-in-east", DashboardBody='{"widgets": []}')
    seen_from_west = west.client("cloudwatch").list_dashboards()["DashboardEntries"]
    assert [entry["DashboardName"] for entry in seen_from_west] == ["made-in-east"]
    west.client("cloudwatch").delete_dashboards(DashboardNames=["made-in-east"])
    assert dashboards(account) == set()


def test_two_regional_stacks_keep_their_own_dashboards(account: EmulatedAccount, west: RegionalStack) -> None:
    variants = [VariantSpec("AllTraffic", "ml.m5.xlarge", 1)]
    account.create_endpoint(ENDPOINT, variants=variants)
    west.create_endpoint(ENDPOINT, variants=variants)  # the same name in the other region
    east_onboard = account.invoke("OnboardFunction", in_service(EAST))
    west_onboard = west.invoke("OnboardFunction", in_service(WEST))
    assert east_onboard.error is None and west_onboard.error is None, (east_onboard.error, west_onboard.error)
    east_board, west_board = f"SageWatch_{EAST}_{ENDPOINT}", f"SageWatch_{WEST}_{ENDPOINT}"
    # Neither overwrote the other: one dashboard each, each showing its own region.
    assert dashboards(account) == {east_board, west_board}
    assert widget_regions(account, east_board) == {EAST} and widget_regions(account, west_board) == {WEST}

    # A west-only endpoint: its dashboard must not look like an east orphan.
    west.create_endpoint("churn-model", variants=variants)
    assert (
        west.invoke(
            "OnboardFunction",
            {**in_service(WEST), "detail": {"EndpointName": "churn-model", "EndpointStatus": "IN_SERVICE"}},
        ).error
        is None
    )
    west_only = f"SageWatch_{WEST}_churn-model"

    # Reconcile in each region: the other region's dashboards are neither orphans nor drift.
    for run in (
        west.invoke("ReconcileFunction", {"sagewatch": "reconcile"}, environment=NO_SELF_INVOKE),
        account.invoke("ReconcileFunction", {"sagewatch": "reconcile"}, environment=NO_SELF_INVOKE),
    ):
        assert run.error is None, run.error
        assert set(run.response["by_kind"]) <= {"new"}, run.response  # no orphan, no drift
    worked = drain_one_at_a_time(account, environment={"SAGEWATCH_CLOUDWATCH_WRITE_TPS": "0"})
    assert worked.failed == []
    assert dashboards(account) == {east_board, west_board, west_only}
    # The fleet dashboards of the two stacks have different names too.
    assert account.physical_id("FleetDashboard") == f"SageWatch-{EAST}-fleet"
    assert west.physical_id("FleetDashboard") == f"SageWatch-{WEST}-fleet"


def test_an_old_style_dashboard_goes_when_its_successor_is_written(account: EmulatedAccount) -> None:
    account.create_endpoint(ENDPOINT, variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 1)])
    legacy = f"SageWatch_{ENDPOINT}"  # the name before dashboard names carried the region
    account.client("cloudwatch").put_dashboard(DashboardName=legacy, DashboardBody='{"widgets": []}')
    result = account.invoke("OnboardFunction", in_service(EAST))
    assert result.error is None, result.error
    assert dashboards(account) == {f"SageWatch_{EAST}_{ENDPOINT}"}
