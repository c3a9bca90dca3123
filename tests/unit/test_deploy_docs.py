"""docs/deploy.md describes template.yaml as it is: every parameter (with its default), every
output, and every artefact `sam build` builds. A parameter added to the template without a row
in the table fails here, so the table cannot drift."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sagewatch_emulator.sam.template import parse_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE: dict[str, Any] = parse_template((ROOT / "template.yaml").read_text(), name="template.yaml")
DEPLOY = (ROOT / "docs" / "deploy.md").read_text()
EMPTY = "*(empty)*"


def section(heading: str) -> str:
    """The text under a Markdown heading, up to the next heading of any level."""
    start = DEPLOY.index(f"\n{heading}\n") + len(heading) + 2
    following = re.search(r"^#{1,6} ", DEPLOY[start:], re.M)
    return DEPLOY[start : start + following.start()] if following else DEPLOY[start:]


def table_rows(text: str) -> dict[str, list[str]]:
    """First-column `name` → the row's other cells, for each row of the section's table."""
    rows: dict[str, list[str]] = {}
    for line in text.splitlines():
        match = re.match(r"\| `([A-Za-z0-9]+)` \|(.*)\|$", line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in match.group(2).split(" | ")]
    return rows


def documented_default(cell: str) -> str:
    return "" if cell == EMPTY else cell.strip("`")


def test_every_template_parameter_is_in_the_table_with_its_default() -> None:
    rows = table_rows(section("### Parameters"))
    parameters = TEMPLATE["Parameters"]
    assert sorted(rows) == sorted(parameters), "docs/deploy.md 'Parameters' and template.yaml differ"
    for name, parameter in parameters.items():
        assert documented_default(rows[name][0]) == str(parameter.get("Default", "")), name


def test_every_template_output_is_in_the_outputs_table() -> None:
    assert sorted(table_rows(section("### Outputs"))) == sorted(TEMPLATE["Outputs"])


def test_what_sam_build_builds_is_every_function_and_layer_of_the_template() -> None:
    built = sorted(
        name
        for name, resource in TEMPLATE["Resources"].items()
        if resource["Type"] in ("AWS::Serverless::Function", "AWS::Serverless::LayerVersion")
    )
    text = section("## Build and deploy")
    described = text[text.index("`sam build` builds") :]
    assert sorted(set(re.findall(r"`([A-Za-z]+(?:Function|Layer))`", described))) == built
    assert f"builds {['zero', 'one', 'two', 'three', 'four', 'five', 'six'][len(built)]} artefacts" in described
