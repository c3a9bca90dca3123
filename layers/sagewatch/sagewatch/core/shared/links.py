"""Console links (alarm, dashboard, endpoint, logs), for every partition, built only here.

Links are built from names SageWatch validated, never from alarm text. Each partition has its
own console host (AWS documentation):
- aws: the Regional endpoint ``https://<region>.console.aws.amazon.com`` ("AWS Management
  Console endpoints and quotas", https://docs.aws.amazon.com/general/latest/gr/mgmt-console.html).
- aws-cn: ``console.amazonaws.cn`` ("Beijing Region Endpoints", Getting Started with Amazon Web
  Services in China, https://docs.amazonaws.cn/en_us/aws/latest/userguide/endpoints-Beijing.html).
- aws-us-gov: ``console.amazonaws-us-gov.com`` ("Configuring Your Account", AWS GovCloud (US)
  User Guide, https://docs.aws.amazon.com/govcloud-us/latest/UserGuide/configure-account.html).
The isolated partitions (aws-iso, aws-iso-b, aws-iso-e, aws-iso-f) and the European Sovereign
Cloud (aws-eusc) publish no console host in public documentation: their links are left out
(``None``) rather than pointed at a console that cannot show their resources.

SageMaker AI Insights (CloudWatch user guide, "CloudWatch SageMaker AI Insights" and "Get started
with CloudWatch SageMaker AI Insights") documents no console URL or fragment of its own: it is
reached through CloudWatch → Infrastructure monitoring → SageMaker AI Insights (fleet level, no
filter), or from the SageMaker AI console's endpoint detail page, whose "View in SageMaker AI
Insights" opens it *filtered to that endpoint*. The link therefore goes to that endpoint page, the
documented one-click way to the endpoint's view, as the endpoint link itself, labelled to say the
page holds the Insights view (ENDPOINT_AND_AI_INSIGHTS) rather than a second link to the same
page under another name; and only in partitions whose documentation
describes the feature: aws (docs.aws.amazon.com) and aws-cn (docs.amazonaws.cn publishes the same
CloudWatch pages). No AWS GovCloud (US) page for it was found, so none there.
"""

from __future__ import annotations

from urllib.parse import quote

from sagewatch.core.shared.namespaces import PROCESSING_JOB_LOG_GROUP, endpoint_log_group
from sagewatch.core.shared.partitions import COMMERCIAL, partition

_AI_INSIGHTS_PARTITIONS = frozenset({COMMERCIAL, "aws-cn"})
ENDPOINT_AND_AI_INSIGHTS = "SageMaker endpoint · AI Insights"  # the endpoint link, where it holds Insights

_PARTITION_CONSOLE_HOSTS = {
    "aws-cn": "console.amazonaws.cn",
    "aws-us-gov": "console.amazonaws-us-gov.com",
}


def console_host(region: str) -> str | None:
    """The console's host name for ``region``; None where AWS documents none (isolated partitions)."""
    name = partition(region)
    if name == COMMERCIAL:
        return f"{region}.console.aws.amazon.com"
    return _PARTITION_CONSOLE_HOSTS.get(name)


def _console(region: str, service: str) -> str | None:
    host = console_host(region)
    return f"https://{host}/{service}/home?region={region}" if host else None


def _page(region: str, service: str, fragment: str) -> str | None:
    home = _console(region, service)
    return f"{home}#{fragment}" if home else None


def alarm_url(region: str, alarm_name: str) -> str | None:
    return _page(region, "cloudwatch", f"alarmsV2:alarm/{quote(alarm_name, safe='')}")


def alarms_search_url(region: str, name_prefix: str) -> str | None:
    """The alarm list filtered to names containing ``name_prefix`` (one endpoint's alarms)."""
    return _page(region, "cloudwatch", f"alarmsV2:?search={quote(name_prefix, safe='')}")


def dashboard_url(region: str, dashboard: str) -> str | None:
    return _page(region, "cloudwatch", f"dashboards/dashboard/{quote(dashboard, safe='')}")


def endpoint_url(region: str, endpoint: str) -> str | None:
    return _page(region, "sagemaker", f"/endpoints/{quote(endpoint, safe='')}")


def inference_component_url(region: str, endpoint: str) -> str | None:
    """Where a person finds an inference component in the console: its endpoint's page, which
    lists the endpoint's components. AWS documents no console URL of a component's own (searched
    the SageMaker developer guide and API reference), so no guessed deep link is built."""
    return endpoint_url(region, endpoint)


def logs_url(region: str, endpoint: str) -> str | None:
    # The Logs console wants the log group name URL-encoded twice, with '%' written as '$':
    # '/' becomes %2F, then %252F, then $252F.
    group = quote(endpoint_log_group(endpoint), safe="").replace("%", "$25")
    return _page(region, "cloudwatch", f"logsV2:log-groups/log-group/{group}")


def ai_insights_url(region: str, endpoint: str) -> str | None:
    """Where the endpoint's SageMaker AI Insights view is one click away (see the module's note)."""
    if partition(region) not in _AI_INSIGHTS_PARTITIONS:
        return None
    return endpoint_url(region, endpoint)


def monitoring_schedule_url(region: str, schedule: str) -> str | None:
    """A Model Monitor schedule in the SageMaker console (``#/monitoring-schedules/<name>``, the
    console's own route for schedules, as console deep-link tables in the field use it)."""
    return _page(region, "sagemaker", f"/monitoring-schedules/{quote(schedule, safe='')}")


def s3_object_url(region: str, bucket: str, key: str) -> str | None:
    """An S3 object in the S3 console (``/s3/object/<bucket>?region=…&prefix=<key>``).

    The commercial partition's S3 console has its own host (``s3.console.aws.amazon.com``); the
    other documented partitions serve it under their console host.
    """
    host = "s3.console.aws.amazon.com" if partition(region) == COMMERCIAL else console_host(region)
    if host is None:
        return None
    return f"https://{host}/s3/object/{quote(bucket, safe='')}?region={region}&prefix={quote(key, safe='/')}"


def s3_folder_url(region: str, bucket: str, prefix: str) -> str | None:
    """An S3 folder (``/s3/buckets/<bucket>?region=…&prefix=<prefix>/``) in the S3 console."""
    host = "s3.console.aws.amazon.com" if partition(region) == COMMERCIAL else console_host(region)
    if host is None:
        return None
    folder = prefix.strip("/") + "/" if prefix.strip("/") else ""
    return f"https://{host}/s3/buckets/{quote(bucket, safe='')}?region={region}&prefix={quote(folder, safe='/')}"


def processing_job_logs_url(region: str, job_name: str) -> str | None:
    """The log streams of one processing job (``/aws/sagemaker/ProcessingJobs``, streams named
    ``<job>/algo-1-…``), for a failed Model Monitor run.

    Names and values inside the fragment are encoded twice with '%' written as '$' (like the
    group in :func:`logs_url`), but the query's own '?' and '=' only once (``$3F``, ``$3D``):
    encoded twice (``$253F``) the console reads the filter as part of the group's name."""
    group = quote(PROCESSING_JOB_LOG_GROUP, safe="").replace("%", "$25")
    job = quote(job_name, safe="").replace("%", "$25")
    return _page(region, "cloudwatch", f"logsV2:log-groups/log-group/{group}$3FlogStreamNameFilter$3D{job}")
