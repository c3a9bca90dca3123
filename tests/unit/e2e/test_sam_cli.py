"""The SAM CLI commands of a real run (tests/e2e/sam_cli.py)."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.naming import RunNames
from tests.e2e.sam_cli import EMPTY_CONFIG, build_command, deploy_command

NAMES = RunNames("sw-e2e-12070245-a1b2", "eu-west-1")


def deploy(profile: str | None = None) -> list[str]:
    return deploy_command(
        "/r/.venv-sam/bin/sam",
        NAMES,
        built_template=Path("/r/build/e2e/x/sam/template.yaml"),
        config_file=Path("/r/build/e2e/x/samconfig.toml"),
        bucket="fixtures-bucket",
        profile=profile,
    )


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_deploy_names_the_stack_prefix_tag_and_destination_and_asks_nothing() -> None:
    command = deploy()
    assert command[:2] == ["/r/.venv-sam/bin/sam", "deploy"]
    assert option(command, "--stack-name") == NAMES.prefix
    assert option(command, "--region") == "eu-west-1"
    assert option(command, "--tags") == f"sagewatch-e2e={NAMES.prefix}"
    overrides = option(command, "--parameter-overrides").split(" ")
    assert f"NamePrefix={NAMES.prefix}" in overrides
    assert f"SlackWebhookSecretName={NAMES.webhook_secret}" in overrides
    assert "OkSettleSeconds=0" in overrides
    assert "--no-confirm-changeset" in command
    # Packages go to the run's bucket (removed with the run), never to SAM's managed bucket.
    assert option(command, "--s3-bucket") == "fixtures-bucket"
    assert option(command, "--s3-prefix").startswith(f"{NAMES.prefix}/")
    assert "--resolve-s3" not in command
    assert option(command, "--config-file").endswith("samconfig.toml")
    assert "--profile" not in command
    assert option(deploy("ml-sandbox"), "--profile") == "ml-sandbox"


def test_the_deploy_configuration_is_empty_and_build_uses_the_runs_directory() -> None:
    assert EMPTY_CONFIG.strip() == "version = 0.1"
    command = build_command("sam", template=Path("/r/template.yaml"), build_dir=Path("/r/build/e2e/x/sam"))
    assert option(command, "--build-dir") == "/r/build/e2e/x/sam"
    assert option(command, "--template-file") == "/r/template.yaml"
