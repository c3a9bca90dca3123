"""A week on call, measured: the sample fleet's week played in the emulated account (Slack bot
mode, so the OK's thread is checked too) and scored by ``sagewatch_simulator.oncall.scoring``.

``python -m tests.bench.week`` prints the "week" object of build/bench/report.json and the
detail behind it; ``tests/bench/run.py`` (``make bench``) includes it. A report, not an assertion.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sagewatch_simulator.oncall import SlackMode, monday_before, run_scenario, week_on_call
from sagewatch_simulator.oncall.component_scoring import component_lifecycle
from sagewatch_simulator.oncall.scoring import NoiseCategory, score

TARGETS = {
    "missed": 0,
    "noise_messages": 0,
    "alarms_that_cannot_fire": 0,
    "messages_per_incident_per_destination": "one ALARM and one OK (flapping aside)",
    "minutes_to_alert": "within the alarm's M x period + 2 (gradual incidents: from the threshold crossing)",
    "wall_seconds": 600,
}


# `sagewatch backtest` over the played week, in the same account: a real-time endpoint with a
# latency regression and a flapping 5XX burst, and the async one that scales to zero.
BACKTESTED = ("fraud-scorer", "pdf-extractor")


def run_week_bench(mode: SlackMode = "bot", *, verbose: bool = True) -> dict[str, Any]:
    """{"week": the report's object, "week_detail": per incident, noise, targets}."""
    scenario = week_on_call(monday_before(datetime.now(UTC)))
    run = run_scenario(scenario, mode, progress=print if verbose else None, backtest=BACKTESTED)
    result = score(
        scenario.fleet,
        scenario.incidents,
        run.notices,
        run.deliveries,
        threaded_mode=mode == "bot",
        monitor_runs=run.monitor_runs,
        muted=run.muted,
        maintenance=scenario.maintenance,
    )
    simulated = (scenario.end - scenario.start) / timedelta(seconds=1)
    week = {
        "endpoints": len(scenario.fleet.endpoints),
        "days": scenario.days,
        **result.summary(),
        # Inference components added and removed mid-week through their CloudTrail events.
        **component_lifecycle(run.component_steps),
        "simulated_alarm_evaluations": run.evaluations,
        "wall_seconds": round(run.wall_seconds, 1),
        "wall_to_simulated_ratio": round(run.wall_seconds / simulated, 6),
        "backtest": [comparison.as_dict() for comparison in run.backtests],
        # Each endpoint's latency alarm as the week ended: its fitted rule and why (latency_fit).
        "latency_alarms": run.latency_alarms,
        # `sagewatch doctor` on the played account: latency alarms that cannot fire at their traffic.
        "alarms_that_cannot_fire": len(run.cannot_fire),
    }
    beyond_known = Counter(
        f"{message.category.value}: {alarm}"
        for message in result.noise
        if message.category is not NoiseCategory.FIRST_EVALUATION_OK
        for alarm in message.alarms
    )
    detail = {
        "mode": f"slack {mode}",
        "published_items": run.published_items,
        "notify_invocations": run.notify_invocations,
        "errors": {"onboard": run.onboard_errors, "notify": run.notify_errors},
        "noise_by_category": result.noise_by_category(),
        "noise_beyond_first_evaluation_oks": dict(beyond_known.most_common()),
        "not_one_alarm_and_one_ok": [s.incident.label or s.incident.kind.value for s in result.not_one_alarm_one_ok()],
        "backtest_agrees_with_the_alarm_engine": {c.endpoint: c.agrees for c in run.backtests},
        "daily_reconciles": run.reconciles,
        "alarms_that_cannot_fire": run.cannot_fire,
        "incidents": [s.as_dict() for s in result.incidents],
        "targets": TARGETS,
    }
    return {"week": week, "week_detail": detail}


def markdown(report: dict[str, Any]) -> list[str]:
    """A short table of the week and its incidents."""
    week, detail = report["week"], report["week_detail"]
    lines = [f"## A week on call ({week['endpoints']} endpoints, {week['days']:g} days, {detail['mode']})", ""]
    figures = {key: value for key, value in week.items() if key not in ("backtest", "latency_alarms")}
    lines += ["| " + " | ".join(figures) + " |", "|" + "---|" * len(figures)]
    lines += ["| " + " | ".join(str(value) for value in figures.values()) + " |", ""]
    lines += ["| incident | endpoint | alerted | min to alert | from onset (allowed) | ALARM / OK msgs | OK |"]
    lines += ["|---|---|---|---|---|---|---|"]
    for item in detail["incidents"]:
        alarms = sum(item["alarm_messages"].values())
        oks = sum(item["ok_messages"].values())
        lines.append(
            f"| {item['incident']} | {item['endpoint']} | {item['alerted']} | {item['minutes_to_alert']} | "
            f"{item['minutes_from_onset']} ({item['allowed_minutes']}) | {alarms} / {oks} | {item['ok_delivered']} |"
        )
    lines += ["", "| latency alarm | fitted rule (why) |", "|---|---|"]
    lines += [f"| {target} | {rule} |" for target, rule in week.get("latency_alarms", {}).items()]
    lines += ["", "Noise by category: " + json.dumps(detail["noise_by_category"])]
    if detail["noise_beyond_first_evaluation_oks"]:
        lines += ["", "Noise beyond first-evaluation OKs (messages per alarm):", ""]
        lines += [f"- {what}: {count}" for what, count in detail["noise_beyond_first_evaluation_oks"].items()]
    for backtest in week.get("backtest", []):
        lines += ["", f"`sagewatch backtest {backtest['endpoint']} --days 7` over the week:", "", "```"]
        lines += [*backtest["cli_output"], "```", ""]
        lines += ["| alarm | backtest fires | engine ALARM transitions | min in ALARM | once a week |"]
        lines += ["|---|---|---|---|---|"]
        for a in backtest["alarms"]:
            cells = (a["alarm"], a["fires"], a["engine_alarm_transitions"], a["minutes_in_alarm"], a["once_a_week"])
            lines.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    return lines


def main() -> None:
    report = run_week_bench()
    print(json.dumps(report, indent=2, default=str))
    print("\n".join(markdown(report)))


if __name__ == "__main__":
    main()
