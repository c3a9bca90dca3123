"""SSM Parameter Store: the fleet policy, a JSON document operators may change without a deploy."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sagewatch.adapters.aws import call
from sagewatch.core.monitoring.policy import Policy
from sagewatch.core.shared.errors import AwsCallError, InvalidPolicyError


def load_policy(client: Any, parameter: str, sleep: Callable[[float], None] | None = None) -> Policy:
    """The fleet policy from an SSM parameter (JSON); InvalidPolicyError names what is wrong."""
    where = f"SSM parameter {parameter}"
    try:
        result = call("GetParameter", client.get_parameter, Name=parameter, sleep=sleep)
    except AwsCallError as exc:
        if exc.code == "ParameterNotFound":
            raise InvalidPolicyError(f"{where} does not exist") from exc
        raise
    raw = str(result.get("Parameter", {}).get("Value", ""))
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidPolicyError(f"{where} is not valid JSON: {exc}") from exc
    return Policy.from_document(doc, where=where)
