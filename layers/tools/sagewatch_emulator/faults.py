"""Fault injection: AWS throttles (PutMetricAlarm is 3 TPS per region) and denies; moto never does.

``EmulatedAccount.inject_fault(service, operation, code=…, times=n)`` makes moto answer the next
``n`` calls of one operation with an AWS error. The error is raised inside moto's backend, so it
travels back through moto's own serialiser in the service's wire protocol (CBOR for CloudWatch)
and the client sees exactly what AWS would send; botocore's retry logic and the product's
backoff run for real.
"""

from __future__ import annotations

import importlib
import threading
from typing import TYPE_CHECKING, Any

from sagewatch_emulator.extensions import snake_case
from sagewatch_emulator.moto_server import MOTO_ACCOUNT_ID

if TYPE_CHECKING:
    from sagewatch_emulator.extensions import MotoExtensions

__all__ = ["InjectedFault", "inject_fault"]


class InjectedFault:
    """A fault the emulator answers instead of ``service.Operation``, for the next ``times`` calls."""

    def __init__(self, service: str, operation: str, code: str, message: str, times: int) -> None:
        self.service = service
        self.operation = operation
        self.code = code
        self.message = message
        self.remaining = times
        self.triggered = 0
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self.remaining <= 0:
                return False
            self.remaining -= 1
            self.triggered += 1
            return True


def inject_fault(
    extensions: MotoExtensions, service: str, operation: str, *, code: str, message: str, times: int
) -> InjectedFault:
    """Make moto answer ``operation`` with the AWS error ``code`` (e.g. Throttling) ``times`` times.

    The error is raised inside moto's backend, so it travels back through moto's own serialiser
    in the service's wire protocol (CBOR for CloudWatch) and the client sees exactly what AWS
    would send; botocore's retry logic and the product's backoff run for real.
    """
    from moto.backends import get_backend
    from moto.core.exceptions import ServiceException

    backend_dict = get_backend(service)  # type: ignore[call-overload]
    # Any account and region will do: the instance is only looked up to find its class.
    backend_class = type(backend_dict[MOTO_ACCOUNT_ID]["us-east-1"])
    method_name = snake_case(operation)
    original = getattr(backend_class, method_name)
    fault = InjectedFault(service, operation, code, message, times)
    # moto finds the wire-protocol error shape from the exception's module: make it the service's.
    module = importlib.import_module(f"moto.{service}.exceptions")
    error_class = type(f"Injected{code}", (ServiceException,), {"__module__": module.__name__, "code": code})

    def faulty(self: Any, *args: Any, **kwargs: Any) -> Any:
        if fault.take():
            raise error_class(code, message)
        return original(self, *args, **kwargs)

    extensions.patch(backend_class, method_name, faulty)
    extensions.installed.append(f"fault {service}.{operation} {code} x{times}")
    return fault
