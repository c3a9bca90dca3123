"""The run's names (tests/e2e/naming.py): unique, inside every limit, and owning only the run's things."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.e2e.naming import NotARunPrefixError, RunNames, check_prefix, new_prefix

NOW = datetime(2026, 12, 7, 2, 45, tzinfo=UTC)


def test_a_new_prefix_has_the_suite_shape_and_is_a_valid_name_prefix() -> None:
    prefix = new_prefix(NOW, "a1b2")
    assert prefix == "sw-e2e-12070245-a1b2"
    # template.yaml's NamePrefix AllowedPattern
    assert re.fullmatch(r"^[A-Za-z][A-Za-z0-9-]{0,31}$", prefix)
    assert re.fullmatch(r"sw-e2e-12070245-[0-9a-f]{4}", new_prefix(NOW))


@pytest.mark.parametrize("prefix", ["SageWatch", "sw-e2e-", "sw-e2e-1207-a1b2", "sw-e2e-12070245-A1B2", "prod"])
def test_only_the_suite_prefixes_are_accepted(prefix: str) -> None:
    with pytest.raises(NotARunPrefixError, match="refusing"):
        check_prefix(prefix)


def test_every_name_derives_from_the_prefix_within_its_service_limit() -> None:
    names = RunNames("sw-e2e-12070245-a1b2", "ap-southeast-2")
    assert names.stack == "sw-e2e-12070245-a1b2"
    assert names.fixtures_stack == "sw-e2e-12070245-a1b2-fixtures"
    assert names.endpoint == "sw-e2e-12070245-a1b2-ep" and len(names.endpoint) <= 63  # SageMaker
    assert names.webhook_secret.startswith("sagewatch/")  # SlackSecretNamePrefix default
    assert names.endpoint_alarm_prefix == "sw-e2e-12070245-a1b2/sw-e2e-12070245-a1b2-ep/"
    assert names.endpoint_dashboard == "sw-e2e-12070245-a1b2_ap-southeast-2_sw-e2e-12070245-a1b2-ep"
    # The longest function name template.yaml builds from the stack name: Lambda allows 64.
    assert len(f"{names.stack}-fleet-widget") <= 64
    assert names.tag == {"Key": "sagewatch-e2e", "Value": "sw-e2e-12070245-a1b2"}


def test_a_run_owns_its_alarms_and_dashboards_and_no_one_elses() -> None:
    names = RunNames("sw-e2e-12070245-a1b2", "eu-west-1")
    assert names.owns_alarm("sw-e2e-12070245-a1b2/sw-e2e-12070245-a1b2-ep/AllTraffic/invocation-5xx-rate")
    assert names.owns_alarm("sw-e2e-12070245-a1b2-notify-errors")
    assert names.owns_dashboard("sw-e2e-12070245-a1b2_eu-west-1_sw-e2e-12070245-a1b2-ep")
    assert names.owns_dashboard("sw-e2e-12070245-a1b2-eu-west-1-fleet")
    for other in ("SageWatch/fraud/AllTraffic/cpu-utilization", "sw-e2e-12070245-a1b20/x/y/z", "sw-e2e-12070245-a1b"):
        assert not names.owns_alarm(other)
    assert not names.owns_dashboard("SageWatch_eu-west-1_fraud")
