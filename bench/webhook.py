"""Webhook benchmark: our service against a bare Flask endpoint and line-bot-sdk's echo pattern.

Run by hand (never in CI), from the project root:

    .venv/bin/python bench/webhook.py                 # the full run, 4 to 5 minutes
    .venv/bin/python bench/webhook.py --quick         # a smoke run, about a minute

Everything it needs is started here and stopped at the end (also on Ctrl+C): a throwaway
PostgreSQL server, the LINE stand-in (`channels.line.standin`), our service in both modes, and the two
baselines, which live in this module so gunicorn can import them (`bench.webhook:bare_app`,
`bench.webhook:make_echo_app()`).

What is measured, and why this way:

a. Webhook acknowledgements per second, ours against a bare Flask endpoint under the same gunicorn
   settings (2 workers, gthread, 4 threads) and the same closed-loop load (wrk). The bare endpoint
   is the ceiling of the stack; the ratio says what verifying, parsing and committing costs.
   The worker is stopped while the web tier is measured, as the bare endpoint has none.
b. Replies delivered per second end to end: a fixed number of events is posted as fast as possible
   and the clock stops when the stand-in has received every reply. The database and the stand-in
   are then checked for exactly-once processing. The SDK's README pattern (reply inside the
   request) delivers one reply per acknowledged request, so its rate is its request rate.
c. Acknowledgement latency at half of our maximum rate, open loop (each request has a scheduled
   send time and latency counts from it, so a slow server cannot hide its queueing): first the web
   tier alone, then with the worker running on the same 2 cores, as in production.
d. The same for the embedded SQLite mode (`python -m bot serve`), plus a count of
   "database is locked" errors in its log.

The machine has 2 cores that the load generator shares with the servers, and it is noisy: read
the medians and the ratios, not single runs.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import http.client
import itertools
import json
import math
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, abort, request

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script, sys.path[0] is bench/, and `bot` lives one level up
    sys.path.insert(0, str(ROOT))

WEBHOOK_PATH = "/webhooks/line"
CHANNEL_SECRET = "bench-channel-secret-0123456789abcdef"
ACCESS_TOKEN = "bench-access-token"
USERS = 200
# A mix of FAQ keywords (answered) and chatter (the fallback menu), in the shop's three languages.
TEXTS = ("營業時間?", "hello", "where is the shop?", "读书会几点", "有停車位嗎", "random question", "書店地址", "thanks!")
GUNICORN = ("--workers", "2", "--worker-class", "gthread", "--threads", "4")  # as `python -m bot web --workers 2` runs


# --- the two baselines (imported by gunicorn in their own processes) -----------------------------

bare_app = Flask("bench_bare")


@bare_app.post(WEBHOOK_PATH)
def _bare_webhook() -> tuple[str, int]:
    """The cheapest correct endpoint: read the body (keep-alive needs it read) and answer 200."""
    request.get_data()
    return "OK", 200


def make_echo_app() -> Flask:
    """line-bot-sdk v3's README echo bot, pointed at the stand-in: it replies inside the request.

    Written the README's way on purpose (WebhookHandler, a new ApiClient per reply), because that
    is the pattern most LINE bots start from and the one we claim to beat.
    """
    from linebot.v3 import WebhookHandler
    from linebot.v3.exceptions import InvalidSignatureError
    from linebot.v3.messaging import ApiClient, Configuration, MessagingApi, ReplyMessageRequest, TextMessage
    from linebot.v3.webhooks import MessageEvent, TextMessageContent

    configuration = Configuration(host=os.environ["BENCH_ECHO_API_BASE"], access_token=os.environ["BENCH_ECHO_ACCESS_TOKEN"])
    handler = WebhookHandler(os.environ["BENCH_ECHO_CHANNEL_SECRET"])
    app = Flask("bench_echo")

    @app.post(WEBHOOK_PATH)
    def callback() -> str:
        signature = request.headers.get("X-Line-Signature", "")
        body = request.get_data(as_text=True)
        try:
            handler.handle(body, signature)
        except InvalidSignatureError:
            abort(400)
        return "OK"

    @handler.add(MessageEvent, message=TextMessageContent)
    def handle_message(event: Any) -> None:
        with ApiClient(configuration) as api_client:
            MessagingApi(api_client).reply_message_with_http_info(
                ReplyMessageRequest(reply_token=event.reply_token, messages=[TextMessage(text=event.message.text)])
            )

    return app


# --- small helpers --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (no interpolation: a p99 is a latency some request really had)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class BenchError(Exception):
    """Something the benchmark needs did not work; the message says what and where to look."""


# --- child processes ------------------------------------------------------------------------------


class Child:
    """A process we started, in its own session so that Ctrl+C reaches us first and we stop it
    (and everything it forked, e.g. gunicorn's workers) as a group, by its id."""

    def __init__(self, name: str, argv: Sequence[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.log = log
        with open(log, "ab") as handle:
            self.proc = subprocess.Popen(list(argv), cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=handle,
                                         stderr=subprocess.STDOUT, start_new_session=True)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 15) -> None:
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)  # the group: a dead leader may leave workers behind
            try:
                self.proc.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""


class Children:
    """Every child of this run, so that one `finally` can stop them all."""

    def __init__(self, log_dir: Path, base_env: dict[str, str]) -> None:
        self.log_dir = log_dir
        self.base_env = base_env
        self.running: list[Child] = []
        self._serial = itertools.count(1)

    def start(self, name: str, argv: Sequence[str], env: dict[str, str] | None = None) -> Child:
        log = self.log_dir / f"{next(self._serial):02d}-{name}.log"
        child = Child(name, argv, {**self.base_env, **(env or {})}, log)
        self.running.append(child)
        return child

    def stop(self, child: Child) -> None:
        child.stop()
        if child in self.running:
            self.running.remove(child)

    def stop_all(self) -> None:
        for child in reversed(self.running):
            child.stop(timeout=10)
        self.running.clear()


def wait_http(child: Child, url: str, *, ok: Callable[[int], bool] = lambda status: status < 500, timeout: float = 60) -> None:
    """Wait until `url` answers with a status `ok` accepts; fail early if the child died."""
    host, port, path = _split_url(url)
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if not child.alive():
            raise BenchError(f"{child.name} exited with {child.proc.returncode}; its log ({child.log}) ends:\n{child.tail()}")
        try:
            connection = http.client.HTTPConnection(host, port, timeout=5)
            connection.request("GET", path)
            status = connection.getresponse().status
            connection.close()
            if ok(status):
                return
            last = f"HTTP {status}"
        except OSError as exc:
            last = type(exc).__name__
        time.sleep(0.1)
    raise BenchError(f"{child.name} did not answer {url} within {timeout:g} s ({last}); its log ends:\n{child.tail()}")


def wait_log(child: Child, marker: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not child.alive():
            raise BenchError(f"{child.name} exited with {child.proc.returncode}; its log ({child.log}) ends:\n{child.tail()}")
        if marker in child.log.read_text(errors="replace"):
            return
        time.sleep(0.1)
    raise BenchError(f"{child.name} did not log {marker!r} within {timeout:g} s; its log ends:\n{child.tail()}")


def _split_url(url: str) -> tuple[str, int, str]:
    match = re.match(r"http://([^:/]+):(\d+)(/.*)?$", url)
    if not match:
        raise ValueError(f"not a local http URL: {url}")
    return match.group(1), int(match.group(2)), match.group(3) or "/"


# --- PostgreSQL -------------------------------------------------------------------------------------


class Postgres:
    """A throwaway server from the machine's binaries, reachable only through a unix socket.

    PostgreSQL refuses to run as root, so as root the server runs as `postgres`. Settings are the
    defaults (fsync on, synchronous commit): a webhook's 200 must mean the event is on disk.
    """

    def __init__(self, root: Path, fsync: bool) -> None:
        for tool in ("initdb", "pg_ctl"):
            if shutil.which(tool) is None:
                raise BenchError(f"{tool} is not on PATH: install PostgreSQL 15 (apt-get install postgresql)")
        self.root = root
        self.data = root / "data"
        self.socket_dir = root
        self.port = free_port()
        self.fsync = fsync
        self.started = False
        self.version = ""

    def _run(self, *command: str) -> str:
        if os.geteuid() == 0:
            command = ("runuser", "-u", "postgres", "--", *command)
        result = subprocess.run(command, capture_output=True, text=True, start_new_session=True)
        if result.returncode != 0:
            raise BenchError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def start(self) -> None:
        self.root.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self.version = self._run("initdb", "--version").strip().split(" ", 2)[-1]
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        options = (f"-p {self.port} -k {self.socket_dir} -c listen_addresses='' -c max_connections=200"
                   + ("" if self.fsync else " -c fsync=off -c synchronous_commit=off"))
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "server.log"), "-w", "-t", "60", "start")
        self.started = True

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(host=str(self.socket_dir), port=self.port, user="postgres", dbname="postgres", autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    @property
    def pid(self) -> int:
        """The postmaster's pid: its tree holds every backend, so its CPU is the server's."""
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def url(self, database: str) -> str:
        """The form the service takes in DATABASE_URL: no host part, the socket dir as `host=`."""
        return f"postgresql://postgres@/{database}?host={self.socket_dir}&port={self.port}"

    def stop(self) -> None:
        if self.started:
            with contextlib.suppress(BenchError):
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop")
            self.started = False


# --- webhook bodies -------------------------------------------------------------------------------


@dataclass
class Batch:
    """Signed webhook requests, one text message event each, and the reply tokens they carry."""

    items: list[tuple[bytes, str]]  # (body, X-Line-Signature)
    reply_tokens: list[str]


def make_batch(count: int, seed: int) -> Batch:
    """`count` bodies as LINE sends them: a fresh webhookEventId and reply token each, from ~200 users.

    Made right before use, because the timestamp sets how long the reply token may be used.
    """
    from bot.devtools.chat import line_event
    from channels.line.adapter import sign

    rng = random.Random(seed)
    users = [f"U{seed:08x}{index:024x}" for index in range(USERS)]
    items, tokens = [], []
    for index in range(count):
        event = line_event("message", rng.choice(users), text=TEXTS[index % len(TEXTS)])
        body = json.dumps({"destination": "Ubenchbot", "events": [event]}, ensure_ascii=False).encode()
        items.append((body, sign(CHANNEL_SECRET, body)))
        tokens.append(event["replyToken"])
    return Batch(items, tokens)


def write_wrk_data(path: Path, batch: Batch) -> Path:
    """One request a line, `signature<TAB>body`: JSON from json.dumps has no raw tabs or newlines."""
    with open(path, "wb") as handle:
        for body, signature in batch.items:
            handle.write(signature.encode() + b"\t" + body + b"\n")
    return path


# Each wrk thread reads the file at init and keeps every n-th line, so threads never send the same
# event; a thread that runs out starts over, and `done` reports that (the numbers then include
# duplicates, which our inbox answers without storing).
WRK_SCRIPT = """
local data_path = "__DATA__"
local thread_count = __THREADS__
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  bodies, signatures = {}, {}
  local line_no = 0
  for line in io.lines(data_path) do
    if line_no % thread_count == tid then
      local tab = line:find("\\t", 1, true)
      signatures[#signatures + 1] = line:sub(1, tab - 1)
      bodies[#bodies + 1] = line:sub(tab + 1)
    end
    line_no = line_no + 1
  end
  position, sent, wrapped = 0, 0, 0
end

function request()
  position = position + 1
  if position > #bodies then
    position = 1
    wrapped = wrapped + 1
  end
  sent = sent + 1
  return wrk.format("POST", "__PATH__",
    {["Content-Type"] = "application/json", ["X-Line-Signature"] = signatures[position]}, bodies[position])
end

function done(summary, latency, requests)
  local total_sent, total_wrapped = 0, 0
  for _, thread in ipairs(threads) do
    total_sent = total_sent + thread:get("sent")
    total_wrapped = total_wrapped + thread:get("wrapped")
  end
  io.write(string.format("BENCH sent=%d wrapped=%d\\n", total_sent, total_wrapped))
end
"""


# --- load generation ------------------------------------------------------------------------------


@dataclass
class LoadResult:
    """A closed-loop run: completed requests over elapsed seconds."""

    requests: int
    seconds: float
    errors: int  # non-2xx answers, socket errors and timeouts
    wrapped: int = 0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


class Wrk:
    """Closed-loop load with wrk: a C client, so it takes little of the 2 cores from the servers."""

    def __init__(self, work_dir: Path, threads: int, connections: int) -> None:
        self.path = shutil.which("wrk")
        self.work_dir = work_dir
        self.threads = threads
        self.connections = connections
        self._scripts = itertools.count(1)

    @property
    def version(self) -> str:
        if not self.path:
            return "not installed"
        out = subprocess.run([self.path, "--version"], capture_output=True, text=True).stdout
        match = re.search(r"wrk (\S+)", out)
        return match.group(1) if match else "?"

    def run(self, url: str, data: Path, duration: float) -> LoadResult:
        script = self.work_dir / f"wrk-{next(self._scripts)}.lua"
        script.write_text(WRK_SCRIPT.replace("__DATA__", str(data)).replace("__THREADS__", str(self.threads))
                          .replace("__PATH__", WEBHOOK_PATH))
        command = [self.path or "wrk", "-t", str(self.threads), "-c", str(self.connections), "-d", f"{max(1, round(duration))}s",
                   "--timeout", "10s", "-s", str(script), url]
        result = subprocess.run(command, capture_output=True, text=True, timeout=duration + 120)
        out = result.stdout + result.stderr
        done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m|h)\b", out)
        if result.returncode != 0 or not done:
            raise BenchError(f"wrk failed ({result.returncode}):\n{out}")
        scale = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}[done.group(3)]
        errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
        socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
        if socket_errors:
            errors += sum(int(n) for n in socket_errors.groups())
        wrapped = re.search(r"BENCH sent=\d+ wrapped=(\d+)", out)
        return LoadResult(int(done.group(1)), float(done.group(2)) * scale, errors, int(wrapped.group(1)) if wrapped else 0)


class Connection:
    """One keep-alive HTTP/1.1 connection for one load thread.

    A request that meets a connection the server closed is sent once more on a new one; that is
    safe because a webhook delivery may repeat (LINE redelivers) and our inbox stores it once.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._http: http.client.HTTPConnection | None = None
        self.retries = 0

    def post(self, body: bytes, signature: str) -> int:
        for attempt in range(2):
            if self._http is None:
                self._http = http.client.HTTPConnection(self.host, self.port, timeout=30)
                self._http.connect()
                self._http.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                self._http.request("POST", WEBHOOK_PATH, body=body,
                                   headers={"Content-Type": "application/json", "X-Line-Signature": signature})
                response = self._http.getresponse()
                response.read()
                return response.status
            except (http.client.HTTPException, ConnectionError):
                self.close()
                if attempt:
                    raise
                self.retries += 1
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None


def _run_threads(count: int, target: Callable[[int], None]) -> None:
    threads = [threading.Thread(target=target, args=(index,), daemon=True) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@dataclass
class Burst:
    statuses: Counter[int]
    seconds: float
    retries: int


def send_burst(url: str, items: Sequence[tuple[bytes, str]], concurrency: int) -> Burst:
    """Post every item once, as fast as `concurrency` keep-alive connections allow."""
    host, port, _ = _split_url(url)
    counter = itertools.count()  # next() on it is atomic under the GIL
    statuses: Counter[int] = Counter()
    retries = [0]
    lock = threading.Lock()

    def work(_: int) -> None:
        connection = Connection(host, port)
        seen: Counter[int] = Counter()
        try:
            while (index := next(counter)) < len(items):
                try:
                    seen[connection.post(*items[index])] += 1
                except OSError:
                    seen[-1] += 1
        finally:
            connection.close()
            with lock:
                statuses.update(seen)
                retries[0] += connection.retries

    started = time.monotonic()
    _run_threads(concurrency, work)
    return Burst(statuses, time.monotonic() - started, retries[0])


def closed_loop(url: str, items: Sequence[tuple[bytes, str]], duration: float, concurrency: int) -> LoadResult:
    """The fallback when wrk is missing: Python threads, each posting back to back for `duration`."""
    host, port, _ = _split_url(url)
    counter = itertools.count()
    stop_at = time.monotonic() + duration
    done = [0, 0]  # requests, errors
    lock = threading.Lock()

    def work(_: int) -> None:
        connection = Connection(host, port)
        ok = bad = 0
        while time.monotonic() < stop_at:
            try:
                status = connection.post(*items[next(counter) % len(items)])
                ok, bad = (ok + 1, bad) if status < 300 else (ok, bad + 1)
            except OSError:
                bad += 1
        connection.close()
        with lock:
            done[0] += ok + bad
            done[1] += bad

    started = time.monotonic()
    _run_threads(concurrency, work)
    return LoadResult(done[0], time.monotonic() - started, done[1])


@dataclass
class Latency:
    rate: float
    sent: int
    latencies_ms: list[float]
    errors: int
    late: int  # requests that left more than 5 ms after their scheduled time (client or server queueing)

    @property
    def p50(self) -> float:
        return percentile(self.latencies_ms, 0.50)

    @property
    def p99(self) -> float:
        return percentile(self.latencies_ms, 0.99)


def constant_rate(url: str, items: Sequence[tuple[bytes, str]], rate: float, concurrency: int) -> Latency:
    """Open loop, wrk2-style: request i is due at start + i/rate, and its latency counts from then.

    Counting from the scheduled time, not the actual send, keeps a stalled server from hiding the
    requests that queued behind it (coordinated omission).
    """
    host, port, _ = _split_url(url)
    counter = itertools.count()
    latencies: list[float] = []
    errors = [0, 0]  # failed, late
    lock = threading.Lock()
    start = time.monotonic() + 0.2

    def work(_: int) -> None:
        connection = Connection(host, port)
        mine: list[float] = []
        failed = late = 0
        while (index := next(counter)) < len(items):
            due = start + index / rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            elif delay < -0.005:
                late += 1
            try:
                status = connection.post(*items[index])
            except OSError:
                status = -1
            mine.append((time.monotonic() - due) * 1000)
            failed += status != 200
        connection.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed
            errors[1] += late

    _run_threads(concurrency, work)
    return Latency(rate, len(items), latencies, errors[0], errors[1])


# --- CPU accounting ---------------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and all its descendants, living or already reaped, from /proc.

    Why CPU as well as rates: on a shared 2-core machine req/s moves with whatever else runs, while
    CPU per request hardly does, and it says which process the time goes to.
    """
    children: dict[int, list[int]] = {}
    used: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()  # the name may hold spaces
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
        used[int(entry.name)] = sum(int(x) for x in fields[11:15]) / CLOCK_TICKS  # utime, stime, cutime, cstime
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += used.get(current, 0.0)
        todo += children.get(current, [])
    return total


@contextlib.contextmanager
def cpu_window(pids: dict[str, int]) -> Iterator[dict[str, float]]:
    """Seconds of CPU each named process tree used inside the `with` block (filled in at its end)."""
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    used: dict[str, float] = {}
    yield used
    used.update({name: cpu_seconds(pid) - before[name] for name, pid in pids.items()})


# --- the stand-in and the database ------------------------------------------------------------------


def standin_stats(api_base: str) -> tuple[int, int]:
    """(deliveries, requests) the stand-in has recorded since it started."""
    host, port, _ = _split_url(api_base)
    connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        connection.request("GET", "/__sandbox/stats")
        stats = json.loads(connection.getresponse().read())
    finally:
        connection.close()
    return int(stats["deliveries"]), int(stats["requests"])


def _engine(url: str) -> Any:
    """A plain engine for reading results: not the service's, whose SQLite engine takes the write
    lock on every transaction (BEGIN IMMEDIATE) and would compete with the service for it."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, poolclass=NullPool)


def reset_postgres(url: str) -> None:
    """Empty every table of ours (the worker must be stopped; the web tier's idle connections hold no locks)."""
    from sqlalchemy import text

    engine = _engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("SET LOCAL lock_timeout = '15s'"))
            tables = connection.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")).scalars().all()
            quoted = ", ".join(f'"{name}"' for name in tables)
            connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


def count_rows(url: str, table: str) -> int:
    from sqlalchemy import text

    engine = _engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


def wait_quiet(url: str, quiet: float = 1.5, timeout: float = 20) -> None:
    """Wait until no new event has been stored for `quiet` seconds: the server's queue is empty."""
    deadline = time.monotonic() + timeout
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = count_rows(url, "inbox_events")
        if count != last:
            last, since = count, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        time.sleep(0.25)


def backlog_claim_ms(url: str, backlog: int = 2000, runs: int = 7) -> tuple[list[float], list[float]]:
    """Milliseconds of `claim_due` (100 rows, rolled back each time so every run sees the same
    backlog) on a freshly migrated database, before and after ANALYZE.

    The backlog is what an outage leaves: retries and scheduled rows, half due, ten per address."""
    import uuid
    from datetime import timedelta

    from sqlalchemy import insert, text
    from sqlalchemy.orm import sessionmaker

    from jobs.delivery import claim_due
    from models import OutboxMessage, utcnow
    from models.migrate import upgrade

    engine = _engine(url)
    try:
        upgrade(engine)
        now = utcnow()
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE outbox SET (autovacuum_enabled = false)"))
            connection.execute(insert(OutboxMessage), [
                {"channel": "line", "address": f"U{index % (backlog // 10):032d}", "messages": [{"text": "x"}],
                 "purpose": "reply", "idempotency_key": str(uuid.uuid4()), "status": "pending", "attempts": 1,
                 "next_attempt_at": now + timedelta(seconds=-5 if index % 2 else 600)} for index in range(backlog)])
        timings: tuple[list[float], list[float]] = ([], [])
        with engine.connect() as connection:
            for phase in timings:
                if phase is timings[1]:
                    connection.execute(text("ANALYZE outbox"))
                    connection.commit()
                for _ in range(runs):
                    transaction = connection.begin()
                    started = time.perf_counter()
                    claim_due(sessionmaker(bind=connection, join_transaction_mode="create_savepoint"), "bench",
                              limit=100, lease_seconds=30)
                    phase.append((time.perf_counter() - started) * 1000)
                    transaction.rollback()
        return timings
    finally:
        engine.dispose()


@dataclass
class Check:
    """Exactly-once evidence for one end-to-end run."""

    ok: bool
    summary: str
    problems: list[str] = field(default_factory=list)


def check_exactly_once(url: str, batch: Batch, statuses: Counter[int], deliveries: int, requests: int) -> Check:
    """Every event acknowledged, stored once, processed once, answered once, and the stand-in got
    exactly one reply per event (a token used twice would show as a refused request)."""
    from sqlalchemy import text

    expected = len(batch.reply_tokens)
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            inbox = dict(connection.execute(text("SELECT status, count(*) FROM inbox_events GROUP BY status")).all())
            outbox = {(s, t or "-"): n for s, t, n in connection.execute(
                text("SELECT status, transport, count(*) FROM outbox GROUP BY status, transport")).all()}
            tokens = Counter(connection.execute(text("SELECT reply_token FROM outbox WHERE reply_token IS NOT NULL")).scalars())
    finally:
        engine.dispose()
    problems = []
    if statuses.get(200, 0) != expected:
        problems.append(f"acknowledged {dict(statuses)} (want {expected} x 200)")
    if inbox != {"done": expected}:
        problems.append(f"inbox {inbox} (want done={expected})")
    sent = sum(n for (status, _), n in outbox.items() if status == "sent")
    if sent != expected or sum(outbox.values()) != expected:
        problems.append(f"outbox {outbox} (want {expected} sent)")
    if tokens != Counter(batch.reply_tokens):
        missing = len(set(batch.reply_tokens) - set(tokens))
        repeated = sum(1 for n in tokens.values() if n > 1)
        problems.append(f"outbox reply tokens: {missing} events without a reply, {repeated} with more than one")
    if deliveries != expected or requests != expected:
        problems.append(f"stand-in got {deliveries} deliveries from {requests} requests (want {expected} and {expected})")
    by_transport = Counter()
    for (status, transport), n in outbox.items():
        if status == "sent":
            by_transport[transport] += n
    summary = f"{expected} acked/stored/done; sent {dict(by_transport)}; stand-in {deliveries} deliveries / {requests} requests"
    return Check(not problems, summary, problems)


# --- the run --------------------------------------------------------------------------------------


@dataclass
class Row:
    section: str
    label: str
    values: list[float]
    unit: str = ""
    target: str = ""
    passed: bool | None = None
    note: str = ""
    digits: int = 0

    @property
    def median(self) -> float:
        return median(self.values)


def per_item_ms(used: dict[str, float], items: int) -> dict[str, float]:
    return {name: seconds * 1000 / max(items, 1) for name, seconds in used.items()}


def cpu_row(section: str, label: str, runs: list[dict[str, float]]) -> Row:
    """Median total CPU per item, and where it went (medians per process) when more than one took part."""
    parts = {name: median([run[name] for run in runs]) for name in runs[0]} if runs else {}
    note = " + ".join(f"{name} {value:.2f}" for name, value in parts.items()) if len(parts) > 1 else ""
    return Row(section, label, [sum(run.values()) for run in runs], "ms", note=note, digits=2)


@dataclass
class App:
    """A baseline app: its gunicorn process and where it listens."""

    child: Child
    url: str


@dataclass
class Options:
    duration: float
    events: int
    reps: int
    e2e_reps: int
    connections: int
    wrk_threads: int
    fsync: bool
    keep: bool
    skip_sqlite: bool
    python_load: bool
    analyze: bool


class Bench:
    def __init__(self, options: Options, work: Path) -> None:
        self.o = options
        self.work = work
        (work / "logs").mkdir(parents=True)
        self.children = Children(work / "logs", self._base_env())
        self.pg = Postgres(work / "pg", options.fsync)
        self.wrk = Wrk(work, options.wrk_threads, options.connections)
        self.use_wrk = bool(self.wrk.path) and not options.python_load
        self.rows: list[Row] = []
        self.notes: list[str] = []
        self.standin_url = ""
        self.warmup_data = work / "bodies-warmup.txt"
        self.pg_url = ""
        self.bare_median = self.echo_median = float("nan")
        self.echo_rates: list[float] = []
        self.echo_cpu: list[dict[str, float]] = []
        self._seeds = itertools.count(1)
        self._data_files = itertools.count(1)

    @staticmethod
    def _base_env() -> dict[str, str]:
        env = dict(os.environ)
        env.pop("BOT_CONFIG", None)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    # --- plumbing --------------------------------------------------------------------------------

    def service_env(self, database_url: str) -> dict[str, str]:
        return {
            "DATABASE_URL": database_url,
            "BOT_LINE_CHANNEL_SECRET": CHANNEL_SECRET,
            "BOT_LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN,
            "BOT_LINE_API_BASE": self.standin_url,
            "BOT_APP_DATA_DIR": str(self.work),
        }

    def batch(self, count: int) -> Batch:
        return make_batch(count, next(self._seeds))

    def wrk_file(self, count: int) -> Path:
        return write_wrk_data(self.work / f"bodies-{next(self._data_files)}.txt", self.batch(count))

    def closed(self, url: str, data: Path, duration: float) -> LoadResult:
        """One closed-loop run against `url`, with wrk, or Python threads if wrk is missing."""
        if self.use_wrk:
            return self.wrk.run(url, data, duration)
        items = [(body.encode(), signature) for signature, _, body in
                 (line.partition("\t") for line in data.read_text(encoding="utf-8").splitlines())]
        return closed_loop(url, items, duration, self.o.connections)

    def bodies_for(self, duration: float, per_second: int = 5000) -> int:
        """Enough unique events that a closed-loop run does not start over: 5000/s is well above
        what 2 cores can acknowledge through Flask."""
        return int(per_second * max(duration, 1) * 1.1)

    def start_gunicorn_app(self, name: str, app: str, env: dict[str, str] | None = None) -> App:
        """A baseline under the same gunicorn settings as ours.

        No control socket: gunicorn's default path is one per user, and `bot web` already holds it.
        """
        port = free_port()
        argv = [sys.executable, "-m", "gunicorn", *GUNICORN, "--bind", f"127.0.0.1:{port}", "--no-control-socket",
                "--log-level", "warning", app]
        child = self.children.start(name, argv, env)
        url = f"http://127.0.0.1:{port}"
        wait_http(child, f"{url}/")
        return App(child, url)

    def start_worker(self, database_url: str) -> Child:
        child = self.children.start("bot-worker", [sys.executable, "-m", "bot", "worker"], self.service_env(database_url))
        wait_log(child, " running")
        return child

    def start_serve(self, name: str) -> tuple[Child, str, str]:
        """A fresh embedded service on a fresh SQLite file: returns (child, web URL, database URL)."""
        port = free_port()
        db_url = f"sqlite:///{self.work / f'{name}.db'}"
        child = self.children.start(name, [sys.executable, "-m", "bot", "serve", "--port", str(port)], self.service_env(db_url))
        url = f"http://127.0.0.1:{port}"
        wait_http(child, f"{url}/healthz", ok=lambda status: status == 200)
        return child, url, db_url

    def warm(self, url: str) -> None:
        """A short run first: imports, connection pools and the first-request paths are not what we measure."""
        self.closed(url, self.warmup_data, 1.0)

    # --- phases ----------------------------------------------------------------------------------

    def run(self) -> None:
        """Everything, in order: shared set-up, the PostgreSQL (scaled) mode, the SQLite (embedded) mode."""
        say(f"work dir {self.work}; starting PostgreSQL")
        self.pg.start()
        self.pg_url = self.pg.create_database("bench")
        standin_port = free_port()
        self.standin_url = f"http://127.0.0.1:{standin_port}"
        standin = self.children.start("line-standin", [sys.executable, "-m", "channels.line.standin", "--port", str(standin_port),
                                                       "--access-token", ACCESS_TOKEN])
        wait_http(standin, f"{self.standin_url}/__sandbox/stats", ok=lambda status: status == 200)
        init = subprocess.run([sys.executable, "-m", "bot", "init"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                              env={**self.children.base_env, **self.service_env(self.pg_url)})
        if init.returncode != 0:
            raise BenchError(f"python -m bot init failed:\n{init.stdout}{init.stderr}")
        say("writing webhook bodies")
        write_wrk_data(self.warmup_data, self.batch(3000))
        pool = self.wrk_file(self.bodies_for(self.o.duration))
        self.run_postgres(pool)
        self.backlog_claim()
        if not self.o.skip_sqlite:
            self.run_sqlite(pool)

    def run_postgres(self, pool: Path) -> None:
        say("starting our web tier (gunicorn), the bare Flask app and the SDK echo app")
        port = free_port()
        web = self.children.start("bot-web", [sys.executable, "-m", "bot", "web", "--workers", "2", "--port", str(port)],
                                  self.service_env(self.pg_url))
        ours = f"http://127.0.0.1:{port}"
        wait_http(web, f"{ours}/healthz", ok=lambda status: status == 200)
        bare = self.start_gunicorn_app("bare-flask", "bench.webhook:bare_app")
        echo = self.start_gunicorn_app("sdk-echo", "bench.webhook:make_echo_app()", {
            "BENCH_ECHO_API_BASE": self.standin_url, "BENCH_ECHO_ACCESS_TOKEN": ACCESS_TOKEN,
            "BENCH_ECHO_CHANNEL_SECRET": CHANNEL_SECRET})
        for url in (ours, bare.url, echo.url):
            self.warm(url)
        ack_ours = self.postgres_acks(web, ours, bare, echo, pool)
        self.children.stop(echo.child)
        self.children.stop(bare.child)
        self.postgres_end_to_end(web, ours)
        self.postgres_latency(ours, median(ack_ours) / 2)
        self.children.stop(web)
        self._scan_logs(("bot-web", "bot-worker"), "PostgreSQL")
        reset_postgres(self.pg_url)

    def postgres_acks(self, web: Child, ours: str, bare: App, echo: App, pool: Path) -> list[float]:
        """a (and the echo side of b): closed-loop runs, interleaved so that drift hits all three alike."""
        o = self.o
        ack_ours, ack_bare, echo_rates = [], [], []
        cpu_ours, cpu_bare, cpu_echo = [], [], []
        for rep in range(o.reps):
            reset_postgres(self.pg_url)  # the worker is stopped: every run starts from empty tables
            with cpu_window({"web": web.proc.pid, "PostgreSQL": self.pg.pid}) as used:
                result = self.closed(ours, pool, o.duration)
            self._note_errors("ours", result)
            ack_ours.append(result.rate)
            cpu_ours.append(per_item_ms(used, result.requests))
            with cpu_window({"web": bare.child.proc.pid}) as used:
                result = self.closed(bare.url, pool, o.duration)
            self._note_errors("bare Flask", dataclasses.replace(result, wrapped=0))  # it never looks at the body
            ack_bare.append(result.rate)
            cpu_bare.append(per_item_ms(used, result.requests))
            # The echo app replies inside the request: its replies are counted where they land.
            echo_data = self.wrk_file(self.bodies_for(o.duration, 2000))  # fresh reply tokens: each works once
            before = standin_stats(self.standin_url)
            with cpu_window({"web": echo.child.proc.pid}) as used:
                result = self.closed(echo.url, echo_data, o.duration)
            after = standin_stats(self.standin_url)
            self._note_errors("SDK echo", result)
            echo_rates.append((after[0] - before[0]) / result.seconds)
            cpu_echo.append(per_item_ms(used, after[0] - before[0]))
            echo_data.unlink()
            say(f"rep {rep + 1}/{o.reps}: ack/s ours {ack_ours[-1]:.0f}, bare {ack_bare[-1]:.0f}; echo replies/s {echo_rates[-1]:.0f}")
        self.bare_median, self.echo_median = median(ack_bare), median(echo_rates)
        self.echo_cpu = cpu_echo
        self.rows += self._ack_rows("PostgreSQL", ack_ours, ack_bare)
        self.rows.append(cpu_row("a", "PostgreSQL: CPU ms per ack, ours (web tier + PostgreSQL)", cpu_ours))
        self.rows.append(cpu_row("a", "bare Flask: CPU ms per ack", cpu_bare))
        self.echo_rates = echo_rates
        return ack_ours

    def postgres_end_to_end(self, web: Child, ours: str) -> None:
        """b: a fixed number of events with the worker running; the clock stops at the last reply."""
        o = self.o
        e2e, during, checks, cpu_e2e = [], [], [], []
        for rep in range(o.e2e_reps):
            reset_postgres(self.pg_url)
            worker = self.start_worker(self.pg_url)
            pids = {"web": web.proc.pid, "worker": worker.proc.pid, "PostgreSQL": self.pg.pid}
            with self.analyzing(self.pg_url), cpu_window(pids) as used:
                rate, acked, check = self.end_to_end(ours, self.pg_url)
            self.children.stop(worker)
            e2e.append(rate)
            during.append(acked)
            checks.append(check)
            cpu_e2e.append(per_item_ms(used, o.events))
            say(f"rep {rep + 1}/{o.e2e_reps}: {o.events} events, replies/s {rate:.0f} (ack/s {acked:.0f}); {'ok' if check.ok else 'FAILED'}")
        self._e2e_rows("PostgreSQL", e2e, during, self.echo_rates, checks)
        total = cpu_row("b", "PostgreSQL: CPU ms per event end to end, ours", cpu_e2e)
        total.target, total.passed = "<= 2.5 ms", total.median <= 2.5
        self.rows.append(total)
        self.rows.append(cpu_row("b", "SDK echo pattern: CPU ms per reply (its web tier)", self.echo_cpu))

    def postgres_latency(self, ours: str, rate: float) -> None:
        """c: the web tier alone, then with the worker competing for the same 2 cores, as in production."""
        for with_worker in (False, True):
            reset_postgres(self.pg_url)
            worker = self.start_worker(self.pg_url) if with_worker else None
            latency = self.latency(ours, rate)
            stored = count_rows(self.pg_url, "inbox_events")
            if worker is not None:
                self.children.stop(worker)
            self._latency_rows("PostgreSQL", latency, stored, "worker running" if with_worker else "web tier alone")

    def backlog_claim(self) -> None:
        """e: the outbox claim with a 2,000-row backlog on a fresh database (no statistics yet), then
        after ANALYZE: a plan that depends on statistics shows as a large ratio."""
        fresh, analyzed = backlog_claim_ms(self.pg.create_database("backlog"))
        ratio = median(fresh) / median(analyzed)
        self.rows.append(Row("e", "outbox claim, 2,000-row backlog, fresh database (no ANALYZE)", fresh, "ms", digits=2))
        self.rows.append(Row("e", "the same after ANALYZE", analyzed, "ms", digits=2))
        self.rows.append(Row("e", "ratio fresh / after ANALYZE", [ratio], target="<= 1.5", passed=ratio <= 1.5, digits=2))
        say(f"backlog claim: fresh {median(fresh):.2f} ms, after ANALYZE {median(analyzed):.2f} ms")

    def run_sqlite(self, pool: Path) -> None:
        """d. The embedded mode: web, worker and scheduler in one process on one SQLite file."""
        o = self.o
        ack, e2e, during, checks = [], [], [], []
        for rep in range(o.reps):  # each run on a fresh process and file: the worker cannot be stopped here
            serve, url, db_url = self.start_serve(f"sqlite-ack-{rep + 1}")
            self.warm(url)
            result = self.closed(url, pool, o.duration)
            self._note_errors("ours (SQLite)", result)
            ack.append(result.rate)
            wait_quiet(db_url)  # requests still queued in waitress would fail at SIGTERM (see the report)
            self.children.stop(serve)
            say(f"SQLite rep {rep + 1}/{o.reps}: ack/s {ack[-1]:.0f}")
        cpu_e2e = []
        for rep in range(o.e2e_reps):
            serve, url, db_url = self.start_serve(f"sqlite-e2e-{rep + 1}")
            with cpu_window({"serve": serve.proc.pid}) as used:
                rate, acked, check = self.end_to_end(url, db_url)
            self.children.stop(serve)
            cpu_e2e.append(per_item_ms(used, o.events))
            e2e.append(rate)
            during.append(acked)
            checks.append(check)
            say(f"SQLite rep {rep + 1}/{o.e2e_reps}: {o.events} events, replies/s {rate:.0f} (ack/s {acked:.0f}); {'ok' if check.ok else 'FAILED'}")
        self.rows += self._ack_rows("SQLite", ack, None)
        self._e2e_rows("SQLite", e2e, during, None, checks)
        self.rows.append(cpu_row("d", "SQLite: CPU ms per event end to end, the one process", cpu_e2e))
        serve, url, db_url = self.start_serve("sqlite-latency")
        latency = self.latency(url, median(ack) / 2)
        stored = count_rows(db_url, "inbox_events")
        self.children.stop(serve)
        self._latency_rows("SQLite", latency, stored, "worker in-process")
        locked = sum(path.read_text(errors="replace").count("database is locked") for path in (self.work / "logs").glob("*-sqlite-*.log"))
        self.rows.append(Row("d", "SQLite: 'database is locked' in the service's logs", [locked], target="0", passed=locked == 0))
        self._scan_logs(("sqlite-",), "SQLite")

    @contextlib.contextmanager
    def analyzing(self, url: str) -> Iterator[None]:
        """With --analyze: ANALYZE every second, as autovacuum would on a long-lived database.

        A diagnostic: right after TRUNCATE (or a fresh `bot init`) PostgreSQL has no statistics, and
        autovacuum looks only once a minute, so this shows what the plans cost with and without them.
        """
        if not self.o.analyze:
            yield
            return
        from sqlalchemy import text

        stop = threading.Event()

        def loop() -> None:
            engine = _engine(url)
            try:
                while not stop.wait(1.0):
                    with engine.connect() as connection:
                        connection.execute(text("ANALYZE inbox_events, inbox_lanes, outbox"))
                        connection.commit()
            finally:
                engine.dispose()

        thread = threading.Thread(target=loop, name="analyze", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def end_to_end(self, url: str, db_url: str) -> tuple[float, float, Check]:
        """Post `--events` events as fast as possible; returns (replies/s, ack/s, exactly-once check)."""
        batch = self.batch(self.o.events)
        want = len(batch.items)
        before = standin_stats(self.standin_url)
        started = time.monotonic()
        burst = send_burst(url, batch.items, self.o.connections)
        deadline = time.monotonic() + max(120.0, want / 20)
        last_progress, last_count = time.monotonic(), -1
        while True:
            delivered = standin_stats(self.standin_url)[0] - before[0]
            now = time.monotonic()
            if delivered >= want:
                break
            if delivered != last_count:
                last_progress, last_count = now, delivered
            if now > deadline or now - last_progress > 30:
                self.notes.append(f"end to end gave up at {delivered}/{want} replies after {now - started:.0f} s")
                break
            time.sleep(0.02)
        elapsed = time.monotonic() - started
        time.sleep(1.0)  # anything sent twice would arrive now
        after = standin_stats(self.standin_url)
        check = check_exactly_once(db_url, batch, burst.statuses, after[0] - before[0], after[1] - before[1])
        if burst.retries:
            self.notes.append(f"{burst.retries} requests were re-sent after a dropped keep-alive connection")
        return (delivered / elapsed if delivered >= want else float("nan")), want / burst.seconds, check

    def latency(self, url: str, rate: float) -> Latency:
        batch = self.batch(max(100, int(rate * self.o.duration)))
        say(f"open loop at {rate:.0f} req/s for {len(batch.items) / rate:.0f} s against {url}")
        return constant_rate(url, batch.items, rate, self.o.connections)

    # --- rows ------------------------------------------------------------------------------------

    def _note_errors(self, what: str, result: LoadResult) -> None:
        if result.errors:
            self.notes.append(f"{what}: {result.errors} non-2xx answers or socket errors in a {result.seconds:.0f} s run")
        if result.wrapped:
            self.notes.append(f"{what}: wrk ran out of unique bodies and repeated some ({result.wrapped} wraps)")

    def _ack_rows(self, db: str, ours: list[float], bare: list[float] | None) -> list[Row]:
        bare = bare if bare is not None else [self.bare_median]
        section = "a" if db == "PostgreSQL" else "d"
        where = "web tier, worker stopped" if db == "PostgreSQL" else "worker threads in the same process"
        ratio = median(ours) / median(bare)
        rows = [Row(section, f"{db}: webhook ack/s, ours ({where})", ours, "/s")]
        if section == "a":
            rows.append(Row(section, "bare Flask: webhook ack/s", bare, "/s"))
        rows.append(Row(section, f"{db}: ratio ours / bare Flask", [ratio], target=">= 0.5", passed=ratio >= 0.5, digits=2))
        return rows

    def _e2e_rows(self, db: str, e2e: list[float], during: list[float], echo: list[float] | None, checks: list[Check]) -> None:
        section = "b" if db == "PostgreSQL" else "d"
        echo = echo if echo is not None else [self.echo_median]
        ratio = median(e2e) / median(echo)
        self.rows.append(Row(section, f"{db}: replies/s end to end, ours ({self.o.events} events)", e2e, "/s"))
        self.rows.append(Row(section, f"{db}: ack/s of that burst (worker running)", during, "/s"))
        if section == "b":
            self.rows.append(Row(section, "SDK echo pattern: replies/s (reply inside the request)", echo, "/s"))
        self.rows.append(Row(section, f"{db}: ratio ours / SDK echo", [ratio], target=">= 0.75", passed=ratio >= 0.75, digits=2))
        ok = all(c.ok for c in checks)
        self.rows.append(Row(section, f"{db}: exactly once (every run)", [], target="all", passed=ok,
                             note=("ok: " + checks[-1].summary) if ok else "; ".join(p for c in checks for p in c.problems)))

    def _latency_rows(self, db: str, latency: Latency, stored: int, setting: str) -> None:
        section = "c" if db == "PostgreSQL" else "d"
        label = f"{db}: ack latency at {latency.rate:.0f} req/s, {setting}"
        note = f"{latency.sent} requests, {latency.errors} errors, {latency.late} sent late, {stored} stored"
        self.rows.append(Row(section, f"{label}, p50", [latency.p50], "ms", digits=1))
        limit = 25 if db == "PostgreSQL" else 50  # the targets: PostgreSQL < 25 ms, embedded SQLite < 50 ms
        self.rows.append(Row(section, f"{label}, p99", [latency.p99], "ms", target=f"< {limit} ms", passed=latency.p99 < limit,
                             note=note, digits=1))
        if latency.errors or stored != latency.sent:
            self.notes.append(f"{db} latency run: {latency.errors} failed requests, {stored} of {latency.sent} events stored")

    def _scan_logs(self, prefixes: Sequence[str], db: str) -> None:
        """Errors the service logged while we measured it: any is worth a look, even if numbers look fine."""
        count, examples = 0, []
        for path in sorted((self.work / "logs").glob("*.log")):
            if not any(path.name[3:].startswith(p) for p in prefixes):
                continue
            for line in path.read_text(errors="replace").splitlines():
                if '"level": "error"' in line or "[ERROR]" in line or line.startswith("Traceback"):
                    count += 1
                    if len(examples) < 2:
                        examples.append(f"{path.name}: {line[:200]}")
        if count:
            self.notes.append(f"{db}: {count} error lines in the service's logs, e.g. " + " | ".join(examples))


# --- the report -----------------------------------------------------------------------------------


def _format(value: float, digits: int) -> str:
    return "n/a" if value != value else f"{value:,.{digits}f}"  # NaN != NaN


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def report(bench: Bench, options: Options, started: float, load_before: float) -> str:
    commit = _git("rev-parse", "--short", "HEAD") or "n/a"
    dirty = " +uncommitted changes" if _git("status", "--porcelain", "--untracked-files=no") else ""
    load = (f"wrk {bench.wrk.version}, {options.wrk_threads} threads" if bench.use_wrk else "Python threads (wrk not used)")
    lines = [
        "",
        "Webhook benchmark",
        f"  date {datetime.now(UTC):%Y-%m-%d %H:%M UTC}   nproc {os.cpu_count()}   Python {platform.python_version()}   "
        f"PostgreSQL {bench.pg.version or 'n/a'} (fsync {'on' if options.fsync else 'off'})   commit {commit}{dirty}",
        f"  load average before the run {load_before:.2f} (anything else running skews every number)   total time {time.monotonic() - started:.0f} s",
        f"  closed loop: {load}, {options.connections} connections, {options.duration:g} s per run, {options.reps} repetition(s); "
        "gunicorn 2 workers x 4 threads (gthread)",
        f"  open loop and end to end: Python threads, {options.connections} keep-alive connections; "
        f"{options.events} events per end-to-end run, {options.e2e_reps} repetition(s)"
        + ("; ANALYZE every second during PostgreSQL end-to-end runs (--analyze)" if options.analyze else ""),
        "  median shown, single runs in brackets; ratios are ratios of medians",
        "",
    ]
    width = max(len(r.label) for r in bench.rows) + 2
    lines.append(f"   {'metric':<{width}}{'median':>10}  {'target':<9} {'result':<6} runs / details")
    lines.append("   " + "-" * (width + 45))
    for row in bench.rows:
        value = "" if not row.values else _format(row.median, row.digits) + ("" if row.unit in ("", "/s") else f" {row.unit}")
        verdict = "" if row.passed is None else ("PASS" if row.passed else "FAIL")
        runs = ", ".join(_format(v, row.digits) for v in row.values) if len(row.values) > 1 else ""
        details = "  ".join(x for x in (f"[{runs}]" if runs else "", row.note) if x)
        lines.append(f"{row.section:<3}{row.label:<{width}}{value:>10}  {row.target:<9} {verdict:<6} {details}".rstrip())
    if bench.notes:
        lines.append("")
        lines.append("Notes:")
        lines += [f"  - {note}" for note in dict.fromkeys(bench.notes)]
    return "\n".join(lines)


# Defaults of a full run (4 to 5 minutes) and of --quick (about a minute); flags given win.
FULL = {"duration": 6.0, "events": 2000, "reps": 3, "e2e_reps": 2}
QUICK = {"duration": 3.0, "events": 500, "reps": 1, "e2e_reps": 1}


def parse_args(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, help=f"seconds per closed-loop and open-loop run (default {FULL['duration']:g})")
    parser.add_argument("--events", type=int, help=f"events per end-to-end run (default {FULL['events']})")
    parser.add_argument("--reps", type=int, help=f"repetitions of each closed-loop run (default {FULL['reps']})")
    parser.add_argument("--e2e-reps", type=int, help=f"repetitions of each end-to-end run (default {FULL['e2e_reps']})")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections of every load generator (default 16)")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--quick", action="store_true",
                        help=f"a smoke run: {QUICK['duration']:g} s runs, 1 repetition, {QUICK['events']} events")
    parser.add_argument("--no-fsync", action="store_true", help="run PostgreSQL with fsync and synchronous_commit off")
    parser.add_argument("--analyze", action="store_true",
                        help="diagnostic: ANALYZE the queue tables every second during PostgreSQL end-to-end runs")
    parser.add_argument("--skip-sqlite", action="store_true", help="leave out the embedded SQLite mode (d)")
    parser.add_argument("--python-load", action="store_true", help="use the Python load generator even if wrk is installed")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, databases) for a look afterwards")
    args = parser.parse_args(argv)
    for name, default in (QUICK if args.quick else FULL).items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    if min(args.duration, args.events, args.reps, args.e2e_reps, args.connections, args.wrk_threads) <= 0:
        parser.error("--duration, --events, --reps, --e2e-reps, --connections and --wrk-threads must be positive")
    return Options(args.duration, args.events, args.reps, args.e2e_reps, args.connections, args.wrk_threads,
                   not args.no_fsync, args.keep, args.skip_sqlite, args.python_load, args.analyze)


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP clean up like Ctrl+C does: through the `finally` that stops the children."""
    def interrupt(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    if shutil.which("wrk") is None and not options.python_load:
        print("note: wrk is not installed (apt-get install -y wrk); using the slower Python load generator", file=sys.stderr)
    started, load_before = time.monotonic(), os.getloadavg()[0]
    if load_before > 0.5:
        print(f"note: the load average is {load_before:.2f}; other work on this machine will skew the numbers", file=sys.stderr)
    work = Path(tempfile.mkdtemp(prefix="bench-webhook-"))
    os.chmod(work, 0o755)  # the postgres user must reach its directory inside
    bench = Bench(options, work)
    code = 0
    with _terminate_as_interrupt():
        try:
            bench.run()
        except KeyboardInterrupt:
            print("\ninterrupted: stopping everything", file=sys.stderr)
            code = 130
        except BenchError as exc:
            print(f"\nbenchmark failed: {exc}", file=sys.stderr)
            code = 1
        finally:
            bench.children.stop_all()
            bench.pg.stop()
            if code == 1:
                shutil.rmtree(work / "pg", ignore_errors=True)  # the logs are what helps
            if options.keep or code == 1:
                print(f"work directory kept: {work}", file=sys.stderr)
            else:
                shutil.rmtree(work, ignore_errors=True)
    if bench.rows:
        print(report(bench, options, started, load_before))
    return code


if __name__ == "__main__":
    sys.exit(main())
