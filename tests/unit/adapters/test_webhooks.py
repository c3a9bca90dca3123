"""The urllib JSON POST PagerDuty and Teams are sent with: what is retried, how long it waits
(the injected sleep), and that no secret part of a URL reaches an error."""

from __future__ import annotations

import io
import json
import urllib.error
from email.message import Message
from typing import Any

import pytest

from sagewatch.adapters.pagerduty import PagerDutySender
from sagewatch.adapters.teams import TeamsSender
from sagewatch.adapters.webhooks import JsonPoster
from sagewatch.core.alerting.delivery_errors import WebhookDeliveryError

URL = "https://example.invalid/workflows/abc/triggers/manual/paths/invoke?sig=TOPSECRET"


class Response:
    def __init__(self, status: int, body: bytes = b"") -> None:
        self.status = status
        self._body = body

    def read(self, limit: int = -1) -> bytes:
        return self._body

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def http_error(status: int, body: str = "", retry_after: str | None = None) -> urllib.error.HTTPError:
    headers = Message()
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    return urllib.error.HTTPError(URL, status, "error", headers, io.BytesIO(body.encode()))


class Opener:
    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.requests: list[Any] = []

    def __call__(self, request: Any, timeout: float) -> Response:
        assert timeout == 2.0
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer  # type: ignore[no-any-return]


def poster(opener: Opener, slept: list[float], **options: Any) -> JsonPoster:
    return JsonPoster("Teams", accepted={202}, sleep=slept.append, timeout=2.0, opener=opener, **options)


def test_429_and_5xx_are_retried_after_retry_after_or_a_bounded_backoff() -> None:
    slept: list[float] = []
    opener = Opener(http_error(429, retry_after="3"), http_error(503), http_error(502), Response(202))
    answer = poster(opener, slept, attempts=4, backoff=0.5, max_backoff=8.0).post(URL, b"{}")
    assert answer.status == 202 and slept == [3.0, 1.0, 2.0]
    assert opener.requests[0].get_header("Content-type") == "application/json; charset=utf-8"


def test_a_long_retry_after_is_capped() -> None:
    slept: list[float] = []
    poster(Opener(http_error(429, retry_after="600"), Response(202)), slept, max_backoff=8.0).post(URL, b"{}")
    assert slept == [8.0]


def test_a_400_is_not_retried_and_no_secret_is_in_the_error() -> None:
    slept: list[float] = []
    opener = Opener(http_error(400, f"bad request for {URL}"))
    with pytest.raises(WebhookDeliveryError) as raised:
        poster(opener, slept).post(URL, b"{}")
    assert raised.value.status == 400 and not raised.value.retryable and slept == []
    assert "TOPSECRET" not in str(raised.value) and "<redacted>" in str(raised.value)


def test_a_network_failure_is_retried_then_reported_without_the_url() -> None:
    slept: list[float] = []
    failure = urllib.error.URLError(f"timed out reaching {URL}")
    with pytest.raises(WebhookDeliveryError) as raised:
        poster(Opener(failure, failure), slept, attempts=2).post(URL, b"{}")
    assert raised.value.status == 0 and raised.value.retryable and len(slept) == 1
    assert "TOPSECRET" not in str(raised.value)


def test_an_unexpected_success_status_is_an_error() -> None:
    with pytest.raises(WebhookDeliveryError) as raised:
        poster(Opener(Response(200)), []).post(URL, b"{}")
    assert raised.value.status == 200


def test_no_wait_or_request_beyond_the_time_left() -> None:
    slept: list[float] = []
    with pytest.raises(WebhookDeliveryError):
        poster(Opener(http_error(503)), slept).post(URL, b"{}", time_left=lambda: 2.4)
    assert slept == []  # a 0.5 s backoff and a 2 s request do not fit in 2.4 s
    with pytest.raises(WebhookDeliveryError) as raised:
        poster(Opener(), slept).post(URL, b"{}", time_left=lambda: 1.0)
    assert raised.value.retryable


def test_pagerduty_checks_the_202_and_adds_the_routing_key_only_to_the_request() -> None:
    opener = Opener(Response(202, json.dumps({"status": "success", "dedup_key": "k1"}).encode()))
    sender = PagerDutySender(sleep=lambda s: None, events_url="https://events.invalid/v2/enqueue", timeout=2.0)
    sender._poster = JsonPoster("PagerDuty", accepted={202}, sleep=lambda s: None, timeout=2.0, opener=opener)
    body = {"event_action": "resolve", "dedup_key": "k1"}
    assert sender.enqueue("R" * 32, body) == "k1"
    sent = json.loads(opener.requests[0].data)
    assert sent == {"routing_key": "R" * 32, **body} and "routing_key" not in body


def test_teams_takes_202_from_a_workflow() -> None:
    opener = Opener(Response(202))
    sender = TeamsSender(sleep=lambda s: None, timeout=2.0)
    sender._poster = JsonPoster("Teams", accepted={200, 202}, sleep=lambda s: None, timeout=2.0, opener=opener)
    sender.post(URL, {"type": "message", "attachments": []})
    assert json.loads(opener.requests[0].data)["type"] == "message"
