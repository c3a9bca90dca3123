"""The extension register and the process takeover put back exactly what they changed."""

from __future__ import annotations

import os
from datetime import datetime

import boto3
import pytest

from sagewatch_emulator.aws_environment import ProcessTakeover, emulator_variables
from sagewatch_emulator.extensions import MotoExtensions, snake_case
from sagewatch_emulator.sagemaker import _detailed_observability_default


class _Owner:
    def kept(self) -> str:
        return "original"


def test_snake_case_is_motos_handler_name() -> None:
    assert snake_case("PutMetricAlarm") == "put_metric_alarm"
    assert snake_case("GetMetricWidgetImage") == "get_metric_widget_image"
    assert snake_case("DescribeAlarms") == "describe_alarms"


def test_uninstall_restores_replaced_attributes_and_removes_added_ones() -> None:
    extensions = MotoExtensions()
    extensions.patch(_Owner, "kept", lambda self: "patched")
    extensions.patch(_Owner, "added", lambda self: "new")
    extensions.installed.append("test")
    assert _Owner().kept() == "patched"

    extensions.uninstall()

    assert _Owner().kept() == "original"
    assert not hasattr(_Owner, "added")
    assert extensions.installed == []


def test_process_takeover_points_boto3_at_the_emulator_and_restores_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "prod")
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", "https://sqs.example")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    session = boto3.DEFAULT_SESSION
    takeover = ProcessTakeover()

    takeover.take("http://127.0.0.1:5000", "us-east-1")

    assert {k: os.environ[k] for k in emulator_variables("http://127.0.0.1:5000", "us-east-1")} == emulator_variables(
        "http://127.0.0.1:5000", "us-east-1"
    )
    assert "AWS_PROFILE" not in os.environ
    assert "AWS_ENDPOINT_URL_SQS" not in os.environ
    assert boto3.DEFAULT_SESSION is None

    takeover.restore()

    assert os.environ["AWS_PROFILE"] == "prod"
    assert os.environ["AWS_ENDPOINT_URL_SQS"] == "https://sqs.example"
    assert os.environ["AWS_REGION"] == "eu-west-1"
    assert "AWS_ENDPOINT_URL" not in os.environ
    assert boto3.DEFAULT_SESSION is session


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        ("2026-06-17T23:59:00+00:00", False),  # created before the default changed: off unless set
        ("2026-06-18T00:00:00+00:00", True),  # "created after June 17, 2026": on by default
        ("2026-11-30T12:00:00", True),  # moto's naive wall-clock stamp, read as UTC
        (None, True),
    ],
)
def test_the_emulated_detailed_observability_default_follows_the_creation_date(
    created: str | None, expected: bool
) -> None:
    stamp = datetime.fromisoformat(created) if created else None
    assert _detailed_observability_default(stamp) is expected
    if created:
        assert _detailed_observability_default(created) is expected  # an ISO string, as moto may keep it
