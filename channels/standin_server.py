"""The local HTTP server every platform stand-in runs on (LINE, Telegram): started on a free port
in a daemon thread, stopped cleanly. One copy, so the stand-ins differ only in what they answer."""

from __future__ import annotations

import threading
from typing import Any

from werkzeug.serving import make_server


class StandinServer:
    """Mix-in: the subclass sets `self.app` (a WSGI app) and `thread_name`."""

    thread_name = "standin"
    app: Any
    _server: Any = None
    url: str = ""

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._server = make_server(host, port, self.app, threaded=True)
        self.url = f"http://{host}:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, name=self.thread_name, daemon=True).start()
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
