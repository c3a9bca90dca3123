"""Places (an account and a region) and the names and keys a hub derives from them."""

from __future__ import annotations

import pytest

from sagewatch.core.shared.places import (
    WORK_LANES,
    Place,
    place_or_none,
    scoped_key,
    spoke_role_arn,
    spoke_topic_arn,
    unscoped_key,
    work_group,
)

SPOKE = Place("222222222222", "eu-west-1")


def test_spoke_names_follow_the_spoke_template() -> None:
    assert spoke_role_arn("SageWatch", SPOKE) == "arn:aws:iam::222222222222:role/SageWatch-spoke-eu-west-1"
    assert spoke_topic_arn("SageWatch", SPOKE) == "arn:aws:sns:eu-west-1:222222222222:SageWatch-spoke-alerts"


def test_spoke_names_carry_the_partition_of_the_region() -> None:
    place = Place("333333333333", "cn-north-1")
    assert spoke_role_arn("sw", place).startswith("arn:aws-cn:iam::333333333333:role/sw-spoke-cn-north-1")
    assert spoke_topic_arn("sw", place) == "arn:aws-cn:sns:cn-north-1:333333333333:sw-spoke-alerts"


@pytest.mark.parametrize(("account", "region"), [("12345", "us-east-1"), ("222222222222", "Mars"), ("", "")])
def test_a_place_is_a_real_account_and_region(account: str, region: str) -> None:
    with pytest.raises(ValueError, match=r"account|region"):
        Place(account, region)
    assert place_or_none(account, region) is None


def test_hub_keys_stay_as_they_were_and_spoke_keys_never_collide() -> None:
    other = Place("444444444444", "eu-west-1")
    assert scoped_key(None, "fraud") == "fraud"
    assert scoped_key(SPOKE, "fraud") == "222222222222/eu-west-1/fraud"
    assert scoped_key(SPOKE, "fraud") != scoped_key(other, "fraud")
    # Each place reads back only its own keys.
    assert unscoped_key(SPOKE, "222222222222/eu-west-1/fraud") == "fraud"
    assert unscoped_key(other, "222222222222/eu-west-1/fraud") is None
    assert unscoped_key(None, "222222222222/eu-west-1/fraud") is None
    assert unscoped_key(None, "fraud") == "fraud"
    assert unscoped_key(None, "#reconcile") == "#reconcile"
    assert unscoped_key(SPOKE, "fraud") is None


def test_each_place_has_its_own_lanes_and_an_endpoint_always_the_same_one() -> None:
    names = [f"ep-{i:03d}" for i in range(200)]
    here = {work_group(None, None, n) for n in names}
    spoke = {work_group("222222222222", "eu-west-1", n) for n in names}
    # The hub's own place and each spoke: WORK_LANES groups each, never shared between places.
    assert here == {f"here#{lane}" for lane in range(WORK_LANES)}
    assert spoke == {f"222222222222/eu-west-1#{lane}" for lane in range(WORK_LANES)}
    assert work_group("222222222222", "us-east-1", "fraud").startswith("222222222222/us-east-1#")
    # Stable: every message of one endpoint is in one group (worked in order, never two at once).
    assert {work_group("222222222222", "eu-west-1", "fraud") for _ in range(5)} == {
        work_group("222222222222", "eu-west-1", "fraud")
    }
    # The lanes share the work roughly evenly.
    lanes = [work_group(None, None, n) for n in names]
    assert min(lanes.count(g) for g in here) > 60
    # A group ID is at most 128 characters of SQS's allowed set (alphanumerics and punctuation).
    assert len(work_group("222222222222", "us-gov-west-1", "x" * 63)) <= 128
