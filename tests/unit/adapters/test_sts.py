"""Clients acting in a spoke through its role: assumed once, kept until shortly before expiry,
refused as a typed error naming account and region and never the external ID."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import botocore.session
import pytest

from sagewatch.adapters.sts import REFRESH_BEFORE_SECONDS, SpokeClients
from sagewatch.core.shared.errors import SpokeAccessError
from sagewatch.core.shared.places import Place
from tests.fakes.aws import FakeSts

EXTERNAL_ID = "a-long-random-external-id-value"
SPOKE = Place("222222222222", "eu-west-1")
ROLE = "arn:aws:iam::222222222222:role/SageWatch-spoke-eu-west-1"


class FakeSession:
    def __init__(self, sts: FakeSts) -> None:
        self.sts = sts
        self.config: dict[str, str] = {}
        self.made: list[tuple[str, str | None, str | None]] = []

    def set_config_variable(self, name: str, value: str) -> None:
        self.config[name] = value

    def create_client(self, service: str, region_name: str | None = None, **kwargs: Any) -> Any:
        self.made.append((service, region_name, kwargs.get("aws_access_key_id")))
        if service == "sts":
            return self.sts
        return SimpleNamespace(service=service, region=region_name, key=kwargs["aws_access_key_id"])


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def clients(sts: FakeSts, clock: Clock) -> tuple[SpokeClients, FakeSession]:
    session = FakeSession(sts)
    made = SpokeClients(
        prefix="SageWatch",
        external_id=EXTERNAL_ID,
        hub_region="us-east-1",
        session=lambda: cast("botocore.session.Session", session),
        wall_clock=clock,
    )
    return made, session


def test_the_role_is_assumed_once_with_the_external_id_at_the_regional_endpoint() -> None:
    clock = Clock()
    sts = FakeSts({ROLE: EXTERNAL_ID}, now=clock)
    spoke, session = clients(sts, clock)
    cloudwatch = spoke.client(SPOKE, "cloudwatch")
    assert (cloudwatch.service, cloudwatch.region) == ("cloudwatch", "eu-west-1")
    assert cloudwatch.key == "ASIA0000000000000001"
    assert spoke.client(SPOKE, "cloudwatch") is cloudwatch
    spoke.client(SPOKE, "sagemaker")
    assert len(sts.calls) == 1
    assert sts.calls[0]["RoleArn"] == ROLE and sts.calls[0]["ExternalId"] == EXTERNAL_ID
    assert session.config["sts_regional_endpoints"] == "regional"
    assert ("sts", "us-east-1", None) in session.made  # the hub's region


def test_credentials_are_assumed_again_shortly_before_they_expire() -> None:
    clock = Clock()
    sts = FakeSts({ROLE: EXTERNAL_ID}, now=clock)
    spoke, _ = clients(sts, clock)
    first = spoke.deferred(SPOKE, "cloudwatch")
    assert first.key == "ASIA0000000000000001"  # looked up through the stand-in
    clock.now += 3600 - REFRESH_BEFORE_SECONDS - 1
    assert spoke.client(SPOKE, "cloudwatch").key == "ASIA0000000000000001"
    clock.now += 2
    assert first.key == "ASIA0000000000000002"  # the stand-in now reaches the renewed client
    assert len(sts.calls) == 2


def test_each_account_region_has_its_own_role_and_credentials() -> None:
    clock = Clock()
    other = Place("333333333333", "us-west-2")
    sts = FakeSts({ROLE: EXTERNAL_ID, "arn:aws:iam::333333333333:role/SageWatch-spoke-us-west-2": EXTERNAL_ID})
    spoke, _ = clients(sts, clock)
    assert spoke.client(SPOKE, "cloudwatch").key != spoke.client(other, "cloudwatch").key
    assert spoke.client(other, "logs").region == "us-west-2"


def test_a_refused_role_names_account_and_region_and_never_the_external_id() -> None:
    clock = Clock()
    spoke, _ = clients(FakeSts({ROLE: "another-external-id-value"}), clock)
    with pytest.raises(SpokeAccessError) as raised:
        spoke.client(SPOKE, "cloudwatch")
    error = raised.value
    assert (error.account, error.region, error.code) == ("222222222222", "eu-west-1", "AccessDenied")
    assert "222222222222" in str(error) and "eu-west-1" in str(error) and ROLE in str(error)
    assert EXTERNAL_ID not in str(error) and EXTERNAL_ID not in repr(spoke)
