from __future__ import annotations

import pytest

from sagewatch.core.monitoring.alarm_catalog import ALARM_KEYS, BY_KEY
from sagewatch.core.monitoring.policy import Policy
from sagewatch.core.monitoring.tags import normalize_tags, overrides_from_tags
from sagewatch.core.shared.errors import InvalidPolicyError


def test_defaults_come_from_the_catalogue() -> None:
    policy = Policy()
    assert policy.threshold("model-latency-p99") == BY_KEY["model-latency-p99"].default_threshold
    assert all(policy.is_enabled(k) for k in ALARM_KEYS)


def test_policy_document_overrides_and_disables() -> None:
    policy = Policy.from_document(
        {"thresholds": {"model-latency-p99": 250, "cpu-utilization": "75"}, "disabled": "disk-utilization"}
    )
    assert policy.threshold("model-latency-p99") == 250.0
    assert policy.threshold("cpu-utilization") == 75.0
    assert not policy.is_enabled("disk-utilization")


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"thresholds": {"latency": 5}}, "unknown alarm key 'latency'"),
        ({"thresholds": {"cpu-utilization": "lots"}}, "must be a number, got 'lots'"),
        ({"thresholds": {"cpu-utilization": -1}}, "must be >= 0"),
        ({"thresholds": {"cpu-utilization": True}}, "must be a number"),
        ({"thresholds": {"cpu-utilization": float("nan")}}, "finite"),
        ({"disabled": ["cpu"]}, "unknown alarm key"),
        ({"thresholds": []}, "thresholds must be an object"),
        ({"colour": "blue"}, "unknown field"),
        ([], "must be a JSON object"),
    ],
)
def test_invalid_policy_names_what_is_wrong(doc: object, message: str) -> None:
    with pytest.raises(InvalidPolicyError, match=message):
        Policy.from_document(doc)


def test_normalize_tags_accepts_every_shape() -> None:
    assert normalize_tags({"a": "1"}) == {"a": "1"}
    assert normalize_tags([{"Key": "a", "Value": "1"}]) == {"a": "1"}
    assert normalize_tags([{"key": "a", "value": "1"}, "junk", {"value": "no key"}]) == {"a": "1"}
    assert normalize_tags(None) == {}
    assert normalize_tags("nonsense") == {}


def test_tag_overrides_switch_off_override_and_opt_out() -> None:
    overrides = overrides_from_tags(
        {
            "sagewatch:alarm:disk-utilization": "off",
            "sagewatch:alarm:model-latency-p99": "250",
            "team": "risk",
        }
    )
    assert overrides.enabled
    assert overrides.disabled == {"disk-utilization"}
    assert overrides.thresholds == {"model-latency-p99": 250.0}
    policy = overrides.apply(Policy.from_document({"disabled": ["model-latency-p99"]}))
    # An explicit per-endpoint threshold re-enables an alarm switched off fleet-wide.
    assert policy.is_enabled("model-latency-p99") and policy.threshold("model-latency-p99") == 250
    assert not policy.is_enabled("disk-utilization")
    assert not overrides_from_tags({"sagewatch:enabled": "false"}).enabled


def test_invalid_tags_are_reported_and_ignored() -> None:
    overrides = overrides_from_tags(
        {"sagewatch:alarm:nope": "1", "sagewatch:alarm:cpu-utilization": "high", "sagewatch:enabled": "perhaps"}
    )
    assert overrides.enabled and not overrides.thresholds and not overrides.disabled
    assert len(overrides.problems) == 3
    assert any("unknown alarm key 'nope'" in p for p in overrides.problems)
    assert any("fleet default applies" in p for p in overrides.problems)
