"""SageMaker in the emulated account: endpoints as a test creates them, and where moto 5.2.x falls
short of SageMaker, extensions that widen moto — never the product.

- :class:`VariantSpec` and :class:`EndpointMaker`: CreateModel + CreateEndpointConfig +
  CreateEndpoint (or UpdateEndpoint) in one call, behind ``EmulatedAccount.create_endpoint``.
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
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sagewatch_emulator.extensions import MotoExtensions

__all__ = [
    "EndpointMaker",
    "VariantSpec",
    "install_sagemaker_extensions",
]

_LOG = logging.getLogger(__name__)

# Used when sagewatch.core.shared.instance_types is not importable: any well-formed ml.* type.
_INSTANCE_TYPE_SHAPE = re.compile(r"^ml\.[a-z][a-z0-9-]*\.(medium|large|[0-9]*xlarge|metal[-a-z0-9]*)$")


@dataclass(frozen=True)
class VariantSpec:
    """One production variant for :meth:`EmulatedAccount.create_endpoint`.

    Serverless when ``serverless_memory_mb`` is set (then instance type and count are unused).
    """

    name: str = "AllTraffic"
    instance_type: str = "ml.m5.xlarge"
    instance_count: int = 1
    serverless_memory_mb: int | None = None
    serverless_max_concurrency: int | None = None
    weight: float = 1.0

    def production_variant(self, model_name: str) -> dict[str, Any]:
        variant: dict[str, Any] = {
            "VariantName": self.name,
            "ModelName": model_name,
            "InitialVariantWeight": self.weight,
        }
        if self.serverless_memory_mb is not None:
            variant["ServerlessConfig"] = {
                "MemorySizeInMB": self.serverless_memory_mb,
                "MaxConcurrency": self.serverless_max_concurrency or 20,
            }
        else:
            variant["InstanceType"] = self.instance_type
            variant["InitialInstanceCount"] = self.instance_count
        return variant


class EndpointMaker:
    """Endpoints the way a test wants them: one call, a model and a fresh endpoint config each time.

    ``sagemaker`` is a boto3 SageMaker client bound to the emulator.
    """

    def __init__(self, sagemaker: Any, *, region: str, account_id: str) -> None:
        self._sagemaker = sagemaker
        self._region = region
        self._account_id = account_id
        self._configs = 0

    def create(
        self, name: str, variants: Sequence[VariantSpec], async_inference: bool, tags: Mapping[str, str]
    ) -> dict[str, Any]:
        config = self._endpoint_config(name, variants, async_inference)
        self._sagemaker.create_endpoint(
            EndpointName=name,
            EndpointConfigName=config,
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
        )
        return self.describe(name)

    def update(self, name: str, variants: Sequence[VariantSpec], async_inference: bool) -> dict[str, Any]:
        config = self._endpoint_config(name, variants, async_inference)
        self._sagemaker.update_endpoint(EndpointName=name, EndpointConfigName=config)
        return self.describe(name)

    def delete(self, name: str) -> None:
        self._sagemaker.delete_endpoint(EndpointName=name)

    def describe(self, name: str) -> dict[str, Any]:
        response = dict(self._sagemaker.describe_endpoint(EndpointName=name))
        response.pop("ResponseMetadata", None)
        return response

    def _endpoint_config(self, name: str, variants: Sequence[VariantSpec], async_inference: bool) -> str:
        sagemaker = self._sagemaker
        model = f"{name}-model"
        try:
            sagemaker.describe_model(ModelName=model)
        except sagemaker.exceptions.ClientError:
            sagemaker.create_model(
                ModelName=model,
                ExecutionRoleArn=f"arn:aws:iam::{self._account_id}:role/SageMakerExecutionRole",
                PrimaryContainer={"Image": f"{self._account_id}.dkr.ecr.{self._region}.amazonaws.com/{name}:latest"},
            )
        # A new config per call, as a deployment pipeline makes one per release.
        self._configs += 1
        config = f"{name}-config-{self._configs}"
        kwargs: dict[str, Any] = {
            "EndpointConfigName": config,
            "ProductionVariants": [v.production_variant(model) for v in variants],
        }
        if async_inference:
            kwargs["AsyncInferenceConfig"] = {
                "OutputConfig": {"S3OutputPath": f"s3://sagemaker-{self._region}-{self._account_id}/async/{name}/"}
            }
        sagemaker.create_endpoint_config(**kwargs)
        return config


def install_sagemaker_extensions(extensions: MotoExtensions) -> None:
    """Every SageMaker extension of this module (called by ``MotoExtensions.install``)."""
    extend_sagemaker_instance_types(extensions)
    add_sagemaker_update_endpoint(extensions)
    add_sagemaker_inference_components(extensions)
    describe_endpoint_with_async_config(extensions)


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

    extensions.patch(FakeEndpointConfig, "validate_instance_type", validate_instance_type)
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

    extensions.patch(SageMakerResponse, "update_endpoint", update_endpoint)
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
            extensions.patch(SageMakerResponse, name, handler)
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

    extensions.patch(SageMakerModelBackend, "describe_endpoint", describe_endpoint)
    extensions.installed.append("sagemaker: DescribeEndpoint returns AsyncInferenceConfig")
