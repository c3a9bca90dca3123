"""The fleet description: traffic profiles, incident windows and flapping, validation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sagewatch_simulator.traffic import Endpoint, EndpointKind, Fleet, Incident, IncidentKind, TrafficProfile, Variant
from tests.unit.simulator.traffic.helpers import HOUR, MINUTE, MONDAY, realtime


def test_nights_are_idle_and_the_day_peaks_at_peak_hour() -> None:
    profile = TrafficProfile(peak_rpm=100, night_start_hour=22, night_end_hour=6, peak_hour=14, day_floor=0.2)
    assert profile.rate_rpm(MONDAY + 23 * HOUR) == 0
    assert profile.rate_rpm(MONDAY + 3 * HOUR) == 0
    assert profile.rate_rpm(MONDAY + 6 * HOUR) == pytest.approx(20)
    assert profile.rate_rpm(MONDAY + 14 * HOUR) == pytest.approx(100)
    assert 20 < profile.rate_rpm(MONDAY + 10 * HOUR) < 100


def test_weekends_scale_traffic() -> None:
    profile = TrafficProfile(peak_rpm=100, weekend_factor=0.25)
    saturday = MONDAY + timedelta(days=5)
    assert profile.rate_rpm(saturday + 14 * HOUR) == pytest.approx(25)


def test_a_profile_without_night_is_never_idle() -> None:
    profile = TrafficProfile(peak_rpm=100, night_start_hour=0, night_end_hour=0)
    assert all(profile.rate_rpm(MONDAY + h * HOUR) > 0 for h in range(24))


def test_flapping_incident_follows_its_on_off_pattern() -> None:
    incident = Incident(IncidentKind.ERROR_5XX_BURST, "svc", MONDAY, MONDAY + HOUR, 0.5, flap=(2, 3))
    pattern = [incident.active(MONDAY + m * MINUTE) for m in range(10)]
    assert pattern == [True, True, False, False, False, True, True, False, False, False]
    assert not incident.active(MONDAY + HOUR)
    assert not incident.active(MONDAY - MINUTE)


def test_whether_an_incident_should_page_defaults_by_kind() -> None:
    window = (MONDAY, MONDAY + MINUTE)
    assert Incident(IncidentKind.LATENCY_REGRESSION, "svc", *window, 5.0).pages
    assert not Incident(IncidentKind.BAD_MINUTE, "svc", *window, 0.5).pages
    assert not Incident(IncidentKind.DEPLOY_BLIP, "svc", *window, 0.5).pages
    assert not Incident(IncidentKind.ERROR_5XX_BURST, "svc", *window, 0.01, expect_page=False).pages


@pytest.mark.parametrize(
    "build",
    [
        lambda: Incident(IncidentKind.ERROR_5XX_BURST, "svc", MONDAY, MONDAY, 0.5),
        lambda: Incident(IncidentKind.ERROR_5XX_BURST, "svc", MONDAY, MONDAY + HOUR, 0.5, flap=(2,)),
        lambda: Endpoint("s", EndpointKind.SERVERLESS, (Variant("v", "ml.m5.large"),), TrafficProfile(1)),
        lambda: Endpoint("s", EndpointKind.REALTIME, (Variant("v", "ml.nope.large"),), TrafficProfile(1)),
        lambda: Endpoint("s", EndpointKind.REALTIME, (), TrafficProfile(1)),
        lambda: Fleet((realtime("a"), realtime("a"))),
        lambda: TrafficProfile(peak_rpm=-1),
        lambda: Incident(IncidentKind.DATA_DRIFT, "svc", MONDAY, MONDAY + HOUR, 0.3),  # which feature?
        lambda: Incident(IncidentKind.ERROR_5XX_BURST, "svc", MONDAY, MONDAY + HOUR, 0.3, feature="amount"),
    ],
)
def test_invalid_descriptions_are_refused(build: object) -> None:
    with pytest.raises(ValueError):
        build()  # type: ignore[operator]


def test_variant_shape_comes_from_the_products_instance_catalogue() -> None:
    assert Variant("v", "ml.g5.12xlarge").gpus == 4
    assert Variant("v", "ml.g5.12xlarge").vcpus == 48
    assert Variant("v", None).shape is None
