"""The command line's argument types: every option is checked while the arguments are parsed,
so a mistake is one line and exit 2 before anything starts (an emulated account, an AWS call).

Each function here is an ``argparse`` ``type=``: it returns the parsed value or raises
``argparse.ArgumentTypeError`` with what was wrong, which ``Parser`` prints as one line.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import functools
import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

EXIT_USAGE = 2


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose usage errors are one line naming the command and the fix,
    instead of the usage block followed by the error (``--help`` still shows the usage)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def positive_int(text: str) -> int:
    """A whole number above zero (page sizes, counts)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number above 0, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a whole number above 0, got {text}")
    return value


def int_between(low: int, high: int) -> Callable[[str], int]:
    """A whole number in [low, high], e.g. ``--days`` (1-15: GetMetricData's retention of
    one-minute data, see sagewatch_cli/backtest/backtester.py)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number from {low} to {high}, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected a whole number from {low} to {high}, got {text}")
        return value

    parse.__name__ = f"int_between_{low}_{high}"  # argparse names the type in some messages
    return parse


def rate(text: str) -> float:
    """A rate per second, 0 or above (0 = unpaced): never negative, infinite or NaN."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of calls per second (0 or more), got {text!r}") from None
    if not 0 <= value < float("inf"):  # also refuses NaN, for which every comparison is false
        raise argparse.ArgumentTypeError(f"expected a number of calls per second (0 or more), got {text}")
    return value


def endpoint_url(text: str) -> str:
    """An http(s) URL with a host, as botocore accepts for ``endpoint_url``: refused here rather
    than as botocore's ``ValueError`` when the first client is made."""
    from botocore.utils import is_valid_endpoint_url, is_valid_ipv6_endpoint_url

    problem = "expected an http:// or https:// URL with a host, e.g. http://127.0.0.1:5000"
    try:
        parts = urlsplit(text)
        _ = parts.port  # raises ValueError for a port outside 0-65535 or not a number
    except ValueError:
        raise argparse.ArgumentTypeError(f"{problem}, got {text!r}") from None
    if parts.scheme not in ("http", "https") or not (is_valid_endpoint_url(text) or is_valid_ipv6_endpoint_url(text)):
        raise argparse.ArgumentTypeError(f"{problem}, got {text!r}")
    return text


@functools.cache
def known_regions() -> frozenset[str]:
    """Every region of every partition this botocore knows (its partitions and endpoints data:
    the regions the SDK can build an endpoint for), without the ``aws-global``-style names of
    global endpoints, which are not regions an endpoint can run in."""
    import botocore.session
    from botocore.exceptions import DataNotFoundError

    session = botocore.session.get_session()
    regions: set[str] = set()
    for data in ("endpoints", "partitions"):  # partitions.json is newer: a botocore may lack it
        with contextlib.suppress(DataNotFoundError):
            for part in session.get_data(data)["partitions"]:
                regions.update(name for name in part.get("regions", {}) if not name.endswith("-global"))
    return frozenset(regions)


def unknown_region_message(region: str) -> str | None:
    """None for a region botocore knows; else what is wrong with it and the nearest names."""
    regions = known_regions()
    if region in regions:
        return None
    import botocore

    close = difflib.get_close_matches(region, sorted(regions), n=3)
    hint = f" (did you mean {' or '.join(close)}?)" if close else ""
    return (
        f"unknown AWS region {region!r}{hint}: not one of the {len(regions)} regions botocore "
        f"{botocore.__version__} knows in the aws, aws-cn, aws-us-gov and isolated partitions"
    )


def region(text: str) -> str:
    """A region of one of botocore's partitions (``us-east-1``, ``cn-north-1``, ``us-gov-west-1`` …)."""
    problem = unknown_region_message(text)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return text


def iso_time(text: str) -> datetime:
    """An ISO 8601 time; UTC when it names no offset."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an ISO 8601 time such as 2025-06-01T12:00, got {text!r}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def key_value(text: str) -> tuple[str, str]:
    """``KEY=VALUE`` (the value may be empty, the key may not)."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def json_document(source: str) -> Any:
    """The JSON document in a file (``-``: standard input), read while parsing."""
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise argparse.ArgumentTypeError(f"cannot read {source}: {reason}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"{source} is not JSON: {exc}") from None


def output_directory(text: str) -> Path:
    """A directory that is, or can be created, writable: an existing file or a place without
    write permission is refused before anything runs (nothing is created while parsing)."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} exists and is not a directory: name a directory")
    existing = path
    while not existing.exists():  # the nearest existing ancestor is where the directories are made
        existing = existing.parent
    if not existing.is_dir():
        raise argparse.ArgumentTypeError(f"cannot create {text}: {existing} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"cannot write in {existing}: permission denied")
    return path


def policy_file(source: str) -> Any:
    """A fleet policy JSON file, read and validated while parsing (a ``Policy``)."""
    from sagewatch.core.monitoring.policy import Policy
    from sagewatch.core.shared.errors import InvalidPolicyError

    document = json_document(source)
    try:
        return Policy.from_document(document, where=source)
    except InvalidPolicyError as exc:
        raise argparse.ArgumentTypeError(f"invalid policy: {exc}") from None


def make_output_directory(path: Path) -> None:
    """Create ``path`` and prove a file can be written in it; ``CommandError`` (exit 2) if not."""
    import tempfile

    from sagewatch_cli.errors import CommandError

    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise CommandError(f"sagewatch demo: --out: cannot write in {path}: {exc.strerror or exc}", EXIT_USAGE) from exc


def name_prefix(text: str) -> str:
    """The stack's NamePrefix, as the template's AllowedPattern (sagewatch.core.shared.naming)."""
    from sagewatch.core.shared.errors import InvalidPolicyError
    from sagewatch.core.shared.naming import validate_prefix

    try:
        return validate_prefix(text)
    except InvalidPolicyError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def spoke(text: str) -> tuple[str, str | None]:
    """``ACCOUNT`` or ``ACCOUNT:REGION`` of ``doctor --spoke`` (a known region, when given)."""
    from sagewatch_cli.spoke_doctor import parse_spoke

    try:
        account, where = parse_spoke(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return account, (region(where) if where else None)
