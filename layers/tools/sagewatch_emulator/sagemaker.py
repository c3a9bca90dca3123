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
- ``accept_inference_component_variants``: an endpoint built for inference components has
  production variants without ``ModelName`` (API reference, ProductionVariant: "ModelName …
  Not required when the endpoint hosts inference components"), usually with
  ``ManagedInstanceScaling`` and ``RoutingConfig``. moto's CreateEndpointConfig indexes
  ``ModelName`` unconditionally (a KeyError, HTTP 500), and its DescribeEndpoint drops both
  settings from ProductionVariantSummary. The extension checks the model only when there is
  one, and describes both settings back as the real API does.
- ``add_sagemaker_inference_components``: moto has no inference components. The extension
  keeps a minimal store: Create/Describe/List/DeleteInferenceComponent (API reference:
  CreateInferenceComponent, DescribeInferenceComponent, ListInferenceComponents,
  DeleteInferenceComponent), with ``EndpointNameEquals``/``VariantNameEquals``/
  ``StatusEquals``/``NameContains`` filters and NextToken paging. Create checks, like AWS, that
  the endpoint, its variant and the specification's model exist, and refuses an endpoint whose
  variant names a model of its own (AWS's "Inference Components are not supported in this
  Endpoint", as users report it): components live only on an endpoint built for them.
- ``describe_endpoint_with_async_config``: real DescribeEndpoint returns the endpoint's
  ``AsyncInferenceConfig``; moto's does not. The extension adds it from the endpoint config.
- ``keep_endpoint_config_metrics_config``: moto 5.2.5's CreateEndpointConfig drops
  ``MetricsConfig`` and its DescribeEndpointConfig has none. The extension keeps what was sent
  and describes it back with ``EnableDetailedObservability`` filled in as SageMaker documents
  it (API reference "MetricsConfig": "The default value for new endpoint configurations is True.
  For existing endpoint configurations created before this feature, the value is False unless
  explicitly set"; developer guide "Getting started with detailed observability": configs
  created after June 17, 2026 describe ``true`` with no action). moto stamps configs with the
  wall clock, so emulated configs are "new" unless a test sends the flag.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sagewatch.core.shared.partitions import partition

if TYPE_CHECKING:
    from sagewatch_emulator.extensions import MotoExtensions

__all__ = [
    "ComponentSpec",
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
    # Inference-component hosts only: the managed scaling ceiling (default: instance_count).
    max_instance_count: int | None = None

    def component_host_variant(self) -> dict[str, Any]:
        """The variant of an endpoint that hosts inference components: no ModelName (the
        components bring the models), instances under ManagedInstanceScaling, requests routed
        to the least busy copy — what the SageMaker console and SDK create."""
        if self.serverless_memory_mb is not None:
            raise ValueError(f"variant {self.name}: inference components need instances, not serverless")
        return {
            "VariantName": self.name,
            "InstanceType": self.instance_type,
            "InitialInstanceCount": self.instance_count,
            "InitialVariantWeight": self.weight,
            "ManagedInstanceScaling": {
                "Status": "ENABLED",
                "MinInstanceCount": self.instance_count,
                "MaxInstanceCount": self.max_instance_count or self.instance_count,
            },
            "RoutingConfig": {"RoutingStrategy": "LEAST_OUTSTANDING_REQUESTS"},
        }

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


@dataclass(frozen=True)
class ComponentSpec:
    """One inference component for :meth:`EmulatedAccount.create_endpoint` (``inference_components``)
    or :meth:`EmulatedAccount.create_inference_component`.

    ``model`` defaults to ``"<endpoint>-<name>-model"`` (created when missing); ``variant`` to the
    endpoint's first variant.
    """

    name: str
    copies: int = 1
    memory_mb: int = 1024
    accelerators: int | None = None
    model: str | None = None
    variant: str | None = None


def cloudtrail_case(value: Any) -> Any:
    """API parameters as CloudTrail records them: keys in lower camel case, at every depth."""
    if isinstance(value, Mapping):
        return {(k[:1].lower() + k[1:]): cloudtrail_case(v) for k, v in value.items()}
    if isinstance(value, list):
        return [cloudtrail_case(v) for v in value]
    return value


def component_call_event(
    operation: str,
    component: str,
    *,
    region: str,
    account_id: str,
    at: datetime,
    request: Mapping[str, Any],
    response: Mapping[str, Any] | None,
    error: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """The EventBridge event of a CloudTrail-recorded inference component call, as
    ``events/onboard/ic-*.json`` (source aws.sagemaker, detail-type "AWS API Call via CloudTrail",
    the CloudTrail record as detail with lower-camel-case requestParameters/responseElements;
    "CloudTrail record contents", AWS CloudTrail user guide). SageMaker itself sends no event for
    components: this is what the account's trail hands EventBridge."""
    time = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    detail: dict[str, Any] = {
        "eventVersion": "1.10",
        "userIdentity": {"type": "AssumedRole", "accountId": account_id},
        "eventTime": time,
        "eventSource": "sagemaker.amazonaws.com",
        "eventName": operation,
        "awsRegion": region,
        "requestParameters": cloudtrail_case(request),
        "responseElements": cloudtrail_case(response) if response is not None else None,
        "requestID": str(uuid.uuid4()),
        "eventID": str(uuid.uuid4()),
        "readOnly": False,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": account_id,
        "eventCategory": "Management",
    }
    if error is not None:
        detail["errorCode"], detail["errorMessage"] = error
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.sagemaker",
        "account": account_id,
        "time": time,
        "region": region,
        "resources": [],
        "detail": detail,
    }


class EndpointMaker:
    """Endpoints the way a test wants them: one call, a model and a fresh endpoint config each time.

    ``sagemaker`` is a boto3 SageMaker client bound to the emulator.
    """

    def __init__(self, sagemaker: Any, *, region: str, account_id: str) -> None:
        self._sagemaker = sagemaker
        self._region = region
        self._account_id = account_id
        self._configs = 0
        self._detailed_observability: bool | None = None

    def create(
        self,
        name: str,
        variants: Sequence[VariantSpec],
        async_inference: bool,
        tags: Mapping[str, str],
        components: Sequence[ComponentSpec] = (),
        detailed_observability: bool | None = None,
        *,
        component_host: bool = False,
    ) -> dict[str, Any]:
        """``detailed_observability`` None sends no MetricsConfig (SageMaker's default applies).
        ``component_host`` (implied by ``components``) builds the endpoint for inference components."""
        self._detailed_observability = detailed_observability
        if components or component_host:
            config = self._component_host_config(name, variants)
        else:
            config = self._endpoint_config(name, variants, async_inference)
        self._sagemaker.create_endpoint(
            EndpointName=name,
            EndpointConfigName=config,
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
        )
        for component in components:
            self.create_component(name, component, default_variant=variants[0].name)
        return self.describe(name)

    def create_component(
        self, endpoint: str, spec: ComponentSpec, *, default_variant: str | None = None
    ) -> dict[str, Any]:
        """CreateModel (when missing) + CreateInferenceComponent on ``spec.variant`` of ``endpoint``;
        returns the call's request parameters and response (for its CloudTrail event)."""
        variant = spec.variant or default_variant
        if variant is None:
            described = self.describe(endpoint)
            variant = str(described["ProductionVariants"][0]["VariantName"])
        model = spec.model or f"{endpoint}-{spec.name}-model"
        self._ensure_model(model, image=f"{endpoint}-{spec.name}")
        requirements: dict[str, Any] = {"MinMemoryRequiredInMb": spec.memory_mb}
        if spec.accelerators is not None:
            requirements["NumberOfAcceleratorDevicesRequired"] = float(spec.accelerators)
        request = {
            "InferenceComponentName": spec.name,
            "EndpointName": endpoint,
            "VariantName": variant,
            "Specification": {"ModelName": model, "ComputeResourceRequirements": requirements},
            "RuntimeConfig": {"CopyCount": spec.copies},
        }
        response = self._sagemaker.create_inference_component(**request)
        return {"request": request, "response": {"InferenceComponentArn": response["InferenceComponentArn"]}}

    def update_component(self, name: str, copies: int) -> dict[str, Any]:
        request = {"InferenceComponentName": name, "RuntimeConfig": {"CopyCount": copies}}
        response = self._sagemaker.update_inference_component(**request)
        return {"request": request, "response": {"InferenceComponentArn": response["InferenceComponentArn"]}}

    def delete_component(self, name: str) -> dict[str, Any]:
        request = {"InferenceComponentName": name}
        self._sagemaker.delete_inference_component(**request)
        return {"request": request, "response": None}

    def update(
        self,
        name: str,
        variants: Sequence[VariantSpec],
        async_inference: bool,
        detailed_observability: bool | None = None,
    ) -> dict[str, Any]:
        self._detailed_observability = detailed_observability
        config = self._endpoint_config(name, variants, async_inference)
        self._sagemaker.update_endpoint(EndpointName=name, EndpointConfigName=config)
        return self.describe(name)

    def delete(self, name: str) -> None:
        self._sagemaker.delete_endpoint(EndpointName=name)

    def describe(self, name: str) -> dict[str, Any]:
        response = dict(self._sagemaker.describe_endpoint(EndpointName=name))
        response.pop("ResponseMetadata", None)
        return response

    @property
    def _role(self) -> str:
        return f"arn:{partition(self._region)}:iam::{self._account_id}:role/SageMakerExecutionRole"

    def _ensure_model(self, model: str, *, image: str) -> None:
        sagemaker = self._sagemaker
        try:
            sagemaker.describe_model(ModelName=model)
        except sagemaker.exceptions.ClientError:
            sagemaker.create_model(
                ModelName=model,
                ExecutionRoleArn=self._role,
                PrimaryContainer={"Image": f"{self._account_id}.dkr.ecr.{self._region}.amazonaws.com/{image}:latest"},
            )

    def _metrics_config(self) -> dict[str, Any]:
        if self._detailed_observability is None:
            return {}
        return {"MetricsConfig": {"EnableDetailedObservability": self._detailed_observability}}

    def _next_config_name(self, name: str) -> str:
        # A new config per call, as a deployment pipeline makes one per release.
        self._configs += 1
        return f"{name}-config-{self._configs}"

    def _component_host_config(self, name: str, variants: Sequence[VariantSpec]) -> str:
        # The role is required for an endpoint config whose variants have no model: SageMaker
        # assumes it to deploy the components' models.
        config = self._next_config_name(name)
        self._sagemaker.create_endpoint_config(
            EndpointConfigName=config,
            ExecutionRoleArn=self._role,
            ProductionVariants=[v.component_host_variant() for v in variants],
            **self._metrics_config(),
        )
        return config

    def _endpoint_config(self, name: str, variants: Sequence[VariantSpec], async_inference: bool) -> str:
        model = f"{name}-model"
        self._ensure_model(model, image=name)
        sagemaker = self._sagemaker
        config = self._next_config_name(name)
        kwargs: dict[str, Any] = {
            "EndpointConfigName": config,
            "ProductionVariants": [v.production_variant(model) for v in variants],
            **self._metrics_config(),
        }
        if async_inference:
            kwargs["AsyncInferenceConfig"] = {
                "OutputConfig": {"S3OutputPath": f"s3://sagemaker-{self._region}-{self._account_id}/async/{name}/"}
            }
        sagemaker.create_endpoint_config(**kwargs)
        return config


MAX_LIST_RESULTS = 100


def list_page(
    items: list[dict[str, Any]], next_token: str | None, max_results: Any
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a SageMaker List call: ``MaxResults`` 1-100, default 10 (API reference,
    ListInferenceComponents / ListMonitoringSchedules / ListMonitoringExecutions), the offset as
    NextToken (AWS's is opaque). Returns the page and the next token, None after the last page."""
    from moto.sagemaker.exceptions import ValidationError

    size = int(max_results) if max_results is not None else 10
    if not 1 <= size <= MAX_LIST_RESULTS:
        raise ValidationError(
            message=f"1 validation error detected: Value '{size}' at 'maxResults' failed to satisfy "
            f"constraint: Member must have value less than or equal to {MAX_LIST_RESULTS}"
        )
    start = int(next_token or 0)
    page = items[start : start + size]
    return page, (str(start + size) if start + size < len(items) else None)


def install_sagemaker_extensions(extensions: MotoExtensions) -> None:
    """Every SageMaker extension of this module (called by ``MotoExtensions.install``)."""
    extend_sagemaker_instance_types(extensions)
    add_sagemaker_update_endpoint(extensions)
    accept_inference_component_variants(extensions)
    add_sagemaker_inference_components(extensions)
    describe_endpoint_with_async_config(extensions)
    keep_endpoint_config_metrics_config(extensions)


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


def _sagemaker_arn(backend: Any, resource: str) -> str:
    """A SageMaker ARN of the backend's account and region, in the region's partition."""
    region = backend.region_name
    return f"arn:{partition(region)}:sagemaker:{region}:{backend.account_id}:{resource}"


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
            arn = _sagemaker_arn(backend, f"endpoint/{name}")
            raise ValidationError(message=f"Could not find endpoint '{arn}'.")
        config = backend.endpoint_configs.get(config_name)
        if config is None:
            arn = _sagemaker_arn(backend, f"endpoint-config/{config_name}")
            raise ValidationError(message=f"Could not find endpoint configuration '{arn}'.")
        endpoint.endpoint_config_name = config_name
        endpoint.production_variants = endpoint._process_production_variants(config.production_variants)
        endpoint.data_capture_config = config.data_capture_config
        endpoint.last_modified_time = utcnow()
        endpoint.endpoint_status = "InService"
        return ActionResult({"EndpointArn": endpoint.arn})

    extensions.patch(SageMakerResponse, "update_endpoint", update_endpoint)
    extensions.installed.append("sagemaker: UpdateEndpoint")


# ProductionVariant settings that DescribeEndpoint's ProductionVariantSummary carries back.
_SUMMARISED_VARIANT_SETTINGS = ("ManagedInstanceScaling", "RoutingConfig")


def accept_inference_component_variants(extensions: MotoExtensions) -> None:
    """CreateEndpointConfig accepts variants without ModelName; DescribeEndpoint returns their
    ManagedInstanceScaling and RoutingConfig."""
    from moto.sagemaker.models import FakeEndpoint, SageMakerModelBackend

    original_validate: Callable[[Any, list[dict[str, Any]]], None] = SageMakerModelBackend.validate_production_variants
    original_process: Callable[[Any, list[dict[str, Any]]], list[dict[str, Any]]] = (
        FakeEndpoint._process_production_variants
    )

    def validate_production_variants(self: Any, production_variants: list[dict[str, Any]]) -> None:
        # Only a variant that names a model must name an existing one.
        original_validate(self, [v for v in production_variants if v.get("ModelName")])

    def process_production_variants(self: Any, production_variants: list[dict[str, Any]]) -> list[dict[str, Any]]:
        summaries = original_process(self, production_variants)
        for summary, variant in zip(summaries, production_variants, strict=True):
            for key in _SUMMARISED_VARIANT_SETTINGS:
                if variant.get(key):
                    summary[key] = variant[key]
        return summaries

    extensions.patch(SageMakerModelBackend, "validate_production_variants", validate_production_variants)
    extensions.patch(FakeEndpoint, "_process_production_variants", process_production_variants)
    extensions.installed.append("sagemaker: variants without ModelName (inference-component endpoints)")


# SageMaker's answer to CreateInferenceComponent on an endpoint whose variant names a model, as
# users report it (pulumi/pulumi-aws#4940, hashicorp/terraform-provider-aws#40644): components
# live only on an endpoint built for them, whose config variants have no ModelName.
_NOT_A_COMPONENT_HOST = (
    "Inference Components are not supported in this Endpoint. "
    "Please make sure this endpoint can deploy inference components."
)


def _serves_a_model(backend: Any, endpoint: Any, variant: str | None) -> bool:
    """Whether the endpoint config's variant (any variant when none is named) names a model."""
    config = backend.endpoint_configs.get(endpoint.endpoint_config_name)
    if config is None:
        return False
    return any(
        v.get("ModelName") for v in config.production_variants if variant is None or v.get("VariantName") == variant
    )


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
        return _sagemaker_arn(backend, f"inference-component/{name}")

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
        variant = self._get_param("VariantName")
        if variant and variant not in {v["VariantName"] for v in endpoint.production_variants}:
            raise ValidationError(message=f"Variant '{variant}' does not exist on endpoint '{endpoint_name}'.")
        if _serves_a_model(backend, endpoint, variant):
            raise ValidationError(message=_NOT_A_COMPONENT_HOST)
        # One Specification, or Specifications (one per instance type), not both; described back
        # the same way (API reference CreateInferenceComponent, DescribeInferenceComponent).
        single, several = self._get_param("Specification"), self._get_param("Specifications")
        if single and several:
            raise ValidationError(message="Specify either Specification or Specifications, not both.")
        specification: dict[str, Any] = {"Specifications": several} if several else {"Specification": single or {}}
        for spec in several or [single or {}]:
            model = spec.get("ModelName")
            if model and model not in backend._models:
                raise ValidationError(message=f"Could not find model '{model}'.")
        copies = int((self._get_param("RuntimeConfig") or {}).get("CopyCount", 1))
        now = datetime.now(UTC)
        store[name] = {
            "InferenceComponentName": name,
            "InferenceComponentArn": _arn(backend, name),
            "EndpointName": endpoint_name,
            "EndpointArn": endpoint.arn,
            "VariantName": self._get_param("VariantName"),
            **specification,
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

    def update_inference_component(self: Any) -> Any:
        component = _get(self)
        copies = (self._get_param("RuntimeConfig") or {}).get("CopyCount")
        if copies is not None:
            component["RuntimeConfig"] = {"DesiredCopyCount": int(copies), "CurrentCopyCount": int(copies)}
        if self._get_param("Specification"):
            component["Specification"] = self._get_param("Specification")
        component["LastModifiedTime"] = datetime.now(UTC)
        return ActionResult({"InferenceComponentArn": component["InferenceComponentArn"]})

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
        page, token = list_page(components, self._get_param("NextToken"), self._get_param("MaxResults"))
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
        if token:
            result["NextToken"] = token
        return ActionResult(result)

    handlers = {
        "create_inference_component": create_inference_component,
        "describe_inference_component": describe_inference_component,
        "update_inference_component": update_inference_component,
        "delete_inference_component": delete_inference_component,
        "list_inference_components": list_inference_components,
    }
    for name, handler in handlers.items():
        if name not in SageMakerResponse.__dict__:
            extensions.patch(SageMakerResponse, name, handler)
    extensions.installed.append("sagemaker: inference components (Create/Describe/Update/List/Delete)")


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


def keep_endpoint_config_metrics_config(extensions: MotoExtensions) -> None:
    """CreateEndpointConfig keeps MetricsConfig; DescribeEndpointConfig returns it, defaults filled."""
    from moto.sagemaker.models import SageMakerModelBackend
    from moto.sagemaker.responses import SageMakerResponse

    create_original: Callable[[Any], Any] = SageMakerResponse.create_endpoint_config
    describe_original: Callable[[Any, str], dict[str, Any]] = SageMakerModelBackend.describe_endpoint_config

    def create_endpoint_config(self: Any) -> Any:
        result = create_original(self)
        metrics = self._get_param("MetricsConfig")
        config = self.sagemaker_backend.endpoint_configs.get(self._get_param("EndpointConfigName"))
        if config is not None:
            config.sagewatch_metrics_config = dict(metrics) if isinstance(metrics, dict) else {}
        return result

    def describe_endpoint_config(self: Any, endpoint_config_name: str) -> dict[str, Any]:
        response = describe_original(self, endpoint_config_name)
        config = self.endpoint_configs[endpoint_config_name]
        metrics = dict(getattr(config, "sagewatch_metrics_config", None) or {})
        if not isinstance(metrics.get("EnableDetailedObservability"), bool):
            metrics["EnableDetailedObservability"] = _detailed_observability_default(config.creation_time)
        return {**response, "MetricsConfig": metrics}

    extensions.patch(SageMakerResponse, "create_endpoint_config", create_endpoint_config)
    extensions.patch(SageMakerModelBackend, "describe_endpoint_config", describe_endpoint_config)
    extensions.installed.append("sagemaker: endpoint configs keep and describe MetricsConfig")


# SageMaker developer guide, "Getting started with detailed observability": on by default for
# endpoint configs created after June 17, 2026 (the first full day after it, in UTC).
_DETAILED_OBSERVABILITY_DEFAULT_SINCE = datetime(2026, 6, 18, tzinfo=UTC)


def _detailed_observability_default(created: object) -> bool:
    stamp = datetime.fromisoformat(created) if isinstance(created, str) else created
    if not isinstance(stamp, datetime):
        return True  # moto always stamps a creation time; a config without one is new
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp >= _DETAILED_OBSERVABILITY_DEFAULT_SINCE
