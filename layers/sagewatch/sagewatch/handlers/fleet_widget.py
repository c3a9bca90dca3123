"""FleetWidgetFunction: the live custom widget of the fleet dashboard (alarms in ALARM, top 5XX rates).

CloudWatch calls it when the dashboard is viewed, with the viewer's permission to invoke it;
it returns HTML (or, for ``describe``, the widget's documentation in Markdown).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.data_classes import CloudWatchDashboardCustomWidgetEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from sagewatch.config import FleetWidgetConfig
from sagewatch.core.fleet.overview import DESCRIPTION
from sagewatch.observability import lambda_entry_point
from sagewatch.wiring import Wiring

# Lambda hands its context object; tests and the emulated account, one with the same attributes.
LambdaHandler = Callable[[dict[str, Any], Any], str]


def entry_point(config: FleetWidgetConfig | None = None, wiring: Wiring | None = None) -> LambdaHandler:
    """The function's handler; the config is read now (at INIT: a mistake fails the cold start,
    naming the variable), clients at their first call."""
    config = config if config is not None else FleetWidgetConfig.from_env()
    wiring = wiring if wiring is not None else Wiring()

    @lambda_entry_point
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> str:
        widget = CloudWatchDashboardCustomWidgetEvent(event if isinstance(event, dict) else {})
        if widget.describe:
            return DESCRIPTION
        return wiring.fleet_overview(config)()

    return lambda_handler
