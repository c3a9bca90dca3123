"""DescribeAlarms pages as AWS does: moto ignores ``MaxRecords``/``NextToken`` and returns every
alarm in one page; AWS returns at most 100. With this, call counts (and quota projections) are real.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from sagewatch_emulator.extensions import MotoExtensions

__all__ = ["DESCRIBE_ALARMS_PAGE", "paginate_describe_alarms"]

DESCRIBE_ALARMS_PAGE = 100


def paginate_describe_alarms(extensions: MotoExtensions) -> None:
    """DescribeAlarms honours MaxRecords (default and maximum 100) and NextToken, as AWS does."""
    from moto.cloudwatch.responses import CloudWatchResponse
    from moto.core.responses import ActionResult

    original = CloudWatchResponse.describe_alarms

    def describe_alarms(self: Any) -> Any:
        answer = original(self)
        result: dict[str, Any] = dict(cast("dict[str, Any]", answer.result))
        size = min(int(self._get_param("MaxRecords") or DESCRIBE_ALARMS_PAGE), DESCRIBE_ALARMS_PAGE)
        start = int(self._get_param("NextToken") or 0)
        metric = sorted(result.get("MetricAlarms", []), key=lambda a: a.name)
        composite = sorted(result.get("CompositeAlarms", []), key=lambda a: a.name)
        everything = [("m", a) for a in metric] + [("c", a) for a in composite]
        page = everything[start : start + size]
        result["MetricAlarms"] = [a for kind, a in page if kind == "m"]
        result["CompositeAlarms"] = [a for kind, a in page if kind == "c"]
        if start + size < len(everything):
            result["NextToken"] = str(start + size)
        return ActionResult(result)

    extensions.patch(CloudWatchResponse, "describe_alarms", describe_alarms)
    extensions.installed.append("cloudwatch: DescribeAlarms pages by 100 (MaxRecords/NextToken)")
