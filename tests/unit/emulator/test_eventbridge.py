"""The emulator's EventBridge matching: the subset of event patterns the template uses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sagewatch_emulator.errors import EmulatorError
from sagewatch_emulator.eventbridge import matching_functions, pattern_matches
from sagewatch_emulator.sam.template import Template

ROOT = Path(__file__).resolve().parents[3]
PATTERN = {"source": ["aws.sagemaker"], "detail": {"eventName": ["CreateInferenceComponent", "X"]}}


def test_exact_values_nested_objects_and_list_values() -> None:
    assert pattern_matches(PATTERN, {"source": "aws.sagemaker", "detail": {"eventName": "X"}})
    assert pattern_matches(PATTERN, {"source": ["aws.sagemaker", "y"], "detail": {"eventName": "X"}})
    assert not pattern_matches(PATTERN, {"source": "aws.sagemaker", "detail": {"eventName": "Y"}})
    assert not pattern_matches(PATTERN, {"source": "aws.sagemaker"})
    assert not pattern_matches(PATTERN, {"source": "aws.sagemaker", "detail": "X"})


def test_operators_it_does_not_emulate_are_refused() -> None:
    with pytest.raises(EmulatorError):
        pattern_matches({"source": [{"prefix": "aws."}]}, {"source": "aws.sagemaker"})


@pytest.mark.parametrize(
    ("sample", "functions"),
    [
        ("ic-create.json", ["OnboardFunction"]),
        ("in-service-cpu.json", ["OnboardFunction"]),
        ("updating.json", ["OnboardFunction"]),
        ("creating.json", []),
    ],
)
def test_the_templates_rules_route_the_samples(sample: str, functions: list[str]) -> None:
    event = json.loads((ROOT / "events" / "onboard" / sample).read_text())
    assert matching_functions(Template.load(ROOT / "template.yaml"), event) == functions
