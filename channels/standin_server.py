"""The local HTTP server every platform stand-in runs on (LINE, Telegram): started on a free port
in a daemon thread, stopped cleanly. One copy, so the stand-ins differ only in what they answer."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server


class _KeepAliveHandler(WSGIRequestHandler):
    """HTTP/1.1, so a client keeps its connection open between calls as it does with the real
    platforms (the development server's default, HTTP/1.0, makes every call a new connection)."""

    protocol_version = "HTTP/1.1"


@dataclass
class Fault:
    status: int  # 400 or more: answered instead of the real call; below: only the delay
    times: int
    delay: float


class FaultTable:
    """Faults a test injects per endpoint (a LINE path, a Telegram method): each is used `times`
    times, sleeps its delay, and tells the stand-in what status to answer. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[tuple[str, Fault]] = []

    def add(self, endpoint: str, status: int = 500, times: int = 1, delay: float = 0.0) -> None:
        with self._lock:
            self._faults.append((endpoint, Fault(status, times, delay)))

    def take(self, endpoint: str) -> int | None:
        """The status to answer for this call instead of the real one, or None to answer normally
        (no fault, or a fault that only delays). The delay is slept here."""
        with self._lock:
            fault = next((f for e, f in self._faults if e == endpoint and f.times > 0), None)
            if fault is not None:
                fault.times -= 1
        if fault is None:
            return None
        if fault.delay:
            time.sleep(fault.delay)
        return fault.status if fault.status >= 400 else None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()


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
