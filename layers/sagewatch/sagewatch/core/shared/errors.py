"""The project's own exceptions: adapters translate provider errors into these."""

from __future__ import annotations


class SageWatchError(Exception):
    """Base class of every error SageWatch raises on purpose."""


class InvalidEventError(SageWatchError):
    """An incoming event cannot be processed; the message names what was wrong.

    Invalid events are permanent failures: retrying them cannot help, so handlers log and
    report them instead of raising into a retry loop.
    """


class EndpointNotFoundError(SageWatchError):
    """The endpoint named by an event or a command does not exist (any more)."""

    def __init__(self, endpoint_name: str) -> None:
        super().__init__(f"endpoint {endpoint_name!r} does not exist")
        self.endpoint_name = endpoint_name


class InvalidPolicyError(SageWatchError):
    """A threshold, switch or tag override is not valid; the message names which and why."""


class AwsCallError(SageWatchError):
    """An AWS call failed for a reason other than throttling (retried) or not-found."""

    def __init__(self, operation: str, code: str, message: str) -> None:
        super().__init__(f"{operation} failed: {code}: {message}")
        self.operation = operation
        self.code = code


class NoTimeLeftError(SageWatchError):
    """The wait for the next slot would outlast the time the caller has left (adapters.rate_limit)."""

    def __init__(self, delay: float) -> None:
        super().__init__(f"the next slot is {delay:g} s away, more than the time left")
        self.delay = delay


class SpokeAccessError(SageWatchError):
    """The hub could not assume a spoke's role: the account and region are named, the external ID never."""

    def __init__(self, account: str, region: str, role_arn: str, code: str, message: str) -> None:
        super().__init__(
            f"cannot act in spoke account {account} region {region}: sts:AssumeRole on {role_arn} "
            f"failed with {code}: {message} (is the spoke stack deployed there, with this hub's "
            "function roles and external ID? docs/hub-and-spokes.md)"
        )
        self.account = account
        self.region = region
        self.role_arn = role_arn
        self.code = code
