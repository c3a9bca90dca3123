"""The emulated AWS account for tests and the demo (dev-only: never shipped in the layer).

``EmulatedAccount`` runs moto in server mode on 127.0.0.1, provisions what template.yaml
declares, and invokes the template's functions in-process the way ``sam local invoke`` does.
See docs/emulated-account.md.
"""

from sagewatch_emulator.account import (
    EmulatedAccount,
    EmulatorBusyError,
    EmulatorError,
    VariantSpec,
    default_template_path,
)
from sagewatch_emulator.fake_slack import FakeSlack, SlackPost, SlackReply
from sagewatch_emulator.invoke import FunctionSpec, Invocation, LambdaContext
from sagewatch_emulator.provision import ResourceRecord
from sagewatch_emulator.template import Resolver, Template, TemplateError

__all__ = [
    "EmulatedAccount",
    "EmulatorBusyError",
    "EmulatorError",
    "FakeSlack",
    "FunctionSpec",
    "Invocation",
    "LambdaContext",
    "Resolver",
    "ResourceRecord",
    "SlackPost",
    "SlackReply",
    "Template",
    "TemplateError",
    "VariantSpec",
    "default_template_path",
]
