"""Console links for an alert: only built here, from names SageWatch validated, never from alarm text."""

from __future__ import annotations

from urllib.parse import quote


def _console(region: str, service: str) -> str:
    return f"https://{region}.console.aws.amazon.com/{service}/home?region={region}"


def alarm_url(region: str, alarm_name: str) -> str:
    return f"{_console(region, 'cloudwatch')}#alarmsV2:alarm/{quote(alarm_name, safe='')}"


def dashboard_url(region: str, dashboard: str) -> str:
    return f"{_console(region, 'cloudwatch')}#dashboards/dashboard/{quote(dashboard, safe='')}"


def endpoint_url(region: str, endpoint: str) -> str:
    return f"{_console(region, 'sagemaker')}#/endpoints/{quote(endpoint, safe='')}"


def logs_url(region: str, endpoint: str) -> str:
    # The CloudWatch console double-encodes '/' in log group names as $252F.
    group = quote(f"/aws/sagemaker/Endpoints/{endpoint}", safe="").replace("%", "$25")
    return f"{_console(region, 'cloudwatch')}#logsV2:log-groups/log-group/{group}"
