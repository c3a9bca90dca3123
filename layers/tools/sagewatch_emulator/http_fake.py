"""A JSON-over-HTTP fake on 127.0.0.1: the server under the fake PagerDuty and the fake Teams.

Each request's path, query, headers and body go to the fake's ``answer`` (under one lock, in
arrival order), whose ``Reply`` is written back. ``inject`` queues replies to give instead of
the fake's own (429 with ``Retry-After``, 5xx), each once, so a test can see the sender retry;
an injected reply never reaches the fake's state. Nothing leaves the machine.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

__all__ = ["HttpFake", "LoopbackServer", "Reply", "Request"]


class LoopbackServer:
    """A threaded HTTP server on a loopback address, started and stopped with its fake: the one
    lifecycle under the fake Slack, PagerDuty and Teams."""

    def __init__(self, host: str, port: int, *, name: str) -> None:
        self._address = (host, port)
        self.name = name
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self, handler: type[BaseHTTPRequestHandler]) -> None:
        if self._server is not None:
            raise RuntimeError(f"{self.name} is already running")
        self._server = ThreadingHTTPServer(self._address, handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name=self.name, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError(f"{self.name} is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"


@dataclass(frozen=True)
class Request:
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any] | str = ""
    headers: dict[str, str] = field(default_factory=dict)


class HttpFake:
    """Subclasses implement :meth:`answer`; ``name`` names the server thread."""

    name = "http-fake"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._loopback = LoopbackServer(host, port, name=self.name)
        self.lock = threading.Lock()
        self._injected: list[Reply] = []
        self.requests: list[tuple[Request, Reply]] = []

    def answer(self, request: Request) -> Reply:  # pragma: no cover - abstract
        raise NotImplementedError

    def inject(self, *replies: Reply) -> None:
        """Answer the next requests with ``replies`` (one each), before the fake's own answers."""
        with self.lock:
            self._injected.extend(replies)

    def start(self) -> Self:
        self._loopback.start(_handler(self))
        return self

    def stop(self) -> None:
        self._loopback.stop()

    @property
    def base_url(self) -> str:
        return self._loopback.base_url

    def _serve(self, request: Request) -> Reply:
        with self.lock:
            reply = self._injected.pop(0) if self._injected else self.answer(request)
            self.requests.append((request, reply))
            return reply


def _handler(fake: HttpFake) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            path, _, query = self.path.partition("?")
            request = Request(path, query, dict(self.headers.items()), self.rfile.read(length))
            reply = fake._serve(request)
            body = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
            data = body.encode("utf-8")
            self.send_response(reply.status)
            content_type = "text/plain" if isinstance(reply.body, str) else "application/json"
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return  # quiet: a request line would print a Teams URL's signature

    return Handler
