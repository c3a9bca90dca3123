"""Dashboard names carry the region: dashboards are global per account (PutDashboard API
reference; their ARN has no region), alarms are regional."""

from __future__ import annotations

import re

from sagewatch.core.shared.naming import (
    dashboard_name,
    dashboard_prefix,
    endpoint_of_dashboard,
    legacy_dashboard_name,
)

# PutDashboard: "DashboardName ... can contain only alphanumerics, dash (-), and underscore (_)",
# up to 255 characters.
_VALID_DASHBOARD_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")


def test_the_same_endpoint_in_two_regions_gets_two_dashboards() -> None:
    east, west = dashboard_name("SageWatch", "us-east-1", "fraud"), dashboard_name("SageWatch", "eu-west-1", "fraud")
    assert (east, west) == ("SageWatch_us-east-1_fraud", "SageWatch_eu-west-1_fraud")
    assert east.startswith(dashboard_prefix("SageWatch", "us-east-1"))
    assert not west.startswith(dashboard_prefix("SageWatch", "us-east-1"))


def test_only_this_regions_dashboards_name_an_endpoint() -> None:
    assert endpoint_of_dashboard("SageWatch", "us-east-1", "SageWatch_us-east-1_fraud-v2") == "fraud-v2"
    assert endpoint_of_dashboard("SageWatch", "us-east-1", "SageWatch_eu-west-1_fraud") is None
    assert endpoint_of_dashboard("SageWatch", "us-east-1", legacy_dashboard_name("SageWatch", "fraud")) is None
    assert endpoint_of_dashboard("SageWatch", "us-east-1", "SageWatch-us-east-1-fleet") is None


def test_the_longest_name_is_a_valid_dashboard_name() -> None:
    longest = dashboard_name("P" * 32, "ap-southeast-7", "e" * 63)
    assert _VALID_DASHBOARD_NAME.match(longest) and len(longest) < 255
    assert endpoint_of_dashboard("P" * 32, "ap-southeast-7", longest) == "e" * 63
