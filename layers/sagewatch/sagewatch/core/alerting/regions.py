"""Region codes from what an alarm notification says about its region (pure).

CloudWatch writes the region of an alarm into its SNS notification only as a display name
(``"Region": "US East (N. Virginia)"``, and ``in US East (N. Virginia)`` in the Subject). Newer
bodies carry ``AlarmArn`` too, which names the region code; older ones do not, so the code has
to come from the display name or, failing that, from the SNS topic the notification came
through (an alarm can only notify a topic of its own region).

Sources of the table: the ``description`` of every region in botocore's
``botocore/data/endpoints.json`` (partitions ``aws``, ``aws-cn`` and ``aws-us-gov``, botocore
1.44), which are the names the AWS consoles and CloudWatch use, plus the names older
notifications carried before AWS renamed them — "EU (Ireland)" and "EU (London)" in captured
bodies (SodaDev/alarms-repeater ``lambda/events/current/simple/original.json``), "Asia Pacific
(Osaka-Local)" and "AWS GovCloud (US)" for the regions' earlier names. Names are compared
without case, accents, punctuation or an "AWS"/"Amazon" prefix, so "South America (São Paulo)",
"South America (Sao Paulo)" and "Amazon GovCloud (US-West)" (the China documentation's
spelling) all match.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["REGION_NAMES", "is_region_code", "partition_of", "region_from_arn", "region_from_display_name"]

# region code → every display name CloudWatch has used for it (current name first)
REGION_NAMES: dict[str, tuple[str, ...]] = {
    # aws (commercial)
    "af-south-1": ("Africa (Cape Town)",),
    "ap-east-1": ("Asia Pacific (Hong Kong)",),
    "ap-east-2": ("Asia Pacific (Taipei)",),
    "ap-northeast-1": ("Asia Pacific (Tokyo)",),
    "ap-northeast-2": ("Asia Pacific (Seoul)",),
    "ap-northeast-3": ("Asia Pacific (Osaka)", "Asia Pacific (Osaka-Local)"),
    "ap-south-1": ("Asia Pacific (Mumbai)",),
    "ap-south-2": ("Asia Pacific (Hyderabad)",),
    "ap-southeast-1": ("Asia Pacific (Singapore)",),
    "ap-southeast-2": ("Asia Pacific (Sydney)",),
    "ap-southeast-3": ("Asia Pacific (Jakarta)",),
    "ap-southeast-4": ("Asia Pacific (Melbourne)",),
    "ap-southeast-5": ("Asia Pacific (Malaysia)",),
    "ap-southeast-6": ("Asia Pacific (New Zealand)",),
    "ap-southeast-7": ("Asia Pacific (Thailand)",),
    "ca-central-1": ("Canada (Central)",),
    "ca-west-1": ("Canada West (Calgary)",),
    "eu-central-1": ("Europe (Frankfurt)", "EU (Frankfurt)"),
    "eu-central-2": ("Europe (Zurich)",),
    "eu-north-1": ("Europe (Stockholm)", "EU (Stockholm)"),
    "eu-south-1": ("Europe (Milan)",),
    "eu-south-2": ("Europe (Spain)",),
    "eu-west-1": ("Europe (Ireland)", "EU (Ireland)"),
    "eu-west-2": ("Europe (London)", "EU (London)"),
    "eu-west-3": ("Europe (Paris)", "EU (Paris)"),
    "il-central-1": ("Israel (Tel Aviv)",),
    "me-central-1": ("Middle East (UAE)",),
    "me-south-1": ("Middle East (Bahrain)",),
    "mx-central-1": ("Mexico (Central)",),
    "sa-east-1": ("South America (Sao Paulo)", "South America (São Paulo)"),
    "us-east-1": ("US East (N. Virginia)",),
    "us-east-2": ("US East (Ohio)",),
    "us-west-1": ("US West (N. California)",),
    "us-west-2": ("US West (Oregon)",),
    # aws-cn
    "cn-north-1": ("China (Beijing)",),
    "cn-northwest-1": ("China (Ningxia)",),
    # aws-us-gov
    "us-gov-east-1": ("AWS GovCloud (US-East)",),
    "us-gov-west-1": ("AWS GovCloud (US-West)", "AWS GovCloud (US)"),
}

# "us-east-1", "us-gov-west-1", "cn-northwest-1", "eusc-de-east-1": the shape of every region
# code. Whatever is not this shape never becomes a region: it ends up in console URLs' hosts.
_REGION_CODE = re.compile(r"^[a-z]{2,4}(?:-[a-z]+)+-\d{1,2}$")
_PREFIX = re.compile(r"^(?:aws|amazon)\s+")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def _key(name: str) -> str:
    """``"South America (São Paulo)"`` → ``"south america sao paulo"``: compared loosely."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    lowered = _PREFIX.sub("", ascii_name.strip().casefold())
    return _NOT_WORD.sub(" ", lowered).strip()


_BY_KEY: dict[str, str] = {_key(name): code for code, names in REGION_NAMES.items() for name in names}


def is_region_code(value: str) -> bool:
    return bool(_REGION_CODE.match(value))


def region_from_display_name(name: object) -> str | None:
    """``"EU (Ireland)"`` → ``"eu-west-1"``; None for anything not in the table."""
    if not isinstance(name, str) or not name.strip():
        return None
    return _BY_KEY.get(_key(name))


def region_from_arn(arn: object) -> str | None:
    """The region of any ARN (``arn:aws:sns:eu-west-1:123…:topic``), None when it has no valid one."""
    if not isinstance(arn, str):
        return None
    parts = arn.split(":")
    if len(parts) < 6 or parts[0] != "arn" or not is_region_code(parts[3]):
        return None
    return parts[3]


def partition_of(region: str) -> str:
    """``"cn-north-1"`` → ``"aws-cn"``; the partition an ARN in that region names."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith("eusc-"):
        return "aws-eusc"
    return "aws"
