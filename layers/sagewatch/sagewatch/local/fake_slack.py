"""A fake Slack on 127.0.0.1: incoming webhooks and the chat.postMessage Web API.

It records what the product posts, answers like Slack does, and sends nothing anywhere.

- ``POST /services/<T>/<B>/<secret>`` (incoming webhook) → ``200 ok`` (text), or
  ``400 invalid_payload`` / ``400 no_text`` like Slack.
- ``POST /api/chat.postMessage`` (bot token, JSON or form body) →
  ``{"ok": true, "channel": ..., "ts": ..., "message": {...}}``; other ``/api/<method>`` →
  ``{"ok": false, "error": "unknown_method"}``.

Later behaviour (rate limits with ``429 Retry-After``, fault injection, Block Kit validation)
plugs in as *policies*: callables that see each :class:`SlackPost` before it is accepted and
may answer in Slack's place (see :class:`SlackPolicy`). A rejected post is kept in
``requests`` but not in ``messages``.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

__all__ = ["FakeSlack", "SlackPolicy", "SlackPost", "SlackReply"]


@dataclass(frozen=True)
class SlackPost:
    """One request received. ``api`` is ``"webhook"`` or the Web API method name."""

    api: str
    path: str
    channel: str | None
    body: dict[str, Any]
    headers: dict[str, str]
    received_at: float


@dataclass(frozen=True)
class SlackReply:
    """What the fake answers: status, headers and a body (dict → JSON, str → text/plain)."""

    status: int
    body: dict[str, Any] | str
    headers: dict[str, str] = field(default_factory=dict)


SlackPolicy = Callable[[SlackPost], SlackReply | None]
"""Sees a post before it is accepted; returns a reply to reject it (e.g. 429), or None."""


@dataclass(frozen=True)
class _Recorded:
    post: SlackPost
    reply: SlackReply
    accepted: bool


class FakeSlack:
    """A threaded HTTP server that behaves like the parts of Slack that SageWatch uses."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host = host
        self._port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._records: list[_Recorded] = []
        self._ts = itertools.count(1)
        self.policies: list[SlackPolicy] = []

    # -- lifecycle --

    def start(self) -> FakeSlack:
        if self._server is not None:
            raise RuntimeError("FakeSlack is already running")
        handler = _make_handler(self)
        self._server = ThreadingHTTPServer((self._host, self._port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-slack", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- addresses --

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeSlack is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def webhook_url(self, channel: str = "alerts") -> str:
        """An incoming-webhook URL; its last path segment names the channel it posts to."""
        return f"{self.base_url}/services/T00000000/B00000000/{channel}"

    @property
    def api_url(self) -> str:
        """The Web API base URL, for ``slack_sdk.WebClient(base_url=...)``."""
        return f"{self.base_url}/api/"

    # -- what was received --

    @property
    def requests(self) -> list[SlackPost]:
        """Every post received, accepted or not."""
        with self._lock:
            return [record.post for record in self._records]

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The JSON bodies of accepted posts, in arrival order."""
        with self._lock:
            return [record.post.body for record in self._records if record.accepted]

    def mark(self) -> int:
        """A position in the record, for :meth:`messages_since`."""
        with self._lock:
            return len(self._records)

    def messages_since(self, mark: int) -> list[dict[str, Any]]:
        with self._lock:
            return [record.post.body for record in self._records[mark:] if record.accepted]

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    # -- behaviour --

    def handle(self, post: SlackPost) -> SlackReply:
        """Answer one post: policies first, then Slack's own validation."""
        reply: SlackReply | None = None
        for policy in list(self.policies):
            reply = policy(post)
            if reply is not None:
                break
        accepted = False
        if reply is None:
            reply = self._answer(post)
            accepted = reply.status == 200 and (
                reply.body == "ok" or (isinstance(reply.body, dict) and reply.body.get("ok") is True)
            )
        with self._lock:
            self._records.append(_Recorded(post=post, reply=reply, accepted=accepted))
        return reply

    def _answer(self, post: SlackPost) -> SlackReply:
        if post.api == "webhook":
            if not post.body:
                return SlackReply(400, "invalid_payload")
            if not post.body.get("text") and not post.body.get("blocks") and not post.body.get("attachments"):
                return SlackReply(400, "no_text")
            return SlackReply(200, "ok")
        if post.api == "chat.postMessage":
            if not post.body.get("channel"):
                return SlackReply(200, {"ok": False, "error": "channel_not_found"})
            if not post.body.get("text") and not post.body.get("blocks") and not post.body.get("attachments"):
                return SlackReply(200, {"ok": False, "error": "no_text"})
            ts = f"{int(post.received_at)}.{next(self._ts):06d}"
            message = {"type": "message", "text": post.body.get("text", ""), "ts": ts}
            if "thread_ts" in post.body:
                message["thread_ts"] = post.body["thread_ts"]
            return SlackReply(200, {"ok": True, "channel": post.body["channel"], "ts": ts, "message": message})
        return SlackReply(200, {"ok": False, "error": "unknown_method"})


def _make_handler(slack: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "FakeSlack/1"

        def log_message(self, format: str, *args: Any) -> None:
            """Silent: the record is the log."""

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8", errors="replace")
            path = self.path.split("?", 1)[0]
            if path.startswith("/services/"):
                api, channel = "webhook", path.rstrip("/").rsplit("/", 1)[-1]
            elif path.startswith("/api/"):
                api, channel = path[len("/api/") :], None
            else:
                self._send(SlackReply(404, "not_found"))
                return
            body = _parse_body(raw, self.headers.get("Content-Type", ""))
            if api != "webhook":
                channel = str(body.get("channel")) if body.get("channel") else None
            post = SlackPost(
                api=api,
                path=path,
                channel=channel,
                body=body,
                headers={k.lower(): v for k, v in self.headers.items()},
                received_at=time.time(),
            )
            self._send(slack.handle(post))

        def _send(self, reply: SlackReply) -> None:
            if isinstance(reply.body, dict):
                payload = json.dumps(reply.body).encode()
                content_type = "application/json; charset=utf-8"
            else:
                payload = reply.body.encode()
                content_type = "text/plain; charset=utf-8"
            self.send_response(reply.status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)

    return Handler


def _parse_body(raw: str, content_type: str) -> dict[str, Any]:
    """JSON bodies as they are; form bodies (``payload=`` or fields) as a dict."""
    if "application/x-www-form-urlencoded" in content_type:
        fields = dict(parse_qsl(raw))
        if "payload" in fields:
            raw = fields["payload"]
        else:
            return {k: _maybe_json(v) for k, v in fields.items()}
    try:
        value = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _maybe_json(value: str) -> Any:
    """Form-encoded Web API calls send blocks/attachments as JSON strings."""
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value
