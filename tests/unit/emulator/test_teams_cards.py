"""The emulated Teams' checker refuses what a Teams Workflows webhook cannot show.

Sources: microsoft/AdaptiveCards ``schemas/1.4.0/adaptive-card.json`` (elements, properties,
enumerations, versions); Microsoft Learn, "Create an Incoming Webhook" (the message, 28 KB);
Teams' host config (six actions).
"""

from __future__ import annotations

from typing import Any

import pytest

from sagewatch.core.alerting.render_teams import render_teams
from sagewatch_emulator.teams_cards import (
    ADAPTIVE_CARD_CONTENT_TYPE,
    validate_adaptive_card,
    validate_teams_message,
)
from tests.unit.core.alerting.test_render_slack import alarm_view


def card(*body: dict[str, Any], version: str = "1.4", **extra: Any) -> dict[str, Any]:
    return {"type": "AdaptiveCard", "version": version, "body": list(body), **extra}


def message(content: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "attachments": [{"contentType": ADAPTIVE_CARD_CONTENT_TYPE, "contentUrl": None, "content": content}],
    }


TEXT = {"type": "TextBlock", "text": "hello", "wrap": True, "weight": "Bolder", "size": "large"}


def test_a_rendered_alert_and_a_plain_card_are_valid() -> None:
    assert validate_teams_message(render_teams(alarm_view())) == []
    assert (
        validate_teams_message(message(card(TEXT, **{"$schema": "http://adaptivecards.io/schemas/adaptive-card.json"})))
        == []
    )


def test_every_element_kind_of_the_card_is_checked_deeply() -> None:
    full = card(
        {"type": "Container", "style": "emphasis", "bleed": True, "items": [TEXT]},
        {
            "type": "ColumnSet",
            "columns": [{"type": "Column", "width": "auto", "items": [TEXT]}, {"width": 2, "items": []}],
        },
        {"type": "FactSet", "facts": [{"title": "a", "value": "b"}]},
        {"type": "RichTextBlock", "inlines": ["shorthand", {"type": "TextRun", "text": "x", "fontType": "monospace"}]},
        {"type": "Image", "url": "https://example.com/a.png", "altText": "a"},
        {"type": "ActionSet", "actions": [{"type": "Action.OpenUrl", "title": "Open", "url": "https://example.com"}]},
        actions=[
            {"type": "Action.ShowCard", "title": "More", "card": {"type": "AdaptiveCard", "body": [TEXT]}},
            {"type": "Action.ToggleVisibility", "targetElements": ["x", {"elementId": "y", "isVisible": False}]},
        ],
    )
    assert validate_adaptive_card(full) == []


B = "card(AdaptiveCard).body[0]"
A = "card(AdaptiveCard).actions[0](Action.OpenUrl)"
COLORS = "default, dark, light, accent, good, warning, attention"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (card(TEXT, version="1.5"), "card: version 1.5 is newer than 1.4, which Teams renders here"),
        (card({"type": "Table", "rows": []}), f"{B}: Table needs Adaptive Cards 1.5"),
        (card(TEXT, msteams={"width": "Full"}), "card(AdaptiveCard): property 'msteams' is not allowed"),
        (card({"type": "TextBlock"}), f"{B}(TextBlock): 'text' is required"),
        (card({"type": "Marquee", "text": "x"}), f"{B}: unknown element type 'Marquee'"),
        (card({"type": "TextBlock", "text": "x", "color": "pink"}), f"{B}(TextBlock).color: must be one of {COLORS}"),
        (card({"type": "TextBlock", "text": "x", "wrap": "yes"}), f"{B}(TextBlock).wrap: not a boolean"),
        (
            card({"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": "x"}]}, version="1.0"),
            f"{B}: RichTextBlock needs Adaptive Cards 1.2",
        ),
        (
            card({"type": "RichTextBlock", "inlines": [{"type": "TextBlock", "text": "x"}]}),
            f"{B}(RichTextBlock).inlines[0]: not a TextRun",
        ),
        (card({"type": "FactSet", "facts": [{"title": "a"}]}), f"{B}(FactSet).facts[0]: 'value' is required"),
        (card(TEXT, actions=[{"type": "Action.OpenUrl", "title": "x"}]), f"{A}: 'url' is required"),
        (
            card(TEXT, actions=[{"type": "Action.OpenUrl", "url": "https://x", "id": "a"}]),
            f"{A}: property 'id' is not allowed",
        ),
        ({"type": "AdaptiveCard", "body": []}, "card: 'version' is required for the top-level card"),
        ("not a card", "card: the card is not an object"),
    ],
)
def test_what_the_14_schema_refuses(content: Any, problem: str) -> None:
    assert problem in validate_adaptive_card(content)


def test_enumerations_match_case_insensitively_as_the_schema_patterns_do() -> None:
    assert (
        validate_adaptive_card(card({"type": "TextBlock", "text": "x", "weight": "BOLDER", "spacing": "Medium"})) == []
    )


def test_at_most_six_actions() -> None:
    actions = [{"type": "Action.OpenUrl", "title": str(i), "url": f"https://x/{i}"} for i in range(7)]
    assert "card: 7 actions, more than Teams shows (6)" in validate_adaptive_card(card(TEXT, actions=actions))
    assert validate_adaptive_card(card(TEXT, actions=actions[:6])) == []


def attachment(content_type: str = ADAPTIVE_CARD_CONTENT_TYPE, **extra: Any) -> dict[str, Any]:
    return {"contentType": content_type, "content": card(TEXT), **extra}


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ([], "message: not a JSON object"),
        ({"type": "note", "attachments": [attachment()]}, "type: must be 'message'"),
        ({"type": "message", "attachments": []}, "attachments: a non-empty array is required"),
        (
            {"type": "message", "attachments": [attachment("application/vnd.microsoft.card.hero")]},
            f"attachments[0].contentType: must be {ADAPTIVE_CARD_CONTENT_TYPE}",
        ),
        (
            {"type": "message", "attachments": [attachment(contentUrl="https://x")]},
            "attachments[0].contentUrl: must be null (the card is inline)",
        ),
        (message(card({"type": "TextBlock", "text": "x" * 28_000})), "message: 28200 bytes, more than Teams' 28 KB"),
    ],
)
def test_what_the_workflows_webhook_refuses(body: Any, problem: str) -> None:
    assert problem in validate_teams_message(body)


def test_odd_shapes_never_raise() -> None:
    for odd in ({"type": ["TextBlock"]}, {"type": None}, 5, None, {"type": "Container", "items": "x"}):
        assert validate_adaptive_card(card(odd))  # type: ignore[arg-type]
