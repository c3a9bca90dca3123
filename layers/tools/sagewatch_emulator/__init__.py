"""The emulated AWS account for tests and the demo (dev-only: never shipped in the layer).

``EmulatedAccount`` runs moto in server mode on 127.0.0.1, provisions what template.yaml
declares, and invokes the template's functions in-process the way ``sam local invoke`` does.
See docs/emulated-account.md for the module map.
"""

from sagewatch_emulator.account import EmulatedAccount, default_template_path
from sagewatch_emulator.cloudwatch.emulated import EmulatedCloudWatch
from sagewatch_emulator.cloudwatch.quotas import Quotas
from sagewatch_emulator.errors import EmulatorBusyError, EmulatorError, ProvisioningError
from sagewatch_emulator.fake_slack import FakeSlack, SlackPost, SlackReply
from sagewatch_emulator.faults import InjectedFault
from sagewatch_emulator.provision import ResourceRecord
from sagewatch_emulator.sagemaker import ComponentSpec, VariantSpec
from sagewatch_emulator.sam.invoke import FunctionSpec, Invocation, LambdaContext
from sagewatch_emulator.sam.template import Resolver, Template, TemplateError
from sagewatch_emulator.sqs_event_source import Drained, DrainResult
from sagewatch_emulator.stack import Stack

__all__ = [
    "ComponentSpec",
    "DrainResult",
    "Drained",
    "EmulatedAccount",
    "EmulatedCloudWatch",
    "EmulatorBusyError",
    "EmulatorError",
    "FakeSlack",
    "FunctionSpec",
    "InjectedFault",
    "Invocation",
    "LambdaContext",
    "ProvisioningError",
    "Quotas",
    "Resolver",
    "ResourceRecord",
    "SlackPost",
    "SlackReply",
    "Stack",
    "Template",
    "TemplateError",
    "VariantSpec",
    "default_template_path",
]
