"""Waitress with a graceful stop, for the embedded mode (`python -m bot serve`).

Why: waitress's own `close()` drops every connection at once, so a request being answered when
SIGTERM arrives (a deploy, `systemctl stop`, Ctrl+C) loses its response although the app may
already have committed its work. Here a stop request first closes the listening sockets (new
connections are refused, so a load balancer or client retries elsewhere), then keeps the event loop
running until every request already received has been answered and sent, closing idle keep-alive
connections as it goes, for at most `grace_seconds`. Only then are the task threads stopped.

Waitress has no public drain API, so this drives its loop (`wasyncore.loop`) one poll at a time and
reads the channel state it keeps (`requests`, `request`, `total_outbufs_len`, `will_close`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any, cast

from waitress import wasyncore
from waitress.server import BaseWSGIServer, MultiSocketServer, create_server

log = logging.getLogger(__name__)
DRAIN_POLL_SECONDS = 0.05


class GracefulServer:
    """One waitress server; `run()` serves until `request_stop()`, then drains and returns."""

    def __init__(self, app: Any, *, host: str, port: int, threads: int = 8, grace_seconds: float = 5.0) -> None:
        self.grace_seconds = grace_seconds
        self.server = create_server(app, host=host, port=port, threads=threads)
        # waitress's socket map: file descriptor -> dispatcher (listener, channel or trigger); its stubs say socket.
        self._map: Mapping[int, Any]
        self.listeners: list[BaseWSGIServer]
        if isinstance(self.server, MultiSocketServer):  # a host name that resolves to several addresses
            assert self.server.map is not None  # create_server makes a socket map when given none
            self._map = cast("Mapping[int, Any]", self.server.map)
            self.listeners = [item for item in self._map.values() if isinstance(item, BaseWSGIServer)]
        else:
            self._map = self.server._map  # type: ignore[attr-defined]  # the dispatcher's own map: private, not in the stubs
            self.listeners = [self.server]
        self._stopping = False
        self._hurry = False

    def request_stop(self) -> None:
        """Safe in a signal handler: sets flags and wakes the loop. A second call skips the grace."""
        self._hurry = self._stopping
        self._stopping = True
        self.listeners[0].pull_trigger()

    def run(self) -> None:
        adj = self.listeners[0].adj
        while not self._stopping:
            wasyncore.loop(timeout=adj.asyncore_loop_timeout, map=self._map, use_poll=adj.asyncore_use_poll, count=1)
        self._stop_listening()
        deadline = time.monotonic() + self.grace_seconds
        while self._close_idle_channels() and not self._hurry and time.monotonic() < deadline:
            wasyncore.loop(timeout=DRAIN_POLL_SECONDS, map=self._map, use_poll=adj.asyncore_use_poll, count=1)
        unfinished = self._close_idle_channels()
        if unfinished:
            log.warning("stopping with requests still in progress", extra={"requests": unfinished})
        self.listeners[0].task_dispatcher.shutdown(cancel_pending=True, timeout=1 if unfinished else 5)
        wasyncore.close_all(self._map)

    def _stop_listening(self) -> None:
        """Close only the listening sockets; the trigger stays, task threads still use it to wake the loop."""
        for listener in self.listeners:
            listener.accepting = False
            wasyncore.dispatcher.close(listener)

    def _close_idle_channels(self) -> int:
        """Mark connections with nothing in progress to close on the next poll; count the busy ones.
        Busy: a request queued or running, one half received, or a response not yet fully sent."""
        busy = 0
        for channel in list(self._map.values()):
            if isinstance(channel, BaseWSGIServer) or not hasattr(channel, "requests"):
                continue  # the trigger, or a listener not yet removed
            if channel.requests or channel.request is not None or channel.total_outbufs_len:
                busy += 1
            else:
                channel.will_close = True
        return busy
