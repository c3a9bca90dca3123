"""The template's functions, run in-process the way ``sam local invoke`` runs them.

``account.functions`` (and the account's ``invoke``, ``function``, ``function_environment`` and
``deliver_event``): each function keeps warm execution environments (one per ``sandbox``, as
concurrent Lambda environments do); an invocation records the AWS calls it made, the Slack
messages and emails it sent and its log lines (:class:`~sagewatch_emulator.sam.invoke.Invocation`).
EventBridge's delivery invokes every function whose rule's pattern matches the event.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from typing import Any

from sagewatch_emulator.calls import CallRecorder
from sagewatch_emulator.emails import email_view
from sagewatch_emulator.errors import EmulatorError
from sagewatch_emulator.eventbridge import matching_functions
from sagewatch_emulator.fake_slack import FakeSlack
from sagewatch_emulator.provision import generated_name
from sagewatch_emulator.sam.invoke import (
    FunctionRuntime,
    FunctionSpec,
    Invocation,
    LambdaContext,
    OutputCapture,
    capturing_output,
    check_external_layers,
    function_environment,
    resolve_function,
)
from sagewatch_emulator.sam.template import Resolver, Template

__all__ = ["LambdaFunctions"]

_LOG = logging.getLogger(__name__)


class LambdaFunctions:
    """The functions of one open account's stack, and their warm execution environments.

    ``aws_environment`` gives the variables that point boto3 at the emulator; ``sent_emails``
    what SES has sent so far (an invocation reports the ones it added).
    """

    def __init__(
        self,
        template: Template,
        resolver: Resolver,
        *,
        stack_name: str,
        region: str,
        account_id: str,
        aws_environment: Callable[[], dict[str, str]],
        slack: FakeSlack,
        sent_emails: Callable[[], list[Any]],
    ) -> None:
        self._template = template
        self._resolver = resolver
        self._stack_name = stack_name
        self._region = region
        self._account_id = account_id
        self._aws_environment = aws_environment
        self._slack = slack
        self._sent_emails = sent_emails
        self._runtimes: dict[str, FunctionRuntime] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        """End every warm execution environment (their imported modules and state)."""
        for runtime in self._runtimes.values():
            runtime.close()
        self._runtimes.clear()

    def function(self, logical_id: str) -> FunctionSpec:
        """How ``invoke`` will run the function (code, handler, resolved environment, layers)."""
        return resolve_function(
            self._template,
            self._resolver,
            logical_id,
            function_name=lambda lid: generated_name(self._stack_name, lid),
        )

    def function_environment(self, logical_id: str) -> dict[str, str]:
        """The variables the function runs with: its template Environment (Globals merged,
        intrinsics resolved) plus those the Lambda service sets (AWS_LAMBDA_FUNCTION_NAME …).
        Add the account's ``aws_environment()`` to point boto3 at the emulator."""
        spec = self.function(logical_id)
        return {**spec.lambda_environment(self._region, self._account_id), **spec.environment}

    def invoke(
        self,
        logical_id: str,
        event: Mapping[str, Any],
        *,
        environment: Mapping[str, str] | None = None,
        sandbox: str | None = None,
    ) -> Invocation:
        """Run the function's handler with ``event``, like ``sam local invoke`` (see the docs).

        ``environment`` adds or overrides variables of the function's environment for this
        invocation (and, on the first invocation, for the module's import), e.g.
        ``environment=account.function_environment("F") | {"SAGEWATCH_POLICY": "..."}``.
        ``sandbox`` names a warm execution environment of the function (None: the default one):
        each keeps its own imported module and state, as concurrent Lambda environments do.
        """
        if not self._lock.acquire(blocking=False):
            raise EmulatorError("an invocation is already running; invoke one function at a time")
        try:
            key = f"{logical_id}@{sandbox}" if sandbox else logical_id
            runtime = self._runtimes.get(key)
            if runtime is None:
                runtime = FunctionRuntime(self.function(logical_id), sandbox=sandbox)
                for warning in check_external_layers(runtime.spec):
                    _LOG.warning("%s", warning)
                self._runtimes[key] = runtime
            spec = runtime.spec
            extra = {
                **spec.lambda_environment(self._region, self._account_id),
                **self._aws_environment(),
                # sam local sets it; Powertools reads it to switch X-Ray tracing off.
                "AWS_SAM_LOCAL": "true",
                **(environment or {}),
            }
            environment = function_environment(os.environ, spec, extra)
            request_id = runtime.new_request_id()
            context = LambdaContext(spec, self._region, self._account_id, request_id)
            capture = OutputCapture()
            slack_mark = self._slack.mark()
            email_mark = len(self._sent_emails())
            with capturing_output(capture), CallRecorder() as calls:
                raw = runtime.run(event, context, environment)
            invocation = Invocation(
                function=logical_id,
                request_id=request_id,
                response=raw.response,
                error=raw.error,
                error_traceback=raw.error_traceback,
                aws_calls=calls.counts,
                slack_messages=self._slack.messages_since(slack_mark),
                emails=[email_view(m) for m in self._sent_emails()[email_mark:]],
                logs=capture.lines,
                duration_ms=raw.duration_ms,
                init_duration_ms=raw.init_duration_ms,
                timed_out=raw.duration_ms > spec.timeout_s * 1000,
            )
            if invocation.timed_out:
                _LOG.warning(
                    "%s ran %.0f ms, beyond its Timeout of %.0f s: Lambda would have stopped it",
                    logical_id,
                    raw.duration_ms,
                    spec.timeout_s,
                )
            return invocation
        finally:
            self._lock.release()

    def deliver_event(self, event: Mapping[str, Any]) -> list[Invocation]:
        """EventBridge: invoke every stack function whose rule's pattern matches ``event``
        (sagewatch_emulator.eventbridge); an event no rule matches reaches nobody ([])."""
        return [self.invoke(function, event) for function in matching_functions(self._template, event)]
