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
"""

from __future__ import annotations

from urllib.parse import quote

from sagewatch.core.shared.namespaces import endpoint_log_group
from sagewatch.core.shared.partitions import COMMERCIAL, partition

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
