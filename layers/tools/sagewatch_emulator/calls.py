"""Counting the AWS API calls a handler makes, on the client side.

While a :class:`CallRecorder` is active, ``botocore.client.BaseClient._make_api_call`` — the
one place every boto3 operation passes through, once per call (retries happen below it, each
page of a paginator is one call) — is wrapped to count ``"service.Operation"``, e.g.
``"cloudwatch.PutMetricAlarm"``. Counting is thread-safe, so handlers that fan out over
threads are counted too. Clients marked with :func:`exclude_from_counting` (the ones a test
gets from ``EmulatedAccount.client``) are never counted.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from botocore.client import BaseClient

__all__ = ["WRITE_PREFIXES", "CallRecorder", "exclude_from_counting", "is_write"]

_EXCLUDED_ATTRIBUTE = "_sagewatch_not_counted"

WRITE_PREFIXES = ("Put", "Create", "Delete", "Update", "Tag", "Untag", "Set", "Send", "Publish")
"""Operation-name prefixes that change state in AWS (what ``Invocation.writes`` selects)."""


def is_write(call: str) -> bool:
    """True for ``"service.Operation"`` keys whose operation changes state."""
    operation = call.rpartition(".")[2]
    return operation.startswith(WRITE_PREFIXES)


def exclude_from_counting(client: BaseClient) -> BaseClient:
    """Mark a client so that its calls are never counted (test-side clients)."""
    setattr(client, _EXCLUDED_ATTRIBUTE, True)
    return client


class CallRecorder:
    """Context manager: counts API calls made in this process while it is active."""

    _install_lock = threading.Lock()

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._original: Callable[..., Any] | None = None

    def __enter__(self) -> CallRecorder:
        with CallRecorder._install_lock:
            # Not in botocore's type stubs: reached through getattr/setattr on purpose.
            original: Callable[..., Any] = getattr(BaseClient, "_make_api_call")  # noqa: B009
            if getattr(original, "_sagewatch_recorder", None) is not None:
                raise RuntimeError("another CallRecorder is already active")
            self._original = original
            recorder = self

            def _make_api_call(client: BaseClient, operation_name: str, api_params: Any) -> Any:
                if not getattr(client, _EXCLUDED_ATTRIBUTE, False):
                    recorder.record(client.meta.service_model.service_name, operation_name)
                return original(client, operation_name, api_params)

            _make_api_call._sagewatch_recorder = self  # type: ignore[attr-defined]
            setattr(BaseClient, "_make_api_call", _make_api_call)  # noqa: B010
        return self

    def __exit__(self, *_exc: object) -> None:
        with CallRecorder._install_lock:
            if self._original is not None:
                setattr(BaseClient, "_make_api_call", self._original)  # noqa: B010
                self._original = None

    def record(self, service: str, operation: str) -> None:
        with self._lock:
            self._counts[f"{service}.{operation}"] += 1

    @property
    def counts(self) -> dict[str, int]:
        """``{"service.Operation": count}``, sorted by key."""
        with self._lock:
            return dict(sorted(self._counts.items()))
