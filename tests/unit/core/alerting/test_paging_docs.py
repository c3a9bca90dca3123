"""docs/alerts.md, "Paging and Teams", and the README: the severity table, the PagerDuty event and
incident and the Teams card shown there are what the code says and renders (regenerate them from
the functions here)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sagewatch.core.alerting.alert_kinds import Found, alert_kind
from sagewatch.core.alerting.notification import parse_sns_record
from sagewatch.core.alerting.render_pagerduty import dedup_key, render_pagerduty_trigger
from sagewatch.core.alerting.render_teams import render_teams
from sagewatch.core.alerting.severity import DEFAULT_SEVERITY

ROOT = Path(__file__).resolve().parents[4]
DOC = ROOT / "docs" / "alerts.md"
README = ROOT / "README.md"
LOGS = (
    "2026-11-28T03:11:58Z ERROR worker 3: inference timed out after 1500 ms",
    "2026-11-28T03:11:59Z ERROR worker 1: inference timed out after 1500 ms",
)


def severity_rows() -> str:
    return "\n".join(f"| `{key}` | {severity} |" for key, severity in DEFAULT_SEVERITY.items())


def _example() -> tuple[Any, Any]:
    sns = json.loads((ROOT / "events/notify/alarm-metric-latency-p99.json").read_text())["Records"][0]["Sns"]
    kind = alert_kind(parse_sns_record(sns), prefix="SageWatch", dashboards=True)
    transition = kind.transition
    assert transition is not None
    view = kind.view(Found({"logs": list(LOGS)}))
    return view, render_pagerduty_trigger(view, dedup_key=dedup_key(transition.key, transition.at))


def example_event() -> str:
    _view, event = _example()
    return json.dumps(event.request_body("<routing key, from Secrets Manager>"), indent=2, ensure_ascii=False)


def incident_text() -> str:
    """The PagerDuty alert as its page shows it: severity and status, the summary as its title,
    source and grouping, the custom details (lists one item a line), the links."""
    _view, event = _example()
    body = event.request_body("unused")
    payload = body["payload"]
    lines = [
        f"PagerDuty · {payload['severity']} · triggered",
        payload["summary"],
        f"Source: {payload['source']}",
        f"Component: {payload['component']} · Group: {payload['group']} · Class: {payload['class']}",
    ]
    for name, value in payload["custom_details"].items():
        if isinstance(value, list):
            lines.append(f"{name}:")
            lines.extend(f"  {item}" for item in value)
        else:
            lines.append(f"{name}: {value}")
    lines.append("Links: " + " · ".join(link["text"] for link in body["links"]))
    return "\n".join(lines)


def card_text() -> str:
    """The card as the channel shows it: the header, each block's runs on one line, the buttons."""
    view, _event = _example()
    card = render_teams(view)["attachments"][0]["content"]
    lines: list[str] = []

    def walk(elements: list[dict[str, Any]], indent: str) -> None:
        for element in elements:
            if element["type"] == "Container":
                walk(element["items"], indent)
            elif element["type"] == "RichTextBlock":
                lines.append(indent + "".join(run["text"] for run in element["inlines"]))

    walk(card["body"], "")
    lines.append(" ".join(f"[ {action['title']} ]" for action in card["actions"]))
    return "\n".join(lines)


def test_the_documented_severities_are_the_defaults() -> None:
    assert severity_rows() in DOC.read_text(), "docs/alerts.md: regenerate the severity table (severity_rows)"


def test_the_documented_pagerduty_event_and_teams_card_are_rendered() -> None:
    text = DOC.read_text()
    assert example_event() in text, "docs/alerts.md: regenerate the PagerDuty event (example_event)"
    assert card_text() in text, "docs/alerts.md: regenerate the Teams card (card_text)"
    assert f"**{json.loads(example_event())['payload']['summary']}**" in text


def test_the_readme_shows_an_incident_and_a_card_as_people_see_them() -> None:
    text = README.read_text()
    assert incident_text() in text, "README.md: regenerate the PagerDuty incident (incident_text)"
    assert card_text() in text, "README.md: regenerate the Teams card (card_text)"
