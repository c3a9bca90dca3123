"""A Teams Workflows message and its Adaptive Card as a checker: what the fake Teams webhook answers with.

Teams shows "We're sorry, this card couldn't be displayed" for a card it cannot render, and a
Workflows flow reports a rejected post only in its run history, so a renderer bug would be seen
by nobody but the on-call person. The emulated Teams checks every message against the rules
below. A test oracle: it lives with the emulator, never in the Lambda layer.

Sources, encoded here rule by rule (the schema document itself is not vendored):

- The message: Microsoft Learn, "Create an Incoming Webhook" and "Post a workflow when a
  webhook request is received in Microsoft Teams": ``{"type": "message", "attachments": [{"contentType":
  "application/vnd.microsoft.card.adaptive", "contentUrl": null, "content": {…}}]}``; "The
  message size limit is 28 KB. When the size exceeds 28 KB, you receive an error" (read as
  28,000 bytes of the posted body, the stricter reading of KB).
- The card: microsoft/AdaptiveCards ``schemas/1.4.0/adaptive-card.json`` (JSON Schema draft-06):
  each element and action type with the properties it allows (``additionalProperties: false``),
  its required properties, the version that introduced it, and the enumerations (Spacing,
  Colors, FontSize, FontWeight, FontType, ContainerStyle, …, matched case-insensitively as the
  schema's patterns do). Types of later versions (``Table`` of 1.5) are refused.
- The version Teams renders from a Workflows flow: 1.4 (Teams' "Cards reference" promises 1.5
  for bot-sent cards, but cards of 1.5 and 1.6 posted by the Workflows flow bot fail to render:
  microsoft/AdaptiveCards #7676, #8965, #9378; MicrosoftDocs/msteams-docs #9801).
- At most six actions: ``maxActions`` in Teams' host config (microsoft/AdaptiveCards
  ``samples/HostConfig/microsoft-teams-light.json``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = [
    "ADAPTIVE_CARD_CONTENT_TYPE",
    "MAX_ACTIONS",
    "MAX_MESSAGE_BYTES",
    "TEAMS_CARD_VERSION",
    "validate_adaptive_card",
    "validate_teams_message",
]

ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
TEAMS_CARD_VERSION = "1.4"
MAX_MESSAGE_BYTES = 28_000
MAX_ACTIONS = 6

# -- the 1.4 schema's vocabulary -------------------------------------------------------------

_ENUMS: dict[str, tuple[str, ...]] = {
    "Spacing": ("default", "none", "small", "medium", "large", "extraLarge", "padding"),
    "BlockElementHeight": ("auto", "stretch"),
    "Colors": ("default", "dark", "light", "accent", "good", "warning", "attention"),
    "FontSize": ("default", "small", "medium", "large", "extraLarge"),
    "FontType": ("default", "monospace"),
    "FontWeight": ("default", "lighter", "bolder"),
    "HorizontalAlignment": ("left", "center", "right"),
    "VerticalContentAlignment": ("top", "center", "bottom"),
    "ContainerStyle": ("default", "emphasis", "good", "attention", "warning", "accent"),
    "ActionStyle": ("default", "positive", "destructive"),
    "ImageSize": ("auto", "stretch", "small", "medium", "large"),
    "ImageStyle": ("default", "person"),
    "AssociatedInputs": ("Auto", "None"),
    "TextInputStyle": ("text", "tel", "url", "email"),
    "ChoiceInputStyle": ("compact", "expanded"),
    "FallbackOption": ("drop",),
    "ImageFillMode": ("cover", "repeatHorizontally", "repeatVertically", "repeat"),
}

# Property kinds: "string", "bool", "number", "url" (a string: uri-reference), "object", "any",
# "enum:<Name>", "nullable-enum:<Name>", "width" (string or number), "elements", "actions",
# "columns", "facts", "inlines", "images", "card", "element-fallback", "action-fallback",
# "select-action", "requires", "background", "strings", "targets", "choices", "sources".
_ITEM = {"requires": "requires"}
_TOGGLEABLE = _ITEM | {"id": "string", "isVisible": "bool"}
_ELEMENT = _TOGGLEABLE | {
    "fallback": "element-fallback",
    "height": "enum:BlockElementHeight",
    "separator": "bool",
    "spacing": "enum:Spacing",
}
_INPUT = _ELEMENT | {"errorMessage": "string", "isRequired": "bool", "label": "string"}
_ACTION = _ITEM | {"title": "string", "iconUrl": "url", "style": "enum:ActionStyle", "fallback": "action-fallback"}
_CONTAINER_LIKE = {
    "selectAction": "select-action",
    "style": "nullable-enum:ContainerStyle",
    "verticalContentAlignment": "enum:VerticalContentAlignment",
    "bleed": "bool",
    "backgroundImage": "background",
    "minHeight": "string",
}

# type → (version that introduced it, required properties, properties and their kinds)
_ELEMENTS: dict[str, tuple[str, tuple[str, ...], dict[str, str]]] = {
    "ActionSet": ("1.2", ("actions",), _ELEMENT | {"actions": "actions"}),
    "ColumnSet": (
        "1.0",
        (),
        _ELEMENT
        | {
            "columns": "columns",
            "selectAction": "select-action",
            "style": "nullable-enum:ContainerStyle",
            "bleed": "bool",
            "minHeight": "string",
            "horizontalAlignment": "enum:HorizontalAlignment",
        },
    ),
    "Container": ("1.0", ("items",), _ELEMENT | _CONTAINER_LIKE | {"items": "elements"}),
    "FactSet": ("1.0", ("facts",), _ELEMENT | {"facts": "facts"}),
    "Image": (
        "1.0",
        ("url",),
        _ELEMENT
        | {
            "url": "url",
            "altText": "string",
            "backgroundColor": "string",
            "height": "string",
            "horizontalAlignment": "enum:HorizontalAlignment",
            "selectAction": "select-action",
            "size": "enum:ImageSize",
            "style": "enum:ImageStyle",
            "width": "string",
        },
    ),
    "ImageSet": ("1.0", ("images",), _ELEMENT | {"images": "images", "imageSize": "enum:ImageSize"}),
    "Input.ChoiceSet": (
        "1.0",
        ("id", "choices"),
        _INPUT
        | {
            "choices": "choices",
            "isMultiSelect": "bool",
            "style": "enum:ChoiceInputStyle",
            "value": "string",
            "placeholder": "string",
            "wrap": "bool",
        },
    ),
    "Input.Date": ("1.0", ("id",), _INPUT | dict.fromkeys(("max", "min", "placeholder", "value"), "string")),
    "Input.Number": (
        "1.0",
        ("id",),
        _INPUT | {"max": "number", "min": "number", "placeholder": "string", "value": "number"},
    ),
    "Input.Text": (
        "1.0",
        ("id",),
        _INPUT
        | {
            "isMultiline": "bool",
            "maxLength": "number",
            "placeholder": "string",
            "regex": "string",
            "style": "enum:TextInputStyle",
            "inlineAction": "select-action",
            "value": "string",
        },
    ),
    "Input.Time": ("1.0", ("id",), _INPUT | dict.fromkeys(("max", "min", "placeholder", "value"), "string")),
    "Input.Toggle": (
        "1.0",
        ("id", "title"),
        _INPUT | {"title": "string", "value": "string", "valueOff": "string", "valueOn": "string", "wrap": "bool"},
    ),
    "Media": ("1.1", ("sources",), _ELEMENT | {"sources": "sources", "poster": "url", "altText": "string"}),
    "RichTextBlock": (
        "1.2",
        ("inlines",),
        _ELEMENT | {"inlines": "inlines", "horizontalAlignment": "enum:HorizontalAlignment"},
    ),
    "TextBlock": (
        "1.0",
        ("text",),
        _ELEMENT
        | {
            "text": "string",
            "color": "enum:Colors",
            "fontType": "enum:FontType",
            "horizontalAlignment": "enum:HorizontalAlignment",
            "isSubtle": "bool",
            "maxLines": "number",
            "size": "enum:FontSize",
            "weight": "enum:FontWeight",
            "wrap": "bool",
        },
    ),
}
_ACTIONS: dict[str, tuple[str, tuple[str, ...], dict[str, str]]] = {
    "Action.Execute": (
        "1.4",
        (),
        _ACTION | {"verb": "string", "data": "any", "associatedInputs": "enum:AssociatedInputs"},
    ),
    "Action.OpenUrl": ("1.0", ("url",), _ACTION | {"url": "url"}),
    "Action.ShowCard": ("1.0", (), _ACTION | {"card": "card"}),
    "Action.Submit": ("1.0", (), _ACTION | {"data": "any", "associatedInputs": "enum:AssociatedInputs"}),
    "Action.ToggleVisibility": ("1.2", ("targetElements",), _ACTION | {"targetElements": "targets"}),
}
_COLUMN = (
    _TOGGLEABLE
    | _CONTAINER_LIKE
    | {
        "items": "elements",
        "fallback": "column-fallback",
        "separator": "bool",
        "spacing": "enum:Spacing",
        "width": "width",
    }
)
_TEXT_RUN = {
    "text": "string",
    "color": "enum:Colors",
    "fontType": "enum:FontType",
    "highlight": "bool",
    "isSubtle": "bool",
    "italic": "bool",
    "selectAction": "select-action",
    "size": "enum:FontSize",
    "strikethrough": "bool",
    "underline": "bool",  # 1.3
    "weight": "enum:FontWeight",
}
_CARD = {
    "$schema": "string",
    "version": "string",
    "refresh": "object",
    "authentication": "object",
    "body": "elements",
    "actions": "actions",
    "selectAction": "select-action",
    "fallbackText": "string",
    "backgroundImage": "background",
    "minHeight": "string",
    "speak": "string",
    "lang": "string",
    "verticalContentAlignment": "enum:VerticalContentAlignment",
}
_NEWER_TYPES = {"Table": "1.5", "TableRow": "1.5", "TableCell": "1.5"}  # of the 1.5 schema


def _version(text: str) -> tuple[int, ...] | None:
    try:
        return tuple(int(part) for part in text.split("."))
    except ValueError:
        return None


class _Checker:
    def __init__(self, version: tuple[int, ...]) -> None:
        self.version = version
        self.problems: list[str] = []
        self.actions_seen = 0

    def add(self, where: str, what: str) -> None:
        self.problems.append(f"{where}: {what}")

    # -- typed objects ---------------------------------------------------------------------

    def typed(
        self,
        node: Any,
        where: str,
        table: Mapping[str, tuple[str, tuple[str, ...], dict[str, str]]],
        noun: str,
    ) -> None:
        if not isinstance(node, Mapping):
            self.add(where, f"{noun} is not an object")
            return
        kind = node.get("type")
        if not isinstance(kind, str):
            self.add(where, f"{noun} has no type")
            return
        if kind in _NEWER_TYPES:
            self.add(where, f"{kind} needs Adaptive Cards {_NEWER_TYPES[kind]}")
            return
        if kind not in table:
            self.add(where, f"unknown {noun} type {kind!r}")
            return
        since, required, properties = table[kind]
        since_version = _version(since) or ()
        if since_version > self.version:
            self.add(where, f"{kind} needs Adaptive Cards {since}")
        self.properties(node, f"{where}({kind})", required, properties)

    def properties(self, node: Mapping[str, Any], where: str, required: tuple[str, ...], kinds: dict[str, str]) -> None:
        for name in required:
            if name not in node:
                self.add(where, f"'{name}' is required")
        for name, value in node.items():
            if name == "type":
                continue
            kind = kinds.get(name)
            if kind is None:
                self.add(where, f"property '{name}' is not allowed")
                continue
            self.value(value, f"{where}.{name}", kind)

    # -- values ----------------------------------------------------------------------------

    def value(self, value: Any, where: str, kind: str) -> None:
        if kind == "any":
            return
        if kind in ("string", "url"):
            if not isinstance(value, str):
                self.add(where, "not a string")
            elif kind == "url" and (not value or any(ch.isspace() for ch in value)):
                self.add(where, "not a URI reference")
        elif kind == "bool":
            if not isinstance(value, bool):
                self.add(where, "not a boolean")
        elif kind == "number":
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.add(where, "not a number")
        elif kind == "object":
            if not isinstance(value, Mapping):
                self.add(where, "not an object")
        elif kind == "requires":
            if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
                self.add(where, "not an object of strings")
        elif kind == "width":
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                self.add(where, "not a string or a number")
        elif kind.startswith(("enum:", "nullable-enum:")):
            self.enum(value, where, kind)
        elif kind == "element-fallback":
            self.fallback(value, where, _ELEMENTS, "element")
        elif kind == "action-fallback":
            self.fallback(value, where, _ACTIONS, "action")
        elif kind == "column-fallback":
            if not self.is_drop(value):
                self.column(value, where)
        elif kind == "select-action":
            self.typed(value, where, {k: v for k, v in _ACTIONS.items() if k != "Action.ShowCard"}, "selectAction")
        elif kind == "card":
            self.card(value, where, nested=True)
        elif kind == "background":
            if not isinstance(value, str):
                self.object_of(
                    value,
                    where,
                    ("url",),
                    {"type": "any", "url": "url", "fillMode": "enum:ImageFillMode"}
                    | {
                        "horizontalAlignment": "enum:HorizontalAlignment",
                        "verticalAlignment": "enum:VerticalContentAlignment",
                    },
                )
        else:
            self.array(value, where, kind)

    def enum(self, value: Any, where: str, kind: str) -> None:
        nullable, _, name = kind.partition(":")
        if value is None and nullable == "nullable-enum":
            return
        allowed = _ENUMS[name]
        if not isinstance(value, str) or value.lower() not in {a.lower() for a in allowed}:
            self.add(where, f"must be one of {', '.join(allowed)}")

    def is_drop(self, value: Any) -> bool:
        return isinstance(value, str) and value.lower() == "drop"

    def fallback(self, value: Any, where: str, table: Mapping[str, Any], noun: str) -> None:
        if isinstance(value, str):
            if not self.is_drop(value):
                self.add(where, "a string fallback must be 'drop'")
            return
        self.typed(value, where, table, noun)

    def object_of(self, value: Any, where: str, required: tuple[str, ...], kinds: dict[str, str]) -> None:
        if not isinstance(value, Mapping):
            self.add(where, "not an object")
            return
        self.properties(value, where, required, kinds)

    def column(self, value: Any, where: str) -> None:
        if not isinstance(value, Mapping) or value.get("type", "Column") != "Column":
            self.add(where, "not a Column")
            return
        self.properties(value, f"{where}(Column)", (), _COLUMN)

    def inline(self, value: Any, where: str) -> None:
        if isinstance(value, str):
            return  # a TextRun's shorthand
        if not isinstance(value, Mapping) or value.get("type") != "TextRun":
            self.add(where, "not a TextRun")
            return
        self.properties(value, f"{where}(TextRun)", ("text",), _TEXT_RUN)

    def array(self, value: Any, where: str, kind: str) -> None:
        if not isinstance(value, list):
            self.add(where, "not an array")
            return
        for index, item in enumerate(value):
            at = f"{where}[{index}]"
            if kind == "elements":
                self.typed(item, at, _ELEMENTS, "element")
            elif kind == "actions":
                self.actions_seen += 1
                self.typed(item, at, _ACTIONS, "action")
            elif kind == "columns":
                self.column(item, at)
            elif kind == "facts":
                self.object_of(item, at, ("title", "value"), {"title": "string", "value": "string"})
            elif kind == "inlines":
                self.inline(item, at)
            elif kind == "images":
                self.typed(item, at, {"Image": _ELEMENTS["Image"]}, "image")
            elif kind == "choices":
                self.object_of(item, at, ("title", "value"), {"title": "string", "value": "string"})
            elif kind == "sources":
                self.object_of(item, at, ("mimeType", "url"), {"mimeType": "string", "url": "url"})
            elif kind == "targets":
                if not isinstance(item, str):
                    self.object_of(item, at, ("elementId",), {"elementId": "string", "isVisible": "any"})
            else:  # pragma: no cover - a kind the tables above name but this does not handle
                self.add(at, f"unchecked kind {kind}")

    def card(self, card: Any, where: str, *, nested: bool = False) -> None:
        if not isinstance(card, Mapping):
            self.add(where, "the card is not an object")
            return
        if card.get("type") != "AdaptiveCard":
            self.add(where, "type must be AdaptiveCard")
        if not nested and not isinstance(card.get("version"), str):
            self.add(where, "'version' is required for the top-level card")
        self.properties(card, f"{where}(AdaptiveCard)", (), _CARD)


def validate_adaptive_card(card: Any, *, max_version: str = TEAMS_CARD_VERSION) -> list[str]:
    """Every way ``card`` breaks the Adaptive Card schema up to ``max_version`` (Teams Workflows: 1.4);
    empty when valid. Never raises, whatever the shape."""
    limit = _version(max_version) or (1, 4)
    declared = card.get("version") if isinstance(card, Mapping) else None
    version = _version(declared) if isinstance(declared, str) else None
    problems: list[str] = []
    if isinstance(declared, str):
        if version is None:
            problems.append(f"card: version {declared!r} is not a version number")
        elif version > limit:
            problems.append(f"card: version {declared} is newer than {max_version}, which Teams renders here")
    checker = _Checker(min(version or limit, limit))
    checker.card(card, "card")
    if checker.actions_seen > MAX_ACTIONS:
        problems.append(f"card: {checker.actions_seen} actions, more than Teams shows ({MAX_ACTIONS})")
    return problems + checker.problems


def validate_teams_message(message: Any) -> list[str]:
    """Every way ``message`` breaks what a Teams Workflows webhook takes; empty when valid."""
    if not isinstance(message, Mapping):
        return ["message: not a JSON object"]
    problems: list[str] = []
    try:
        size = len(json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    except (TypeError, ValueError):
        return ["message: not serialisable as UTF-8 JSON"]
    if size > MAX_MESSAGE_BYTES:
        problems.append(f"message: {size} bytes, more than Teams' 28 KB")
    if message.get("type") != "message":
        problems.append("type: must be 'message'")
    attachments = message.get("attachments")
    if not isinstance(attachments, list) or not attachments:
        return [*problems, "attachments: a non-empty array is required"]
    for index, attachment in enumerate(attachments):
        where = f"attachments[{index}]"
        if not isinstance(attachment, Mapping):
            problems.append(f"{where}: not an object")
            continue
        if attachment.get("contentType") != ADAPTIVE_CARD_CONTENT_TYPE:
            problems.append(f"{where}.contentType: must be {ADAPTIVE_CARD_CONTENT_TYPE}")
        if attachment.get("contentUrl") is not None:
            problems.append(f"{where}.contentUrl: must be null (the card is inline)")
        problems += [f"{where}.content: {p}" for p in validate_adaptive_card(attachment.get("content"))]
    return problems
