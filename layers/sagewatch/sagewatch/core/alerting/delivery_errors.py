"""What the alert path's outside systems fail with, as the ports promise it.

The adapters (``adapters.slack``, ``adapters.s3``) raise these; the use case
(``usecases.notify``) decides from them, so it never imports an adapter: the dependency points
from the adapter to the contract.
"""

from __future__ import annotations

from sagewatch.core.shared.errors import SageWatchError


class DestinationError(SageWatchError):
    """A destination (Slack, PagerDuty, Teams) did not take a request (status 0: no HTTP answer
    at all). ``body`` is its answer, cut and scrubbed by the adapter; never the request."""

    def __init__(self, service: str, status: int, body: str, retry_after: float | None = None) -> None:
        detail = f"{service} answered {status}: {body}" if status else f"{service} unreachable: {body}"
        if retry_after is not None:
            detail += f" (retry after {retry_after:g} s)"
        super().__init__(detail)
        self.service = service
        self.status = status
        self.body = body
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        """Rate limits, server errors and network failures may pass later; 4xx payload errors will
        not (Slack's rate limits; "Events API v2 Overview": a 400 is an invalid event)."""
        return self.status in (0, 408, 429) or self.status >= 500


class SlackDeliveryError(DestinationError):
    """Slack did not accept a message after the SDK's retries."""

    def __init__(self, status: int, body: str, retry_after: float | None = None) -> None:
        super().__init__("Slack", status, body, retry_after)


class OutOfTimeError(SlackDeliveryError):
    """Waiting for Slack (pacing or Retry-After) would outlast the invocation: retry from the queue.

    A 429 in form, so that callers treat it as the rate limit it stands for (retryable).
    """

    def __init__(self, channel_wait: float) -> None:
        super().__init__(429, "not enough time left in this invocation", channel_wait)


class ReportUnavailableError(SageWatchError):
    """A Model Monitor report cannot be read: ``reason`` is "missing", "denied" or "error"."""

    def __init__(self, reason: str, code: str) -> None:
        super().__init__(f"report {reason} ({code})")
        self.reason = reason
        self.code = code


class WebhookDeliveryError(DestinationError):
    """PagerDuty or Teams did not take a request; ``service`` names which."""
