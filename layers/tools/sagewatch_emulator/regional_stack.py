"""A second stack of the template in another region of the same emulated account.

Dashboards are global per account while almost everything else is regional, so "two regional
stacks of one account" is a situation of its own (docs/emulated-account.md). Only one
:class:`~sagewatch_emulator.EmulatedAccount` can be open per process (moto's state is
process-wide), but moto answers every region of its account on the one server: a
:class:`RegionalStack` provisions the template again in ``region`` (its own stack name, queues,
tables, topics) through clients bound to that region, and runs its functions like
``account.invoke`` does — in their own warm sandbox, with that region's Lambda environment
(``AWS_REGION``, the stack's resource names), so their module-level config reads that region.

    with EmulatedAccount() as account:
        west = RegionalStack(account, "eu-west-1", stack_name="sagewatch-west")
        west.create_endpoint("fraud-scorer", variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 1)])
        west.invoke("OnboardFunction", event)

It lives while the account is open; :meth:`close` (or the account's close) ends it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sagewatch_emulator.aws_environment import emulator_variables
from sagewatch_emulator.calls import CallRecorder
from sagewatch_emulator.provision import Provisioner, generated_name
from sagewatch_emulator.sagemaker import EndpointMaker, VariantSpec
from sagewatch_emulator.sam.invoke import (
    FunctionRuntime,
    Invocation,
    LambdaContext,
    function_environment,
    resolve_function,
)
from sagewatch_emulator.sam.template import Resolver, Template

if TYPE_CHECKING:
    from sagewatch_emulator.account import EmulatedAccount

__all__ = ["RegionalStack"]


class RegionalStack:
    """The template provisioned in ``region`` of ``account`` (same moto server, same account id)."""

    def __init__(
        self,
        account: EmulatedAccount,
        region: str,
        *,
        stack_name: str,
        parameters: Mapping[str, Any] | None = None,
    ) -> None:
        self.account = account
        self.region = region
        self.stack_name = stack_name
        self._clients: dict[str, Any] = {}
        self._runtimes: dict[str, FunctionRuntime] = {}
        self._template = Template.load(account.template_path)
        provisioner = Provisioner(
            self._template, clients=self.client, region=region, account_id=account.account_id, stack_name=stack_name
        )
        self._resolver = Resolver(
            self._template,
            region=region,
            account_id=account.account_id,
            stack_name=stack_name,
            parameters={**account.parameter_overrides, **(parameters or {})},
            attributes=provisioner,
        )
        self._provisioner = provisioner
        provisioner.provision_all(self._resolver)
        self._endpoints = EndpointMaker(self.client("sagemaker"), region=region, account_id=account.account_id)

    def client(self, service_name: str) -> Any:
        """A boto3 client of this region on the account's emulator (not counted by ``invoke``)."""
        if service_name not in self._clients:
            self._clients[service_name] = self.account.client(service_name, region_name=self.region)
        return self._clients[service_name]

    def physical_id(self, logical_id: str) -> str:
        return str(self._provisioner.ref(logical_id))

    def create_endpoint(
        self, name: str, *, variants: Sequence[VariantSpec], async_inference: bool = False
    ) -> dict[str, Any]:
        """An InService endpoint in this region (like ``account.create_endpoint``)."""
        return self._endpoints.create(name, variants, async_inference, {})

    def invoke(
        self, logical_id: str, event: Mapping[str, Any], *, environment: Mapping[str, str] | None = None
    ) -> Invocation:
        """Run this stack's function like ``account.invoke`` (warm sandbox per function, counted
        calls; ``environment`` adds or overrides variables)."""
        runtime = self._runtimes.get(logical_id)
        if runtime is None:
            spec = resolve_function(
                self._template,
                self._resolver,
                logical_id,
                function_name=lambda lid: generated_name(self.stack_name, lid),
            )
            runtime = self._runtimes[logical_id] = FunctionRuntime(spec)
        spec = runtime.spec
        extra = {
            **spec.lambda_environment(self.region, self.account.account_id),
            **emulator_variables(self.account.endpoint_url, self.region),
            "AWS_SAM_LOCAL": "true",
            **(environment or {}),
        }
        request_id = runtime.new_request_id()
        context = LambdaContext(spec, self.region, self.account.account_id, request_id)
        with CallRecorder() as calls:
            raw = runtime.run(event, context, function_environment(os.environ, spec, extra))
        return Invocation(
            function=logical_id,
            request_id=request_id,
            response=raw.response,
            error=raw.error,
            error_traceback=raw.error_traceback,
            aws_calls=calls.counts,
            duration_ms=raw.duration_ms,
            init_duration_ms=raw.init_duration_ms,
        )

    def close(self) -> None:
        for runtime in self._runtimes.values():
            runtime.close()
        self._runtimes.clear()
