"""Build the use cases from the function's environment: shared by the handlers (not by the CLI).

The fleet policy lives in an SSM parameter (``SAGEWATCH_POLICY_PARAMETER``) that operators may
change without a deploy; ``SAGEWATCH_POLICY`` stays the validated fallback and initial value.
The parameter is re-read at most every ``POLICY_TTL_SECONDS`` while an execution environment is
warm, so a change reaches the event path within a minute and the next reconcile re-fits the
fleet (the policy version is part of every endpoint's applied state).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

from sagewatch.adapters.aws import client as aws_client
from sagewatch.adapters.cloudwatch import CloudWatchWriter
from sagewatch.adapters.fleet import StateStore, load_policy
from sagewatch.adapters.pacing import paced_cloudwatch
from sagewatch.adapters.sagemaker import SageMakerEndpoints
from sagewatch.adapters.sns import NoticePublisher
from sagewatch.fleet_settings import FleetSettings
from sagewatch.settings import Settings
from sagewatch.usecases.onboarding import Onboarding

POLICY_TTL_SECONDS = 60.0


class Services:
    """Clients built on first use and kept while warm; settings refreshed for the policy TTL."""

    def __init__(
        self,
        client_factory: Callable[[str], Any] = aws_client,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._factory = client_factory
        self._clock = clock
        self._clients: dict[str, Any] = {}
        self._settings: Settings | None = None
        self._loaded_at = 0.0
        self.fleet = FleetSettings.from_env()

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self._factory(service)
        return self._clients[service]

    def settings(self, *, fresh: bool = False) -> Settings:
        """Settings.from_env (always validated) with the policy from SSM when a parameter is named.

        ``fresh`` re-reads the parameter now (the reconcile does at every run; the worker does
        when a message was planned under another policy version than the one it holds).
        """
        now = self._clock()
        stale = self.fleet.policy_parameter is not None and (fresh or now - self._loaded_at > POLICY_TTL_SECONDS)
        if self._settings is None or stale:
            settings = Settings.from_env()
            if self.fleet.policy_parameter:
                policy = load_policy(self.client("ssm"), self.fleet.policy_parameter)
                settings = dataclasses.replace(settings, policy=policy)
            self._settings, self._loaded_at = settings, now
        return self._settings

    def onboarding(self, *, worker: bool = False, fresh: bool = False) -> Onboarding:
        """The event path (``worker=False``) or the queue worker: paced writes, applied state recorded."""
        settings = self.settings(fresh=fresh)
        notices = NoticePublisher(self.client("sns"), settings.alert_topic_arn) if settings.alert_topic_arn else None
        cloudwatch = self.client("cloudwatch")
        state = None
        if worker:
            cloudwatch = self._paced_cloudwatch()
            if self.fleet.state_table:
                state = StateStore(self.client("dynamodb"), self.fleet.state_table)
        return Onboarding(
            SageMakerEndpoints(self.client("sagemaker")), CloudWatchWriter(cloudwatch), settings, notices, state
        )

    def _paced_cloudwatch(self) -> Any:
        if "cloudwatch-paced" not in self._clients:
            self._clients["cloudwatch-paced"] = paced_cloudwatch(
                self.client("cloudwatch"), self.fleet.cloudwatch_write_tps
            )
        return self._clients["cloudwatch-paced"]
