"""SageMaker endpoints and inference components of one open account: ``account.endpoints``.

The verbs a test uses to make the fleet SageWatch watches (``create_endpoint``, ``update_endpoint``,
``delete_endpoint``, and the inference-component calls, which return the CloudTrail event
EventBridge would carry). How each is done against moto — and what moto lacks — is
:mod:`sagewatch_emulator.sagemaker`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sagewatch_emulator.errors import EmulatorError
from sagewatch_emulator.sagemaker import ComponentSpec, EndpointMaker, VariantSpec, component_call_event

__all__ = ["SageMakerEndpoints"]


class SageMakerEndpoints:
    """``client`` gives the account's boto3 clients; ``now`` the simulated time (component events)."""

    def __init__(
        self, client: Callable[[str], Any], *, region: str, account_id: str, now: Callable[[], datetime]
    ) -> None:
        self._client = client
        self._region = region
        self._account_id = account_id
        self._now = now
        self._maker: EndpointMaker | None = None

    def _endpoint_maker(self) -> EndpointMaker:
        if self._maker is None:  # made on first use: most accounts create no endpoint
            self._maker = EndpointMaker(self._client("sagemaker"), region=self._region, account_id=self._account_id)
        return self._maker

    def create_endpoint(
        self,
        name: str,
        *,
        variants: Sequence[VariantSpec] | None = None,
        async_inference: bool = False,
        tags: Mapping[str, str] | None = None,
        inference_components: Sequence[ComponentSpec] = (),
        detailed_observability: bool | None = None,
        component_host: bool = False,
    ) -> dict[str, Any]:
        """CreateModel + CreateEndpointConfig + CreateEndpoint; returns DescribeEndpoint.

        ``detailed_observability`` sends ``MetricsConfig.EnableDetailedObservability``; None sends
        no MetricsConfig, and the emulator then describes SageMaker's default for a new config (on).

        With ``inference_components`` (or ``component_host``) the endpoint is built for them, as
        on AWS: its variants have no ModelName but ManagedInstanceScaling and RoutingConfig. Once
        it is InService each component gets its own model and a CreateInferenceComponent (on its
        ``variant``, default the first one). ``component_host`` alone leaves the endpoint InService
        with no component, as AWS's order has it until the first one is added.
        """
        if (inference_components or component_host) and async_inference:
            raise EmulatorError("an endpoint with inference components cannot be asynchronous")
        return self._endpoint_maker().create(
            name,
            variants or [VariantSpec()],
            async_inference,
            tags or {},
            inference_components,
            detailed_observability,
            component_host=component_host,
        )

    def update_endpoint(
        self,
        name: str,
        *,
        variants: Sequence[VariantSpec] | None = None,
        async_inference: bool = False,
        detailed_observability: bool | None = None,
    ) -> dict[str, Any]:
        """A new endpoint config + UpdateEndpoint (an emulator extension); returns DescribeEndpoint."""
        return self._endpoint_maker().update(name, variants or [VariantSpec()], async_inference, detailed_observability)

    def delete_endpoint(self, name: str) -> None:
        """DeleteEndpoint (its endpoint configs and model stay, as they do on AWS)."""
        self._endpoint_maker().delete(name)

    def create_inference_component(self, endpoint: str, component: ComponentSpec) -> dict[str, Any]:
        """CreateModel (when missing) + CreateInferenceComponent on an existing endpoint; returns
        the call's CloudTrail event as EventBridge carries it (see ``account.deliver_event``)."""
        call = self._endpoint_maker().create_component(endpoint, component)
        return self._component_event("CreateInferenceComponent", component.name, call)

    def update_inference_component(self, name: str, *, copies: int) -> dict[str, Any]:
        """UpdateInferenceComponent (its copy count); returns the call's CloudTrail event."""
        return self._component_event(
            "UpdateInferenceComponent", name, self._endpoint_maker().update_component(name, copies)
        )

    def delete_inference_component(self, name: str) -> dict[str, Any]:
        """DeleteInferenceComponent (gone at once here); returns the call's CloudTrail event."""
        return self._component_event("DeleteInferenceComponent", name, self._endpoint_maker().delete_component(name))

    def _component_event(self, operation: str, name: str, call: Mapping[str, Any]) -> dict[str, Any]:
        return component_call_event(
            operation,
            name,
            region=self._region,
            account_id=self._account_id,
            at=self._now(),
            request=call["request"],
            response=call["response"],
        )
