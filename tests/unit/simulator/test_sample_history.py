"""The simulated history behind `sagewatch backtest --emulated`: its window and its incident."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sagewatch_simulator.sample_account import COMPONENT_ENDPOINT, endpoint_names
from sagewatch_simulator.sample_history import check_window, default_end, incidents, sample_twins
from sagewatch_simulator.traffic import IncidentKind

NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


def test_the_window_ends_at_the_last_midnight_two_hours_back() -> None:
    assert default_end(NOW) == datetime(2026, 12, 7, tzinfo=UTC)
    # Just after midnight the sample account's own recent minutes would fall in the window.
    assert default_end(datetime(2026, 12, 7, 1, 0, tzinfo=UTC)) == datetime(2026, 12, 6, tzinfo=UTC)


def test_the_incident_is_on_the_last_day_at_13_utc() -> None:
    (incident,) = incidents(datetime(2026, 12, 7, tzinfo=UTC))
    assert incident.kind is IncidentKind.LATENCY_REGRESSION and incident.endpoint == "fraud-scorer"
    assert (incident.start, incident.end - incident.start) == (
        datetime(2026, 12, 6, 13, tzinfo=UTC),
        timedelta(minutes=40),
    )
    (same_day,) = incidents(datetime(2026, 12, 7, 18, tzinfo=UTC))
    assert same_day.start == datetime(2026, 12, 7, 13, tzinfo=UTC)


def test_putmetricdata_takes_two_weeks_of_history_and_nothing_from_the_future() -> None:
    end = default_end(NOW)
    assert check_window(end - timedelta(days=7), end, NOW) is None
    assert "two weeks" in str(check_window(end - timedelta(days=15), end, NOW))
    assert "future" in str(check_window(NOW, NOW + timedelta(hours=1), NOW))


def test_every_sample_endpoint_but_the_component_host_has_a_simulated_twin() -> None:
    assert [twin.name for twin in sample_twins(NOW)] == [n for n in endpoint_names() if n != COMPONENT_ENDPOINT]
