"""Where SageMaker publishes an endpoint's metrics and logs: the names, spelled once.

SageMaker AI developer guide, "Amazon SageMaker AI metrics in Amazon CloudWatch" and "Log groups
and streams that Amazon SageMaker AI sends to Amazon CloudWatch Logs".
"""

from __future__ import annotations

# Invocation metrics (Invocations, 5XX errors, ModelLatency …) and the serverless/async ones.
INVOCATION_NAMESPACE = "AWS/SageMaker"
# Instance metrics (CPU, memory, disk, GPU) of instance-backed endpoints.
INSTANCE_NAMESPACE = "/aws/sagemaker/Endpoints"
# Per-copy metrics of inference components (CPU, GPU, memory of each copy).
INFERENCE_COMPONENT_NAMESPACE = "/aws/sagemaker/InferenceComponents"

SAGEMAKER_NAMESPACES = frozenset({INVOCATION_NAMESPACE, INSTANCE_NAMESPACE, INFERENCE_COMPONENT_NAMESPACE})

# An endpoint's container logs: one group per endpoint, one stream per variant and instance.
# The same text as INSTANCE_NAMESPACE, but a different thing: a log group, not a metric namespace.
ENDPOINT_LOG_GROUP_PREFIX = "/aws/sagemaker/Endpoints/"


# Processing jobs (Model Monitor runs among them) log here, one stream prefix per job.
PROCESSING_JOB_LOG_GROUP = "/aws/sagemaker/ProcessingJobs"


def endpoint_log_group(endpoint_name: str) -> str:
    """The CloudWatch Logs group of an endpoint, ``/aws/sagemaker/Endpoints/<endpoint>``."""
    return f"{ENDPOINT_LOG_GROUP_PREFIX}{endpoint_name}"


# Model Monitor (monitoring schedules of an endpoint). AWS's own texts disagree on the data-quality
# namespace, so every spelling is tried (core.model_monitor.schedules.DRIFT_METRIC_LOCATIONS):
# - "CloudWatch Metrics" (model-monitor-interpreting-cloudwatch): /aws/sagemaker/Endpoints/data-metric
#   with dimensions EndpointName + ScheduleName;
# - the SageMaker Python SDK's data-quality dashboard (sagemaker/dashboard/data_quality_dashboard.py)
#   and the model-quality page: aws/sagemaker/Endpoints/data-metrics (no leading slash) with
#   Endpoint + MonitoringSchedule (+ Feature);
# - a third spelling in circulation (leading slash, plural): /aws/sagemaker/Endpoints/data-metrics;
# - "CloudWatch Metrics for Bring Your Own Containers" (model-monitor-byoc-cloudwatch): the default
#   namespace of a real-time endpoint's monitoring container, /aws/sagemaker/Endpoint/data-metrics
#   (Endpoint in the singular), with the dimensions it recommends, Endpoint + MonitoringSchedule.
DATA_QUALITY_NAMESPACES = (
    "aws/sagemaker/Endpoints/data-metrics",
    "/aws/sagemaker/Endpoints/data-metrics",
    "/aws/sagemaker/Endpoints/data-metric",
    "/aws/sagemaker/Endpoint/data-metrics",
)
# Model quality, bias drift and feature attribution drift ("Model quality CloudWatch metrics",
# "Bias drift" and "Feature attribution drift" pages of the developer guide).
MODEL_QUALITY_NAMESPACE = "aws/sagemaker/Endpoints/model-metrics"
BIAS_NAMESPACE = "aws/sagemaker/Endpoints/bias-metrics"
EXPLAINABILITY_NAMESPACE = "aws/sagemaker/Endpoints/explainability-metrics"
MODEL_MONITOR_NAMESPACES = frozenset(
    {*DATA_QUALITY_NAMESPACES, MODEL_QUALITY_NAMESPACE, BIAS_NAMESPACE, EXPLAINABILITY_NAMESPACE}
)
