"""The week-on-call scorer: every delivered message is an incident's ALARM, its resolution, or noise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sagewatch_simulator.oncall.records import AlarmNotice, Delivery, message_ids_in
from sagewatch_simulator.oncall.routing import Routing, pages
from sagewatch_simulator.oncall.scoring import NoiseCategory, score
from sagewatch_simulator.traffic import Endpoint, EndpointKind, Fleet, Incident, IncidentKind, TrafficProfile, Variant

MONDAY = datetime(2026, 11, 2, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
TEN = MONDAY + 10 * HOUR
LATENCY = "SageWatch/fraud-scorer/AllTraffic/model-latency-p99"
ERRORS = "SageWatch/fraud-scorer/AllTraffic/invocation-5xx-rate"
CPU = "SageWatch/fraud-scorer/AllTraffic/cpu-utilization"
DISK = "SageWatch/fraud-scorer/AllTraffic/disk-utilization"


def _endpoint(name: str = "fraud-scorer", **kwargs: object) -> Endpoint:
    return Endpoint(
        name,
        EndpointKind.REALTIME,
        (Variant("AllTraffic", "ml.m5.xlarge", 2),),
        TrafficProfile(peak_rpm=300),
        **kwargs,  # type: ignore[arg-type]
    )


FLEET = Fleet((_endpoint(), _endpoint("churn-v2", created_at=MONDAY + 9 * HOUR)))
REGRESSION = Incident(IncidentKind.LATENCY_REGRESSION, "fraud-scorer", TEN, TEN + HOUR, 40.0)
BAD_MINUTE = Incident(IncidentKind.BAD_MINUTE, "fraud-scorer", TEN + 3 * HOUR, TEN + 3 * HOUR + MINUTE, 0.5)


class _Log:
    """Notifications and deliveries written the way a run records them."""

    def __init__(self) -> None:
        self.notices: list[AlarmNotice] = []
        self.deliveries: list[Delivery] = []
        self._ts = 0

    def notice(self, alarm: str, old: str, new: str, at: datetime, reason: str = "") -> str:
        message_id = f"00000000-0000-4000-8000-{len(self.notices):012d}"
        self.notices.append(AlarmNotice(message_id, alarm, old, new, at, 60, 3, reason))
        return message_id

    def deliver(self, at: datetime, *ids: str, thread_ts: str | None = None, destination: str = "slack") -> str:
        self._ts += 1
        ts = f"1700000000.{self._ts:06d}"
        self.deliveries.append(Delivery(destination, at, ids, ts=ts, thread_ts=thread_ts))
        return ts

    def sent(self, alarm: str, old: str, new: str, at: datetime, thread_ts: str | None = None) -> str:
        return self.deliver(at, self.notice(alarm, old, new, at), thread_ts=thread_ts)


def test_an_incident_alarm_and_its_resolution_count_for_the_incident_and_nothing_is_noise() -> None:
    log = _Log()
    alarm_ts = log.sent(LATENCY, "OK", "ALARM", TEN + 3 * MINUTE)
    log.sent(LATENCY, "ALARM", "OK", TEN + HOUR + 3 * MINUTE, thread_ts=alarm_ts)

    result = score(FLEET, [REGRESSION], log.notices, log.deliveries, threaded_mode=True)

    [incident] = result.incidents
    assert incident.alerted and incident.minutes_to_alert == 3.0 and incident.ok_delivered
    assert incident.allowed_minutes == 5.0 and incident.within_target  # M=3 x 1 min + 2
    assert (dict(incident.alarm_messages), dict(incident.ok_messages)) == ({"slack": 1}, {"slack": 1})
    assert incident.unthreaded_oks == 0
    assert result.noise == [] and result.not_one_alarm_one_ok() == []
    assert result.summary() == {
        "incidents": 1,
        "alerted": 1,
        "missed": 0,
        "noise_messages": 0,
        "messages": 2,
        "median_minutes_to_alert": 3.0,
        "max_minutes_to_alert": 3.0,
        "ok_delivered": 1,
        "incidents_with_one_alarm_one_ok": 1,
    }


def test_a_first_evaluation_ok_is_noise_and_a_missed_incident_is_counted() -> None:
    log = _Log()
    log.sent(LATENCY, "INSUFFICIENT_DATA", "OK", MONDAY + MINUTE)

    result = score(FLEET, [REGRESSION], log.notices, log.deliveries)

    assert [n.category for n in result.noise] == [NoiseCategory.FIRST_EVALUATION_OK]
    assert [s.incident for s in result.missed] == [REGRESSION]
    assert result.summary()["median_minutes_to_alert"] is None and result.ok_delivered == 0


def test_alarms_raised_by_non_incidents_or_nothing_are_noise_and_so_are_the_oks_ending_them() -> None:
    log = _Log()
    log.sent(ERRORS, "OK", "ALARM", BAD_MINUTE.start + 2 * MINUTE)  # a bad minute must not page
    log.sent(ERRORS, "ALARM", "OK", BAD_MINUTE.start + 5 * MINUTE)
    log.sent(CPU, "OK", "ALARM", TEN + 5 * MINUTE)  # during the regression, but CPU is not what broke
    log.sent("SageWatch/churn-v2/AllTraffic/model-latency-p99", "OK", "ALARM", MONDAY + 9 * HOUR + 4 * MINUTE)

    result = score(FLEET, [REGRESSION, BAD_MINUTE], log.notices, log.deliveries)

    assert [(n.category, n.detail) for n in result.noise] == [  # in delivery order
        (NoiseCategory.NEW_ENDPOINT, "churn-v2"),
        (NoiseCategory.UNEXPLAINED_ALARM, "cpu-utilization"),
        (NoiseCategory.NON_INCIDENT, "single-bad-minute"),
        (NoiseCategory.END_OF_NOISE, "single-bad-minute"),
    ]
    assert len(result.incidents) == 1 and result.alerted == 0  # the bad minute is not an incident to catch


def test_a_digest_carrying_an_incident_alarm_belongs_to_the_incident() -> None:
    log = _Log()
    bogus = log.notice(CPU, "INSUFFICIENT_DATA", "OK", TEN + 3 * MINUTE)
    real = log.notice(LATENCY, "OK", "ALARM", TEN + 3 * MINUTE)
    log.deliver(TEN + 3 * MINUTE, bogus, real)
    log.deliver(TEN + 4 * MINUTE, bogus)

    result = score(FLEET, [REGRESSION], log.notices, log.deliveries)

    assert result.alerted == 1 and result.messages == 2
    assert [n.category for n in result.noise] == [NoiseCategory.FIRST_EVALUATION_OK]


def test_bot_mode_counts_an_ok_outside_its_alarms_thread_and_a_missing_ok() -> None:
    log = _Log()
    log.sent(LATENCY, "OK", "ALARM", TEN + 3 * MINUTE)
    log.sent(LATENCY, "ALARM", "OK", TEN + HOUR + 3 * MINUTE, thread_ts=None)  # top level, not threaded
    log.sent(LATENCY, "OK", "ALARM", TEN + HOUR + 5 * MINUTE)  # back in ALARM: the incident's again, no OK

    [incident] = score(FLEET, [REGRESSION], log.notices, log.deliveries, threaded_mode=True).incidents

    assert incident.unthreaded_oks == 1
    assert not incident.ok_delivered  # the last ALARM was never resolved
    assert dict(incident.alarm_messages) == {"slack": 2}


def test_each_destination_needs_its_own_ok() -> None:
    log = _Log()
    alarm = log.notice(LATENCY, "OK", "ALARM", TEN + 3 * MINUTE)
    ok = log.notice(LATENCY, "ALARM", "OK", TEN + HOUR)
    log.deliver(TEN + 3 * MINUTE, alarm)
    log.deliver(TEN + 3 * MINUTE, alarm, destination="email")
    log.deliver(TEN + HOUR, ok)

    result = score(FLEET, [REGRESSION], log.notices, log.deliveries)

    [incident] = result.incidents
    assert result.destinations == ("email", "slack")
    assert not incident.ok_delivered and result.not_one_alarm_one_ok() == [incident]


def test_a_flapping_incident_may_send_several_pairs_and_a_gradual_one_is_timed_from_its_crossing() -> None:
    flapping = Incident(IncidentKind.ERROR_5XX_BURST, "fraud-scorer", TEN, TEN + 2 * HOUR, 0.25, flap=(4, 6))
    disk = Incident(IncidentKind.DISK_FILLING, "fraud-scorer", MONDAY + 14 * HOUR, MONDAY + 20 * HOUR, 7.0)
    log = _Log()
    for cycle in range(3):
        at = TEN + cycle * 10 * MINUTE
        log.sent(ERRORS, "OK", "ALARM", at + 3 * MINUTE)
        log.sent(ERRORS, "ALARM", "OK", at + 7 * MINUTE)
    crossed = MONDAY + 17 * HOUR
    reason = (
        "Threshold Crossed: 3 out of the last 5 datapoints [91.0 (02/11/26 17:02:00), 90.5 (02/11/26 17:01:00), "
        "90.1 (02/11/26 17:00:00)] were greater than the threshold (90.0)."
    )
    log.deliver(crossed + 3 * MINUTE, log.notice(DISK, "OK", "ALARM", crossed + 3 * MINUTE, reason))

    result = score(FLEET, [flapping, disk], log.notices, log.deliveries)

    flap_score, disk_score = result.incidents
    assert dict(flap_score.alarm_messages) == {"slack": 3} and flap_score.ok_delivered
    assert result.not_one_alarm_one_ok() == [disk_score]  # flapping aside; the disk never came back
    assert disk_score.minutes_to_alert == 183.0  # from the incident's start
    assert disk_score.onset == crossed and disk_score.minutes_from_onset == 3.0 and disk_score.within_target


def test_message_ids_are_read_from_the_rendered_text_when_they_are_known() -> None:
    known = {"5b7c1c2e-1f0a-4c55-9f1e-2c3d4e5f6a7b": 1}
    twice = "5b7c1c2e-1f0a-4c55-9f1e-2c3d4e5f6a7b " * 2
    text = f"footer: {twice} and an unknown one: 00000000-0000-0000-0000-000000000000"
    assert message_ids_in(text, known) == ("5b7c1c2e-1f0a-4c55-9f1e-2c3d4e5f6a7b",)


def test_a_bad_model_monitor_run_is_its_own_alert_and_a_clean_runs_message_is_noise() -> None:
    from sagewatch_simulator.oncall.records import MonitorRunRecord

    violations = MonitorRunRecord("monitoring-run:arn:a", "dq", "CompletedWithViolations", TEN)
    failed = MonitorRunRecord("monitoring-run:arn:b", "dq", "Failed", TEN + HOUR)
    clean = MonitorRunRecord("monitoring-run:arn:c", "dq", "Completed", TEN + 2 * HOUR)
    log = _Log()
    log.deliver(TEN + 25 * MINUTE, violations.key)
    log.deliver(TEN + 2 * HOUR + 25 * MINUTE, clean.key)  # a clean run must tell nobody
    result = score(FLEET, (), log.notices, log.deliveries, monitor_runs=(violations, failed, clean))
    by_status = {r.run.status: r for r in result.monitor_runs}
    assert set(by_status) == {"CompletedWithViolations", "Failed"}
    assert by_status["CompletedWithViolations"].one_message(result.destinations)
    assert not by_status["Failed"].alerted
    assert [m.category for m in result.noise] == [NoiseCategory.CLEAN_MONITORING_RUN]
    assert result.summary()["monitor_runs_alerted"] == 1


BACKLOG = "SageWatch/fraud-scorer/AllTraffic/async-backlog-without-capacity"
AGE = "SageWatch/fraud-scorer/AllTraffic/async-oldest-request-age"
NO_CAPACITY = Incident(IncidentKind.ASYNC_NO_CAPACITY, "fraud-scorer", TEN, TEN + HOUR, 1.0)


def test_two_alarms_of_one_endpoint_told_as_one_thread_are_one_alarm_and_one_ok() -> None:
    log = _Log()
    top = log.sent(BACKLOG, "OK", "ALARM", TEN + 3 * MINUTE)
    log.sent(AGE, "OK", "ALARM", TEN + 5 * MINUTE, thread_ts=top)  # "Also firing"
    log.sent(BACKLOG, "ALARM", "OK", TEN + HOUR, thread_ts=top)  # "still firing: age"
    log.sent(AGE, "ALARM", "OK", TEN + HOUR + 4 * MINUTE, thread_ts=top)  # resolves the incident

    result = score(FLEET, [NO_CAPACITY], log.notices, log.deliveries, threaded_mode=True)

    [incident] = result.incidents
    assert (dict(incident.alarm_messages), dict(incident.ok_messages)) == ({"slack": 1}, {"slack": 1})
    assert incident.thread_updates == 2 and incident.unthreaded_oks == 0 and incident.ok_delivered
    assert sorted(set(incident.alarms)) == [BACKLOG, AGE]
    assert result.summary()["incidents_with_one_alarm_one_ok"] == 1 and result.noise == []


def test_two_alarms_of_one_endpoint_each_told_at_top_level_are_two_pairs() -> None:
    log = _Log()
    log.sent(BACKLOG, "OK", "ALARM", TEN + 3 * MINUTE)
    log.sent(AGE, "OK", "ALARM", TEN + 5 * MINUTE)
    log.sent(BACKLOG, "ALARM", "OK", TEN + HOUR)
    log.sent(AGE, "ALARM", "OK", TEN + HOUR + 4 * MINUTE)

    result = score(FLEET, [NO_CAPACITY], log.notices, log.deliveries)

    [incident] = result.incidents
    assert (dict(incident.alarm_messages), dict(incident.ok_messages)) == ({"slack": 2}, {"slack": 2})
    assert result.not_one_alarm_one_ok() == [incident] and result.summary()["incidents_with_one_alarm_one_ok"] == 0


def test_webhook_a_folded_second_alarm_and_a_silent_partial_ok_leave_one_pair() -> None:
    log = _Log()
    log.sent(BACKLOG, "OK", "ALARM", TEN + 3 * MINUTE)
    log.notice(AGE, "OK", "ALARM", TEN + 5 * MINUTE)  # folded: not delivered
    log.notice(BACKLOG, "ALARM", "OK", TEN + HOUR)  # silent: the age alarm still fires
    log.sent(AGE, "ALARM", "OK", TEN + HOUR + 4 * MINUTE)

    [incident] = score(FLEET, [NO_CAPACITY], log.notices, log.deliveries).incidents

    assert (dict(incident.alarm_messages), dict(incident.ok_messages)) == ({"slack": 1}, {"slack": 1})
    assert incident.ok_delivered


def test_a_drift_alarm_and_the_violations_runs_of_its_hours_belong_to_the_data_drift_incident() -> None:
    """Drift alarms are named `<key>.<schedule>.<feature>`: the suffix is not part of the
    catalogue key. The runs scheduled during the drift complete with violations: their messages
    count for the incident (not noise, not its first alert: that is the alarm's)."""
    from sagewatch_simulator.oncall.records import MonitorRunRecord

    drift = Incident(IncidentKind.DATA_DRIFT, "fraud-scorer", TEN, TEN + 2 * HOUR, 0.35, feature="amount")
    alarm = "SageWatch/fraud-scorer/_endpoint/feature-drift.fraud-dq.amount"
    violations = "CompletedWithViolations"
    during = MonitorRunRecord("monitoring-run:arn:d", "fraud-dq", violations, TEN, "fraud-scorer")
    later = MonitorRunRecord("monitoring-run:arn:e", "fraud-dq", violations, TEN + 5 * HOUR, "fraud-scorer")
    log = _Log()
    log.deliver(TEN + 25 * MINUTE, during.key)
    log.sent(alarm, "OK", "ALARM", TEN + 26 * MINUTE)
    log.sent(alarm, "ALARM", "OK", TEN + 2 * HOUR + 26 * MINUTE)
    log.deliver(TEN + 5 * HOUR + 25 * MINUTE, later.key)

    result = score(FLEET, [drift], log.notices, log.deliveries, monitor_runs=(during, later))

    [incident] = result.incidents
    assert incident.alerted and incident.minutes_to_alert == 26.0 and incident.ok_delivered
    assert incident.alarms == [alarm]
    assert dict(incident.run_messages) == {"slack": 1}  # the later run is its own, not the incident's
    assert result.noise == []
    assert all(r.alerted for r in result.monitor_runs)


ROUTED_FLEET = Fleet(
    (
        _endpoint(tags=(("sagewatch:team", "payments"),)),
        _endpoint("churn-v2", tags=(("sagewatch:team", "ml-platform"),)),
        _endpoint("quarterly-forecast"),
    )
)
CHURN_ERRORS = "SageWatch/churn-v2/AllTraffic/invocation-5xx-rate"
CHURN_BURST = Incident(IncidentKind.ERROR_5XX_BURST, "churn-v2", TEN, TEN + HOUR, 0.3)


def test_routed_teams_each_incident_is_expected_on_its_route_and_pagerduty_only_when_it_pages() -> None:
    log = _Log()
    alarm, ok = (
        log.notice(LATENCY, "OK", "ALARM", TEN + 3 * MINUTE),
        log.notice(LATENCY, "ALARM", "OK", TEN + HOUR + 3 * MINUTE),
    )
    log.deliver(TEN + 3 * MINUTE, alarm)  # payments' Slack
    opened = log.deliver(TEN + 3 * MINUTE, alarm, destination="pagerduty")
    log.deliver(TEN + HOUR + 3 * MINUTE, ok)
    log.deliver(TEN + HOUR + 3 * MINUTE, ok, thread_ts=opened, destination="pagerduty")  # the resolve
    burst, burst_ok = (
        log.notice(CHURN_ERRORS, "OK", "ALARM", TEN + 2 * MINUTE),
        log.notice(CHURN_ERRORS, "ALARM", "OK", TEN + HOUR + 2 * MINUTE),
    )
    log.deliver(TEN + 2 * MINUTE, burst, destination="teams")
    log.deliver(TEN + HOUR + 2 * MINUTE, burst_ok, destination="teams")

    result = score(
        ROUTED_FLEET, [REGRESSION, CHURN_BURST], log.notices, log.deliveries, routing=Routing.of(ROUTED_FLEET)
    )

    regression, churn = result.incidents
    assert (regression.expected, churn.expected) == (("pagerduty", "slack"), ("teams",))
    assert regression.ok_delivered and churn.ok_delivered  # each on its own route, not on every destination
    assert result.not_one_alarm_one_ok() == [] and result.noise == []
    summary = result.summary()
    assert summary["pagerduty_incidents_expected"] == summary["pagerduty_incidents_opened"] == 1
    assert summary["pagerduty_incidents_resolved"] == 1 and summary["pagerduty_duplicate_incidents"] == 0
    assert summary["teams_incidents_expected"] == summary["teams_incidents_carded"] == 1


def test_routed_a_second_pagerduty_alert_for_one_incident_is_a_duplicate_and_a_missing_resolve_counts() -> None:
    log = _Log()
    first = log.notice(LATENCY, "OK", "ALARM", TEN + 3 * MINUTE)
    again = log.notice(LATENCY, "ALARM", "ALARM", TEN + 20 * MINUTE)
    ok = log.notice(LATENCY, "ALARM", "OK", TEN + HOUR + 3 * MINUTE)
    log.deliver(TEN + 3 * MINUTE, first)
    log.deliver(TEN + HOUR + 3 * MINUTE, ok)
    log.deliver(TEN + 3 * MINUTE, first, destination="pagerduty")
    log.deliver(TEN + 20 * MINUTE, again, destination="pagerduty")  # another alert opened, not an update

    result = score(ROUTED_FLEET, [REGRESSION], log.notices, log.deliveries, routing=Routing.of(ROUTED_FLEET))

    [regression] = result.incidents
    assert not regression.ok_delivered and result.not_one_alarm_one_ok() == [regression]
    summary = result.summary()
    assert summary["pagerduty_duplicate_incidents"] == 1 and summary["pagerduty_incidents_resolved"] == 0


def test_routing_follows_the_team_tag_and_a_notify_incident_or_an_untagged_endpoint_skips_pagerduty() -> None:
    routing = Routing.of(ROUTED_FLEET)
    assert routing.destinations("fraud-scorer", pages=True) == ("pagerduty", "slack")
    assert routing.destinations("fraud-scorer", pages=False) == ("slack",)
    assert routing.destinations("churn-v2", pages=True) == ("teams",)
    assert routing.destinations("quarterly-forecast", pages=True) == ("slack",)  # the default route
    assert pages(["invocation-4xx-rate", "model-latency-p99"]) and not pages(["invocation-4xx-rate"])
