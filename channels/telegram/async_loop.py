"""One asyncio event loop in one background thread, for an async SDK used from sync threads.

Why: python-telegram-bot's `Bot` is async and owns an HTTP connection pool bound to the loop it
first ran on. `asyncio.run` per message would build and tear down a loop (and a pool) every time
and break the Bot on the second call. Instead the loop runs forever in its own thread, started on
first use (a web process that only parses webhooks never starts it), and callers in any thread
submit coroutines and wait for their results.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class AsyncLoop:
    def __init__(self, name: str) -> None:
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name=self._name, daemon=True)
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    @property
    def started(self) -> bool:
        return self._loop is not None

    @property
    def thread(self) -> threading.Thread | None:
        return self._thread

    def run(self, coroutine: Coroutine[Any, Any, T], *, timeout: float) -> T:
        """Run on the loop and wait; raises TimeoutError (after cancelling it) when it takes longer."""
        future = asyncio.run_coroutine_threadsafe(coroutine, self._running_loop())
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError(f"{self._name}: no result within {timeout:g} s") from None

    def close(self, last: Coroutine[Any, Any, Any] | None = None) -> None:
        """Run a last clean-up coroutine (if the loop ever started), then stop the loop and its thread."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None:
            if last is not None:
                last.close()  # never started: nothing to clean up, and no "never awaited" warning
            return
        if last is not None:
            try:
                asyncio.run_coroutine_threadsafe(last, loop).result(5)
            except Exception:  # closing is best effort: the process is going away
                pass
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(5)
        loop.close()
