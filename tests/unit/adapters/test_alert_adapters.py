"""The alert path's adapters and helpers without a network: grid alignment, the emulated
GetMetricData (statistics; metric math through the alarm evaluator's, whose own tests are in
tests/unit/evaluation), percentiles, log patterns, the widget image, and adapters against
botocore's Stubber."""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from botocore.stub import ANY, Stubber

from sagewatch.adapters import secrets_manager as secrets
from sagewatch.adapters.cloudwatch.alert_metrics import MetricsReader
from sagewatch.adapters.cloudwatch_logs import ERROR_FILTER_PATTERN, LogsReader
from sagewatch.adapters.secrets_manager import SecretUnavailableError, slack_bot_token, slack_webhook_url
from sagewatch.adapters.ses import EmailSender
from sagewatch.adapters.slack import SlackDeliveryError
from sagewatch.core.alerting.metric_queries import MetricSeries, expression_query, metric_query, series_to_minutes
from sagewatch.core.shared.errors import AwsCallError
from sagewatch_emulator.cloudwatch.log_patterns import log_pattern_matches
from sagewatch_emulator.cloudwatch.statistics import metric_data_results, percentile
from sagewatch_emulator.cloudwatch.widget_image import blank_png, widget_png, widget_queries
from sagewatch_evaluation.expressions import ExpressionError

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def minute(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


def series_of(*values: float | None) -> list[tuple[datetime, float]]:
    """A per-minute series from T0; None leaves a gap."""
    return [(minute(i), float(v)) for i, v in enumerate(values) if v is not None]


def no_sleep(_: float) -> None:
    return None


# --- series_to_minutes ---------------------------------------------------------------------


def test_series_to_minutes_puts_points_on_the_grid_with_none_for_gaps() -> None:
    series = MetricSeries("inv", "Invocations", (minute(0), minute(2), minute(3)), (5.0, 7.0, 9.0), "Complete")
    assert series_to_minutes(series, T0, minute(5)) == (5.0, None, 7.0, 9.0, None)


def test_series_to_minutes_rounds_start_down_like_cloudwatch_and_ignores_points_outside() -> None:
    series = MetricSeries(
        "x",
        "x",
        (minute(-1), minute(0), minute(1) + timedelta(seconds=59), minute(3)),
        (1.0, 2.0, 3.0, 4.0),
        "Complete",
    )
    # start 12:00:30 → the grid starts at 12:00; end 12:03:00 is exclusive.
    assert series_to_minutes(series, T0 + timedelta(seconds=30), minute(3)) == (2.0, 3.0, None)


def test_series_to_minutes_newest_point_of_a_slot_wins_and_naive_times_are_utc() -> None:
    naive = T0.replace(tzinfo=None)
    series = MetricSeries(
        "x", "x", (naive + timedelta(seconds=10), naive + timedelta(seconds=40)), (1.0, 2.0), "Complete"
    )
    assert series_to_minutes(series, T0, minute(2)) == (2.0, None)


def test_series_to_minutes_with_five_minute_periods_and_empty_window() -> None:
    series = MetricSeries("x", "x", (minute(5),), (3.0,), "Complete")
    assert series_to_minutes(series, T0, minute(15), period=300) == (None, 3.0, None)
    assert series_to_minutes(series, minute(10), minute(10)) == ()
    with pytest.raises(ValueError, match="period"):
        series_to_minutes(series, T0, minute(1), period=0)


def test_metric_series_rejects_misaligned_values() -> None:
    with pytest.raises(ValueError, match="timestamps"):
        MetricSeries("x", "x", (T0,), (), "Complete")


# --- statistics over stored datapoints -----------------------------------------------------


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 99) == 99.0
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99.9) == 100.0
    assert percentile([7.0], 99) == 7.0
    assert percentile([3.0, 1.0, 2.0], 0) == 1.0


def _datums() -> list[Any]:
    from moto.cloudwatch.models import MetricAggregatedDatum, MetricDatum

    dims = [{"Name": "EndpointName", "Value": "e"}, {"Name": "VariantName", "Value": "v"}]
    raw = [
        MetricDatum("AWS/SageMaker", "ModelLatency", float(v), dims, minute(1), "Microseconds") for v in range(1, 101)
    ]
    other_variant = MetricDatum(
        "AWS/SageMaker", "ModelLatency", 9e9, [dims[0], {"Name": "VariantName", "Value": "w"}], minute(1), None
    )
    other_namespace = MetricDatum("Custom", "ModelLatency", 9e9, dims, minute(1), None)
    stats = MetricAggregatedDatum("AWS/SageMaker", "ModelLatency", 5.0, 500.0, 10, 1000.0, dims, minute(2), None)
    return [*raw, other_variant, other_namespace, stats]


def test_metric_stats_match_namespace_and_the_full_dimension_set() -> None:
    dims = (("VariantName", "v"), ("EndpointName", "e"))  # order does not matter
    queries = [
        metric_query("p99", "AWS/SageMaker", "ModelLatency", dims, "p99"),
        metric_query("avg", "AWS/SageMaker", "ModelLatency", dims, "Average"),
        metric_query("n", "AWS/SageMaker", "ModelLatency", dims, "SampleCount", return_data=False),
        metric_query("us", "AWS/SageMaker", "ModelLatency", dims, "Maximum", unit="Microseconds"),
        expression_query("ms", "p99 / 1000"),
    ]
    results = {r.id: r for r in metric_data_results(_datums(), queries, T0, minute(5))}
    assert results["p99"].points == [(minute(1), 99.0), (minute(2), 500.0)]  # statistic set → its Maximum
    assert results["avg"].points == [(minute(1), 50.5), (minute(2), 100.0)]
    assert results["n"].points == [(minute(1), 100.0), (minute(2), 10.0)]
    assert results["n"].return_data is False
    assert results["us"].points == [(minute(1), 100.0)]  # the statistic set has no unit
    assert results["ms"].points == [(minute(1), 0.099), (minute(2), 0.5)]
    assert results["p99"].label == "ModelLatency"


def test_math_in_get_metric_data_follows_the_documented_gap_rules_and_fills_the_period_grid() -> None:
    dims = (("EndpointName", "e"), ("VariantName", "v"))
    queries = [
        metric_query("n", "AWS/SageMaker", "ModelLatency", dims, "SampleCount", return_data=False),
        expression_query("filled", "FILL(n, 0)"),
        expression_query("plus", "n + FILL(n, 7)"),
        expression_query("constant", "1 + 2"),
    ]
    results = {r.id: r for r in metric_data_results(_datums(), queries, T0, minute(4))}
    # Data at minutes 1 and 2 only; FILL fills every other period of the request (0, 3).
    assert results["filled"].points == [(minute(0), 0.0), (minute(1), 100.0), (minute(2), 10.0), (minute(3), 0.0)]
    # One side missing counts as 0 (CloudWatch User Guide, "Use metric math").
    assert results["plus"].points == [(minute(0), 7.0), (minute(1), 200.0), (minute(2), 20.0), (minute(3), 7.0)]
    assert results["constant"].status == "InternalError" and "time series" in (results["constant"].message or "")


def test_unsupported_statistics_and_bad_references_are_reported_per_query() -> None:
    dims = (("EndpointName", "e"), ("VariantName", "v"))
    queries = [
        metric_query("tm", "AWS/SageMaker", "ModelLatency", dims, "tm99"),
        expression_query("uses_tm", "tm * 2"),
        expression_query("loop", "loop + 1"),
        expression_query("fill", "FILL(tm, 0)"),
    ]
    results = {r.id: r for r in metric_data_results(_datums(), queries, T0, minute(5))}
    assert {r.status for r in results.values()} == {"InternalError"}
    assert "tm99" in (results["tm"].message or "")
    assert "cycle" in (results["loop"].message or "")
    assert results["tm"].response(descending=False)["Messages"][0]["Code"] == "InternalError"


def test_widget_metrics_become_queries_with_dot_shorthand_and_hidden_series() -> None:
    widget = {
        "period": 60,
        "stat": "Sum",
        "metrics": [
            ["AWS/SageMaker", "Invocations", "EndpointName", "e", "VariantName", "v", {"id": "inv", "visible": False}],
            [".", "Invocation5XXErrors", ".", ".", ".", ".", {"id": "err", "visible": False}],
            [{"id": "rate", "expression": "IF(inv > 0, 100 * err / inv)", "label": "5XX %"}],
            ["AWS/SageMaker", "ModelLatency", "EndpointName", "e", "VariantName", "v", {"stat": "p99", "period": 300}],
        ],
    }
    queries = widget_queries(widget)
    assert [q["Id"] for q in queries] == ["inv", "err", "rate", "m4"]
    assert queries[1]["MetricStat"]["Metric"] == {
        "Namespace": "AWS/SageMaker",
        "MetricName": "Invocation5XXErrors",
        "Dimensions": [{"Name": "EndpointName", "Value": "e"}, {"Name": "VariantName", "Value": "v"}],
    }
    assert [q["ReturnData"] for q in queries] == [False, False, True, True]
    assert queries[3]["MetricStat"]["Stat"] == "p99" and queries[3]["MetricStat"]["Period"] == 300


# --- log filter patterns --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "message", "expected"),
    [
        (ERROR_FILTER_PATTERN, "2026-03-01 ERROR model failed", True),
        (ERROR_FILTER_PATTERN, "Traceback (most recent call last):", True),
        (ERROR_FILTER_PATTERN, "torch.cuda.OutOfMemoryError: CUDA out of memory", True),
        (ERROR_FILTER_PATTERN, "INFO request served in 12 ms", False),
        (ERROR_FILTER_PATTERN, "warning: errant value", False),  # case-sensitive: "errant" has no "error"
        ("ERROR -healthcheck", "ERROR healthcheck failed", False),
        ("ERROR -healthcheck", "ERROR model failed", True),
        ('"model failed"', "ERROR model failed", True),
        ('"model failed"', "failed model", False),
        ("ERROR model", "model ERROR", True),
        ("", "anything", True),
    ],
)
def test_log_term_patterns(pattern: str, message: str, expected: bool) -> None:
    assert log_pattern_matches(pattern, message) is expected


def test_structured_log_patterns_are_left_to_moto() -> None:
    assert log_pattern_matches('{ $.level = "ERROR" }', "x") is None
    assert log_pattern_matches("[ip, user]", "x") is None


# --- the PNG writer -------------------------------------------------------------------------


def _decode_png(data: bytes) -> tuple[int, int, bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position = 8
    chunks: dict[bytes, bytes] = {}
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        chunks[kind] = chunks.get(kind, b"") + body
        position += 12 + length
    width, height, depth, color_type = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, color_type) == (8, 2)
    return width, height, zlib.decompress(chunks[b"IDAT"])


def test_the_widget_image_is_a_valid_blank_png_of_the_widgets_size() -> None:
    width, height, rows = _decode_png(
        widget_png({"metrics": [["AWS/SageMaker", "Invocations"]], "width": 300, "height": 120})
    )
    assert (width, height) == (300, 120)
    assert rows == (b"\x00" + b"\xff" * (width * 3)) * height  # white: the series are not drawn


def test_the_widget_image_defaults_to_cloudwatchs_600_by_400() -> None:
    assert _decode_png(widget_png({"metrics": []}))[:2] == (600, 400)
    assert _decode_png(blank_png(10, 5000))[:2] == (50, 2000)  # clamped


@pytest.mark.parametrize(
    "widget",
    [
        {"metrics": [["AWS/SageMaker"]]},  # no metric name
        {"metrics": ["Invocations"]},  # an entry that is not an array
        {"metrics": [], "start": "-PT1H", "end": "-PT2H"},  # ends before it starts
        {"metrics": [], "start": "yesterday"},
    ],
)
def test_a_widget_cloudwatch_could_not_read_is_refused(widget: dict[str, Any]) -> None:
    with pytest.raises(ExpressionError):
        widget_png(widget)


# --- adapters against botocore's Stubber ----------------------------------------------------


def _client(service: str) -> Any:
    return boto3.client(  # type: ignore[call-overload]
        service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


@pytest.fixture
def cloudwatch() -> Iterator[tuple[Any, Stubber]]:
    client = _client("cloudwatch")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def test_metric_pages_are_merged_per_query_in_one_logical_request(cloudwatch: tuple[Any, Stubber]) -> None:
    client, stubber = cloudwatch
    queries = [
        metric_query("inv", "AWS/SageMaker", "Invocations", (("EndpointName", "e"), ("VariantName", "v")), "Sum"),
        expression_query("double", "inv * 2", label="twice"),
    ]
    expected = {
        "MetricDataQueries": queries,
        "StartTime": T0,
        "EndTime": minute(3),
        "ScanBy": "TimestampAscending",
        "MaxDatapoints": 2,
    }
    stubber.add_response(
        "get_metric_data",
        {
            "MetricDataResults": [
                {
                    "Id": "inv",
                    "Label": "Invocations",
                    "Timestamps": [minute(0), minute(1)],
                    "Values": [1.0, 2.0],
                    "StatusCode": "PartialData",
                },
            ],
            "NextToken": "page-2",
        },
        expected,
    )
    stubber.add_response(
        "get_metric_data",
        {
            "MetricDataResults": [
                {
                    "Id": "inv",
                    "Label": "Invocations",
                    "Timestamps": [minute(2)],
                    "Values": [3.0],
                    "StatusCode": "Complete",
                },
                {
                    "Id": "double",
                    "Label": "twice",
                    "Timestamps": [minute(0), minute(1), minute(2)],
                    "Values": [2.0, 4.0, 6.0],
                    "StatusCode": "Complete",
                },
            ],
        },
        {**expected, "NextToken": "page-2"},
    )
    result = MetricsReader(client).get_metric_data(queries, T0, minute(3), max_datapoints=2)
    assert result["inv"].values == (1.0, 2.0, 3.0)
    assert result["inv"].timestamps == (minute(0), minute(1), minute(2))
    assert result["inv"].status == "Complete"
    assert result["double"].label == "twice" and result["double"].latest == 6.0


def test_metric_reader_retries_throttling_and_translates_other_errors(cloudwatch: tuple[Any, Stubber]) -> None:
    client, stubber = cloudwatch
    query = [metric_query("inv", "AWS/SageMaker", "Invocations", (), "Sum")]
    stubber.add_client_error("get_metric_data", service_error_code="Throttling", http_status_code=400)
    stubber.add_response("get_metric_data", {"MetricDataResults": []})
    stubber.add_client_error("get_metric_data", service_error_code="InvalidParameterValue", http_status_code=400)
    reader = MetricsReader(client, sleep=no_sleep)
    assert reader.get_metric_data(query, T0, minute(1)) == {}
    with pytest.raises(AwsCallError) as caught:
        reader.get_metric_data(query, T0, minute(1))
    assert caught.value.code == "InvalidParameterValue"


def test_metric_reader_refuses_more_than_500_queries_and_empty_windows() -> None:
    reader = MetricsReader(object())
    with pytest.raises(ValueError, match="500"):
        reader.get_metric_data([expression_query(f"q{i}", "1") for i in range(501)], T0, minute(1))
    with pytest.raises(ValueError, match="after"):
        reader.get_metric_data([expression_query("q", "1")], T0, T0)
    assert reader.get_metric_data([], T0, minute(1)) == {}


def test_widget_image_sends_the_widget_as_json(cloudwatch: tuple[Any, Stubber]) -> None:
    client, stubber = cloudwatch
    stubber.add_response(
        "get_metric_widget_image",
        {"MetricWidgetImage": b"\x89PNG..."},
        {"MetricWidget": '{"metrics":[["AWS/SageMaker","Invocations"]]}', "OutputFormat": "png"},
    )
    assert MetricsReader(client).get_widget_image({"metrics": [["AWS/SageMaker", "Invocations"]]}) == b"\x89PNG..."


@pytest.fixture
def logs() -> Iterator[tuple[Any, Stubber]]:
    client = _client("logs")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def test_recent_errors_is_one_filtered_call_newest_last(logs: tuple[Any, Stubber]) -> None:
    client, stubber = logs
    expected = {
        "logGroupName": "/aws/sagemaker/Endpoints/fraud",
        "filterPattern": ERROR_FILTER_PATTERN,
        "startTime": int(T0.timestamp() * 1000),
        "endTime": int(minute(10).timestamp() * 1000),
        "limit": 10,
    }
    events = [
        {"timestamp": 3, "message": "ERROR c\n", "logStreamName": "AllTraffic/i-2"},
        {"timestamp": 1, "message": "  ERROR a", "logStreamName": "AllTraffic/i-1"},
        {"timestamp": 2, "message": "ERROR b", "logStreamName": "AllTraffic/i-1"},
        {"timestamp": 4, "message": "   ", "logStreamName": "AllTraffic/i-1"},
    ]
    stubber.add_response("filter_log_events", {"events": events, "nextToken": "more"}, expected)
    assert LogsReader(client).recent_errors("fraud", T0, minute(10), limit=2) == ["ERROR b", "ERROR c"]


def test_recent_errors_of_a_group_that_does_not_exist_is_empty(logs: tuple[Any, Stubber]) -> None:
    client, stubber = logs
    stubber.add_client_error("filter_log_events", service_error_code="ResourceNotFoundException")
    stubber.add_client_error("filter_log_events", service_error_code="AccessDeniedException")
    reader = LogsReader(client)
    assert reader.recent_errors("new", T0, minute(1)) == []
    with pytest.raises(AwsCallError, match="AccessDeniedException"):
        reader.recent_errors("new", T0, minute(1))


def test_email_is_sent_raw_and_returns_the_message_id() -> None:
    client = _client("sesv2")
    with Stubber(client) as stubber:
        stubber.add_response(
            "send_email",
            {"MessageId": "0100-abc"},
            {
                "FromEmailAddress": "alerts@example.com",
                "Destination": {"ToAddresses": ["oncall@example.com"]},
                "Content": {"Raw": {"Data": ANY}},
            },
        )
        sender = EmailSender(client)
        assert sender.send("alerts@example.com", ["oncall@example.com", ""], b"Subject: x\r\n\r\nbody") == "0100-abc"
        with pytest.raises(ValueError, match="recipient"):
            sender.send("alerts@example.com", [], b"x")


# --- secrets --------------------------------------------------------------------------------


def _fake_secrets(monkeypatch: pytest.MonkeyPatch, values: dict[str, Any]) -> None:
    def get_secret(name: str, max_age: int | None = None, **_: Any) -> Any:
        if name not in values:
            raise RuntimeError(f"Secrets Manager can't find the specified secret {name}")
        value = values[name]
        if isinstance(value, Exception):
            raise value
        return value

    # secrets.py calls parameters.get_secret through the module, so this reaches it.
    monkeypatch.setattr(parameters, "get_secret", get_secret)


def test_secret_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_secrets(
        monkeypatch,
        {
            "plain": " https://hooks.slack.com/services/T/B/x \n",
            "json-url": '{"url": "https://hooks.slack.com/services/T/B/y"}',
            "json-webhook": '{"webhook_url": "https://hooks.slack.com/services/T/B/z", "channel": "#a"}',
            "token": "xoxb-1",
            "json-token": '{"token": "xoxb-2"}',
            "binary": b"xoxb-3",
        },
    )
    assert slack_webhook_url("plain") == "https://hooks.slack.com/services/T/B/x"
    assert slack_webhook_url("json-url").endswith("/y")
    assert slack_webhook_url("json-webhook").endswith("/z")
    assert slack_bot_token("token") == "xoxb-1"
    assert slack_bot_token("json-token") == "xoxb-2"
    assert slack_bot_token("binary") == "xoxb-3"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ('{"url": "https://hooks.slack.com/services/SECRET-PART"', "does not parse"),
        ('{"token": "xoxb-SECRET-PART"}', "no webhook URL"),
        ('["SECRET-PART"]', "not an object"),
        ("not-a-url-SECRET-PART", "not an http(s) URL"),
        ("   ", "holds no webhook URL"),
    ],
)
def test_bad_secret_values_are_named_but_never_shown(monkeypatch: pytest.MonkeyPatch, value: str, reason: str) -> None:
    _fake_secrets(monkeypatch, {"sagewatch/slack": value})
    with pytest.raises(SecretUnavailableError) as caught:
        slack_webhook_url("sagewatch/slack")
    assert "sagewatch/slack" in str(caught.value)
    assert reason in str(caught.value)
    assert "SECRET-PART" not in str(caught.value)
    assert caught.value.__cause__ is None


def test_unreadable_secret_names_the_id(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_secrets(monkeypatch, {})
    with pytest.raises(SecretUnavailableError, match="'missing/secret'"):
        secrets.read_secret("missing/secret")


# --- Slack errors ---------------------------------------------------------------------------


def test_slack_delivery_error_says_what_happened_and_whether_to_retry() -> None:
    limited = SlackDeliveryError(429, "rate_limited", 30.0)
    assert str(limited) == "Slack answered 429: rate_limited (retry after 30 s)"
    assert limited.retryable
    assert not SlackDeliveryError(400, "invalid_blocks").retryable
    assert SlackDeliveryError(0, "URLError: refused").retryable
    assert str(SlackDeliveryError(0, "URLError: refused")) == "Slack unreachable: URLError: refused"


def test_pagerduty_and_teams_secrets_take_the_plain_value_or_a_json_object(monkeypatch: pytest.MonkeyPatch) -> None:
    from sagewatch.adapters.secrets_manager import pagerduty_routing_key, teams_webhook_url

    key = "R0UT1NGKEY0123456789ABCDEFGHIJKL"
    url = "https://prod-00.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=SECRET-PART"
    _fake_secrets(
        monkeypatch,
        {
            "pd-plain": key,
            "pd-json": json.dumps({"routing_key": key}),
            "pd-blank": "R0UT1NG KEY",
            "teams-plain": url,
            "teams-json": json.dumps({"url": url}),
            "teams-bad": "ftp://SECRET-PART",
        },
    )
    assert pagerduty_routing_key("pd-plain") == pagerduty_routing_key("pd-json") == key
    assert teams_webhook_url("teams-plain") == teams_webhook_url("teams-json") == url
    with pytest.raises(SecretUnavailableError, match=r"pd-blank.*blanks"):
        pagerduty_routing_key("pd-blank")
    with pytest.raises(SecretUnavailableError) as caught:
        teams_webhook_url("teams-bad")
    assert "SECRET-PART" not in str(caught.value) and "not an http(s) URL" in str(caught.value)
