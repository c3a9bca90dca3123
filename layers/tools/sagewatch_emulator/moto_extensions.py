"""Emulator extensions: where moto 5.2.x falls short of SageMaker, widen moto — never the product.

Each extension is installed when an :class:`~sagewatch_emulator.EmulatedAccount` opens and removed
when it closes, so nothing outlives the account. They change what the *emulator* accepts or
answers, to the shape the real API has; product code keeps making the real calls.

- ``extend_sagemaker_instance_types``: moto's CreateEndpointConfig only accepts a frozen list
  of instance types from before 2021 and rejects ``ml.g5``, ``ml.g6``, ``ml.p4d``, ``ml.p5``,
  ``ml.inf2``, ``ml.trn1``, ``ml.c6i``, ``ml.m6i`` … — the types real users run. The extension
  also accepts every type of :func:`sagewatch.core.shared.instance_types.known_instance_types`.
- ``add_sagemaker_update_endpoint``: moto has no UpdateEndpoint (HTTP 500 "not implemented").
  The extension switches the endpoint to the new config at once (real SageMaker passes
  through ``Updating``; the emulator goes straight back to ``InService``).
- ``add_sagemaker_inference_components``: moto has no inference components. The extension
  keeps a minimal store: Create/Describe/List/DeleteInferenceComponent, with
  ``EndpointNameEquals``/``VariantNameEquals``/``StatusEquals``/``NameContains`` filters.
- ``describe_endpoint_with_async_config``: real DescribeEndpoint returns the endpoint's
  ``AsyncInferenceConfig``; moto's does not. The extension adds it from the endpoint config.
- CloudWatch and CloudWatch Logs (GetMetricData with percentiles and metric math,
  GetMetricWidgetImage, FilterLogEvents ``?term`` patterns): see
  :mod:`sagewatch_emulator.cloudwatch_extensions`.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sagewatch_emulator.cloudwatch_extensions import install_cloudwatch_extensions

_LOG = logging.getLogger(__name__)

_MISSING = object()

# Used when sagewatch.core.shared.instance_types is not importable: any well-formed ml.* type.
_INSTANCE_TYPE_SHAPE = re.compile(r"^ml\.[a-z][a-z0-9-]*\.(medium|large|[0-9]*xlarge|metal[-a-z0-9]*)$")


class MotoExtensions:
    """Installs the extensions on moto's classes and removes them again (restoring originals)."""

    def __init__(self) -> None:
        self._patches: list[tuple[object, str, object]] = []
        self._lock = threading.Lock()
        self.installed: list[str] = []

    def _patch(self, owner: object, name: str, value: object) -> None:
        self._patches.append((owner, name, owner.__dict__.get(name, _MISSING)))
        setattr(owner, name, value)

    def install(self) -> None:
        extend_sagemaker_instance_types(self)
        add_sagemaker_update_endpoint(self)
        add_sagemaker_inference_components(self)
        describe_endpoint_with_async_config(self)
        install_cloudwatch_extensions(self)  # GetMetricData p99/math, GetMetricWidgetImage, log patterns

    def uninstall(self) -> None:
        while self._patches:
            owner, name, original = self._patches.pop()
            if original is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, original)
        self.installed.clear()


def _known_instance_types() -> tuple[frozenset[str], bool]:
    """(types, from_catalogue): the project's catalogue, or empty when it is not there (yet)."""
    try:
        from sagewatch.core.shared.instance_types import known_instance_types
    except ImportError:
        return frozenset(), False
    return frozenset(known_instance_types()), True


def extend_sagemaker_instance_types(extensions: MotoExtensions) -> None:
    """Let CreateEndpointConfig accept the instance types SageWatch knows (g5, g6, p5, inf2 …)."""
    from moto.sagemaker.models import FakeEndpointConfig

    known, from_catalogue = _known_instance_types()
    if not from_catalogue:
        _LOG.warning(
            "sagewatch.core.shared.instance_types is not available: "
            "the emulator accepts any well-formed ml.* instance type"
        )
    original: Callable[[Any, str], None] = FakeEndpointConfig.validate_instance_type

    def validate_instance_type(self: Any, instance_type: str) -> None:
        if instance_type in known:
            return
        if not from_catalogue and _INSTANCE_TYPE_SHAPE.match(instance_type):
            return
        original(self, instance_type)

    extensions._patch(FakeEndpointConfig, "validate_instance_type", validate_instance_type)
    extensions.installed.append("sagemaker: CreateEndpointConfig accepts current instance types")


def add_sagemaker_update_endpoint(extensions: MotoExtensions) -> None:
    """UpdateEndpoint: move the endpoint to another endpoint config (immediately InService)."""
    from moto.core.responses import ActionResult
    from moto.core.utils import utcnow
    from moto.sagemaker.exceptions import ValidationError
    from moto.sagemaker.responses import SageMakerResponse

    if "update_endpoint" in SageMakerResponse.__dict__:  # a later moto implements it: keep theirs
        return

    def update_endpoint(self: Any) -> Any:
        backend = self.sagemaker_backend
        name = self._get_param("EndpointName")
        config_name = self._get_param("EndpointConfigName")
        endpoint = backend.endpoints.get(name)
        if endpoint is None:
            arn = f"arn:aws:sagemaker:{backend.region_name}:{backend.account_id}:endpoint/{name}"
            raise ValidationError(message=f"Could not find endpoint '{arn}'.")
        config = backend.endpoint_configs.get(config_name)
        if config is None:
            arn = f"arn:aws:sagemaker:{backend.region_name}:{backend.account_id}:endpoint-config/{config_name}"
            raise ValidationError(message=f"Could not find endpoint configuration '{arn}'.")
        endpoint.endpoint_config_name = config_name
        endpoint.production_variants = endpoint._process_production_variants(config.production_variants)
        endpoint.data_capture_config = config.data_capture_config
        endpoint.last_modified_time = utcnow()
        endpoint.endpoint_status = "InService"
        return ActionResult({"EndpointArn": endpoint.arn})

    extensions._patch(SageMakerResponse, "update_endpoint", update_endpoint)
    extensions.installed.append("sagemaker: UpdateEndpoint")


def _inference_components(backend: Any) -> dict[str, dict[str, Any]]:
    store = getattr(backend, "_sagewatch_inference_components", None)
    if store is None:
        store = {}
        backend._sagewatch_inference_components = store
    return store


def add_sagemaker_inference_components(extensions: MotoExtensions) -> None:
    """Create/Describe/List/DeleteInferenceComponent on a minimal in-memory store."""
    from moto.core.responses import ActionResult, EmptyResult
    from moto.sagemaker.exceptions import ValidationError
    from moto.sagemaker.responses import SageMakerResponse

    def _arn(backend: Any, name: str) -> str:
        return f"arn:aws:sagemaker:{backend.region_name}:{backend.account_id}:inference-component/{name}"

    def create_inference_component(self: Any) -> Any:
        backend = self.sagemaker_backend
        name = self._get_param("InferenceComponentName")
        endpoint_name = self._get_param("EndpointName")
        endpoint = backend.endpoints.get(endpoint_name)
        if endpoint is None:
            raise ValidationError(message=f"Could not find endpoint '{endpoint_name}'.")
        store = _inference_components(backend)
        if name in store:
            raise ValidationError(message=f"Cannot create already existing inference component {name}.")
        copies = int((self._get_param("RuntimeConfig") or {}).get("CopyCount", 1))
        now = datetime.now(UTC)
        store[name] = {
            "InferenceComponentName": name,
            "InferenceComponentArn": _arn(backend, name),
            "EndpointName": endpoint_name,
            "EndpointArn": endpoint.arn,
            "VariantName": self._get_param("VariantName"),
            "Specification": self._get_param("Specification") or {},
            "RuntimeConfig": {"DesiredCopyCount": copies, "CurrentCopyCount": copies},
            "InferenceComponentStatus": "InService",
            "CreationTime": now,
            "LastModifiedTime": now,
            "Tags": self._get_param("Tags") or [],
        }
        return ActionResult({"InferenceComponentArn": store[name]["InferenceComponentArn"]})

    def _get(self: Any) -> dict[str, Any]:
        name = self._get_param("InferenceComponentName")
        component = _inference_components(self.sagemaker_backend).get(name)
        if component is None:
            raise ValidationError(message=f"Could not find inference component '{_arn(self.sagemaker_backend, name)}'.")
        return component

    def describe_inference_component(self: Any) -> Any:
        component = _get(self)
        return ActionResult({k: v for k, v in component.items() if k != "Tags"})

    def delete_inference_component(self: Any) -> Any:
        component = _get(self)
        del _inference_components(self.sagemaker_backend)[component["InferenceComponentName"]]
        return EmptyResult()

    def list_inference_components(self: Any) -> Any:
        filters = {
            "EndpointName": self._get_param("EndpointNameEquals"),
            "VariantName": self._get_param("VariantNameEquals"),
            "InferenceComponentStatus": self._get_param("StatusEquals"),
        }
        contains = self._get_param("NameContains")
        components = [
            c
            for c in _inference_components(self.sagemaker_backend).values()
            if all(value is None or c.get(key) == value for key, value in filters.items())
            and (not contains or contains in c["InferenceComponentName"])
        ]
        components.sort(key=lambda c: c["CreationTime"])
        start = int(self._get_param("NextToken") or 0)
        size = int(self._get_param("MaxResults") or 10)
        page = components[start : start + size]
        summaries = [
            {
                key: c[key]
                for key in (
                    "InferenceComponentName",
                    "InferenceComponentArn",
                    "EndpointName",
                    "EndpointArn",
                    "VariantName",
                    "InferenceComponentStatus",
                    "CreationTime",
                    "LastModifiedTime",
                )
            }
            for c in page
        ]
        result: dict[str, Any] = {"InferenceComponents": summaries}
        if start + size < len(components):
            result["NextToken"] = str(start + size)
        return ActionResult(result)

    handlers = {
        "create_inference_component": create_inference_component,
        "describe_inference_component": describe_inference_component,
        "delete_inference_component": delete_inference_component,
        "list_inference_components": list_inference_components,
    }
    for name, handler in handlers.items():
        if name not in SageMakerResponse.__dict__:
            extensions._patch(SageMakerResponse, name, handler)
    extensions.installed.append("sagemaker: inference components (Create/Describe/List/Delete)")


def describe_endpoint_with_async_config(extensions: MotoExtensions) -> None:
    """DescribeEndpoint also returns AsyncInferenceConfig, as the real API does."""
    from moto.sagemaker.models import SageMakerModelBackend

    original: Callable[[Any, str], dict[str, Any]] = SageMakerModelBackend.describe_endpoint

    def describe_endpoint(self: Any, endpoint_name: str) -> dict[str, Any]:
        response = original(self, endpoint_name)
        config = self.endpoint_configs.get(response.get("EndpointConfigName"))
        if config is not None and config.async_inference_config and "AsyncInferenceConfig" not in response:
            response = {**response, "AsyncInferenceConfig": config.async_inference_config}
        return response

    extensions._patch(SageMakerModelBackend, "describe_endpoint", describe_endpoint)
    extensions.installed.append("sagemaker: DescribeEndpoint returns AsyncInferenceConfig")


def _snake(operation: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower().replace("_x_x", "xx")


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
    import importlib

    from moto.backends import get_backend
    from moto.core.exceptions import ServiceException

    backend_dict = get_backend(service)  # type: ignore[call-overload]
    backend_class = type(backend_dict[ACCOUNT_FOR_FAULTS]["us-east-1"])
    method_name = _snake(operation)
    original = getattr(backend_class, method_name)
    fault = InjectedFault(service, operation, code, message, times)
    # moto finds the wire-protocol error shape from the exception's module: make it the service's.
    module = importlib.import_module(f"moto.{service}.exceptions")
    error_class = type(f"Injected{code}", (ServiceException,), {"__module__": module.__name__, "code": code})

    def faulty(self: Any, *args: Any, **kwargs: Any) -> Any:
        if fault.take():
            raise error_class(code, message)
        return original(self, *args, **kwargs)

    extensions._patch(backend_class, method_name, faulty)
    extensions.installed.append(f"fault {service}.{operation} {code} x{times}")
    return fault


ACCOUNT_FOR_FAULTS = "123456789012"
