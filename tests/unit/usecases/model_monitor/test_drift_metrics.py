"""Drift metric discovery tries every namespace spelling AWS's texts use (core.shared.namespaces)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import pytest

from sagewatch.adapters.cloudwatch.alarms_and_dashboards import CloudWatchWriter
from sagewatch.usecases.model_monitor.drift_metrics import find_drift_metrics


class _ListMetrics:
    """ListMetrics of one account that holds drift metrics in one namespace only."""

    def __init__(self, namespace: str, dimensions: dict[str, str]) -> None:
        self.namespace, self.dimensions = namespace, dimensions
        self.asked: list[str] = []

    def list_metrics(self, namespace: str, dimensions: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
        self.asked.append(namespace)
        if namespace != self.namespace or not set(dimensions) <= set(self.dimensions.items()):
            return []
        dims = [{"Name": k, "Value": v} for k, v in self.dimensions.items()]
        return [{"Namespace": namespace, "MetricName": "feature_baseline_drift_amount", "Dimensions": dims}]


@pytest.mark.parametrize(
    ("namespace", "dimensions"),
    [
        # "CloudWatch Metrics for Bring Your Own Containers" (model-monitor-byoc-cloudwatch): the
        # default namespace of a real-time endpoint's monitoring container, in the singular,
        # with the dimensions it recommends (Endpoint, MonitoringSchedule).
        ("/aws/sagemaker/Endpoint/data-metrics", {"Endpoint": "fraud", "MonitoringSchedule": "dq"}),
        # "CloudWatch Metrics" (model-monitor-interpreting-cloudwatch).
        ("/aws/sagemaker/Endpoints/data-metric", {"EndpointName": "fraud", "ScheduleName": "dq"}),
        # The SageMaker Python SDK's dashboards.
        ("aws/sagemaker/Endpoints/data-metrics", {"Endpoint": "fraud", "MonitoringSchedule": "dq"}),
    ],
)
def test_drift_metrics_are_found_under_every_documented_spelling(namespace: str, dimensions: dict[str, str]) -> None:
    account = _ListMetrics(namespace, dimensions)
    [found] = find_drift_metrics(cast(CloudWatchWriter, account), "fraud", "dq")
    assert (found.namespace, found.feature) == (namespace, "amount")
    assert account.asked[0] == "aws/sagemaker/Endpoints/data-metrics"  # the SDK's spelling first
