"""`sagewatch backtest` on a played scenario: the week's own metrics as the backtest's data.

After a scenario has played, the account still holds every datapoint the simulator published
and the notifications its alarm engine sent. :func:`backtest_endpoint` runs the real CLI
(``sagewatch backtest ENDPOINT --days N --end <scenario end> --endpoint-url <the account>``,
the path ``--emulated`` takes, pointed at this account instead of a throwaway one) and compares
each alarm's replayed fires with the ALARM transitions the engine recorded for that alarm.

Both sides run the same evaluator (sagewatch_evaluation) over the same datapoints, the engine every
simulated minute as they arrived, the backtest once over what GetMetricData returns, so they
agree unless one of the known differences applies (each is named in ``Comparison.explained``):

- the alarm's definition changed during the window (a deploy re-fits the alarms): the
  backtest replays today's alarms over the whole window;
- the endpoint was created or deleted inside the window: the engine's alarm lived only part
  of it, the backtest starts (as a new alarm) at the window's start;
- the daily reconcile re-fitted the alarm to its traffic inside the window (its
  ``AlarmConfigurationUpdatedTimestamp``): the backtest replays today's rule over the whole window.

The low-sample percentile rule is not among them: the backtest reads each percentile's
``SampleCount`` in the same GetMetricData call and applies the rule as the engine does.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sagewatch_cli.backtest.report import row_label
from sagewatch_emulator.account import EmulatedAccount
from sagewatch_simulator.oncall.maintenance import MutedRecord
from sagewatch_simulator.oncall.records import AlarmNotice
from sagewatch_simulator.traffic.model import Endpoint


@dataclass(frozen=True)
class AlarmComparison:
    alarm: str  # "<variant>/<key>"
    name: str  # the alarm's full name in the account
    backtest_fires: int
    engine_fires: int  # OK/INSUFFICIENT_DATA -> ALARM transitions the engine published
    seconds_in_alarm: float
    threshold: str
    once_a_week: str | None

    @property
    def agrees(self) -> bool:
        return self.backtest_fires == self.engine_fires


@dataclass
class Comparison:
    endpoint: str
    days: float
    get_metric_data_calls: int
    alarms: list[AlarmComparison]
    table: str  # the CLI's own table output
    exit_codes: tuple[int, int]
    notes: tuple[str, ...] = ()  # the backtest's own notes
    explained: dict[str, str] = field(default_factory=dict)  # alarm -> why the two may differ
    # alarm -> when its configuration last changed (AlarmConfigurationUpdatedTimestamp), if inside the window
    reconfigured: dict[str, datetime] = field(default_factory=dict)

    @property
    def agrees(self) -> bool:
        return all(a.agrees or a.alarm in self.explained for a in self.alarms)

    def as_dict(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "days": self.days,
            "get_metric_data_calls": self.get_metric_data_calls,
            "fires_match_the_alarm_engine": all(a.agrees for a in self.alarms),
            "alarms": [
                {
                    "alarm": a.alarm,
                    "threshold": a.threshold,
                    "fires": a.backtest_fires,
                    "engine_alarm_transitions": a.engine_fires,
                    "minutes_in_alarm": round(a.seconds_in_alarm / 60, 1),
                    "once_a_week": a.once_a_week,
                }
                for a in self.alarms
            ],
            "explained_differences": self.explained,
            "cli_output": self.table.splitlines(),
        }


def _cli(argv: list[str]) -> tuple[int, str]:
    from sagewatch_cli import main as cli

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(argv)
    return code, out.getvalue()


def backtest_endpoint(
    account: EmulatedAccount,
    notices: list[AlarmNotice],
    endpoint: str,
    *,
    end: datetime,
    days: int,
    prefix: str = "SageWatch",
    muted: Sequence[MutedRecord] = (),
) -> Comparison:
    """Run ``sagewatch backtest`` for ``endpoint`` over the ``days`` before ``end`` and compare."""
    where = ["--end", end.isoformat(), "--endpoint-url", account.endpoint_url, "--region", account.region]
    where += ["--prefix", prefix]
    json_code, document = _cli(["backtest", endpoint, "--days", str(days), "--json", *where])
    table_code, table = _cli(["backtest", endpoint, "--days", str(days), *where])
    report: dict[str, Any] = json.loads(document) if json_code == 0 else {"alarms": [], "get_metric_data_calls": 0}
    # Every transition into ALARM: those published, and those a mute rule muted (a muted change
    # whose window ended in ALARM is published then, with its own StateChangeTime: counted once).
    into_alarm = {(n.alarm_name, n.at) for n in notices if n.new_state == "ALARM" and n.old_state != "ALARM"}
    into_alarm |= {(m.alarm, m.at) for m in muted if m.new_state == "ALARM"}
    engine = Counter(name for name, _at in into_alarm if name.startswith(f"{prefix}/{endpoint}/"))
    rows = _table_rows(table)
    start = end - timedelta(days=days)
    reconfigured: dict[str, datetime] = {}
    names = [str(alarm["name"]) for alarm in report["alarms"]]
    cloudwatch = account.client("cloudwatch")
    for first in range(0, len(names), 100):
        described = cloudwatch.describe_alarms(AlarmNames=names[first : first + 100])["MetricAlarms"]
        for alarm in described:
            changed = alarm.get("AlarmConfigurationUpdatedTimestamp")
            if isinstance(changed, datetime) and start + timedelta(minutes=1) < changed < end:
                reconfigured[row_label(str(alarm["AlarmName"]), endpoint)] = changed
    alarms: list[AlarmComparison] = []
    for alarm in report["alarms"]:
        label = row_label(alarm["name"], endpoint)
        row = rows.get(label, {})
        alarms.append(
            AlarmComparison(
                alarm=label,
                name=alarm["name"],
                backtest_fires=int(alarm["fires"]),
                engine_fires=engine.get(alarm["name"], 0),
                seconds_in_alarm=float(alarm["seconds_in_alarm"]),
                threshold=row.get("threshold", str(alarm["threshold"])),
                once_a_week=row.get("once a week"),
            )
        )
    return Comparison(
        endpoint=endpoint,
        days=days,
        get_metric_data_calls=int(report["get_metric_data_calls"]),
        alarms=alarms,
        table=table.rstrip(),
        exit_codes=(json_code, table_code),
        notes=tuple(str(note) for note in report.get("notes", ())),
        reconfigured=reconfigured,
    )


def explain_differences(comparison: Comparison, endpoint: Endpoint | None, start: datetime, end: datetime) -> None:
    """Name, for each alarm whose fires differ, the endpoint's life event that explains it (the
    module docstring's list); an alarm left unexplained is a real disagreement."""
    for alarm in comparison.alarms:
        if alarm.agrees or endpoint is None:
            continue
        if endpoint.update is not None and start <= endpoint.update.at < end:
            comparison.explained[alarm.alarm] = (
                f"updated at {endpoint.update.at:%a %H:%M}: the engine's alarm was re-fitted then, "
                "the backtest replays today's alarm over the whole window"
            )
        elif endpoint.created_at is not None and start < endpoint.created_at < end:
            comparison.explained[alarm.alarm] = f"created at {endpoint.created_at:%a %H:%M}, inside the window"
        elif alarm.alarm in comparison.reconfigured:
            comparison.explained[alarm.alarm] = (
                f"re-fitted to its traffic at {comparison.reconfigured[alarm.alarm]:%a %H:%M}: the backtest "
                "replays today's rule over the whole window"
            )


def _table_rows(table: str) -> dict[str, dict[str, str]]:
    """The CLI table's rows by alarm, columns as printed (thresholds in the units alerts show)."""
    lines = table.splitlines()
    header = next((i for i, line in enumerate(lines) if line.startswith("alarm ")), None)
    if header is None:
        return {}
    columns = re.split(r"\s{2,}", lines[header].strip())
    rows: dict[str, dict[str, str]] = {}
    for line in lines[header + 1 :]:
        if not line.strip():
            break
        cells = re.split(r"\s{2,}", line.strip())
        rows[cells[0]] = dict(zip(columns, cells, strict=False))
    return rows
