"""The local HTTP server every platform stand-in runs on (LINE, Telegram): started on a free port
in a daemon thread, stopped cleanly. One copy, so the stand-ins differ only in what they answer."""

from __future__ import annotations

import threading
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server


class _KeepAliveHandler(WSGIRequestHandler):
    """HTTP/1.1, so a client keeps its connection open between calls as it does with the real
    platforms (the development server's default, HTTP/1.0, makes every call a new connection)."""

    protocol_version = "HTTP/1.1"


class StandinServer:
    """Mix-in: the subclass sets `self.app` (a WSGI app) and `thread_name`."""

    thread_name = "standin"
    app: Any
    _server: Any = None
    url: str = ""

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._server = make_server(host, port, self.app, threaded=True, request_handler=_KeepAliveHandler)
        self.url = f"http://{host}:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, name=self.thread_name, daemon=True).start()
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
