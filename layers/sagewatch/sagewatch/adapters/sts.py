"""Clients that act in a spoke account-region, through its role (``sts:AssumeRole``).

Imported only when an event, message or alert names a place other than the hub's own: the
single-account path never loads this module and never calls STS.

- The role is ``<prefix>-spoke-<region>`` of the spoke account (``core.shared.places``), assumed
  with the external ID the spoke's trust policy requires ("How to use an external ID when
  granting access to your AWS resources to a third party", IAM user guide). The external ID goes
  into the request only: it is never logged, and no error message repeats it.
- STS is called at its Regional endpoint in the hub's own region: "Manage AWS STS in an AWS
  Region" (IAM user guide) recommends Regional endpoints, and session tokens from them "are valid
  in all AWS Regions" (the global endpoint's only in the Regions enabled by default), which a
  spoke in an opt-in Region needs. ``sts_regional_endpoints = regional`` is the SDKs' setting for
  it ("AWS STS Regionalized endpoints", AWS SDKs and Tools Reference Guide).
- Credentials are kept per role (one per account-region, the role name carries the region) while a
  warm execution environment lives, and assumed again ``REFRESH_BEFORE_SECONDS`` before they
  expire: an alert's reads or a worker's writes never start with credentials about to lapse.
- ``AccessDenied`` (the role's trust does not admit this hub, a wrong external ID, no spoke stack
  in that account-region) becomes :class:`SpokeAccessError`, naming account, region and role.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import botocore.session

from sagewatch.adapters.aws import CLIENT_CONFIG, call, new_session
from sagewatch.core.shared.errors import AwsCallError, SpokeAccessError
from sagewatch.core.shared.places import Place, spoke_role_arn

REFRESH_BEFORE_SECONDS = 300.0  # assume again this long before the credentials expire
SESSION_SECONDS = 3600  # the role's default maximum session duration (IAM: MaxSessionDuration 1 h)
SESSION_NAME = "sagewatch-hub"  # shown in the spoke's CloudTrail as the role session
# What STS answers when the trust policy (principal, external ID, organization) refuses the call.
_REFUSED = frozenset({"AccessDenied", "AccessDeniedException", "InvalidClientTokenId"})


@dataclass(frozen=True)
class _Credentials:
    access_key: str
    secret_key: str
    token: str
    expires_at: float  # epoch seconds


class SpokeClients:
    """``client(place, service)``: a client of ``service`` acting in ``place`` through the spoke role."""

    def __init__(
        self,
        *,
        prefix: str,
        external_id: str,
        hub_region: str,
        session: Callable[[], botocore.session.Session] | None = None,
        wall_clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self._prefix = prefix
        self._external_id = external_id
        self._hub_region = hub_region
        self._session_factory = session or new_session
        self._session: botocore.session.Session | None = None
        self._wall_clock = wall_clock
        self._sleep = sleep
        self._lock = threading.Lock()  # the notify enrichment reads run on a thread pool
        self._credentials: dict[Place, _Credentials] = {}
        self._clients: dict[tuple[Place, str], tuple[_Credentials, Any]] = {}
        self._sts: Any = None
        self.assumed = 0  # AssumeRole calls made (the bench and tests count them)

    def __repr__(self) -> str:  # the external ID stays out of any repr that reaches a log
        return f"<SpokeClients prefix={self._prefix!r} hub_region={self._hub_region!r}>"

    def _base(self) -> botocore.session.Session:
        if self._session is None:
            made = self._session_factory()
            made.set_config_variable("sts_regional_endpoints", "regional")
            self._session = made
        return self._session

    def client(self, place: Place, service: str) -> Any:
        """The client of ``service`` in ``place``, with credentials valid for a while yet."""
        with self._lock:
            credentials = self._current(place)
            kept = self._clients.get((place, service))
            if kept is not None and kept[0] is credentials:
                return kept[1]
            made = self._base().create_client(
                service,
                region_name=place.region,
                aws_access_key_id=credentials.access_key,
                aws_secret_access_key=credentials.secret_key,
                aws_session_token=credentials.token,
                config=CLIENT_CONFIG,
            )
            self._clients[(place, service)] = (credentials, made)
            return made

    def deferred(self, place: Place, service: str) -> Any:
        """A stand-in that looks the client up at every method lookup, so it never holds expired credentials."""
        return _SpokeClient(self, place, service)

    def _current(self, place: Place) -> _Credentials:
        held = self._credentials.get(place)
        if held is not None and held.expires_at - self._wall_clock() > REFRESH_BEFORE_SECONDS:
            return held
        fresh = self._assume(place)
        self._credentials[place] = fresh
        return fresh

    def _assume(self, place: Place) -> _Credentials:
        if self._sts is None:
            self._sts = self._base().create_client("sts", region_name=self._hub_region, config=CLIENT_CONFIG)
        role = spoke_role_arn(self._prefix, place)
        self.assumed += 1
        try:
            answer = call(
                "AssumeRole",
                self._sts.assume_role,
                RoleArn=role,
                RoleSessionName=SESSION_NAME,
                ExternalId=self._external_id,
                DurationSeconds=SESSION_SECONDS,
                sleep=self._sleep,
            )
        except AwsCallError as exc:
            if exc.code in _REFUSED:
                raise SpokeAccessError(place.account, place.region, role, exc.code, _reason(exc)) from None
            raise
        given = answer["Credentials"]
        return _Credentials(
            access_key=given["AccessKeyId"],
            secret_key=given["SecretAccessKey"],
            token=given["SessionToken"],
            expires_at=_epoch(given["Expiration"]),
        )


def _reason(exc: AwsCallError) -> str:
    text = str(exc)
    return text.split(": ", 2)[-1] if ": " in text else text


def _epoch(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    return datetime.fromisoformat(str(value)).timestamp()


class _SpokeClient:
    """Looks the spoke client up at each method lookup (credentials renewed behind it)."""

    __slots__ = ("_clients", "_place", "_service")

    def __init__(self, clients: SpokeClients, place: Place, service: str) -> None:
        self._clients = clients
        self._place = place
        self._service = service

    def __getattr__(self, name: str) -> Any:
        return getattr(self._clients.client(self._place, self._service), name)

    def __repr__(self) -> str:
        return f"<{self._service} client in {self._place}>"
