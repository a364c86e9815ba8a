"""`python -m bot serve` stops gracefully: SIGTERM / SIGINT end accepting, let the request in flight
answer, close idle keep-alive connections, stop the worker and scheduler threads, and exit 0.

The in-flight request is a wrong console password: the login commits its failure row and then
sleeps half a second before answering (bot/console/auth_views.py), so the test sees the row appear
and signals while the request is certainly inside the app.
"""

from __future__ import annotations

import re
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.cli.test_cli import start_bot, wait_healthy
from tests.pg import free_port

STOP_WITHIN = 8.0  # seconds: the grace period (5 s) is a ceiling, an idle server stops at once


def serve(tmp_path: Path) -> tuple[object, str, Path]:
    port, database = free_port(), tmp_path / "bot.db"
    env = {"BOT_APP_DATA_DIR": str(tmp_path / "var"), "DATABASE_URL": f"sqlite:///{database}",
           "BOT_LINE_CHANNEL_SECRET": "", "BOT_LINE_CHANNEL_ACCESS_TOKEN": "",
           "BOT_EMAIL_RECEIVER_PORT": str(free_port())}
    process = start_bot("serve", "--port", str(port), env=env)
    base = f"http://127.0.0.1:{port}"
    wait_healthy(base, process)
    return process, base, database


def wait_exit(process, started: float) -> float:  # noqa: ANN001 - a subprocess.Popen
    try:
        process.wait(STOP_WITHIN + 5)
    except Exception:
        process.kill()
        process.wait()
        pytest.fail(f"serve did not stop after the signal:\n{process.stderr.read()[-3000:]}")
    return time.monotonic() - started


def login_failures(database: Path) -> int:
    with sqlite3.connect(database, timeout=5) as connection:
        return connection.execute("SELECT count(*) FROM login_failures").fetchone()[0]


@pytest.mark.parametrize("signal_number", [pytest.param(signal.SIGTERM, id="SIGTERM"), pytest.param(signal.SIGINT, id="SIGINT")])
def test_a_signal_stops_serve_at_once_even_with_an_idle_keep_alive_connection(tmp_path, signal_number):
    process, base, _ = serve(tmp_path)
    keep_alive = requests.Session()
    assert keep_alive.get(f"{base}/healthz", timeout=5).status_code == 200  # the connection stays open, idle
    started = time.monotonic()
    process.send_signal(signal_number)
    took = wait_exit(process, started)
    stderr = process.stderr.read()
    assert process.returncode == 0, stderr[-3000:]
    assert took < STOP_WITHIN, f"took {took:.1f} s"
    assert "Traceback" not in stderr, stderr[-3000:]
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{base}/healthz", timeout=2)


def test_a_request_in_flight_gets_its_answer_before_serve_exits(tmp_path):
    process, base, database = serve(tmp_path)
    client = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(f"{base}/console/login", timeout=10).text).group(1)
    outcome: dict[str, object] = {}

    def wrong_password() -> None:
        try:
            answer = client.post(f"{base}/console/login", timeout=20,
                                 data={"email": "nobody@shop.test", "password": "wrong-password", "csrf_token": token})
            outcome["status"], outcome["at"] = answer.status_code, time.monotonic()
        except requests.RequestException as exc:
            outcome["error"] = repr(exc)

    request = threading.Thread(target=wrong_password)
    request.start()
    deadline = time.monotonic() + 15
    while login_failures(database) == 0:  # committed: the app is now in its half-second delay
        assert time.monotonic() < deadline and request.is_alive(), f"the login never reached the database: {outcome}"
        time.sleep(0.005)
    signalled = time.monotonic()
    process.send_signal(signal.SIGTERM)
    request.join(20)
    took = wait_exit(process, signalled)
    stderr = process.stderr.read()
    assert outcome.get("status") == 401, f"the request in flight lost its answer: {outcome}\n{stderr[-3000:]}"
    assert outcome["at"] > signalled, "the answer came before the signal: the request was not in flight"
    assert process.returncode == 0 and took < STOP_WITHIN, (process.returncode, took, stderr[-3000:])
