"""The extensions every emulated account has, installed on the account's register when it opens.

Kept apart from the register (:class:`~sagewatch_emulator.extensions.MotoExtensions`) so that the
extension modules, which patch through the register, and the register import nothing of each
other's in a circle. Quotas, DescribeAlarms paging and faults are opt-in, installed later.
"""

from __future__ import annotations

from sagewatch_emulator.cloudwatch import install_cloudwatch_extensions
from sagewatch_emulator.extensions import MotoExtensions
from sagewatch_emulator.model_monitor.service import install_model_monitor
from sagewatch_emulator.powertools_cache import reset_powertools_parameter_cache
from sagewatch_emulator.sagemaker import install_sagemaker_extensions

__all__ = ["install_extensions"]


def install_extensions(extensions: MotoExtensions) -> None:
    """SageMaker, Model Monitor and CloudWatch extensions, and an empty Powertools cache."""
    install_sagemaker_extensions(extensions)
    install_model_monitor(extensions)  # monitoring schedules and executions
    install_cloudwatch_extensions(extensions)  # GetMetricData p99/math, widget images, log patterns, history
    reset_powertools_parameter_cache(extensions)
