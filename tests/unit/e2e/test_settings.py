"""The opt-in for a real account (tests/e2e/settings.py): nothing runs against AWS by accident."""

from __future__ import annotations

import pytest

from tests.e2e.settings import AwsSettings, RefusedError

READY = {"SAGEWATCH_E2E_REGION": "eu-west-1", "SAGEWATCH_E2E_CONFIRM": "yes"}


def settings(environ: dict[str, str], *, credentials: bool = True) -> AwsSettings:
    return AwsSettings.from_environ(environ, has_credentials=lambda profile, region: credentials)


def test_without_a_region_it_refuses_and_says_what_to_set() -> None:
    with pytest.raises(RefusedError, match="SAGEWATCH_E2E_REGION"):
        settings({"SAGEWATCH_E2E_CONFIRM": "yes"})


def test_a_region_that_is_not_one_is_refused() -> None:
    with pytest.raises(RefusedError, match="not a region code"):
        settings({**READY, "SAGEWATCH_E2E_REGION": "Ireland"})


@pytest.mark.parametrize("confirm", ["", "no", "y", "true"])
def test_without_the_cost_confirmation_it_refuses(confirm: str) -> None:
    with pytest.raises(RefusedError, match="SAGEWATCH_E2E_CONFIRM=yes"):
        settings({**READY, "SAGEWATCH_E2E_CONFIRM": confirm})


def test_without_credentials_it_refuses_naming_where_it_looked() -> None:
    with pytest.raises(RefusedError, match="no credentials found in profile 'ml-sandbox'"):
        settings({**READY, "SAGEWATCH_E2E_PROFILE": "ml-sandbox"}, credentials=False)
    with pytest.raises(RefusedError, match="the environment or the default profile"):
        settings(READY, credentials=False)


def test_accepted_settings_take_the_profile_region_and_overrides() -> None:
    seen: list[tuple[str | None, str]] = []

    def has_credentials(profile: str | None, region: str) -> bool:
        seen.append((profile, region))
        return True

    accepted = AwsSettings.from_environ(
        {**READY, "AWS_PROFILE": "default-one", "SAGEWATCH_E2E_PROFILE": "ml-sandbox", "SAGEWATCH_E2E_SAM": "/opt/sam"},
        has_credentials=has_credentials,
    )
    assert seen == [("ml-sandbox", "eu-west-1")]
    assert (accepted.region, accepted.profile, accepted.sam, accepted.image_uri) == (
        "eu-west-1",
        "ml-sandbox",
        "/opt/sam",
        None,
    )
    assert settings({**READY, "AWS_PROFILE": "team"}).profile == "team"
    assert settings(READY).sam.endswith(".venv-sam/bin/sam")
