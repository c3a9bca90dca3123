"""The documented alarm defaults are generated from the catalogue and must not drift from it."""

from __future__ import annotations

from pathlib import Path

from sagewatch.core.monitoring.alarm_catalog import markdown_reasons, markdown_table

DOCS = Path(__file__).resolve().parents[2] / "docs" / "alarms.md"


def test_alarm_table_in_docs_matches_the_catalogue() -> None:
    text = DOCS.read_text()
    assert markdown_table() in text, "docs/alarms.md is stale: regenerate the table from markdown_table()"
    assert markdown_reasons() in text, "docs/alarms.md is stale: regenerate the reasons from markdown_reasons()"


def test_latency_classes_in_docs_match_the_fit() -> None:
    from sagewatch.core.monitoring import latency_fit

    assert latency_fit.markdown_table() in DOCS.read_text(), "docs/alarms.md is stale: regenerate the latency classes"
