"""GetMetricWidgetImage: a PNG line chart of a widget's series, written with zlib + struct.

moto does not implement GetMetricWidgetImage (HTTP 500). :func:`add_get_metric_widget_image`
answers with a real PNG of the widget's size (default 600 by 400 pixels, as CloudWatch): white
background, axes, and one polyline per visible series — the metrics and expressions of the
widget's ``metrics``, evaluated over the emulator's own data like GetMetricData. No text (titles,
labels, legends) is drawn: there is no font in the standard library.
"""

from __future__ import annotations

import itertools
import json
import re
import struct
import zlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sagewatch_emulator.cloudwatch.statistics import metric_data_results
from sagewatch_emulator.cloudwatch.utc import as_utc
from sagewatch_evaluation.expressions import ExpressionError

if TYPE_CHECKING:
    from sagewatch_emulator.extensions import MotoExtensions

__all__ = ["add_get_metric_widget_image", "render_line_chart_png", "widget_png", "widget_queries"]

DEFAULT_WIDTH = 600
DEFAULT_HEIGHT = 400
MAX_SIZE = 2000
_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
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


def _color(value: Any, index: int) -> tuple[int, int, int]:
    text = str(value) if isinstance(value, str) and re.fullmatch(r"#[0-9a-fA-F]{6}", value) else None
    text = text or _PALETTE[index % len(_PALETTE)]
    return int(text[1:3], 16), int(text[3:5], 16), int(text[5:7], 16)


class _Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.height = height
        self.pixels = bytearray(b"\xff" * (width * height * 3))

    def dot(self, x: int, y: int, color: tuple[int, int, int], size: int = 1) -> None:
        for dx in range(size):
            for dy in range(size):
                px, py = x + dx, y + dy
                if 0 <= px < self.width and 0 <= py < self.height:
                    offset = (py * self.width + px) * 3
                    self.pixels[offset : offset + 3] = bytes(color)

    def line(self, x0: int, y0: int, x1: int, y1: int, color: tuple[int, int, int], size: int = 1) -> None:
        """Bresenham's line."""
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        error = dx + dy
        while True:
            self.dot(x0, y0, color, size)
            if x0 == x1 and y0 == y1:
                return
            doubled = 2 * error
            if doubled >= dy:
                error += dy
                x0 += sx
            if doubled <= dx:
                error += dx
                y0 += sy

    def png(self) -> bytes:
        def chunk(kind: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

        stride = self.width * 3
        rows = b"".join(b"\x00" + bytes(self.pixels[y * stride : (y + 1) * stride]) for y in range(self.height))
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)  # 8-bit RGB
        return (
            b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b"")
        )


def render_line_chart_png(
    series: Sequence[tuple[Sequence[tuple[datetime, float]], tuple[int, int, int]]],
    start: datetime,
    end: datetime,
    *,
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
    y_min: float | None = None,
    y_max: float | None = None,
) -> bytes:
    """A PNG: white background, grey axes and gridlines, one 2-px polyline per series. No text."""
    width = max(50, min(MAX_SIZE, int(width)))
    height = max(50, min(MAX_SIZE, int(height)))
    canvas = _Canvas(width, height)
    left, right, top, bottom = 40, width - 12, 12, height - 24
    grey, light = (120, 120, 120), (225, 225, 225)
    values = [value for points, _ in series for _, value in points]
    low = y_min if y_min is not None else min([0.0, *values])
    high = y_max if y_max is not None else (max(values) * 1.1 if values and max(values) > low else low + 1.0)
    if high <= low:
        high = low + 1.0
    for step in range(1, 5):  # horizontal gridlines at quarters
        y = bottom - (bottom - top) * step // 4
        canvas.line(left, y, right, y, light)
    canvas.line(left, top, left, bottom, grey)
    canvas.line(left, bottom, right, bottom, grey)
    span = max(1.0, (as_utc(end) - as_utc(start)).total_seconds())

    def xy(moment: datetime, value: float) -> tuple[int, int]:
        fx = ((as_utc(moment) - as_utc(start)).total_seconds()) / span
        fy = (min(max(value, low), high) - low) / (high - low)
        return left + round(fx * (right - left)), bottom - round(fy * (bottom - top))

    for points, color in series:
        pixels = [xy(moment, value) for moment, value in sorted(points, key=lambda p: p[0])]
        if len(pixels) == 1:
            canvas.dot(pixels[0][0] - 1, pixels[0][1] - 1, color, 3)
        for (x0, y0), (x1, y1) in itertools.pairwise(pixels):
            canvas.line(x0, y0, x1, y1, color, 2)
    return canvas.png()


def _axis_bound(widget: Mapping[str, Any], key: str) -> float | None:
    left = ((widget.get("yAxis") or {}).get("left") or {}) if isinstance(widget.get("yAxis"), dict) else {}
    value = left.get(key) if isinstance(left, dict) else None
    return float(value) if isinstance(value, int | float) else None


def widget_png(widget: Mapping[str, Any], datums: Iterable[Any], now: datetime | None = None) -> bytes:
    """The emulator's answer to GetMetricWidgetImage for ``widget`` over the stored ``datums``."""
    now = as_utc(now or datetime.now(UTC))
    start = _widget_time(widget.get("start"), now, now - timedelta(hours=3))
    end = _widget_time(widget.get("end"), now, now)
    if end <= start:
        raise ExpressionError("the widget's end is not after its start")
    queries = widget_queries(widget)
    results = metric_data_results(list(datums), queries, start, end)
    options = {
        str(q["Id"]): (entry[-1] if isinstance(entry, list) and entry and isinstance(entry[-1], dict) else {})
        for q, entry in zip(queries, widget.get("metrics") or [], strict=False)
    }
    drawn = [
        (result.points, _color(options.get(result.id, {}).get("color"), index))
        for index, result in enumerate(r for r in results if r.return_data and r.status == "Complete")
    ]
    return render_line_chart_png(
        drawn,
        start,
        end,
        width=int(widget.get("width") or DEFAULT_WIDTH),
        height=int(widget.get("height") or DEFAULT_HEIGHT),
        y_min=_axis_bound(widget, "min"),
        y_max=_axis_bound(widget, "max"),
    )


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
            image = widget_png(widget, self.cloudwatch_backend.get_all_metrics())
        except (ExpressionError, TypeError, ValueError) as exc:
            raise InvalidParameterValue(f"The parameter MetricWidget is invalid: {exc}") from None
        return ActionResult({"MetricWidgetImage": image})

    extensions.patch(CloudWatchResponse, "get_metric_widget_image", get_metric_widget_image)
    extensions.installed.append("cloudwatch: GetMetricWidgetImage (PNG line chart)")
