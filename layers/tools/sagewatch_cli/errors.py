"""What a command's known failures print and exit with: one line on stderr and a documented code.

Every command runs through ``run_reported``: the failures a person can cause or fix (no network,
no credentials, a denied permission, a policy or path of theirs) become one line saying what
failed and what to check. Anything else is a bug and keeps its traceback.

Exit codes (README.md, docs/fleet.md, docs/deploy.md):
0 done, 1 an AWS error, 2 usage (an option, a file or a region that cannot be used), 3 endpoint
not found, 4 no credentials, 5 access denied, 6 AWS (or ``--endpoint-url``) cannot be reached.
``doctor`` keeps its own 1 (failures found) and 3 (warnings only).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_NO_CREDENTIALS = 4
EXIT_ACCESS_DENIED = 5
EXIT_UNREACHABLE = 6

ACCESS_DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "AuthorizationError",
        "UnrecognizedClientException",
    }
)

_NETWORK_HINT = "check the network (VPN, proxy), --region and --endpoint-url"


class CommandError(Exception):
    """A command's own refusal: its message is the line to print, ``code`` the exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def _socket_reason(error: object) -> str:
    """``Connection refused`` out of urllib3's ``<…HTTPConnection object at 0x…>: Failed to
    establish a new connection: [Errno 111] Connection refused``; else the text after the object."""
    text = str(error)
    found = re.search(r"\[Errno -?\d+\] ([^)\]'\"]+)", text)
    if found:
        return found.group(1).strip()
    return re.sub(r"^<[^>]*>:\s*", "", text).strip() or type(error).__name__


def unreachable_endpoint(exc: BaseException) -> tuple[str, str]:
    """(the URL, what went wrong in a few words) for a botocore connection or HTTP client error."""
    from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError

    from sagewatch_cli.connection import CONNECT_TIMEOUT_S, READ_TIMEOUT_S

    kwargs = getattr(exc, "kwargs", {})
    url = str(kwargs.get("endpoint_url") or kwargs.get("proxy_url") or "the endpoint")
    if isinstance(exc, ConnectTimeoutError):
        return url, f"no connection within {CONNECT_TIMEOUT_S} s"
    if isinstance(exc, ReadTimeoutError):
        return url, f"connected, but no answer within {READ_TIMEOUT_S} s"
    if "error" in kwargs:
        return url, _socket_reason(kwargs["error"])
    return url, type(exc).__name__


def _unreachable(exc: Exception) -> str:
    from botocore.exceptions import ProxyConnectionError, SSLError

    from sagewatch_cli.connection import MAX_ATTEMPTS

    url, reason = unreachable_endpoint(exc)
    if isinstance(exc, ProxyConnectionError):
        return f"sagewatch: cannot reach the proxy {url} ({reason}); check HTTPS_PROXY and HTTP_PROXY"
    if isinstance(exc, SSLError):
        return f"sagewatch: TLS with {url} failed ({reason}); check AWS_CA_BUNDLE and any proxy"
    return f"sagewatch: cannot reach {url} ({reason}; {MAX_ATTEMPTS} attempts); {_NETWORK_HINT}"


def failure_of(exc: Exception) -> tuple[str, int] | None:
    """(the line to print, the exit code) for a known failure; None for anything else (a bug)."""
    from botocore.exceptions import (
        ClientError,
        HTTPClientError,
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
        ProfileNotFound,
    )
    from botocore.exceptions import ConnectionError as BotocoreConnectionError

    from sagewatch.core.shared.errors import AwsCallError, EndpointNotFoundError, InvalidPolicyError

    if isinstance(exc, CommandError):
        return str(exc), exc.code
    if isinstance(exc, BotocoreConnectionError | HTTPClientError):
        return _unreachable(exc), EXIT_UNREACHABLE
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        message = f"sagewatch: no AWS credentials ({exc}); configure the default chain or pass --profile"
        return message, EXIT_NO_CREDENTIALS
    if isinstance(exc, ProfileNotFound):
        return f"sagewatch: {exc}", EXIT_NO_CREDENTIALS
    if isinstance(exc, NoRegionError):
        return "sagewatch: no region: pass --region or set AWS_DEFAULT_REGION", EXIT_USAGE
    if isinstance(exc, InvalidPolicyError):
        return f"sagewatch: invalid policy: {exc}", EXIT_USAGE
    if isinstance(exc, EndpointNotFoundError):
        return f"sagewatch: {exc}", EXIT_NOT_FOUND
    if isinstance(exc, AwsCallError | ClientError):
        code = exc.code if isinstance(exc, AwsCallError) else str(exc.response.get("Error", {}).get("Code", ""))
        if code in ACCESS_DENIED_CODES:
            return f"sagewatch: access denied: {exc}", EXIT_ACCESS_DENIED
        return f"sagewatch: {exc}", EXIT_FAILED
    return None


def run_reported(command: Callable[[], int]) -> int:
    """``command()``'s exit code; a known failure is printed as its one line and its code instead."""
    try:
        return command()
    except Exception as exc:
        failure = failure_of(exc)
        if failure is None:
            raise  # a bug: its traceback is what a report needs
        message, code = failure
        print(message, file=sys.stderr)
        return code
