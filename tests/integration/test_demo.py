"""`sagewatch demo --emulated` (`make demo`): what a person reads on the terminal and finds in the
output folder matches the story it tells."""

from __future__ import annotations

import contextlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from sagewatch_cli.main import main

pytestmark = pytest.mark.integration

REMAINING = ("fraud-scorer", "llm-chat", "video-tagger")


@dataclass(frozen=True)
class DemoRun:
    out: str
    folder: Path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    folder = tmp_path_factory.mktemp("demo")
    # Left by an earlier run: a dashboard of an endpoint that is gone, an alert of another story.
    (folder / "dashboards").mkdir()
    (folder / "dashboards" / "SageWatch_us-east-1_old-endpoint.json").write_text("{}")
    (folder / "alerts").mkdir()
    (folder / "alerts" / "slack-7.json").write_text("{}")
    (folder / "notes.md").write_text("mine")  # not the demo's: left alone
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        assert main(["demo", "--emulated", "--out", str(folder)]) == 0
    return DemoRun(stdout.getvalue(), folder)


def test_the_output_folder_holds_the_final_state_only(demo: DemoRun) -> None:
    boards = sorted(p.name for p in (demo.folder / "dashboards").iterdir())
    assert boards == [f"SageWatch_us-east-1_{name}.json" for name in REMAINING]
    assert "3 dashboards remain for 3 endpoints" in demo.out
    assert "SageWatch_us-east-1_churn-predictor deleted" in demo.out
    alerts = sorted(p.name for p in (demo.folder / "alerts").iterdir())
    assert alerts == ["email-1.html", "email-1.txt", "slack-1.json", "slack-resolved.json"]
    assert (demo.folder / "notes.md").read_text() == "mine"


def test_the_terminal_shows_the_message_as_slack_does_and_the_payload_keeps_its_escaping(demo: DemoRun) -> None:
    # A new endpoint: its latency alarm is the provisional Average until its traffic is known.
    assert "ALARM: Model latency (average) > 250 ms on fraud-scorer / AllTraffic" in demo.out
    assert "&gt;" not in demo.out and "&amp;" not in demo.out and "&lt;" not in demo.out
    payload = json.loads((demo.folder / "alerts" / "slack-1.json").read_text())
    assert payload["text"].startswith("ALARM: Model latency (average) &gt; 250 ms")


def test_the_alert_tells_the_storys_time(demo: DemoRun) -> None:
    assert "== 5. 03:12 - fraud-scorer's latency alarm fires" in demo.out
    assert "== 6. 03:26 - " in demo.out
    text = (demo.folder / "alerts" / "slack-1.json").read_text()
    # The Since field's fallback text, and CloudWatch's reason listing the three breaching minutes.
    assert re.search(r"\*Since\*\\n<!date\^\d+\^\{date_short_pretty\} \{time\}\|\d{4}-\d\d-\d\d 03:12 UTC>", text)
    assert re.search(r"3 out of the last 5 datapoints \[1,840 ms \(\d\d/\d\d/\d\d 03:11:00\)", text)
    assert "lasted 14 min" in demo.out


def _tables(out: str) -> list[list[str]]:
    """The alarm tables: runs of consecutive lines that list alarms."""
    tables: list[list[str]] = [[]]
    for line in out.splitlines():
        if line.startswith("    SageWatch/"):
            tables[-1].append(line)
        elif tables[-1]:
            tables.append([])
    return [t for t in tables if t]


def _column_starts(row: str) -> list[int]:
    """Where each cell begins: cells are apart by two spaces or more (a cell has single spaces)."""
    return [m.start() for m in re.finditer(r"(?<=  )\S", row)]


def test_alarm_columns_line_up_whatever_the_names_length(demo: DemoRun) -> None:
    tables = _tables(demo.out)
    assert len(tables) == 5  # four endpoints onboarded, llm-chat re-fitted
    for table in tables:
        starts = {tuple(_column_starts(row)) for row in table}
        assert len(starts) == 1 and len(next(iter(starts))) == 4, table
    assert "SageWatch/video-tagger/_endpoint/async-backlog-without-capacity  HasBacklogWithoutCapacity" in demo.out
    assert "≥ 5 requests" in demo.out and "> 1,000 ms" in demo.out and "1000 ms" not in demo.out
