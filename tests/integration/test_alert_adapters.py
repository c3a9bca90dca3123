"""The alert path's adapters against the emulated account: real boto3 and slack_sdk calls on 127.0.0.1.

Three emulator gaps are covered by extensions (sagewatch_emulator/cloudwatch/), named
where they matter: GetMetricData with ``p99`` crashes in moto and its metric math returns no
values; GetMetricWidgetImage is not implemented; FilterLogEvents ignores ``?term`` patterns.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from aws_lambda_powertools.utilities import parameters
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from sagewatch.adapters.aws import client
from sagewatch.adapters.cloudwatch.alert_metrics import MetricsReader, series_to_minutes
from sagewatch.adapters.cloudwatch_logs import LogsReader
from sagewatch.adapters.secrets_manager import SecretUnavailableError, read_secret, slack_bot_token, slack_webhook_url
from sagewatch.adapters.ses import EmailSender
from sagewatch.adapters.slack import SlackBotSender, SlackDeliveryError, SlackWebhookSender
from sagewatch.core.alerting.metric_queries import expression_query, metric_query
from sagewatch.core.shared.errors import AwsCallError
from sagewatch_emulator import EmulatedAccount, SlackPost, SlackReply

pytestmark = pytest.mark.integration

ENDPOINT = "fraud-scorer"
DIMENSIONS = {"EndpointName": ENDPOINT, "VariantName": "AllTraffic"}
DIMS = tuple(DIMENSIONS.items())
NS = "AWS/SageMaker"


def counted(service: str, operation: str) -> tuple[Any, list[str]]:
    """A runtime client (adapters.aws.client) whose calls of ``operation`` are counted."""
    made = client(service)
    seen: list[str] = []
    made.meta.events.register(
        f"before-call.{made.meta.service_model.service_id.hyphenize()}.{operation}", lambda **_: seen.append(operation)
    )
    return made, seen


@pytest.fixture
def window() -> tuple[datetime, datetime, datetime]:
    """(start, last full minute, end): six minutes of data ending at the last full minute."""
    last = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
    return last - timedelta(minutes=10), last, last + timedelta(minutes=1)


# --- metrics -----------------------------------------------------------------------------------


def test_one_get_metric_data_reads_p99_latency_counts_and_the_error_rate(
    account: EmulatedAccount, window: tuple[datetime, datetime, datetime]
) -> None:
    start, last, end = window
    # Gap covered: moto answers 500 for Stat "p99" and returns no values for metric math.
    account.put_metric_series(NS, "Invocations", DIMENSIONS, [10, 0, 20, 40, 8, 50], end=last, unit="Count")
    account.put_metric_series(NS, "Invocation5XXErrors", DIMENSIONS, [1, 0, 5, 0, 2, 10], end=last, unit="Count")
    account.put_metric_series(
        NS, "ModelLatency", DIMENSIONS, [120_000, 90_000, 250_000, 80_000, 70_000], end=last - timedelta(minutes=1)
    )
    # The last minute carries a distribution: 1..100 ms (in µs), one slow outlier repeated.
    account.client("cloudwatch").put_metric_data(
        Namespace=NS,
        MetricData=[
            {
                "MetricName": "ModelLatency",
                "Dimensions": [{"Name": k, "Value": v} for k, v in DIMENSIONS.items()],
                "Timestamp": last + timedelta(seconds=20),
                "Values": [float(ms * 1000) for ms in range(1, 100)] + [5_000_000.0],
                "Counts": [1.0] * 99 + [1.0],
                "Unit": "Microseconds",
            }
        ],
    )
    # Another variant and another namespace with the same names must not leak in.
    account.put_metric_series(NS, "Invocations", {**DIMENSIONS, "VariantName": "Canary"}, [999], end=last)
    account.put_metric_series("Custom/Other", "Invocations", DIMENSIONS, [999], end=last)

    cloudwatch, calls = counted("cloudwatch", "GetMetricData")
    queries = [
        metric_query("lat", NS, "ModelLatency", DIMS, "p99", label="ModelLatency p99"),
        metric_query("inv", NS, "Invocations", DIMS, "Sum"),
        metric_query("err", NS, "Invocation5XXErrors", DIMS, "Sum"),
        expression_query("rate", "IF(inv > 0, 100 * err / inv)", label="5XX %"),
    ]
    series = MetricsReader(cloudwatch).get_metric_data(queries, start, end)

    assert calls == ["GetMetricData"]
    assert set(series) == {"lat", "inv", "err", "rate"}
    assert {s.status for s in series.values()} == {"Complete"}
    minutes = [last - timedelta(minutes=5 - i) for i in range(6)]
    assert series["inv"].timestamps == tuple(minutes)
    assert series["inv"].values == (10.0, 0.0, 20.0, 40.0, 8.0, 50.0)
    assert series["err"].values == (1.0, 0.0, 5.0, 0.0, 2.0, 10.0)
    # p99 of one sample is the sample; of 1..99 ms + one 5 s outlier (100 samples) it is 99 ms.
    assert series["lat"].values == (120_000.0, 90_000.0, 250_000.0, 80_000.0, 70_000.0, 99_000.0)
    assert series["lat"].label == "ModelLatency p99"
    # IF without else: the minute with no invocations has no datapoint (not 0, not a division error).
    assert series["rate"].timestamps == (minutes[0], *minutes[2:])
    assert series["rate"].values == (10.0, 25.0, 0.0, 25.0, 20.0)
    assert series_to_minutes(series["rate"], start, end)[-6:] == (10.0, None, 25.0, 0.0, 25.0, 20.0)
    assert series_to_minutes(series["inv"], start, end)[:5] == (None,) * 5


def test_metric_data_errors_become_aws_call_errors(account: EmulatedAccount) -> None:
    account.inject_fault("cloudwatch", "GetMetricData", code="AccessDenied", message="not allowed")
    now = datetime.now(UTC)
    with pytest.raises(AwsCallError) as caught:
        MetricsReader(client("cloudwatch")).get_metric_data(
            [metric_query("inv", NS, "Invocations", DIMS, "Sum")], now - timedelta(hours=1), now
        )
    assert caught.value.code == "AccessDenied"


def test_widget_image_is_a_png_of_the_requested_size(
    account: EmulatedAccount, window: tuple[datetime, datetime, datetime]
) -> None:
    # Gap covered: moto has no GetMetricWidgetImage; the extension draws the series itself.
    _, last, _ = window
    account.put_metric_series(NS, "Invocations", DIMENSIONS, [3, 9, 4, 12, 7], end=last)
    widget = {
        "metrics": [[NS, "Invocations", "EndpointName", ENDPOINT, "VariantName", "AllTraffic", {"stat": "Sum"}]],
        "period": 60,
        "start": "-PT15M",
        "end": "P0D",
        "width": 600,
        "height": 250,
        "title": "Invocations",
    }
    cloudwatch, calls = counted("cloudwatch", "GetMetricWidgetImage")
    image = MetricsReader(cloudwatch).get_widget_image(widget)
    assert image.startswith(b"\x89PNG\r\n\x1a\n")
    assert struct.unpack(">II", image[16:24]) == (600, 250)
    assert calls == ["GetMetricWidgetImage"]


# --- logs --------------------------------------------------------------------------------------


def test_recent_errors_returns_only_error_lines_in_order(account: EmulatedAccount) -> None:
    # Gap covered: moto's FilterLogEvents matched every line for "?ERROR ?Exception …" patterns.
    group = f"/aws/sagemaker/Endpoints/{ENDPOINT}"
    now = datetime.now(UTC)
    account.put_log_lines(
        group,
        [
            "INFO loading model",
            "ERROR CUDA error: device-side assert",
            "INFO served 200",
            "  Traceback (most recent)  ",
        ],
        at=now - timedelta(seconds=30),
    )
    account.put_log_lines(
        group,
        ["RuntimeError: boom Exception", "WARN slow request", "torch OOM killer invoked"],
        stream="AllTraffic/i-0fedcba9876543210",
        at=now - timedelta(seconds=10),
    )
    account.put_log_lines(group, ["ERROR long ago"], at=now - timedelta(hours=3))
    account.put_log_lines(f"/aws/sagemaker/Endpoints/{ENDPOINT}-other", ["ERROR other endpoint"], at=now)

    logs, calls = counted("logs", "FilterLogEvents")
    reader = LogsReader(logs)
    errors = reader.recent_errors(ENDPOINT, now - timedelta(minutes=5), now)
    assert errors == [
        "ERROR CUDA error: device-side assert",
        "Traceback (most recent)",
        "RuntimeError: boom Exception",
        "torch OOM killer invoked",
    ]
    assert reader.recent_errors(ENDPOINT, now - timedelta(minutes=5), now, limit=2) == errors[-2:]
    assert calls == ["FilterLogEvents", "FilterLogEvents"]


def test_recent_errors_of_an_endpoint_that_never_logged_is_empty(account: EmulatedAccount) -> None:
    now = datetime.now(UTC)
    assert LogsReader(client("logs")).recent_errors("never-logged", now - timedelta(minutes=5), now) == []


# --- email -------------------------------------------------------------------------------------


def test_raw_mime_email_is_delivered(account: EmulatedAccount) -> None:
    account.verify_email_identity("sagewatch@example.com")
    message = EmailMessage()
    message["Subject"] = "ALARM: fraud-scorer 5XX errors"
    message["From"] = "sagewatch@example.com"
    message["To"] = "oncall@example.com"
    message.set_content("5XX rate 25 % > 5 %")
    message.add_alternative('<p>5XX rate <b>25 %</b></p><img src="cid:chart">', subtype="html")
    html = message.get_body(("html",))
    assert isinstance(html, EmailMessage)
    html.add_related(b"\x89PNG\r\n\x1a\nfake", maintype="image", subtype="png", cid="<chart>", filename="chart.png")

    sesv2, calls = counted("sesv2", "SendEmail")
    message_id = EmailSender(sesv2).send("sagewatch@example.com", ["oncall@example.com"], message.as_bytes())

    assert message_id
    assert calls == ["SendEmail"]
    (sent,) = account.emails
    assert sent["subject"] == "ALARM: fraud-scorer 5XX errors"
    assert sent["to"] == ["oncall@example.com"]
    assert "25 %" in (sent["text"] or "") and "<b>25 %</b>" in (sent["html"] or "")
    assert [a["content_id"] for a in sent["attachments"]] == ["chart"]


def test_email_from_an_unverified_sender_is_an_aws_call_error(account: EmulatedAccount) -> None:
    with pytest.raises(AwsCallError) as caught:
        EmailSender(client("sesv2")).send("nobody@example.com", ["oncall@example.com"], b"Subject: x\r\n\r\nx")
    assert caught.value.operation == "SendEmail"


# --- Slack -------------------------------------------------------------------------------------


def fast_retries() -> list[Any]:
    quick = FixedValueRetryIntervalCalculator(0.01)
    return [
        RateLimitErrorRetryHandler(max_retry_count=0),
        ConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=quick),
        ServerErrorRetryHandler(max_retry_count=2, interval_calculator=quick),
    ]


def test_webhook_message_reaches_slack(account: EmulatedAccount) -> None:
    payload = {"text": "ALARM fraud-scorer", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*x*"}}]}
    SlackWebhookSender().send(account.slack_url, payload)
    assert account.slack_messages == [payload]


def test_webhook_server_errors_are_retried_then_raised_without_the_url(
    account: EmulatedAccount, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(post: SlackPost) -> SlackReply:
        return SlackReply(500, "internal_error")

    account.slack.policies.append(broken)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SlackDeliveryError) as caught:
        SlackWebhookSender(retry_handlers=fast_retries()).send(account.slack_url, {"text": "x"})
    assert "/services/" not in caplog.text  # slack_sdk logs URLs at DEBUG/INFO: its logger is kept quiet
    assert caught.value.status == 500
    assert caught.value.body == "internal_error"
    assert caught.value.retryable
    assert account.slack_url not in str(caught.value)
    assert "T00000000" not in str(caught.value) and "services" not in str(caught.value)
    assert len(account.slack.requests) == 3  # the first try and two retries
    assert account.slack_messages == []


def test_webhook_rate_limit_carries_retry_after(account: EmulatedAccount) -> None:
    account.slack.policies.append(lambda post: SlackReply(429, "rate_limited", {"Retry-After": "7"}))
    with pytest.raises(SlackDeliveryError) as caught:
        SlackWebhookSender(retry_handlers=fast_retries()).send(account.slack_url, {"text": "x"})
    assert (caught.value.status, caught.value.retry_after) == (429, 7.0)


def test_webhook_payload_errors_are_not_retried(account: EmulatedAccount) -> None:
    with pytest.raises(SlackDeliveryError) as caught:
        SlackWebhookSender(retry_handlers=fast_retries()).send(account.slack_url, {"username": "no text"})
    assert (caught.value.status, caught.value.body, caught.value.retryable) == (400, "no_text", False)
    assert len(account.slack.requests) == 1


def test_bot_posts_return_ts_for_threading(account: EmulatedAccount) -> None:
    # About threading, not pacing: the fake's 1 message/s/channel limit (tested in
    # test_delivery_faults) would answer the immediate reply with 429.
    account.slack.rate_limit_interval = None
    sender = SlackBotSender(base_url=account.slack_api_url, retry_handlers=fast_retries())
    ts = sender.post("xoxb-test-token", "C0ALERTS", {"text": "ALARM fraud-scorer"})
    reply_ts = sender.post("xoxb-test-token", "C0ALERTS", {"text": "OK fraud-scorer"}, thread_ts=ts)
    assert ts and reply_ts != ts
    first, reply = account.slack_messages
    assert first["channel"] == "C0ALERTS" and "thread_ts" not in first
    assert reply["thread_ts"] == ts
    with pytest.raises(SlackDeliveryError) as caught:
        sender.post("xoxb-test-token", "", {"text": "x"})
    assert "channel_not_found" in str(caught.value) and "xoxb-test-token" not in str(caught.value)


def test_chart_uploads_need_a_channel_id_like_slack(account: EmulatedAccount) -> None:
    # files.completeUploadExternal takes "channel_id — Channel ID where the file will be shared";
    # files_upload_v2 with a channel name answers channel_not_found (slackapi/python-slack-sdk
    # #1326, #1359), which is why SAGEWATCH_SLACK_CHANNEL must be an ID (config.py).
    account.slack.rate_limit_interval = None
    sender = SlackBotSender(base_url=account.slack_api_url, retry_handlers=fast_retries())
    with pytest.raises(SlackDeliveryError) as caught:
        sender.upload("xoxb-test-token", "#alerts", b"\x89PNG", filename="chart.png", title="chart")
    assert "channel_not_found" in str(caught.value)
    assert account.slack.uploads == []
    sender.upload("xoxb-test-token", "C0ALERTS", b"\x89PNG", filename="chart.png", title="chart")
    assert [upload["channel"] for upload in account.slack.uploads] == ["C0ALERTS"]


# --- secrets -----------------------------------------------------------------------------------


@pytest.fixture
def fresh_secret_cache() -> Iterator[None]:
    """Powertools caches its provider (and a client bound to the previous account's port)."""
    parameters.clear_caches()  # type: ignore[no-untyped-call]
    yield
    parameters.clear_caches()  # type: ignore[no-untyped-call]


def test_secrets_in_plain_and_json_form(account: EmulatedAccount, fresh_secret_cache: None) -> None:
    manager = account.client("secretsmanager")
    manager.create_secret(Name="sagewatch/slack-webhook", SecretString=account.slack_url)
    manager.create_secret(Name="sagewatch/slack-json", SecretString=f'{{"webhook_url": "{account.slack_url}"}}')
    manager.create_secret(Name="sagewatch/slack-bot", SecretString='{"token": "xoxb-from-json"}')

    assert read_secret("sagewatch/slack-webhook") == account.slack_url
    assert slack_webhook_url("sagewatch/slack-webhook") == account.slack_url
    assert slack_webhook_url("sagewatch/slack-json") == account.slack_url
    assert slack_bot_token("sagewatch/slack-bot") == "xoxb-from-json"

    # Cached for max_age (across invocations of a warm Lambda): a rotation shows up once it expires.
    manager.put_secret_value(SecretId="sagewatch/slack-webhook", SecretString="https://rotated.example/hook")
    assert slack_webhook_url("sagewatch/slack-webhook") == account.slack_url
    parameters.clear_caches()  # type: ignore[no-untyped-call]
    assert slack_webhook_url("sagewatch/slack-webhook") == "https://rotated.example/hook"


def test_missing_or_broken_secrets_name_the_id_never_a_value(
    account: EmulatedAccount, fresh_secret_cache: None
) -> None:
    manager = account.client("secretsmanager")
    manager.create_secret(Name="sagewatch/broken", SecretString='{"url": "https://hooks.example/SECRET-VALUE"')

    with pytest.raises(SecretUnavailableError) as missing:
        read_secret("sagewatch/does-not-exist")
    assert "sagewatch/does-not-exist" in str(missing.value)
    assert "ResourceNotFoundException" in str(missing.value)

    with pytest.raises(SecretUnavailableError) as broken:
        slack_webhook_url("sagewatch/broken")
    assert "sagewatch/broken" in str(broken.value)
    assert "SECRET-VALUE" not in str(broken.value) and "hooks.example" not in str(broken.value)


# --- the extensions leave with the account -------------------------------------------------------


def test_cloudwatch_extensions_are_removed_when_the_account_closes() -> None:
    from moto.cloudwatch.models import CloudWatchBackend
    from moto.cloudwatch.responses import CloudWatchResponse
    from moto.logs.utils import EventMessageFilter

    originals = (CloudWatchBackend.get_metric_data, EventMessageFilter.matches)
    assert "get_metric_widget_image" not in CloudWatchResponse.__dict__
    with EmulatedAccount(provision=False) as account:
        assert CloudWatchBackend.get_metric_data is not originals[0]
        assert EventMessageFilter.matches is not originals[1]
        assert "get_metric_widget_image" in CloudWatchResponse.__dict__
        assert any(name.startswith("cloudwatch: GetMetricData") for name in account._extensions.installed)
    assert (CloudWatchBackend.get_metric_data, EventMessageFilter.matches) == originals
    assert "get_metric_widget_image" not in CloudWatchResponse.__dict__


def test_a_secret_read_in_one_account_does_not_leak_into_the_next() -> None:
    # Powertools caches providers and values process-wide; each account starts with an empty cache.
    for value in ("https://first.example/hook", "https://second.example/hook"):
        with EmulatedAccount(provision=False) as account:
            account.client("secretsmanager").create_secret(Name="sagewatch/slack", SecretString=value)
            assert slack_webhook_url("sagewatch/slack") == value
