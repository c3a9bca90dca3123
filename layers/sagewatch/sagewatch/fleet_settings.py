"""Typed settings of the fleet machinery (reconcile, worker queue, state table, policy parameter)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from sagewatch.core.shared.errors import InvalidPolicyError
from sagewatch.settings import _flag

ENV_POLICY_PARAMETER = "SAGEWATCH_POLICY_PARAMETER"
ENV_STATE_TABLE = "SAGEWATCH_STATE_TABLE"
ENV_ONBOARD_QUEUE_URL = "SAGEWATCH_ONBOARD_QUEUE_URL"
ENV_CLOUDWATCH_WRITE_TPS = "SAGEWATCH_CLOUDWATCH_WRITE_TPS"
ENV_RECONCILE_SELF_INVOKE = "SAGEWATCH_RECONCILE_SELF_INVOKE"


@dataclass(frozen=True)
class FleetSettings:
    """Where the fleet machinery lives: the policy parameter, the state table, the work queue."""

    policy_parameter: str | None  # SSM parameter holding the policy JSON (overrides SAGEWATCH_POLICY)
    state_table: str | None
    queue_url: str | None
    cloudwatch_write_tps: float  # client-side pacing of each worker invocation; 0 = none
    self_invoke: bool  # a reconcile that runs out of time invokes itself to continue

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> FleetSettings:
        env = os.environ if env is None else env
        raw_tps = env.get(ENV_CLOUDWATCH_WRITE_TPS, "").strip()
        try:
            tps = float(raw_tps) if raw_tps else 0.0
        except ValueError:
            raise InvalidPolicyError(f"{ENV_CLOUDWATCH_WRITE_TPS}={raw_tps!r} is not a number") from None
        return cls(
            policy_parameter=env.get(ENV_POLICY_PARAMETER, "").strip() or None,
            state_table=env.get(ENV_STATE_TABLE, "").strip() or None,
            queue_url=env.get(ENV_ONBOARD_QUEUE_URL, "").strip() or None,
            cloudwatch_write_tps=tps,
            self_invoke=_flag(env.get(ENV_RECONCILE_SELF_INVOKE), False, ENV_RECONCILE_SELF_INVOKE),
        )
