"""`sagewatch backtest` against the emulated account: two simulated days with a latency incident.

The endpoint's metrics come from the traffic simulator (``sagewatch_simulator.traffic``) through
PutMetricData; the backtest reads them back with GetMetricData (the emulator pages by
MaxDatapoints as AWS does) and replays the alarms onboarding would create.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sagewatch_cli import main as cli
from sagewatch_emulator import EmulatedAccount, VariantSpec
from sagewatch_simulator.sample_history import publish
from sagewatch_simulator.traffic import (
    Endpoint,
    EndpointKind,
    Fleet,
    Incident,
    IncidentKind,
    Published,
    TrafficProfile,
    Variant,
    simulate,
    to_put_metric_data,
)

pytestmark = pytest.mark.integration

ENDPOINT = "fraud-scorer"
END = datetime(2026, 3, 4, tzinfo=UTC)
START = END - timedelta(days=2)
INCIDENT = Incident(
    IncidentKind.LATENCY_REGRESSION,
    ENDPOINT,
    datetime(2026, 3, 3, 13, 0, tzinfo=UTC),
    datetime(2026, 3, 3, 13, 40, tzinfo=UTC),
    magnitude=40.0,  # ModelLatency x 40: p99 of ~110 ms becomes seconds
)


def _publish(account: EmulatedAccount) -> list[Published]:
    fleet = Fleet(
        (
            Endpoint(
                ENDPOINT,
                EndpointKind.REALTIME,
                (Variant("AllTraffic", "ml.m5.xlarge"),),
                TrafficProfile(peak_rpm=20),
                created_at=START - timedelta(days=1),
            ),
        )
    )
    return publish(account, simulate(fleet, [INCIDENT], START, END))


def _run(account: EmulatedAccount, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(
        [
            "backtest",
            *argv,
            "--end",
            END.isoformat(),
            "--endpoint-url",
            account.endpoint_url,
            "--region",
            account.region,
        ]
    )
    out, err = capsys.readouterr()
    return code, out, err


def test_backtest_fires_the_latency_alarm_for_the_incident_only(
    account: EmulatedAccount, capsys: pytest.CaptureFixture[str]
) -> None:
    account.create_endpoint(ENDPOINT, variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 1)])
    published = _publish(account)

    code, out, _ = _run(account, capsys, ENDPOINT, "--days", "2", "--json")
    assert code == cli.EXIT_OK
    report = json.loads(out)
    alarms = {alarm["key"]: alarm for alarm in report["alarms"]}
    assert set(alarms) == {
        "invocation-5xx-rate",
        "invocation-4xx-rate",
        "model-latency-p99",
        "cpu-utilization",
        "memory-utilization",
        "disk-utilization",
    }
    latency = alarms["model-latency-p99"]
    assert latency["fires"] == 1 and latency["unit"] == "ms" and latency["threshold"] == 1000.0
    (episode,) = latency["episodes"]
    started, ended = datetime.fromisoformat(episode["start"]), datetime.fromisoformat(episode["end"])
    # 3 of 5 minutes: ALARM after the incident's third minute, OK within minutes of its end.
    assert INCIDENT.start + timedelta(minutes=3) <= started <= INCIDENT.start + timedelta(minutes=5)
    assert INCIDENT.end <= ended <= INCIDENT.end + timedelta(minutes=5)
    # Over two days "once a week" means never: the suggestion sits at the incident's level.
    assert latency["suggested_fires"] == 0 and latency["suggested_threshold"] > 1000.0
    for key, alarm in alarms.items():
        if key != "model-latency-p99":
            assert alarm["fires"] == 0, key
            assert alarm["periods_with_data"] > 0, key
    # Everything fits one call per period group (60 s: 4 series; 300 s: 3 series).
    assert report["get_metric_data_calls"] == 2

    # With a small page size the emulator pages as AWS does: one call per page of 5,000 points.
    per_minute = Counter(
        item.key.name
        for item in published
        if item.key.name in ("Invocation5XXErrors", "Invocation4XXErrors", "Invocations", "ModelLatency")
    )
    minute_pages = math.ceil(sum(per_minute.values()) / 5000)
    five_minute_pages = math.ceil(3 * 576 / 5000)
    code, out, _ = _run(account, capsys, ENDPOINT, "--days", "2", "--max-datapoints", "5000")
    assert code == cli.EXIT_OK
    assert minute_pages > 1
    assert f"{minute_pages + five_minute_pages} GetMetricData call(s)" in out
    row = next(line for line in out.splitlines() if line.startswith("AllTraffic/model-latency-p99"))
    assert re.split(r"\s{2,}", row)[1:3] == ["> 1,000 ms", "1"]
    print(out)  # shown with -s: the example in the README


def test_backtest_exit_codes(account: EmulatedAccount, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(account, capsys, "no-such-endpoint")
    assert code == cli.EXIT_NOT_FOUND and "does not exist" in err
    code, _, err = _run(account, capsys, "no-such-endpoint", "--days", "16")
    assert code == cli.EXIT_USAGE and "--days" in err


def test_backtest_replays_the_drift_alarms_onboarding_would_fit(
    account: EmulatedAccount, capsys: pytest.CaptureFixture[str]
) -> None:
    """The backtest reads the endpoint as onboarding does (Onboarding.read_profile: ListMetrics
    discovers the schedule's drift features), so the per-feature drift alarms are replayed too."""
    from sagewatch_emulator.model_monitor.runs import data_quality_run

    account.create_endpoint(ENDPOINT, variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 1)])
    # A schedule that existed before the window: its runs, each on the hour, published the metrics
    # (the account refuses drift metrics of a schedule stamped before its first run).
    account.create_monitoring_schedule(ENDPOINT, "fraud-dq", created_at=START - timedelta(minutes=50))
    spike = datetime(2026, 3, 3, 13, 0, tzinfo=UTC)
    cloudwatch = account.client("cloudwatch")
    for hour in range(48):
        at = START + timedelta(hours=hour)
        account.record_monitoring_execution("fraud-dq", "Completed", scheduled_time=at, at=at + timedelta(minutes=25))
        drift = {"amount": 0.4 if at == spike else 0.02, "age": 0.02}
        for item in data_quality_run(ENDPOINT, "fraud-dq", at, drift):
            cloudwatch.put_metric_data(Namespace=item.key.namespace, MetricData=to_put_metric_data(item))

    code, out, _ = _run(account, capsys, ENDPOINT, "--days", "2", "--json")
    assert code == cli.EXIT_OK
    report = json.loads(out)  # only the report: the runtime's log lines go to stderr
    drift_alarms = {a["name"]: a for a in report["alarms"] if a["key"] == "feature-drift"}
    assert set(drift_alarms) == {
        f"SageWatch/{ENDPOINT}/_endpoint/feature-drift.fraud-dq.age",
        f"SageWatch/{ENDPOINT}/_endpoint/feature-drift.fraud-dq.amount",
    }
    assert drift_alarms[f"SageWatch/{ENDPOINT}/_endpoint/feature-drift.fraud-dq.amount"]["fires"] == 1
    assert drift_alarms[f"SageWatch/{ENDPOINT}/_endpoint/feature-drift.fraud-dq.age"]["fires"] == 0


# --- `sagewatch backtest --emulated`: the README's first example, as written ------------------

README = Path(__file__).resolve().parents[2] / "README.md"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _readme_example() -> tuple[str, str]:
    """(command, output) of the first console block in the README's Backtest section."""
    section = README.read_text(encoding="utf-8").split("## Backtest", 1)[1]
    block = section.split("```\n", 2)[1]
    command, _, output = block.partition("\n")
    return command.removeprefix("$ "), output


def test_the_readme_backtest_example_prints_the_readme_table(capsys: pytest.CaptureFixture[str]) -> None:
    command, expected = _readme_example()
    argv = command.split()
    assert argv[:2] == [".venv/bin/sagewatch", "backtest"] and "--emulated" in argv
    assert cli.main(argv[1:]) == cli.EXIT_OK
    captured = capsys.readouterr()
    # The window ends at the last midnight UTC: only the dates differ from day to day.
    assert _DATE.sub("YYYY-MM-DD", captured.out) == _DATE.sub("YYYY-MM-DD", expected)
    assert "incident: latency-regression" in captured.err


def test_backtest_emulated_refuses_history_putmetricdata_would_refuse(capsys: pytest.CaptureFixture[str]) -> None:
    """PutMetricData takes time stamps up to two weeks old: 15 days of history cannot be published."""
    assert cli.main(["backtest", "fraud-scorer", "--emulated", "--days", "15"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "two weeks" in err and "Traceback" not in err
