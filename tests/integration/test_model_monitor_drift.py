"""Model Monitor drift end to end in the emulated account.

An endpoint with a data-quality schedule whose runs publish feature_baseline_drift_<feature>
(traffic.drift, where the SageMaker SDK's dashboards read them): onboarding discovers the
features with ListMetrics and alarms the first ten (drift_features_per_schedule), the dashboard
gets a Model Monitor section; a schedule created later is picked up by its state-change event,
a deleted one takes its alarms along, the reconcile notices a schedule it was never told about;
a drift spike fires the feature's alarm in the alarm engine and NotifyFunction posts an alert
naming endpoint, schedule and feature.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sagewatch.core.shared.naming import dashboard_name
from sagewatch_emulator import EmulatedAccount
from sagewatch_emulator.model_monitor.runs import GUIDE_LOCATION, MonitoringRun, data_quality_run

pytestmark = pytest.mark.integration

EVENTS = Path(__file__).resolve().parents[2] / "events" / "onboard"
SECRET = "sagewatch/slack-webhook"
ENDPOINT = "fraud-scorer"
SCHEDULE = "fraud-dq"
FEATURES = [f"f{i:02d}" for i in range(12)]  # two more than the default cap of 10
HOUR = timedelta(hours=1)
UNPACED = {"SAGEWATCH_CLOUDWATCH_WRITE_TPS": "0"}
NO_SELF_INVOKE = {"SAGEWATCH_RECONCILE_SELF_INVOKE": "false"}


def drift_alarm(feature: str, schedule: str = SCHEDULE) -> str:
    return f"SageWatch/{ENDPOINT}/_endpoint/feature-drift.{schedule}.{feature}"


def run(account: EmulatedAccount, schedule: str, drift: dict[str, float], **kwargs: Any) -> MonitoringRun:
    """This hour's run: recorded, and its drift metrics published with it (the only way the
    emulated account takes them, as on AWS: "CloudWatch Metrics" in the Model Monitor guide)."""
    return account.run_monitoring_execution(schedule, "Completed", drift=drift, **kwargs)


def to_the_next_run(account: EmulatedAccount) -> None:
    """To 25 minutes past the next hour: runs start on the hour (plus a 0-20 minute buffer), from
    the first hour boundary after the schedule was created ("Interpret results")."""
    now = account.now
    account.advance(now.replace(minute=25, second=0, microsecond=0) + HOUR - now)


@pytest.fixture
def account() -> Iterator[EmulatedAccount]:
    with EmulatedAccount(parameters={"SlackWebhookSecretName": SECRET}) as emulated:
        emulated.client("secretsmanager").create_secret(Name=SECRET, SecretString=emulated.slack_url)
        emulated.create_endpoint(ENDPOINT)
        emulated.create_monitoring_schedule(ENDPOINT, SCHEDULE)
        to_the_next_run(emulated)
        run(emulated, SCHEDULE, dict.fromkeys(FEATURES, 0.02))
        emulated.alarm_engine.notifications.clear()
        yield emulated


def in_service_event(account: EmulatedAccount) -> dict[str, Any]:
    sample = copy.deepcopy(json.loads((EVENTS / "in-service-cpu.json").read_text()))
    described = account.client("sagemaker").describe_endpoint(EndpointName=ENDPOINT)
    sample["resources"] = [described["EndpointArn"]]
    sample["detail"].update(
        EndpointName=ENDPOINT, EndpointArn=described["EndpointArn"], EndpointConfigName=described["EndpointConfigName"]
    )
    return dict(sample)


def schedule_event(schedule: str, *, endpoint: str | None) -> dict[str, Any]:
    name = "monitoring-schedule-scheduled.json" if endpoint else "monitoring-schedule-deleted.json"
    sample = copy.deepcopy(json.loads((EVENTS / name).read_text()))
    arn = f"arn:aws:sagemaker:us-east-1:123456789012:monitoring-schedule/{schedule}"
    sample["resources"] = [arn]
    sample["detail"]["MonitoringScheduleArn"] = arn
    if endpoint:
        sample["detail"].update(MonitoringScheduleName=schedule, EndpointName=endpoint)
    return dict(sample)


def invoke(account: EmulatedAccount, event: dict[str, Any]) -> dict[str, Any]:
    result = account.invoke("OnboardFunction", event, environment=UNPACED)
    assert result.error is None, result.error_traceback
    return dict(result.response)


def drift_alarms(account: EmulatedAccount) -> dict[str, dict[str, Any]]:
    pages = (
        account.client("cloudwatch")
        .get_paginator("describe_alarms")
        .paginate(AlarmNamePrefix=f"SageWatch/{ENDPOINT}/_endpoint/feature-drift.")
    )
    return {a["AlarmName"]: a for page in pages for a in page["MetricAlarms"]}


def test_onboarding_alarms_the_first_ten_discovered_features_and_adds_a_dashboard_section(
    account: EmulatedAccount,
) -> None:
    result = invoke(account, in_service_event(account))
    assert result["outcome"] == "onboarded"
    alarms = drift_alarms(account)
    assert set(alarms) == {drift_alarm(f) for f in FEATURES[:10]}
    described = alarms[drift_alarm("f00")]
    assert described["Namespace"] == "aws/sagemaker/Endpoints/data-metrics"
    assert {d["Name"]: d["Value"] for d in described["Dimensions"]} == {
        "Endpoint": ENDPOINT,
        "MonitoringSchedule": SCHEDULE,
    }
    assert described["Threshold"] == 0.1
    assert any("2 left out" in note and "f10, f11" in note for note in result["notes"])
    board = account.client("cloudwatch").get_dashboard(
        DashboardName=dashboard_name("SageWatch", account.region, ENDPOINT)
    )["DashboardBody"]
    assert "Model quality (Model Monitor)" in board and "feature_baseline_drift_" in board
    assert "f10, f11" in board  # what was left out, on the dashboard too


def test_schedules_added_and_deleted_later_are_picked_up_by_their_events(account: EmulatedAccount) -> None:
    invoke(account, in_service_event(account))
    # A second schedule publishing where the developer guide says (EndpointName + ScheduleName).
    account.create_monitoring_schedule(ENDPOINT, "fraud-dq-guide")
    to_the_next_run(account)
    run(account, "fraud-dq-guide", {"amount": 0.01}, location=GUIDE_LOCATION)
    assert invoke(account, schedule_event("fraud-dq-guide", endpoint=ENDPOINT))["outcome"] == "onboarded"
    added = drift_alarms(account)[drift_alarm("amount", "fraud-dq-guide")]
    assert added["Namespace"] == "/aws/sagemaker/Endpoints/data-metric"
    assert {d["Name"] for d in added["Dimensions"]} == {"EndpointName", "ScheduleName"}

    # Deleted: the event names no endpoint, DescribeMonitoringSchedule finds nothing, and the
    # state table says which endpoint the schedule belonged to.
    account.delete_monitoring_schedule("fraud-dq-guide")
    result = invoke(account, schedule_event("fraud-dq-guide", endpoint=None))
    assert result["outcome"] == "onboarded", result
    assert drift_alarm("amount", "fraud-dq-guide") in result["deleted"]
    assert not [n for n in drift_alarms(account) if "fraud-dq-guide" in n]


def test_the_reconcile_refits_an_endpoint_whose_schedules_changed(account: EmulatedAccount) -> None:
    invoke(account, schedule_event(SCHEDULE, endpoint=ENDPOINT))  # the worker path records state
    account.create_monitoring_schedule(ENDPOINT, "fraud-mq", "ModelQuality")  # no event delivered
    result = account.invoke("ReconcileFunction", {"sagewatch": "reconcile"}, environment=NO_SELF_INVOKE)
    assert result.error is None, result.error_traceback
    assert result.response["by_kind"] == {"changed": 1}, result.response


def test_a_drift_spike_fires_the_feature_alarm_and_the_alert_names_endpoint_schedule_and_feature(
    account: EmulatedAccount,
) -> None:
    invoke(account, in_service_event(account))
    account.advance(HOUR)
    run(account, SCHEDULE, dict.fromkeys(FEATURES, 0.02))
    account.advance(timedelta(minutes=2))
    assert account.alarm_states()[drift_alarm("f03")] == "OK"
    account.drain_queue("AlertQueue", "NotifyFunction", max_rounds=40, max_seconds=180)  # the first OKs
    account.alarm_engine.notifications.clear()

    account.advance(HOUR)
    run(account, SCHEDULE, {**dict.fromkeys(FEATURES, 0.02), "f03": 0.45})
    account.advance(timedelta(minutes=2))
    states = account.alarm_states()
    assert states[drift_alarm("f03")] == "ALARM"
    assert states[drift_alarm("f04")] == "OK"
    [sent] = account.alarm_notifications
    assert sent.message["AlarmName"] == drift_alarm("f03")

    invocations = account.drain_queue("AlertQueue", "NotifyFunction", max_rounds=5, max_seconds=60)
    assert all(i.error is None for i in invocations), [i.error for i in invocations]
    posted = [m for i in invocations for m in i.slack_messages]
    assert len(posted) == 1
    text = json.dumps(posted[0], ensure_ascii=False)
    assert ENDPOINT in text and SCHEDULE in text and "f03" in text
    assert "Data drift on feature f03" in text
    assert "Backlog" not in text and "Invocations" not in text  # no endpoint request series for hourly drift


def test_in_awss_order_the_drift_alarms_come_with_the_first_run_and_a_later_feature_with_its_run() -> None:
    """AWS's order ("Interpret results" in the Model Monitor guide): the schedule is created, its
    first run starts at the next hour boundary (plus a 0-20 minute buffer), and only that run
    publishes drift metrics. The schedule's state-change event finds none; the first completed
    run's processing-job event re-fits the drift alarms to what it published; a feature first seen
    in a later run gets its alarm with that run."""
    with EmulatedAccount(parameters={"SlackWebhookSecretName": SECRET}) as account:
        account.create_endpoint(ENDPOINT)
        invoke(account, in_service_event(account))
        account.create_monitoring_schedule(ENDPOINT, SCHEDULE)
        scheduled = invoke(account, schedule_event(SCHEDULE, endpoint=ENDPOINT))
        assert scheduled["outcome"] in ("onboarded", "unchanged") and drift_alarms(account) == {}

        # No run yet: the account refuses drift metrics for the schedule, as AWS has none, and a
        # run before the next hour boundary is refused too.
        at = account.now.replace(second=0, microsecond=0)
        with pytest.raises(ValueError, match="publishes its metrics only with a run"):
            account.publish_metrics(data_quality_run(ENDPOINT, SCHEDULE, at, {"amount": 0.02}))
        with pytest.raises(ValueError, match="Interpret results"):
            account.run_monitoring_execution(SCHEDULE, "Completed", drift={"amount": 0.02})

        to_the_next_run(account)
        first = run(account, SCHEDULE, {"amount": 0.02, "age": 0.02})
        result = invoke(account, first.event)
        assert result["outcome"] == "clean"
        assert set(drift_alarms(account)) == {drift_alarm("amount"), drift_alarm("age")}
        assert set(result["refit"]["created"]) >= {drift_alarm("amount"), drift_alarm("age")}

        account.advance(HOUR)
        later = run(account, SCHEDULE, {"amount": 0.02, "age": 0.02, "zip_code": 0.03})
        assert drift_alarm("zip_code") in invoke(account, later.event)["refit"]["created"]
        assert drift_alarm("zip_code") in drift_alarms(account)


def test_the_reconcile_refits_an_endpoint_whose_schedule_published_a_feature_since_its_last_fit(
    account: EmulatedAccount,
) -> None:
    """The backstop when a run's event is lost: the reconcile's fingerprint carries the features
    the schedules have published (ListMetrics per data-quality namespace), not only their name,
    type and status, which a run does not change."""
    invoke(account, schedule_event(SCHEDULE, endpoint=ENDPOINT))  # the worker path records state
    settled = account.invoke("ReconcileFunction", {"sagewatch": "reconcile"}, environment=NO_SELF_INVOKE)
    assert settled.error is None, settled.error_traceback
    assert settled.response["by_kind"] == {} and settled.response["unchanged"] == 1, settled.response

    account.advance(HOUR)
    run(account, SCHEDULE, {**dict.fromkeys(FEATURES, 0.02), "a_new_column": 0.02})  # its event never arrives
    result = account.invoke("ReconcileFunction", {"sagewatch": "reconcile"}, environment=NO_SELF_INVOKE)
    assert result.error is None, result.error_traceback
    assert result.response["by_kind"] == {"changed": 1}, result.response
