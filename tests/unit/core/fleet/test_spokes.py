"""Which account-regions a hub's reconcile covers."""

from __future__ import annotations

from sagewatch.core.fleet.spokes import resume_at, spoke_places
from sagewatch.core.shared.places import Place

HUB = Place("111111111111", "us-east-1")


def test_every_account_in_every_spoke_region_sorted_without_the_hubs_own_place() -> None:
    places = spoke_places(HUB, ["333333333333", "222222222222", "111111111111"], ["us-east-1", "eu-west-1"])
    assert places == (
        Place("111111111111", "eu-west-1"),  # the hub's account elsewhere is a spoke like any other
        Place("222222222222", "eu-west-1"),
        Place("222222222222", "us-east-1"),
        Place("333333333333", "eu-west-1"),
        Place("333333333333", "us-east-1"),
    )


def test_no_spoke_regions_means_the_hubs_region() -> None:
    assert spoke_places(HUB, ["222222222222", "222222222222"], []) == (Place("222222222222", "us-east-1"),)
    assert spoke_places(HUB, [], ["eu-west-1"]) == ()


def test_a_continuation_resumes_at_its_place_or_from_the_start() -> None:
    places = spoke_places(HUB, ["222222222222", "333333333333"], ["us-east-1"])
    assert resume_at(places, "333333333333", "us-east-1") == 1
    assert resume_at(places, "444444444444", "us-east-1") == 0  # no longer covered: start again
