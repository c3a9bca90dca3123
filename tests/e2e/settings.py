"""What a run against a real AWS account needs, read from the environment, or a clear refusal.

A real run costs money (a few cents, docs/e2e.md) and creates resources in the caller's account,
so nothing happens by accident: the region must be named (``SAGEWATCH_E2E_REGION``), the cost
confirmed (``SAGEWATCH_E2E_CONFIRM=yes``), and credentials must resolve (environment or a named
profile, ``SAGEWATCH_E2E_PROFILE`` or ``AWS_PROFILE``). Anything missing is refused with the one
line that says what to set; ``make e2e REGION=… CONFIRM=yes [PROFILE=…]`` sets all three.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")


class RefusedError(Exception):
    """The run must not start; the message says why and what to set."""


@dataclass(frozen=True)
class AwsSettings:
    region: str
    profile: str | None
    sam: str  # the SAM CLI executable (.venv-sam's, made by `make install`)
    image_uri: str | None  # overrides the scikit-learn serving image looked up by region

    @classmethod
    def from_environ(
        cls, environ: Mapping[str, str], *, has_credentials: Callable[[str | None, str], bool]
    ) -> AwsSettings:
        """Settings from the environment; :class:`RefusedError` when the run is not clearly wanted.

        ``has_credentials(profile, region)`` answers whether boto3 finds credentials (injected:
        the unit tests have none to find).
        """
        region = environ.get("SAGEWATCH_E2E_REGION", "").strip()
        if not region:
            raise RefusedError(
                "refusing to run against AWS: name the region with SAGEWATCH_E2E_REGION "
                "(make e2e REGION=eu-west-1 CONFIRM=yes). Without it the suite runs against the emulated account."
            )
        if not _REGION.fullmatch(region):
            raise RefusedError(f"refusing to run against AWS: {region!r} is not a region code such as eu-west-1")
        if environ.get("SAGEWATCH_E2E_CONFIRM", "").strip().lower() != "yes":
            raise RefusedError(
                "refusing to run against AWS: one run creates a stack, a serverless endpoint and alarms in "
                f"{region} and costs a few cents (docs/e2e.md); confirm with SAGEWATCH_E2E_CONFIRM=yes "
                "(make e2e ... CONFIRM=yes)"
            )
        profile = (environ.get("SAGEWATCH_E2E_PROFILE") or environ.get("AWS_PROFILE") or "").strip() or None
        if not has_credentials(profile, region):
            source = f"profile {profile!r}" if profile else "the environment or the default profile"
            raise RefusedError(
                f"refusing to run against AWS: no credentials found in {source}; set AWS_ACCESS_KEY_ID/"
                "AWS_SECRET_ACCESS_KEY, or name a profile with PROFILE=... (aws sso login first for SSO profiles)"
            )
        sam = environ.get("SAGEWATCH_E2E_SAM", "").strip() or str(REPO / ".venv-sam" / "bin" / "sam")
        image = environ.get("SAGEWATCH_E2E_IMAGE_URI", "").strip() or None
        return cls(region=region, profile=profile, sam=sam, image_uri=image)


def boto3_has_credentials(profile: str | None, region: str) -> bool:
    """Whether boto3 resolves credentials for the profile (or the default chain)."""
    import boto3
    from botocore.exceptions import BotoCoreError

    try:
        session = boto3.Session(profile_name=profile, region_name=region)
        return session.get_credentials() is not None
    except BotoCoreError:  # an unknown profile, an unreadable config
        return False


def main() -> int:
    """``python -m tests.e2e.settings``: refuse (exit 2, the reason on stderr) or say what will run."""
    import os
    import sys

    try:
        settings = AwsSettings.from_environ(os.environ, has_credentials=boto3_has_credentials)
    except RefusedError as refused:
        print(refused, file=sys.stderr)
        return 2
    profile = f", profile {settings.profile}" if settings.profile else ""
    print(f"running the acceptance scenario in AWS region {settings.region}{profile}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
