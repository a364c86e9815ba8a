"""Fixtures: both databases, the LINE stand-in, the real app over HTTP, a worker, a chat helper.

Every test that takes `db_url` (directly or through the fixtures built on it) runs twice: on
SQLite and on a real PostgreSQL server.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from bot.app import create_app
from bot.clock import ManualClock
from bot.config import Settings, load_settings
from bot.runtime import Runtime, build_runtime
from bot.worker import Worker
from channels.line.standin import LineStandin
from jobs.scheduler import LeaderScheduler
from models import Base
from models.db import make_engine
from models.migrate import upgrade
from tests.chat import Chat
from tests.pg import PostgresServer

CHANNEL_SECRET = "test-channel-secret-0123456789ab"
ACCESS_TOKEN = "test-access-token"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_template(pg_server: PostgresServer) -> str:
    url = pg_server.create_database("bot_test")
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "bot.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_template")
    engine = make_engine(url)
    with engine.begin() as connection:
        tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def standin_server() -> Iterator[LineStandin]:
    standin = LineStandin(access_token=ACCESS_TOKEN)
    standin.start()
    yield standin
    standin.stop()


@pytest.fixture
def standin(standin_server: LineStandin) -> LineStandin:
    standin_server.reset()
    return standin_server


def service_environ(db_url: str, tmp_path: Path, api_base: str, **overrides: str) -> dict[str, str]:
    """The environment that points the service at a test database and the LINE stand-in."""
    return {
        "BOT_APP_ENV": "test",
        "BOT_APP_DATA_DIR": str(tmp_path / "var"),
        "DATABASE_URL": db_url,
        "BOT_LINE_CHANNEL_SECRET": CHANNEL_SECRET,
        "BOT_LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN,
        "BOT_LINE_API_BASE": api_base,
        "BOT_LINE_READ_TIMEOUT": "2",
        "BOT_WORKER_BACKOFF_BASE_SECONDS": "0.01",
        "BOT_WORKER_BACKOFF_MAX_SECONDS": "0.05",
        # Tests plan marketing on the wall clock too: the shop's quiet hours (21:00-09:00 by default)
        # would make a run at night differ from one by day. Tests of the quiet hours set them.
        "BOT_JOURNEYS_QUIET_START": "00:00",
        "BOT_JOURNEYS_QUIET_END": "00:00",
        **overrides,
    }


def make_settings(db_url: str, tmp_path: Path, api_base: str, **overrides: str) -> Settings:
    return load_settings(environ=service_environ(db_url, tmp_path, api_base, **overrides))


@pytest.fixture
def settings(db_url: str, tmp_path: Path, standin: LineStandin) -> Settings:
    return make_settings(db_url, tmp_path, standin.url)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    runtime = build_runtime(settings)
    yield runtime
    runtime.close()


@pytest.fixture
def server(runtime: Runtime) -> Iterator[str]:
    """The real Flask app, over real HTTP, on a free local port."""
    http = make_server("127.0.0.1", 0, create_app(runtime=runtime), threaded=True)
    thread = threading.Thread(target=http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)  # quick shutdown
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    http.server_close()


@pytest.fixture
def worker(runtime: Runtime) -> Worker:
    return Worker(runtime.settings, runtime.sessions, runtime.router, runtime.channels, owner="test-worker")


@pytest.fixture
def chat(server: str, worker: Worker, standin: LineStandin) -> Chat:
    return Chat(server, worker, standin, CHANNEL_SECRET)


class ShortReads:
    """Each read in its own short transaction, so a test never holds SQLite's write lock
    while the app under test needs it."""

    def __init__(self, runtime: Runtime) -> None:
        self._sessions = runtime.sessions

    def scalar(self, statement: Any) -> Any:
        with self._sessions() as session:
            return session.scalar(statement)

    def all(self, statement: Any) -> list[Any]:
        with self._sessions() as session:
            return list(session.scalars(statement).all())

    def get(self, model: Any, key: Any) -> Any:
        with self._sessions() as session:
            return session.get(model, key)


@pytest.fixture
def db(runtime: Runtime) -> ShortReads:
    return ShortReads(runtime)


# Tuesday 3 March 2026, 09:00 in Taipei: a working day, an hour before the first bookable slot.
CLOCK_START = datetime(2026, 3, 3, 9, 0, tzinfo=ZoneInfo("Asia/Taipei"))


@pytest.fixture
def clock(worker: Worker) -> ManualClock:
    """A clock the worker (Context.now) and the `scheduler` fixture read; tests move it."""
    clock = ManualClock(CLOCK_START)
    worker.clock = clock
    return clock


@pytest.fixture
def scheduler(runtime: Runtime, clock: ManualClock) -> LeaderScheduler:
    """The scheduler's jobs, run by hand with `scheduler.run_interval_jobs()` at the clock's time."""
    return LeaderScheduler(runtime.settings, runtime.sessions, "test-scheduler", clock)


# Markers, so a developer can run a fast subset: `pytest -m "not browser and not postgres and not slow"`.
# `make test` runs everything. They are set here from what a test uses, not by hand in each file.

# Tests that start real `python -m bot ...` processes, or take two seconds or more on SQLite alone
# (measured with `pytest --durations`): whole files, or single tests as `file::name`, under tests/.
TESTS = Path(__file__).resolve().parent
SLOW = frozenset({
    "cli/test_cli.py",
    "channels/test_channels_cli.py",
    "spine/test_crash.py",
    "spine/test_serve_stop.py",
    "web/test_worker_metrics.py",
    "api/test_api.py::test_cli_adds_a_key_that_works_once_printed",
    "config/test_config.py::test_the_cli_stops_with_one_line_naming_the_key",
    "jobs/test_scheduler.py::test_a_second_scheduler_process_waits_and_takes_over_when_the_leader_dies",
    "channels/telegram/test_telegram_delivery.py::test_the_worker_holds_every_limit_with_no_429",
    "console/test_users.py::test_cli_user_add_generates_and_prints_a_password",
    "console/test_zh_tw_walk.py::test_every_console_page_in_zh_tw_shows_no_internal_code",
    "console/test_proxy_logins.py::test_without_trusted_proxies_a_forged_header_does_not_escape_the_limit",
    "console/test_proxy_logins.py::test_behind_one_proxy_each_client_address_is_limited_on_its_own",
    "console/test_planning.py::test_control_group_is_drawn_at_random_stored_and_never_sent",
    "console/test_login_concurrency.py::test_a_burst_of_wrong_passwords_checks_at_most_the_limit",
})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        callspec = getattr(item, "callspec", None)
        if (callspec is not None and callspec.params.get("db_url") == "postgresql") or fixtures & {"pg_server", "pg_template"}:
            item.add_marker(pytest.mark.postgres)
        if "browser" in fixtures:  # tests/console/conftest.py's Playwright browser (and `page_for` built on it)
            item.add_marker(pytest.mark.browser)
        path = item.path.relative_to(TESTS).as_posix()
        if path in SLOW or f"{path}::{getattr(item, 'originalname', item.name)}" in SLOW:
            item.add_marker(pytest.mark.slow)
