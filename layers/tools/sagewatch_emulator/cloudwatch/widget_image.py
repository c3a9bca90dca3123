"""GetMetricWidgetImage: the widget checked as CloudWatch would read it, answered with a fixed image.

moto does not implement GetMetricWidgetImage (HTTP 500). :func:`add_get_metric_widget_image`
reads the ``MetricWidget`` JSON as CloudWatch would (its ``metrics`` as GetMetricData queries,
``"."`` shorthand included, and its ``start``/``end``), refuses one it cannot read with
``InvalidParameterValue``, and answers with a blank white PNG of the widget's ``width`` by
``height`` (default 600 by 400 pixels, as "GetMetricWidgetImage: Metric Widget Structure and
Syntax" documents).

The series are not drawn. Nothing that receives the image looks at its pixels: an email carries
it inline and Slack's bot mode uploads it, and the tests check the PNG signature, its size and
that it was attached or uploaded. A line-chart rasteriser (Bresenham lines, scaled axes and
colours, ~100 lines) drew them until it was measured: 29-66 ms per alert chart (600 by 300, one
series; 100-170 ms with three), against 1.4-4.2 ms for the blank image, cached per size
(docs/architecture.md, "Decisions").
"""

from __future__ import annotations

import functools
import json
import re
import struct
import zlib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sagewatch_emulator.cloudwatch.utc import as_utc
from sagewatch_evaluation.expressions import ExpressionError

if TYPE_CHECKING:
    from sagewatch_emulator.extensions import MotoExtensions

__all__ = ["add_get_metric_widget_image", "blank_png", "widget_png", "widget_queries"]

DEFAULT_WIDTH = 600
DEFAULT_HEIGHT = 400
MAX_SIZE = 2000
_DURATION = re.compile(
    r"^(?P<sign>-?)P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?$"
)


def _widget_time(value: Any, now: datetime, default: datetime) -> datetime:
    """A widget's ``start``/``end``: a relative ISO 8601 duration (``-PT3H``) or a timestamp."""
    if value is None or value == "":
        return default
    text = str(value).strip()
    match = _DURATION.match(text.upper())
    if match and text.upper() not in ("P", "-P"):
        parts = {k: int(v) for k, v in match.groupdict().items() if k != "sign" and v}
        delta = timedelta(
            weeks=parts.get("w", 0),
            days=parts.get("d", 0),
            hours=parts.get("h", 0),
            minutes=parts.get("m", 0),
            seconds=parts.get("s", 0),
        )
        return now - delta if match.group("sign") else now + delta
    try:
        return as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        raise ExpressionError(f"cannot read the widget time {text!r}") from None


def widget_queries(widget: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The widget's ``metrics`` array as GetMetricData queries (``"."`` repeats the previous entry)."""
    period = int(widget.get("period") or 300)
    default_stat = str(widget.get("stat") or "Average")
    queries: list[dict[str, Any]] = []
    previous: list[Any] = []
    for index, entry in enumerate(widget.get("metrics") or []):
        if not isinstance(entry, list) or not entry:
            raise ExpressionError(f"metrics[{index}] is not a non-empty array")
        options = entry[-1] if isinstance(entry[-1], dict) else {}
        fields = entry[:-1] if isinstance(entry[-1], dict) else list(entry)
        visible = options.get("visible", True) is not False
        query_id = str(options.get("id") or f"m{index + 1}")
        if not fields and "expression" in options:
            queries.append(
                {
                    "Id": query_id,
                    "Expression": str(options["expression"]),
                    "Label": options.get("label") or query_id,
                    "ReturnData": visible,
                }
            )
            continue
        resolved = [previous[i] if value == "." and i < len(previous) else value for i, value in enumerate(fields)]
        previous = resolved
        if len(resolved) < 2 or len(resolved) % 2:
            raise ExpressionError(f"metrics[{index}] must be [namespace, name, (dimension, value)...]")
        namespace, name, *pairs = resolved
        dimensions = [{"Name": str(pairs[i]), "Value": str(pairs[i + 1])} for i in range(0, len(pairs), 2)]
        query: dict[str, Any] = {
            "Id": query_id,
            "MetricStat": {
                "Metric": {"Namespace": str(namespace), "MetricName": str(name), "Dimensions": dimensions},
                "Period": int(options.get("period") or period),
                "Stat": str(options.get("stat") or default_stat),
            },
            "ReturnData": visible,
        }
        if options.get("label"):
            query["Label"] = options["label"]
        queries.append(query)
    return queries


def blank_png(width: int = DEFAULT_WIDTH, height: int = DEFAULT_HEIGHT) -> bytes:
    """A white 8-bit RGB PNG of ``width`` by ``height`` (clamped to 50..2,000), written with zlib + struct."""
    width = max(50, min(MAX_SIZE, int(width)))
    height = max(50, min(MAX_SIZE, int(height)))
    return _blank_png(width, height)


@functools.cache
def _blank_png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = (b"\x00" + b"\xff" * (width * 3)) * height  # filter byte 0, then white pixels
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b"")


def widget_png(widget: Mapping[str, Any], now: datetime | None = None) -> bytes:
    """The emulator's answer to GetMetricWidgetImage for ``widget``: read, checked, not drawn."""
    now = as_utc(now or datetime.now(UTC))
    start = _widget_time(widget.get("start"), now, now - timedelta(hours=3))
    end = _widget_time(widget.get("end"), now, now)
    if end <= start:
        raise ExpressionError("the widget's end is not after its start")
    widget_queries(widget)  # raises on a metrics array CloudWatch could not read
    return blank_png(int(widget.get("width") or DEFAULT_WIDTH), int(widget.get("height") or DEFAULT_HEIGHT))


def add_get_metric_widget_image(extensions: MotoExtensions) -> None:
    """GetMetricWidgetImage: a PNG line chart of the widget's series from the emulator's data."""
    from moto.cloudwatch.exceptions import CloudWatchException, InvalidParameterValue
    from moto.cloudwatch.responses import CloudWatchResponse
    from moto.core.responses import ActionResult

    if "get_metric_widget_image" in CloudWatchResponse.__dict__:  # a later moto implements it
        return

    class UnsupportedInRegion(CloudWatchException):
        code = "InvalidAction"

    def get_metric_widget_image(self: Any) -> Any:
        # GetMetricWidgetImage API reference: "not available in the AWS GovCloud (US) Regions. In
        # those Regions, calls to this operation fail." AWS does not document the error code;
        # InvalidAction is what an AWS query API answers for an operation it does not offer.
        if str(self.region).startswith("us-gov-"):
            raise UnsupportedInRegion(f"GetMetricWidgetImage is not available in {self.region}.")
        text = self._get_param("MetricWidget")
        try:
            widget = json.loads(text or "")
        except json.JSONDecodeError:
            raise InvalidParameterValue("The parameter MetricWidget must be a valid JSON object.") from None
        if not isinstance(widget, dict):
            raise InvalidParameterValue("The parameter MetricWidget must be a valid JSON object.")
        try:
            image = widget_png(widget)
        except (ExpressionError, TypeError, ValueError) as exc:
            raise InvalidParameterValue(f"The parameter MetricWidget is invalid: {exc}") from None
        return ActionResult({"MetricWidgetImage": image})

    extensions.patch(CloudWatchResponse, "get_metric_widget_image", get_metric_widget_image)
    extensions.installed.append("cloudwatch: GetMetricWidgetImage (a blank PNG of the widget's size)")
