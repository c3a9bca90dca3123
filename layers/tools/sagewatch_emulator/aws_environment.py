"""The process's AWS configuration while an account is open: every boto3 call goes to the emulator.

:class:`ProcessTakeover` points ``AWS_ENDPOINT_URL`` at the emulator, sets dummy credentials and
the region, masks the host variables that would send calls elsewhere or pick other credentials,
and gives boto3 a fresh default session; :meth:`ProcessTakeover.restore` puts back exactly what
it changed. Nothing reaches real AWS by accident.
"""

from __future__ import annotations

import os

import boto3

__all__ = ["DUMMY_CREDENTIALS", "ProcessTakeover", "emulator_variables", "shared_session"]

DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
# Host variables that would send calls elsewhere or pick other credentials while open.
_MASKED_PREFIXES = ("AWS_ENDPOINT_URL_",)
_MASKED = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
)


def emulator_variables(endpoint_url: str, region: str) -> dict[str, str]:
    """Variables that send boto3 to the emulator: AWS_ENDPOINT_URL, region, dummy keys."""
    return {
        **DUMMY_CREDENTIALS,
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
    }


class ProcessTakeover:
    """Owns ``os.environ``'s AWS variables and ``boto3.DEFAULT_SESSION`` between take and restore."""

    def __init__(self) -> None:
        self._saved_env: dict[str, str | None] = {}
        self._saved_default_session: boto3.session.Session | None = None
        self._active = False

    def take(self, endpoint_url: str, region: str) -> None:
        wanted: dict[str, str | None] = dict(emulator_variables(endpoint_url, region))
        for name in os.environ:
            if name in _MASKED or name.startswith(_MASKED_PREFIXES):
                wanted[name] = None
        for name, value in wanted.items():
            self._saved_env[name] = os.environ.get(name)
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_default_session = boto3.DEFAULT_SESSION
        boto3.DEFAULT_SESSION = None
        self._active = True

    def restore(self) -> None:
        if not self._active:
            return
        self._active = False
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()
        boto3.DEFAULT_SESSION = self._saved_default_session
        self._saved_default_session = None


_SESSIONS: dict[str, boto3.session.Session] = {}


def shared_session(region: str) -> boto3.session.Session:
    """One boto3 session per region for every account of the process: its loader caches the
    service models, which makes creating clients several times cheaper for later accounts."""
    if region not in _SESSIONS:
        _SESSIONS[region] = boto3.session.Session(
            aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=DUMMY_CREDENTIALS["AWS_SESSION_TOKEN"],
            region_name=region,
        )
    return _SESSIONS[region]
