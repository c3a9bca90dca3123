"""A fake Slack on 127.0.0.1: incoming webhooks and the chat.postMessage Web API.

It records what the product posts, answers like Slack does, and sends nothing anywhere.

- ``POST /services/<T>/<B>/<secret>`` (incoming webhook) → ``200 ok`` (text), or
  ``400 invalid_payload`` / ``400 no_text`` like Slack.
- ``POST /api/chat.postMessage`` (bot token, JSON or form body) →
  ``{"ok": true, "channel": ..., "ts": ..., "message": {...}}``; other ``/api/<method>`` →
  ``{"ok": false, "error": "unknown_method"}``.

- ``POST /api/files.getUploadURLExternal`` → ``upload_url`` on the fake itself and a
  ``file_id``; ``POST /upload/<file_id>`` takes the bytes; ``POST /api/files.completeUploadExternal``
  shares the files in ``channel_id`` (and ``thread_ts``) — what ``files_upload_v2`` calls.
  ``uploads`` lists the completed ones.

Like Slack:

- **Rate limit**: at most one message per ``rate_limit_interval`` seconds (default 1.0) per
  channel (webhook or ``chat.postMessage``/``files.completeUploadExternal`` channel); beyond that
  ``429`` with a ``Retry-After`` header. ``rate_limit_interval=None`` switches it off.
  ``peak_per_second()`` reports the most accepted messages seen in any one-second window.
- **Block Kit**: ``blocks`` are checked with ``core.render_slack.validate_slack_message``
  (a missing top-level ``text`` is not an error for Slack) → ``invalid_blocks``.
- **Faults**: :meth:`FakeSlack.inject_faults` answers a seeded-random share of posts with
  5xx, 429, a timeout (no answer until the client gives up) or a connection reset — never
  accepting the message — or fails the posts a predicate picks.

Further behaviour plugs in as *policies*: callables that see each :class:`SlackPost` before it
is accepted and may answer in Slack's place (see :class:`SlackPolicy`). A rejected post is
kept in ``requests`` but not in ``messages``.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import random
import re
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl

from sagewatch_emulator.http_fake import LoopbackServer
from sagewatch_emulator.slack_blocks import validate_slack_message

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
    fault: str | None = None  # "timeout" (hang, then close), "reset" (RST, no answer), "injected" (answered)
    hang_seconds: float = 0.0


SlackPolicy = Callable[[SlackPost], SlackReply | None]
"""Sees a post before it is accepted; returns a reply to reject it (e.g. 429), or None."""


@dataclass(frozen=True)
class _Recorded:
    post: SlackPost
    reply: SlackReply
    accepted: bool


class FakeSlack:
    """A threaded HTTP server that behaves like the parts of Slack that SageWatch uses."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, rate_limit_interval: float | None = 1.0) -> None:
        self._loopback = LoopbackServer(host, port, name="fake-slack")
        self.rate_limit_interval = rate_limit_interval
        self._last_accepted: dict[str, float] = {}
        self._files: dict[str, dict[str, Any]] = {}
        self.uploads: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._records: list[_Recorded] = []
        self._ts = itertools.count(1)
        self.policies: list[SlackPolicy] = []

    # -- lifecycle --

    def start(self) -> FakeSlack:
        self._loopback.start(_make_handler(self))
        return self

    def stop(self) -> None:
        self._loopback.stop()

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- addresses --

    @property
    def base_url(self) -> str:
        return self._loopback.base_url

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

    def replies(self) -> list[tuple[SlackPost, SlackReply, bool]]:
        """(post, reply, accepted) of every request, in arrival order."""
        with self._lock:
            return [(r.post, r.reply, r.accepted) for r in self._records]

    def peak_per_second(self) -> dict[str, int]:
        """Per channel, the most messages accepted within any one second."""
        by_channel: dict[str, list[float]] = {}
        for post, _reply, accepted in self.replies():
            if accepted and post.api in _MESSAGE_APIS and post.channel:
                by_channel.setdefault(post.channel, []).append(post.received_at)
        peaks: dict[str, int] = {}
        for channel, times in by_channel.items():
            times.sort()
            best, start = 0, 0
            for end, at in enumerate(times):
                while at - times[start] >= 1.0:
                    start += 1
                best = max(best, end - start + 1)
            peaks[channel] = best
        return peaks

    def inject_faults(
        self,
        *,
        rate: float = 0.0,
        seed: int = 0,
        kinds: tuple[str, ...] = ("500", "503", "429", "timeout", "reset"),
        when: Callable[[SlackPost], bool] | None = None,
        timeout_seconds: float = 1.0,
        retry_after: int = 1,
    ) -> SlackPolicy:
        """Fail a seeded-random ``rate`` of message posts (or every post ``when`` picks) with one
        of ``kinds``; returns the policy (remove it from ``policies`` to stop). Never accepts."""
        rng = random.Random(seed)  # noqa: S311 - seeded on purpose: the same seed replays the same faults
        lock = threading.Lock()

        def policy(post: SlackPost) -> SlackReply | None:
            if post.api not in _MESSAGE_APIS:
                return None
            with lock:
                roll = rng.random()
                kind = rng.choice(kinds)
            if when is not None:
                if not when(post):
                    return None
            elif roll >= rate:
                return None
            if kind == "timeout":
                return SlackReply(504, "timeout", fault="timeout", hang_seconds=timeout_seconds)
            if kind == "reset":
                return SlackReply(502, "reset", fault="reset")
            if kind == "429":
                return dataclasses.replace(_rate_limited(post, retry_after), fault="injected")
            body: dict[str, Any] | str = (
                "internal_error" if post.api == "webhook" else {"ok": False, "error": "fatal_error"}
            )
            return SlackReply(int(kind), body, fault="injected")

        self.policies.append(policy)
        return policy

    # -- behaviour --

    def handle(self, post: SlackPost) -> SlackReply:
        """Answer one post: policies first, then Slack's own validation."""
        reply: SlackReply | None = None
        for policy in list(self.policies):
            reply = policy(post)
            if reply is not None:
                break
        accepted = False
        with self._lock:
            if reply is None:
                reply = self._limit(post) or self._answer(post)
                accepted = reply.status == 200 and (
                    reply.body == "ok" or (isinstance(reply.body, dict) and reply.body.get("ok") is True)
                )
                if accepted and post.api in _MESSAGE_APIS and post.channel:
                    self._last_accepted[post.channel] = post.received_at
            self._records.append(_Recorded(post=post, reply=reply, accepted=accepted))
        return reply

    def _limit(self, post: SlackPost) -> SlackReply | None:
        """Slack's ~1 message per second per channel (called with the lock held)."""
        if self.rate_limit_interval is None or post.api not in _MESSAGE_APIS or not post.channel:
            return None
        last = self._last_accepted.get(post.channel)
        if last is None or post.received_at - last >= self.rate_limit_interval:
            return None
        wait = self.rate_limit_interval - (post.received_at - last)
        return _rate_limited(post, max(1, int(wait + 0.999)) if self.rate_limit_interval >= 1 else wait)

    def _answer(self, post: SlackPost) -> SlackReply:
        if post.api == "webhook":
            if not post.body:
                return SlackReply(400, "invalid_payload")
            if not post.body.get("text") and not post.body.get("blocks") and not post.body.get("attachments"):
                return SlackReply(400, "no_text")
            if _invalid_blocks(post.body):
                return SlackReply(400, "invalid_blocks")
            return SlackReply(200, "ok")
        if post.api == "chat.postMessage":
            if not post.body.get("channel"):
                return SlackReply(200, {"ok": False, "error": "channel_not_found"})
            if not post.body.get("text") and not post.body.get("blocks") and not post.body.get("attachments"):
                return SlackReply(200, {"ok": False, "error": "no_text"})
            problems = _invalid_blocks(post.body)
            if problems:
                return SlackReply(200, {"ok": False, "error": "invalid_blocks", "errors": problems})
            ts = f"{int(post.received_at)}.{next(self._ts):06d}"
            message = {"type": "message", "text": post.body.get("text", ""), "ts": ts}
            if "thread_ts" in post.body:
                message["thread_ts"] = post.body["thread_ts"]
            return SlackReply(200, {"ok": True, "channel": post.body["channel"], "ts": ts, "message": message})
        if post.api == "files.getUploadURLExternal":
            if not post.body.get("filename") or not post.body.get("length"):
                return SlackReply(200, {"ok": False, "error": "invalid_arguments"})
            file_id = f"F{next(self._ts):010d}"
            self._files[file_id] = {"id": file_id, "name": post.body["filename"], "content": None}
            return SlackReply(200, {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id})
        if post.api == "upload":
            entry = self._files.get(post.path.rsplit("/", 1)[-1])
            if entry is None:
                return SlackReply(404, "not_found")
            entry["content"] = post.body.get("_raw", b"")
            return SlackReply(200, "OK - uploaded")
        if post.api == "files.completeUploadExternal":
            files = post.body.get("files")
            if isinstance(files, str):
                files = _maybe_json(files)
            if not isinstance(files, list) or not files:
                return SlackReply(200, {"ok": False, "error": "invalid_arguments"})
            if not _channel_ids(post.body):
                return SlackReply(200, {"ok": False, "error": "channel_not_found"})
            shared = []
            for item in files:
                entry = self._files.get(str(item.get("id")))
                if entry is None or entry["content"] is None:
                    return SlackReply(200, {"ok": False, "error": "file_not_found"})
                shared.append(
                    {
                        "id": entry["id"],
                        "name": entry["name"],
                        "title": item.get("title"),
                        "size": len(entry["content"]),
                        "content": entry["content"],
                        "channel": post.body.get("channel_id"),
                        "thread_ts": post.body.get("thread_ts"),
                    }
                )
            self.uploads.extend(shared)
            return SlackReply(200, {"ok": True, "files": [{"id": f["id"], "name": f["name"]} for f in shared]})
        return SlackReply(200, {"ok": False, "error": "unknown_method"})


def _make_handler(slack: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "FakeSlack/1"

        def log_message(self, format: str, *args: Any) -> None:
            """Silent: the record is the log."""

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            data = self.rfile.read(length)
            raw = data.decode("utf-8", errors="replace")
            path = self.path.split("?", 1)[0]
            if path.startswith("/services/"):
                api, channel = "webhook", path.rstrip("/").rsplit("/", 1)[-1]
            elif path.startswith("/api/"):
                api, channel = path[len("/api/") :], None
            elif path.startswith("/upload/"):
                api, channel = "upload", None
            else:
                self._send(SlackReply(404, "not_found"))
                return
            body = {"_raw": data} if api == "upload" else _parse_body(raw, self.headers.get("Content-Type", ""))
            if api not in ("webhook", "upload"):
                target = body.get("channel") or body.get("channel_id")
                channel = str(target) if target else None
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
            if reply.fault == "timeout":
                time.sleep(reply.hang_seconds)  # the client gives up first; then close, no answer
                self.close_connection = True
                return
            if reply.fault == "reset":
                # SO_LINGER 0: close() sends RST - the client sees "connection reset by peer".
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                return
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


_MESSAGE_APIS = ("webhook", "chat.postMessage", "files.completeUploadExternal")

# A conversation ID: C (public), G (private), D (direct message), then upper-case letters and digits.
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]+$")


def _channel_ids(body: dict[str, Any]) -> bool:
    """Whether files.completeUploadExternal's ``channel_id``/``channels`` are IDs (or absent: a
    private file). Unlike chat.postMessage, it does not take a channel name: Slack answers
    ``channel_not_found`` (docs: "channel_id — Channel ID where the file will be shared";
    slackapi/python-slack-sdk issues #1326 and #1359: files_upload_v2 with "#name" fails so)."""
    wanted = [str(body.get("channel_id") or ""), *str(body.get("channels") or "").split(",")]
    return all(_CHANNEL_ID.match(channel.strip()) for channel in wanted if channel.strip())


def _rate_limited(post: SlackPost, retry_after: float) -> SlackReply:
    header = {"Retry-After": f"{retry_after:g}"}
    if post.api == "webhook":
        return SlackReply(429, "rate_limited", header)
    return SlackReply(429, {"ok": False, "error": "ratelimited"}, header)


def _invalid_blocks(body: dict[str, Any]) -> list[str]:
    """Block Kit problems, as Slack rejects them; a missing top-level text is not one (Slack accepts it)."""
    if "blocks" not in body:
        return []
    blocks = body["blocks"]
    if isinstance(blocks, str):
        blocks = _maybe_json(blocks)
    problems = validate_slack_message({"text": body.get("text") or "-", "blocks": blocks})
    return [p for p in problems if not p.startswith("text:")]
