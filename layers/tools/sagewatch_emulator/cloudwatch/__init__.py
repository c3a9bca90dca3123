"""CloudWatch and CloudWatch Logs in the emulated account: where moto 5.2.x falls short of what
SageWatch calls, one module per emulation. Installed while an account is open, removed on close;
the product keeps making the real calls.

Always installed (:func:`install_cloudwatch_extensions`):

- :mod:`.statistics` — GetMetricData with every statistic, percentiles and metric math
  (evaluated by :mod:`sagewatch_evaluation.expressions`, the alarm evaluator's
  own), and Metrics Insights (:mod:`.metrics_insights`:
  one query per call, GROUP BY labels as AWS writes them);
- :mod:`.widget_image` — GetMetricWidgetImage: the widget read, a blank PNG of its size;
- :mod:`.log_patterns` — FilterLogEvents term patterns (``?ERROR ?Exception``);
- :mod:`.alarm_history` — DescribeAlarmHistory from moto's alarm states;
- :mod:`.global_dashboards` — dashboards global per account (one store for every region).

Opt-in, through ``account.cloudwatch`` (:mod:`.emulated`): :mod:`.quotas` (API rate limits) and
:mod:`.alarm_paging` (DescribeAlarms by 100). Test data goes in with :mod:`.sample_data`;
:mod:`.alarm_notifications` builds the SNS message CloudWatch sends when an alarm changes state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sagewatch_emulator.cloudwatch.alarm_history import add_describe_alarm_history
from sagewatch_emulator.cloudwatch.global_dashboards import dashboards_across_regions
from sagewatch_emulator.cloudwatch.log_patterns import filter_log_events_with_term_patterns
from sagewatch_emulator.cloudwatch.statistics import get_metric_data_with_percentiles_and_math
from sagewatch_emulator.cloudwatch.widget_image import add_get_metric_widget_image

if TYPE_CHECKING:
    from sagewatch_emulator.extensions import MotoExtensions

__all__ = ["install_cloudwatch_extensions"]


def install_cloudwatch_extensions(extensions: MotoExtensions) -> None:
    """Install every always-on CloudWatch extension (called by ``MotoExtensions.install``)."""
    get_metric_data_with_percentiles_and_math(extensions)
    add_get_metric_widget_image(extensions)
    filter_log_events_with_term_patterns(extensions)
    add_describe_alarm_history(extensions)
    dashboards_across_regions(extensions)
