"""EventBridge rules of the stack's functions, matched in the emulated account.

moto's TestEventPattern is a stub, and EventBridge → Lambda deliveries need Docker, so the
emulator matches an event against the ``EventBridgeRule`` events of the template's functions
itself and invokes each function whose rule matches. Only the part of EventBridge's content
filtering the template uses is supported ("Amazon EventBridge event patterns", EventBridge user
guide): a field's list of values matches when the event's value equals one of them (an event
value that is a list matches when any element does), a nested object matches field by field,
and a field the event lacks does not match. Anything else (prefix, anything-but, numeric, …)
raises, so a rule the emulator cannot judge is never silently taken as matching or not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sagewatch_emulator.errors import EmulatorError
from sagewatch_emulator.sam.template import Template


def pattern_matches(pattern: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    for key, wanted in pattern.items():
        if key not in event:
            return False
        value = event[key]
        if isinstance(wanted, Mapping):
            if not isinstance(value, Mapping) or not pattern_matches(wanted, value):
                return False
            continue
        if not isinstance(wanted, list) or any(isinstance(w, (Mapping, list)) for w in wanted):
            raise EmulatorError(f"event pattern field {key!r}: only lists of exact values are emulated, got {wanted!r}")
        values = value if isinstance(value, list) else [value]
        if not any(v in wanted for v in values):
            return False
    return True


def rules_of_functions(template: Template) -> list[tuple[str, str, Mapping[str, Any]]]:
    """(function logical id, event name, pattern) of every EventBridgeRule event in the template."""
    found = []
    for logical_id, resource in template.resources.items():
        if not isinstance(resource, Mapping) or resource.get("Type") != "AWS::Serverless::Function":
            continue
        for name, spec in (resource.get("Properties", {}).get("Events") or {}).items():
            if isinstance(spec, Mapping) and spec.get("Type") == "EventBridgeRule":
                pattern = spec.get("Properties", {}).get("Pattern")
                if isinstance(pattern, Mapping):
                    found.append((logical_id, name, pattern))
    return found


def matching_functions(template: Template, event: Mapping[str, Any]) -> list[str]:
    """The functions whose EventBridge rule matches ``event`` (once each, template order)."""
    out: list[str] = []
    for function, _name, pattern in rules_of_functions(template):
        if function not in out and pattern_matches(pattern, event):
            out.append(function)
    return out
