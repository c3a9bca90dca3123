"""FleetWidgetFunction: the live custom widget of the fleet dashboard (alarms in ALARM, top 5XX rates).

CloudWatch calls it when the dashboard is viewed, with the viewer's permission to invoke it;
it returns HTML (or, for ``describe``, the widget's documentation in Markdown).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from sagewatch.adapters.aws import client
from sagewatch.core.fleet.overview import DESCRIPTION
from sagewatch.core.shared.naming import validate_prefix
from sagewatch.usecases.fleet_overview import fleet_overview

logger = Logger()
_cloudwatch: Any = None


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> str:
    global _cloudwatch
    if isinstance(event, dict) and event.get("describe"):
        return DESCRIPTION
    if _cloudwatch is None:
        _cloudwatch = client("cloudwatch")
    prefix = validate_prefix(os.environ.get("SAGEWATCH_NAME_PREFIX", "SageWatch"))
    region = os.environ.get("AWS_REGION", "us-east-1")
    return fleet_overview(_cloudwatch, prefix=prefix, region=region, now=lambda: datetime.now(tz=UTC))
