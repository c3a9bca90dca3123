"""docs/simulator.md lists every emitted metric, generated from the catalogue."""

from __future__ import annotations

from pathlib import Path

from sagewatch_simulator.traffic.metrics import CATALOGUE, markdown_table

DOC = Path(__file__).resolve().parents[4] / "docs" / "simulator.md"


def test_metric_table_in_docs_matches_the_catalogue() -> None:
    assert markdown_table() in DOC.read_text(), "docs/simulator.md is stale: regenerate it from markdown_table()"


def test_every_catalogued_metric_has_a_source_and_a_valid_unit() -> None:
    units = {"None", "Count", "Percent", "Microseconds", "Seconds"}
    for item in CATALOGUE:
        assert item.source and item.unit in units, item.name
