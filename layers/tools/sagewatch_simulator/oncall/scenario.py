"""The "week on call" scenarios: a fleet, what goes wrong in it, and the window to play.

Pure data (no AWS): :mod:`.runner` plays a scenario in the emulated account and :mod:`.scoring`
counts what people received. The week is the traffic simulator's sample (ten endpoints of every
kind, one deploy, one deletion, one creation, nine incidents incl. one that flaps and a data
drift seen by an hourly Model Monitor schedule, a bad minute, a deploy blip); the one-day
version keeps three endpoints, three incidents and two non-incidents, small enough for
``make test``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sagewatch_simulator.oncall.maintenance import MaintenanceWindow
from sagewatch_simulator.traffic import Fleet, Incident, IncidentKind
from sagewatch_simulator.traffic.components import ComponentHosting
from sagewatch_simulator.traffic.model import Update
from sagewatch_simulator.traffic.sample import (
    MonitoringPlan,
    sample_component_hosting,
    sample_fleet,
    sample_incidents,
    sample_model_monitor,
)

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Scenario:
    """A fleet played from ``start`` to ``end`` with ``incidents`` injected (paging or not)."""

    name: str
    fleet: Fleet
    incidents: tuple[Incident, ...]
    start: datetime
    end: datetime
    model_monitor: MonitoringPlan | None = None  # an hourly Model Monitor schedule and its bad runs
    # An inference-component endpoint whose components come and go (None: the scenario has none).
    components: ComponentHosting | None = None
    # Planned maintenance: the endpoint's alarms muted (alarm mute rules) while it lasts.
    maintenance: tuple[MaintenanceWindow, ...] = ()

    @property
    def days(self) -> float:
        return (self.end - self.start) / DAY

    @property
    def minutes(self) -> int:
        return int((self.end - self.start) / MINUTE)

    @property
    def paging(self) -> tuple[Incident, ...]:
        return tuple(incident for incident in self.incidents if incident.pages)


def monday_before(wall_now: datetime) -> datetime:
    """The latest Monday 00:00 UTC at least 8 days before ``wall_now``.

    The sample's traffic profiles line up with weekdays from a Monday, and a simulated week
    must end in the past: PutMetricData and PutLogEvents compare timestamps with the real clock
    (see docs/emulated-account.md, "The clock"). A week starting 8-14 days ago ends 1-7 days ago.
    """
    latest = (wall_now.astimezone(UTC) - 8 * DAY).replace(hour=0, minute=0, second=0, microsecond=0)
    return latest - latest.weekday() * DAY


def week_on_call(monday: datetime) -> Scenario:
    """Seven days of the sample fleet with every sample incident and non-incident, and Wednesday's
    planned maintenance of recommender (19:00-21:00, while it serves its evening traffic) with a
    5XX burst inside it that must reach nobody (the deploy is the sample's: search-ranker on
    Thursday)."""
    window, incident = maintenance_with_incident("recommender", monday + 2 * DAY + 19 * HOUR)
    return Scenario(
        "week",
        sample_fleet(monday),
        (*sample_incidents(monday), incident),
        monday,
        monday + 7 * DAY,
        sample_model_monitor(monday),
        components=sample_component_hosting(monday),
        maintenance=(window,),
    )


def maintenance_with_incident(endpoint: str, start: datetime) -> tuple[MaintenanceWindow, Incident]:
    """Two hours of planned maintenance from ``start``, and a 5XX burst from its 30th to its 50th
    minute: muted while it lasts, over before the window ends, so nobody is told (not paging)."""
    window = MaintenanceWindow(endpoint, start, start + 2 * HOUR)
    burst = Incident(
        IncidentKind.ERROR_5XX_BURST,
        endpoint,
        start + 30 * MINUTE,
        start + 50 * MINUTE,
        0.3,
        label="5XX during planned maintenance",
        expect_page=False,
    )
    return window, burst


ONE_DAY_ENDPOINTS = ("fraud-scorer", "recommender", "churn-v2")


def one_day_on_call(monday: datetime) -> Scenario:
    """One Monday of three sample endpoints: a latency regression, a 4XX bad client release and
    a 5XX burst; must not page: a single bad minute, a fresh endpoint's first minutes (churn-v2
    is created at 09:00) and a 5XX burst inside recommender's planned maintenance (19:00-21:00).
    fraud-scorer is deployed at 18:00 (UPDATING, IN_SERVICE 8 minutes later). The nights are
    idle, too."""
    fleet = sample_fleet(monday)
    kept = tuple(endpoint for endpoint in fleet.endpoints if endpoint.name in ONE_DAY_ENDPOINTS)
    created = monday + 9 * HOUR
    endpoints = tuple(
        replace(endpoint, created_at=created)
        if endpoint.name == "churn-v2"
        else replace(endpoint, update=Update(monday + 18 * HOUR, endpoint.variants))
        if endpoint.name == "fraud-scorer"
        else endpoint
        for endpoint in kept
    )
    window, in_maintenance = maintenance_with_incident("recommender", monday + 19 * HOUR)
    incidents = (
        Incident(IncidentKind.LATENCY_REGRESSION, "fraud-scorer", monday + 10 * HOUR, monday + 11 * HOUR, 40.0),
        Incident(IncidentKind.CLIENT_4XX, "recommender", monday + 12 * HOUR, monday + 13 * HOUR, 0.4),
        Incident(
            IncidentKind.ERROR_5XX_BURST,
            "churn-v2",
            monday + 14 * HOUR,
            monday + 14 * HOUR + 20 * MINUTE,
            0.3,
        ),
        Incident(IncidentKind.BAD_MINUTE, "recommender", monday + 15 * HOUR, monday + 15 * HOUR + MINUTE, 0.5),
        in_maintenance,
    )
    # fraud-scorer's hourly data-quality runs: 11:00 finds drift, 17:00 fails, the rest are clean.
    monitor = MonitoringPlan(
        "fraud-scorer",
        "fraud-scorer-data-quality",
        {monday + 11 * HOUR: "CompletedWithViolations", monday + 17 * HOUR: "Failed"},
    )
    return Scenario(
        "one day", Fleet(endpoints, fleet.seed), incidents, monday, monday + DAY, monitor, maintenance=(window,)
    )
