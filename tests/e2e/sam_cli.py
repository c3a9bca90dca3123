"""The SAM CLI commands of a real run (pure: the argument lists; the driver runs them).

``sam build`` and ``sam deploy`` with the SAM CLI of ``.venv-sam`` (``make install``), as a user
deploys SageWatch (README "Deploy to AWS"), with everything the run needs on the command line:

- the stack name and ``NamePrefix`` are the run's prefix; ``--tags`` puts the run's tag on the
  stack, and CloudFormation propagates stack tags to the resources that support them;
- ``SlackWebhookSecretName`` names the fixtures' webhook secret; ``OkSettleSeconds=0`` tells the
  OK at once (a webhook cannot thread, so it would otherwise wait up to 15 minutes);
- packages go to the fixtures bucket under the run's prefix (``--s3-bucket``/``--s3-prefix``),
  not to SAM's managed bucket, so the run's cleanup removes them too;
- ``--config-file`` names an empty configuration: the repository's samconfig.toml asks for
  ``resolve_s3`` (which SAM refuses together with ``--s3-bucket``) and a changeset confirmation.
"""

from __future__ import annotations

from pathlib import Path

from tests.e2e.naming import TAG_KEY, RunNames

EMPTY_CONFIG = "version = 0.1\n"


def build_command(sam: str, *, template: Path, build_dir: Path) -> list[str]:
    return [sam, "build", "--template-file", str(template), "--build-dir", str(build_dir), "--parallel"]


def deploy_command(
    sam: str,
    names: RunNames,
    *,
    built_template: Path,
    config_file: Path,
    bucket: str,
    profile: str | None,
) -> list[str]:
    command = [
        sam,
        "deploy",
        "--config-file",
        str(config_file),
        "--template-file",
        str(built_template),
        "--stack-name",
        names.stack,
        "--region",
        names.region,
        "--s3-bucket",
        bucket,
        "--s3-prefix",
        f"{names.artifact_prefix}sam",
        "--capabilities",
        "CAPABILITY_IAM",
        "--no-confirm-changeset",
        "--no-fail-on-empty-changeset",
        "--tags",
        f"{TAG_KEY}={names.prefix}",
        # One argument, "Key=Value" pairs separated by spaces: the form SAM CLI documents.
        "--parameter-overrides",
        f"NamePrefix={names.prefix} SlackWebhookSecretName={names.webhook_secret} OkSettleSeconds=0",
    ]
    if profile:
        command += ["--profile", profile]
    return command
