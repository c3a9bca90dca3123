"""The latency alarm fitted to traffic, end to end in the emulated account: onboarding reads the
endpoint's hourly ModelLatency SampleCount (one GetMetricData), the daily reconcile re-fits an
alarm whose traffic class changed, and `sagewatch doctor` names a percentile alarm that cannot fire
at the traffic observed ("Percentile-based alarms and low data samples", CloudWatch user guide:
a period with fewer than 10/(1-p) samples keeps the state of an alarm that says ``ignore``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sagewatch.core.monitoring.latency_fit import BY_NAME, class_of_alarm, quiet_hour_rate
from sagewatch_cli import doctor
from sagewatch_emulator import EmulatedAccount, VariantSpec
from sagewatch_simulator.oncall import monday_before
from sagewatch_simulator.traffic import Endpoint, EndpointKind, Fleet, TrafficProfile, Variant, simulate

pytestmark = pytest.mark.integration

NAME = "ranker"
LATENCY = f"SageWatch/{NAME}/AllTraffic/model-latency-p99"
DAY = timedelta(days=1)


@pytest.fixture
def account() -> Iterator[EmulatedAccount]:
    with EmulatedAccount() as opened:
        yield opened


def _serve(account: EmulatedAccount, start: datetime, days: int, peak_rpm: float) -> None:
    """``days`` of traffic that never quite stops (no idle night), as SageMaker would publish it."""
    endpoint = Endpoint(
        NAME,
        EndpointKind.REALTIME,
        (Variant("AllTraffic", "ml.m5.xlarge", 4, capacity_rpm=10_000),),
        TrafficProfile(peak_rpm=peak_rpm, night_start_hour=0, night_end_hour=0),
    )
    for minute in simulate(Fleet((endpoint,)), (), start, start + days * DAY):
        account.publish_metrics(minute)


def _reconcile(account: EmulatedAccount) -> dict[str, Any]:
    result = account.invoke(
        "ReconcileFunction", {"sagewatch": "reconcile"}, environment={"SAGEWATCH_RECONCILE_SELF_INVOKE": "false"}
    )
    assert result.error is None, result.logs[-5:]
    drained = account.drain_queue(
        "OnboardQueue", "OnboardFunction", environment={"SAGEWATCH_CLOUDWATCH_WRITE_TPS": "0"}
    )
    assert all(worker.error is None for worker in drained)
    return dict(result.response)


def _latency_alarm(account: EmulatedAccount) -> dict[str, Any]:
    [alarm] = account.client("cloudwatch").describe_alarms(AlarmNames=[LATENCY])["MetricAlarms"]
    return dict(alarm)


def _hourly(account: EmulatedAccount, metric: str = "ModelLatency", stat: str = "SampleCount") -> list[float]:
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    answer = account.client("cloudwatch").get_metric_data(
        MetricDataQueries=[
            {
                "Id": "n",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/SageMaker",
                        "MetricName": metric,
                        "Dimensions": [
                            {"Name": "EndpointName", "Value": NAME},
                            {"Name": "VariantName", "Value": "AllTraffic"},
                        ],
                    },
                    "Period": 3600,
                    "Stat": stat,
                },
            }
        ],
        StartTime=end - 14 * DAY,
        EndTime=end,
    )
    return [float(v) for v in answer["MetricDataResults"][0]["Values"]]


def _samples_findings(account: EmulatedAccount) -> list[doctor.Finding]:
    checker = doctor.Doctor(account.client, doctor.Target(), account.region)
    return [f for f in checker.check_alarm_samples() if f.status is doctor.Status.FAIL]


def test_the_latency_alarm_follows_the_traffic_and_doctor_names_one_that_cannot_fire(
    account: EmulatedAccount,
) -> None:
    start = monday_before(datetime.now(UTC))
    account.alarm_engine.clock.pin(start)
    account.create_endpoint(NAME, variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 4)])

    # No history yet: the provisional class, which fires at any traffic.
    first = _reconcile(account)
    assert first["by_kind"] == {"new": 1}
    assert class_of_alarm(_latency_alarm(account)) == "sparse"

    # Two busy days (never under ~2,000 requests a minute): the reconcile re-fits it to the 60 s p99.
    _serve(account, start, 2, peak_rpm=8000)
    busy = _reconcile(account)
    assert busy["by_kind"] == {"traffic": 1}
    alarm = _latency_alarm(account)
    assert (alarm["ExtendedStatistic"], alarm["Period"], alarm["EvaluateLowSampleCountPercentile"]) == (
        "p99",
        60,
        "ignore",
    )
    assert "Fitted to traffic: quiet-hour traffic" in alarm["AlarmDescription"]
    assert _samples_findings(account) == []
    assert _reconcile(account)["enqueued"] == 0  # the same traffic: nothing to re-fit

    # Three quiet days (a tenth of the traffic): the p99 can no longer have its 1,000 samples a
    # minute in the quiet hour. Doctor names it, with the fix...
    _serve(account, start + 2 * DAY, 3, peak_rpm=800)
    [finding] = _samples_findings(account)
    assert LATENCY in finding.what and "cannot fire at the traffic observed" in finding.what
    assert f"sagewatch sync {NAME}" in finding.fix
    # ...and the daily reconcile re-fits it to a class its quiet hour can feed, per period.
    quiet = _reconcile(account)
    assert quiet["by_kind"] == {"traffic": 1}
    refitted = BY_NAME[str(class_of_alarm(_latency_alarm(account)))]
    # GetMetricData's SampleCount (the emulated account's, as AWS answers it) counts one latency
    # sample per request: the same total as Invocations' Sum.
    samples = _hourly(account)
    assert sum(samples) == sum(_hourly(account, "Invocations", "Sum")) > 0
    rate = quiet_hour_rate(samples)
    assert rate is not None and refitted.samples_per_period is not None
    assert rate * refitted.period / 60 >= refitted.samples_per_period
    assert _samples_findings(account) == []
