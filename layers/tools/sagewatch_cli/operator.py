"""What ``sagewatch plan|sync|remove`` (and ``doctor``'s desired alarms) work with: onboarding
wired from the runtime's own pieces, through the wiring the handlers use, with CloudWatch writes
paced at the command's ``--write-tps``.

A tool, not shipped in the layer: no Lambda function runs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sagewatch.adapters.cloudwatch.alarms_and_dashboards import CloudWatchWriter
from sagewatch.adapters.cloudwatch.metric_history import MetricHistory
from sagewatch.adapters.pacing import paced_cloudwatch
from sagewatch.adapters.sagemaker import SageMakerEndpoints
from sagewatch.config import MonitoringConfig
from sagewatch.usecases.onboarding import Onboarding
from sagewatch.wiring import Wiring

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_sagemaker import SageMakerClient


@dataclass(frozen=True)
class Operator:
    """What ``sagewatch plan|sync|remove`` work with, wired for one command run."""

    config: MonitoringConfig
    onboarding: Onboarding
    endpoints: SageMakerEndpoints
    writer: CloudWatchWriter  # paced at the command's --write-tps
    sagemaker: SageMakerClient
    cloudwatch: CloudWatchClient  # unpaced, for the bulk reads of --all


def operator(wiring: Wiring, config: MonitoringConfig, *, write_tps: float) -> Operator:
    """Onboarding with the policy read now and writes paced at ``write_tps`` (0 = unpaced)."""
    current = wiring.with_current_policy(config, fresh=True)
    cloudwatch, sagemaker = wiring.client("cloudwatch"), wiring.client("sagemaker")
    writer = CloudWatchWriter(paced_cloudwatch(cloudwatch, write_tps))
    endpoints = SageMakerEndpoints(sagemaker)
    onboarding = Onboarding(endpoints, writer, current, traffic=MetricHistory(cloudwatch))
    return Operator(current, onboarding, endpoints, writer, sagemaker, cloudwatch)
