"""The command line as an operator and a newcomer use it: real processes, real HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import inspect, select
from werkzeug.serving import make_server

from bot.app import create_app
from bot.runtime import build_runtime
from models import Lease
from models.db import make_engine, make_session_factory
from tests.conftest import make_settings
from tests.pg import free_port

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = {"init": "migrations", "serve": "one process", "web": "gunicorn", "worker": "engine and delivery",
            "scheduler": "exactly one active", "chat": "Sign a LINE webhook"}


def run_bot(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env={**os.environ, **(env or {})},
                          capture_output=True, text=True, timeout=timeout)


def start_bot(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=ROOT, env={**os.environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"process exited early: {process.stderr.read()}")
        try:
            if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):  # still booting, or slow under load
            pass
        time.sleep(0.2)
    pytest.fail(f"{url} never became healthy")


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_explains_itself(command):
    result = run_bot(command, "--help")
    assert result.returncode == 0 and COMMANDS[command] in " ".join(result.stdout.split())


def test_init_is_idempotent(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite"}
    for _ in range(2):
        result = run_bot("init", env=env)
        assert result.returncode == 0, result.stderr
        assert "database ready" in result.stdout
    tables = inspect(make_engine(env["DATABASE_URL"])).get_table_names()
    assert {"customers", "inbox_events", "outbox", "alembic_version"} <= set(tables)


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path, standin):
    settings = make_settings(f"postgresql://postgres@127.0.0.1:{free_port()}/nothing", tmp_path, standin.url)
    runtime = build_runtime(settings)
    http = make_server("127.0.0.1", 0, create_app(runtime=runtime), threaded=True)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    try:
        response = requests.get(f"http://127.0.0.1:{http.server_port}/healthz", timeout=10)
        assert response.status_code == 503 and response.json()["status"] == "unavailable"
    finally:
        http.shutdown()
        runtime.close()


def test_healthz_is_200_with_the_database_up(server):
    response = requests.get(f"{server}/healthz", timeout=5)
    assert response.status_code == 200 and response.json()["database"] == "ok"


def test_a_newcomer_can_chat_with_the_sandbox(tmp_path):
    """`make run`'s path: serve with no LINE credentials, then `python -m bot chat`."""
    port = free_port()
    env = {"BOT_APP_DATA_DIR": str(tmp_path / "var"), "DATABASE_URL": f"sqlite:///{tmp_path}/bot.db",
           "BOT_LINE_CHANNEL_SECRET": "", "BOT_LINE_CHANNEL_ACCESS_TOKEN": ""}
    process = start_bot("serve", "--port", str(port), env=env)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process)
        follow = run_bot("chat", "--follow", env=env)
        assert follow.returncode == 0, follow.stderr
        assert "歡迎加入青田書店" in follow.stdout and "--postback 'faq:0'" in follow.stdout
        hours = run_bot("chat", "what are your hours?", env=env)
        assert "Opening hours" in hours.stdout
        pressed = run_bot("chat", "--postback", "faq:1", env=env)
        assert "Address" in pressed.stdout
        assert not (tmp_path / "var" / "sandbox.json").stat().st_mode & 0o077  # the secret file is private
    finally:
        stop(process)
    output = process.stdout.read()
    assert f"Service running at http://127.0.0.1:{port}" in output and "Sandbox mode" in output
    assert process.returncode == 0


def test_chat_without_a_running_sandbox_says_what_to_do(tmp_path):
    result = run_bot("chat", "hi", env={"BOT_APP_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2 and "start the service first with `make run`" in result.stderr


def test_web_tier_under_gunicorn_serves_webhooks_and_health(tmp_path, standin):
    port = free_port()
    db_url = f"sqlite:///{tmp_path}/bot.db"
    env = {"DATABASE_URL": db_url, "BOT_LINE_CHANNEL_SECRET": "s" * 32, "BOT_LINE_CHANNEL_ACCESS_TOKEN": "t",
           "BOT_LINE_API_BASE": standin.url}
    assert run_bot("init", env=env).returncode == 0
    process = start_bot("web", "--port", str(port), "--workers", "2", env=env)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process)
        response = requests.post(f"http://127.0.0.1:{port}/webhooks/line", data=b"{}", timeout=5)
        assert response.status_code == 400 and "X-Line-Signature" in response.json()["error"]
    finally:
        stop(process)


def test_a_second_scheduler_waits_and_takes_over_when_the_first_dies(tmp_path, db_url):
    env = {"DATABASE_URL": db_url, "BOT_SCHEDULER_LOCK_TTL_SECONDS": "2", "BOT_APP_DATA_DIR": str(tmp_path)}
    sessions = make_session_factory(make_engine(db_url))

    def holder() -> str | None:
        with sessions() as session:
            lease = session.scalar(select(Lease).where(Lease.name == "scheduler"))
            return lease.owner if lease and lease.expires_at.timestamp() > time.time() else None

    first = start_bot("scheduler", env=env)
    second = None
    try:
        deadline = time.monotonic() + 20
        while holder() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        leader = holder()
        assert leader is not None and f":{first.pid}:" in leader
        second = start_bot("scheduler", env=env)
        time.sleep(1.5)
        assert holder() == leader  # the second waits
        first.kill()
        first.wait()
        deadline = time.monotonic() + 15
        while (holder() in (None, leader)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert holder() is not None and f":{second.pid}:" in holder()
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                stop(process)
