"""Region codes from CloudWatch's display names: complete for the aws, aws-cn and aws-us-gov
partitions (checked against the SDK's own region table), tolerant of older and accented names."""

from __future__ import annotations

import json
from pathlib import Path

import botocore
import pytest

from sagewatch.core.alerting.regions import (
    REGION_NAMES,
    is_region_code,
    partition_of,
    region_from_arn,
    region_from_display_name,
)

PARTITIONS = ("aws", "aws-cn", "aws-us-gov")


def sdk_regions() -> dict[str, str]:
    """region code → description, from botocore's endpoints.json (read as data, no AWS call)."""
    data = json.loads((Path(botocore.__file__).parent / "data" / "endpoints.json").read_text())
    return {
        code: region["description"]
        for partition in data["partitions"]
        if partition["partition"] in PARTITIONS
        for code, region in partition["regions"].items()
    }


def test_every_commercial_china_and_govcloud_region_is_in_the_table() -> None:
    for code, description in sdk_regions().items():
        assert code in REGION_NAMES, f"{code} ({description}) is missing from core.alerting.regions"
        assert region_from_display_name(description) == code


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("US East (N. Virginia)", "us-east-1"),
        ("EU (Ireland)", "eu-west-1"),  # before AWS renamed "EU" to "Europe"
        ("EU (London)", "eu-west-2"),
        ("Europe (Ireland)", "eu-west-1"),
        ("South America (São Paulo)", "sa-east-1"),
        ("south america (sao paulo)", "sa-east-1"),
        ("Amazon GovCloud (US-West)", "us-gov-west-1"),  # the China documentation's spelling
        ("AWS GovCloud (US)", "us-gov-west-1"),
        ("Asia Pacific (Osaka-Local)", "ap-northeast-3"),
        ("China (Ningxia)", "cn-northwest-1"),
        ("  Asia Pacific   (Sydney) ", "ap-southeast-2"),
    ],
)
def test_display_names_old_and_new(name: str, code: str) -> None:
    assert region_from_display_name(name) == code


@pytest.mark.parametrize("name", ["", "EXAMPLE", "Moon Base (Tycho)", None, 42, ["US East (Ohio)"]])
def test_anything_else_is_no_region(name: object) -> None:
    assert region_from_display_name(name) is None


def test_region_codes_from_arns_only_when_well_formed() -> None:
    assert region_from_arn("arn:aws:sns:eu-west-1:123456789012:alerts") == "eu-west-1"
    assert region_from_arn("arn:aws-us-gov:sns:us-gov-east-1:123456789012:alerts") == "us-gov-east-1"
    for bad in ("arn:aws:sns:EXAMPLE", "arn:aws:cloudwatch:REGION:1:alarm:x", "arn:aws:s3:::bucket", "nope", None):
        assert region_from_arn(bad) is None
    assert region_from_arn("arn:aws:cloudwatch:evil.example/#:1:alarm:x") is None
    assert all(is_region_code(code) for code in REGION_NAMES)


def test_partitions() -> None:
    assert partition_of("us-east-1") == "aws"
    assert partition_of("cn-north-1") == "aws-cn"
    assert partition_of("us-gov-west-1") == "aws-us-gov"
