"""Slack's Block Kit rules as a checker: what the fake Slack answers ``invalid_blocks`` with.

Real Slack rejects a message that breaks Block Kit's limits; the emulated one must too, or a
renderer bug would only show in production. This is a test oracle, so it lives with the
emulator and never ships in the Lambda layer. The limits and the UTF-16 counting are the
runtime's own (``sagewatch.core.alerting.slack_text``), so the renderer and the checker cannot
drift apart. Source: https://api.slack.com/reference/block-kit/blocks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sagewatch.core.alerting.slack_text import (
    MAX_ACTION_ELEMENTS,
    MAX_BLOCKS,
    MAX_BUTTON_TEXT,
    MAX_BUTTON_URL,
    MAX_BUTTON_VALUE,
    MAX_CONTEXT_ELEMENTS,
    MAX_FALLBACK_TEXT,
    MAX_FIELD_TEXT,
    MAX_FIELDS,
    MAX_HEADER_TEXT,
    MAX_ID,
    MAX_IMAGE_ALT,
    MAX_SECTION_TEXT,
    MAX_TEXT_OBJECT,
    slack_len,
)

__all__ = ["validate_slack_message"]


def validate_slack_message(payload: Any) -> list[str]:
    """Every way ``payload`` breaks Block Kit's limits or SageWatch's rules; empty when valid.

    Never raises, whatever the shape: a fake Slack can answer ``invalid_blocks`` with it.
    Checks: top-level ``text`` present and ≤ 3000; ≤ 50 blocks of a known type; header
    plain_text ≤ 150; section text ≤ 3000 and ≤ 10 fields of ≤ 2000; context 1..10 elements;
    actions 1..25 buttons with text ≤ 75, url ≤ 3000 and unique action_id; block_id unique.
    """
    if not isinstance(payload, Mapping):
        return ["payload is not a JSON object"]
    problems: list[str] = []
    text = payload.get("text")
    if not isinstance(text, str) or not text.strip():
        problems.append("text: top-level fallback text is missing")
    elif slack_len(text) > MAX_FALLBACK_TEXT:
        problems.append(f"text: {slack_len(text)} characters, more than {MAX_FALLBACK_TEXT}")
    blocks = payload.get("blocks")
    if blocks is None:
        return problems
    if not isinstance(blocks, list):
        return [*problems, "blocks: not a list"]
    if len(blocks) > MAX_BLOCKS:
        problems.append(f"blocks: {len(blocks)} blocks, more than {MAX_BLOCKS}")
    ids: _Ids = {"block_id": set(), "action_id": set()}
    for index, block in enumerate(blocks):
        problems += _check_block(block, f"blocks[{index}]", ids)
    return problems


_Ids = dict[str, set[str]]


def _check_block(block: Any, where: str, ids: _Ids) -> list[str]:
    if not isinstance(block, Mapping):
        return [f"{where}: not an object"]
    problems = _check_id(block, "block_id", where, ids)
    kind = block.get("type")
    if kind == "header":
        problems += _check_text(block.get("text"), f"{where}.text", MAX_HEADER_TEXT, plain_only=True)
    elif kind == "section":
        problems += _check_section(block, where)
    elif kind == "context":
        problems += _check_context(block, where)
    elif kind == "actions":
        problems += _check_actions(block, where, ids)
    elif kind == "image":
        if not isinstance(block.get("image_url"), str) or slack_len(block["image_url"]) > MAX_BUTTON_URL:
            problems.append(f"{where}.image_url: missing or longer than {MAX_BUTTON_URL}")
        alt = block.get("alt_text")
        if not isinstance(alt, str) or not alt or slack_len(alt) > MAX_IMAGE_ALT:
            problems.append(f"{where}.alt_text: missing or longer than {MAX_IMAGE_ALT}")
    elif kind != "divider":
        problems.append(f"{where}.type: unsupported block type {kind!r}")
    return problems


def _check_section(block: Mapping[str, Any], where: str) -> list[str]:
    problems: list[str] = []
    text, fields = block.get("text"), block.get("fields")
    if text is None and fields is None:
        problems.append(f"{where}: a section needs text or fields")
    if text is not None:
        problems += _check_text(text, f"{where}.text", MAX_SECTION_TEXT)
    if fields is not None:
        if not isinstance(fields, list) or not fields:
            problems.append(f"{where}.fields: must be a non-empty list")
        else:
            if len(fields) > MAX_FIELDS:
                problems.append(f"{where}.fields: {len(fields)} fields, more than {MAX_FIELDS}")
            for i, item in enumerate(fields):
                problems += _check_text(item, f"{where}.fields[{i}]", MAX_FIELD_TEXT)
    return problems


def _check_context(block: Mapping[str, Any], where: str) -> list[str]:
    elements = block.get("elements")
    if not isinstance(elements, list) or not elements:
        return [f"{where}.elements: must be a non-empty list"]
    problems: list[str] = []
    if len(elements) > MAX_CONTEXT_ELEMENTS:
        problems.append(f"{where}.elements: {len(elements)} elements, more than {MAX_CONTEXT_ELEMENTS}")
    for i, element in enumerate(elements):
        if isinstance(element, Mapping) and element.get("type") == "image":
            continue
        problems += _check_text(element, f"{where}.elements[{i}]", MAX_TEXT_OBJECT)
    return problems


def _check_actions(block: Mapping[str, Any], where: str, ids: _Ids) -> list[str]:
    elements = block.get("elements")
    if not isinstance(elements, list) or not elements:
        return [f"{where}.elements: must be a non-empty list"]
    problems: list[str] = []
    if len(elements) > MAX_ACTION_ELEMENTS:
        problems.append(f"{where}.elements: {len(elements)} elements, more than {MAX_ACTION_ELEMENTS}")
    for i, element in enumerate(elements):
        at = f"{where}.elements[{i}]"
        if not isinstance(element, Mapping) or element.get("type") != "button":
            problems.append(f"{at}: only buttons are supported")
            continue
        problems += _check_text(element.get("text"), f"{at}.text", MAX_BUTTON_TEXT, plain_only=True)
        problems += _check_id(element, "action_id", at, ids)
        url = element.get("url")
        if url is not None and (not isinstance(url, str) or not url or slack_len(url) > MAX_BUTTON_URL):
            problems.append(f"{at}.url: must be a string of 1..{MAX_BUTTON_URL} characters")
        value = element.get("value")
        if value is not None and (not isinstance(value, str) or slack_len(value) > MAX_BUTTON_VALUE):
            problems.append(f"{at}.value: must be a string of at most {MAX_BUTTON_VALUE} characters")
    return problems


def _check_text(obj: Any, where: str, limit: int, *, plain_only: bool = False) -> list[str]:
    if not isinstance(obj, Mapping):
        return [f"{where}: not a text object"]
    kinds = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
    problems: list[str] = []
    if obj.get("type") not in kinds:
        problems.append(f"{where}.type: must be {' or '.join(kinds)}")
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        problems.append(f"{where}.text: missing or empty")
    elif slack_len(text) > limit:
        problems.append(f"{where}.text: {slack_len(text)} characters, more than {limit}")
    return problems


def _check_id(obj: Mapping[str, Any], key: str, where: str, ids: _Ids) -> list[str]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, str) or not value or slack_len(value) > MAX_ID:
        return [f"{where}.{key}: must be a string of 1..{MAX_ID} characters"]
    if value in ids[key]:
        return [f"{where}.{key}: {value!r} is not unique"]
    ids[key].add(value)
    return []
