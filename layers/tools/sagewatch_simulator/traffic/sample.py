"""A ready-made week: ten endpoints of every kind and one of each incident and non-incident.

For tests, benchmarks and as a starting point for scenario suites; nothing depends on its numbers.
``start`` should be a Monday 00:00 UTC so the week's days line up with the traffic profiles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sagewatch_simulator.traffic.components import ComponentHosting, ComponentStep
from sagewatch_simulator.traffic.drift import drifted_features, run_drift
from sagewatch_simulator.traffic.model import (
    AsyncSettings,
    Endpoint,
    EndpointKind,
    Fleet,
    Incident,
    IncidentKind,
    LatencyProfile,
    ServerlessSettings,
    TrafficProfile,
    Update,
    Variant,
)

_DAY = timedelta(days=1)
_HOUR = timedelta(hours=1)
_MINUTE = timedelta(minutes=1)

_RT = EndpointKind.REALTIME
_SL = EndpointKind.SERVERLESS
_AS = EndpointKind.ASYNC


def sample_fleet(start: datetime, seed: int = 7) -> Fleet:
    office = TrafficProfile(peak_rpm=300, night_start_hour=22, night_end_hour=6, weekend_factor=0.3)
    gpu_latency = LatencyProfile(model_median_ms=180, model_sigma=0.5, overhead_median_ms=4)
    batchy = LatencyProfile(model_median_ms=20_000, model_sigma=0.4, overhead_median_ms=5)
    return Fleet(
        seed=seed,
        endpoints=(
            Endpoint("fraud-scorer", _RT, (Variant("AllTraffic", "ml.m5.xlarge", 2, capacity_rpm=400),), office),
            Endpoint(
                "search-ranker",
                _RT,
                (Variant("AllTraffic", "ml.c5.2xlarge", 3, capacity_rpm=900),),
                TrafficProfile(peak_rpm=1500, night_start_hour=23, night_end_hour=5),
                update=Update(
                    start + 3 * _DAY + 10 * _HOUR,
                    (Variant("AllTraffic", "ml.c6i.2xlarge", 3, capacity_rpm=1100),),
                ),
            ),
            Endpoint(
                "llm-chat",
                _RT,
                (
                    Variant("blue", "ml.g5.12xlarge", 2, weight=0.8, capacity_rpm=120, latency=gpu_latency),
                    Variant("green", "ml.g5.12xlarge", 1, weight=0.2, capacity_rpm=120, latency=gpu_latency),
                ),
                TrafficProfile(peak_rpm=150, night_start_hour=1, night_end_hour=7),
            ),
            Endpoint(
                "image-tagger",
                _RT,
                (
                    Variant("AllTraffic", "ml.g4dn.xlarge", 2, capacity_rpm=200, latency=gpu_latency),
                ),  # 300 rpm peak: 75 %
                office,
            ),
            Endpoint(
                "recommender",
                _RT,
                (Variant("AllTraffic", "ml.m5.2xlarge", 2, capacity_rpm=800),),
                TrafficProfile(peak_rpm=600, night_start_hour=0, night_end_hour=0),  # never quite idle
            ),
            Endpoint(
                "intent-classifier",
                _SL,
                (Variant("AllTraffic", None),),
                TrafficProfile(peak_rpm=40, night_start_hour=20, night_end_hour=8),
                serverless=ServerlessSettings(memory_mb=3072, max_concurrency=10),
            ),
            Endpoint(
                "pdf-extractor",
                _AS,
                (Variant("AllTraffic", "ml.m5.xlarge", 1, capacity_rpm=10, latency=batchy),),
                TrafficProfile(peak_rpm=3, night_start_hour=19, night_end_hour=7),
                asynchronous=AsyncSettings(requests_per_instance_minute=4, min_instances=0, scale_in_idle_minutes=30),
                # A batch model (20 s median): its owners set the latency alarm's threshold to a minute.
                tags=(("sagewatch:alarm:model-latency-p99", "60000"),),
            ),
            Endpoint(
                "quarterly-forecast",
                _RT,
                (Variant("AllTraffic", "ml.t2.medium", 1, capacity_rpm=60),),
                TrafficProfile(peak_rpm=0.05),  # idle nearly all the time
            ),
            Endpoint(
                "churn-v2",
                _RT,
                (Variant("AllTraffic", "ml.m5.large", 1, capacity_rpm=300),),
                office,
                created_at=start + 2 * _DAY + 9 * _HOUR,
            ),
            Endpoint(
                "legacy-scorer",
                _RT,
                (Variant("AllTraffic", "ml.m4.xlarge", 1, capacity_rpm=300),),
                office,
                deleted_at=start + 4 * _DAY + 15 * _HOUR,
            ),
        ),
    )


def sample_incidents(start: datetime) -> tuple[Incident, ...]:
    """Ten incidents (one flapping, one a quiet endpoint's latency regression, one a data drift
    seen by fraud-scorer's hourly data-quality runs: see :func:`sample_model_monitor`) and the
    non-incidents that can be injected."""
    day = start
    return (
        Incident(IncidentKind.LATENCY_REGRESSION, "fraud-scorer", day + 10 * _HOUR, day + 11 * _HOUR, 40.0),
        Incident(
            IncidentKind.ERROR_5XX_BURST,
            "search-ranker",
            day + _DAY + 14 * _HOUR,
            day + _DAY + 14 * _HOUR + 20 * _MINUTE,
            0.3,
        ),
        Incident(IncidentKind.CLIENT_4XX, "recommender", day + _DAY + 9 * _HOUR, day + _DAY + 10 * _HOUR, 0.4),
        Incident(
            IncidentKind.GPU_MEMORY_CREEP,
            "llm-chat",
            day + 2 * _DAY + 8 * _HOUR,
            day + 2 * _DAY + 16 * _HOUR,
            6.0,
            variant="blue",
        ),
        Incident(
            IncidentKind.DISK_FILLING, "image-tagger", day + 3 * _DAY + 6 * _HOUR, day + 3 * _DAY + 18 * _HOUR, 7.0
        ),
        Incident(
            IncidentKind.ASYNC_NO_CAPACITY, "pdf-extractor", day + 4 * _DAY + 8 * _HOUR, day + 4 * _DAY + 9 * _HOUR, 1.0
        ),
        # A quiet endpoint's latency regression (3 requests a minute at most): a 60 s p99 would
        # need 1,000 samples a minute and never fire; the fitted latency alarm must.
        Incident(
            IncidentKind.LATENCY_REGRESSION,
            "pdf-extractor",
            day + _DAY + 10 * _HOUR,
            day + _DAY + 12 * _HOUR,
            4.0,
            label="quiet-endpoint latency regression",
        ),
        Incident(
            IncidentKind.SLOW_COLD_STARTS,
            "intent-classifier",
            day + 4 * _DAY + 8 * _HOUR,
            day + 4 * _DAY + 12 * _HOUR,
            5.0,
        ),
        Incident(
            IncidentKind.ERROR_5XX_BURST,
            "fraud-scorer",
            day + 5 * _DAY + 11 * _HOUR,
            day + 5 * _DAY + 13 * _HOUR,
            0.25,
            flap=(4, 6),
            label="flapping 5XX",
        ),
        Incident(
            IncidentKind.DATA_DRIFT,
            "fraud-scorer",
            day + 2 * _DAY + 9 * _HOUR,
            day + 2 * _DAY + 12 * _HOUR,
            0.35,
            feature="amount",
            label="data drift (amount)",
        ),
        Incident(
            IncidentKind.BAD_MINUTE,
            "recommender",
            day + 2 * _DAY + 15 * _HOUR,
            day + 2 * _DAY + 15 * _HOUR + _MINUTE,
            0.5,
        ),
        Incident(
            IncidentKind.DEPLOY_BLIP,
            "search-ranker",
            day + 3 * _DAY + 10 * _HOUR + 8 * _MINUTE,
            day + 3 * _DAY + 10 * _HOUR + 10 * _MINUTE,
            0.02,
        ),
    )


@dataclass(frozen=True)
class PlannedRun:
    """One hourly run of a :class:`MonitoringPlan`: its status, the violations its report lists
    (feature, constraint check) and the drift distances it publishes (none when it failed)."""

    status: str
    violations: tuple[tuple[str, str], ...] = ()
    drift: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class MonitoringPlan:
    """A Model Monitor schedule on one endpoint, run every hour; the runs that go wrong.

    ``bad_runs``: ScheduledTime (the hour) → ``CompletedWithViolations`` or ``Failed``, whatever
    the data says. ``violations``: the features such a violations run reports, under
    ``violation_check`` (not a drift check: those runs' drift metrics stay quiet, so no drift
    alarm is raised that no incident explains). Every run that does not fail publishes each of
    ``features``' drift distance (``model_monitor.runs.data_quality_run``); a data-drift incident on the
    endpoint moves one above Model Monitor's threshold, and such a run completes with a
    ``baseline_drift_check`` violation for it, as Model Monitor's own check would.
    """

    endpoint: str
    schedule: str
    bad_runs: dict[datetime, str] = field(default_factory=dict)
    violations: tuple[str, ...] = ("tenure_months", "plan_type", "monthly_charges")
    monitoring_type: str = "DataQuality"
    features: tuple[str, ...] = ("monthly_charges", "plan_type", "tenure_months")
    violation_check: str = "data_type_check"
    created_after: timedelta = timedelta(0)  # when the schedule is created, from the scenario's start

    def starts(self, scenario_start: datetime) -> datetime:
        """When the schedule is created; its first run is at the next hour boundary."""
        return scenario_start + self.created_after

    def run_at(self, scheduled: datetime, incidents: tuple[Incident, ...] = ()) -> PlannedRun:
        """The run scheduled at ``scheduled`` (the hour), given the scenario's incidents."""
        planned = self.bad_runs.get(scheduled)
        if planned == "Failed":
            return PlannedRun("Failed")
        drift = run_drift(self.endpoint, self.features, incidents, scheduled)
        violations = [(feature, "baseline_drift_check") for feature in drifted_features(drift)]
        if planned == "CompletedWithViolations":
            violations += [(feature, self.violation_check) for feature in self.violations]
        return PlannedRun("CompletedWithViolations" if violations else "Completed", tuple(violations), drift)


def sample_model_monitor(start: datetime) -> MonitoringPlan:
    """An hourly data-quality schedule on fraud-scorer (serving all week) over four features,
    created on Monday at 12:10: its first run is at 13:00, and only then do its drift metrics, and
    so its drift alarms, exist (AWS's order). Tuesday 16:00's run finds a data-type violation,
    Thursday 04:00's run fails, and Wednesday 09:00-11:00's runs find ``amount`` drifted (the
    data-drift incident of :func:`sample_incidents`); the other 150 runs are clean."""
    return MonitoringPlan(
        "fraud-scorer",
        "fraud-scorer-data-quality",
        {start + _DAY + 16 * _HOUR: "CompletedWithViolations", start + 3 * _DAY + 4 * _HOUR: "Failed"},
        violations=("merchant_category",),
        features=("amount", "card_age_days", "merchant_category", "transaction_hour"),
        created_after=12 * _HOUR + 10 * _MINUTE,
    )


def sample_component_hosting(start: datetime) -> ComponentHosting:
    """An endpoint hosting two inference components; a third is added on Wednesday morning and
    removed on Friday afternoon, through their CloudTrail events. It carries no traffic, so its
    alarms stay without data and page nobody: the week checks that they come and go."""
    return ComponentHosting(
        endpoint="llm-hub",
        variant="AllTraffic",
        instance_type="ml.g5.12xlarge",
        instance_count=1,
        components=("llama-ic", "mistral-ic"),
        steps=(
            ComponentStep(start + 2 * _DAY + 11 * _HOUR, "create", "qwen-ic"),
            ComponentStep(start + 4 * _DAY + 16 * _HOUR, "delete", "qwen-ic"),
        ),
    )
