"""Alarm engine throughput: ~100 alarms over a simulated day fed by the traffic simulator.

``python -m tests.bench.alarm_engine [--hours 24] [--alarms 100]`` prints evaluations per second
(the engine's per-minute evaluation of every alarm, data ingestion included) and the time spent
generating traffic, separately. A report, not an assertion: the week suite needs about 1M alarm
evaluations (10 endpoints x 8-16 alarms x 10,080 minutes) within ~10 minutes, i.e. >= ~1,700/s.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import timedelta
from typing import Any

from sagewatch_emulator import EmulatedAccount
from sagewatch_simulator.traffic import MetricKey, simulate
from sagewatch_simulator.traffic.sample import sample_fleet, sample_incidents

_STAT = {"ModelLatency": "p99", "OverheadLatency": "p99", "Invocation5XXErrors": "Sum", "Invocation4XXErrors": "Sum"}


def _alarm(key: MetricKey, topic: str) -> dict[str, Any]:
    stat = _STAT.get(key.name, "Average")
    name = "/".join(["bench", key.name, *(value for _, value in key.dimensions)])
    alarm: dict[str, Any] = {
        "AlarmName": name,
        "Namespace": key.namespace,
        "MetricName": key.name,
        "Dimensions": [{"Name": k, "Value": v} for k, v in key.dimensions],
        "Period": 60,
        "EvaluationPeriods": 5,
        "DatapointsToAlarm": 3,
        "Threshold": 1_000_000.0 if stat == "p99" else 50.0,
        "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": "notBreaching",
        "AlarmActions": [topic],
        "OKActions": [topic],
    }
    alarm["ExtendedStatistic" if stat.startswith("p") else "Statistic"] = stat
    return alarm


def run(hours: int, alarms: int) -> dict[str, Any]:
    with EmulatedAccount() as account:
        start = account.now
        end = start + timedelta(hours=hours)
        fleet = sample_fleet(start)
        minutes = simulate(fleet, sample_incidents(start), start, end)
        first = next(minutes)
        topic = account.physical_id("AlertTopic")
        keys = sorted({item.key for item in first}, key=lambda k: (k.name, k.dimensions))[:alarms]
        for key in keys:
            account.client("cloudwatch").put_metric_alarm(**_alarm(key, topic))
        generating = evaluating = 0.0
        evaluations = published = transitions = 0
        batch = first
        for _ in range(hours * 60):
            tick = time.perf_counter()
            published += account.publish_metrics(batch)
            report = account.advance(timedelta(minutes=1))
            evaluating += time.perf_counter() - tick
            evaluations += report.evaluations
            transitions += len(report.transitions)
            tick = time.perf_counter()
            batch = next(minutes, [])
            generating += time.perf_counter() - tick
        return {
            "alarms": len(account.alarm_states()),
            "simulated_minutes": hours * 60,
            "published_items": published,
            "alarm_evaluations": evaluations,
            "transitions": transitions,
            "engine_seconds": round(evaluating, 2),
            "evaluations_per_second": round(evaluations / evaluating) if evaluating else None,
            "traffic_generation_seconds": round(generating, 2),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--alarms", type=int, default=100)
    args = parser.parse_args()
    print(json.dumps(run(args.hours, args.alarms), indent=2))


if __name__ == "__main__":
    main()
