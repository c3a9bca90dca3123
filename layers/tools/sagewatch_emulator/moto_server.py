"""moto in server mode on 127.0.0.1: real HTTP, so boto3 runs its real code paths."""

from __future__ import annotations

import logging
import threading
import urllib.request
from typing import Any

__all__ = ["MOTO_ACCOUNT_ID", "MotoServer"]

_LOG = logging.getLogger(__name__)

MOTO_ACCOUNT_ID = "123456789012"
"""The account moto answers as when the credentials name none (the dummy ones never do)."""


class MotoServer:
    """moto's ThreadedMotoServer, with request logging turned into debug logging.

    Same pieces as ``moto.server.ThreadedMotoServer`` (DomainDispatcherApplication,
    MotoRequestHandler, werkzeug's threaded server) but bound to 127.0.0.1 on a free port
    (port 0) and without a line on stderr per request.
    """

    def __init__(self) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        def log(type: str, message: str, *args: Any) -> None:
            text = str(message % args if args else message).strip()
            _LOG.debug("moto %s: %s", type, text)
            if type == "error" and text:
                # One line (the exception), not werkzeug's traceback: the client gets a 500.
                _LOG.warning("moto: %s", text.splitlines()[-1])

        class QuietHandler(MotoRequestHandler):
            def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
                return None

            def log(self, type: str, message: str, *args: Any) -> None:
                log(type, message, *args)

        app = DomainDispatcherApplication(create_backend_app)
        self._server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
        self._server.log = log  # type: ignore[method-assign] # werkzeug reports request errors here
        # A short poll interval: shutdown() waits for it, and accounts open and close per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="moto-server", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reset(self) -> None:
        """Empty every moto backend (moto's state is process-wide), so each account starts from nothing."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")  # noqa: S310 - http://127.0.0.1
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - http://127.0.0.1
            response.read()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
