"""Engine and session factory for SQLite (embedded) and PostgreSQL (scaled).

Why `BEGIN IMMEDIATE` on SQLite: a deferred transaction that reads and then writes fails at once
with "database is locked" when another thread wrote in between, whatever the busy timeout. Taking
the write lock at the start makes writers queue politely behind the busy timeout instead; inside
one process they queue in arrival order on a lock of ours first (models/sqlite_writer.py).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.orm import Session, sessionmaker

from models import sqlite_writer


def make_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> Engine:
    """Create the engine for a database URL, tuned for its dialect."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, echo=echo)
    if parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    # No pre-ping: it costs a round trip on every checkout of every webhook. A connection that a
    # database restart broke fails once (the webhook answers 5xx and LINE redelivers) and is replaced.
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800, echo=echo,
                           hide_parameters=True)
    event.listen(engine, "handle_error", _without_values)
    return engine


def _sqlite_engine(url: str, *, echo: bool) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    factory = sqlite_writer.connection_class(sqlite_writer.FifoLock())  # one queue of writers per engine (per file)
    engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30, "factory": factory},
                           hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        first = bool(connection.get_execution_options().get(sqlite_writer.FIRST_IN_LINE))
        sqlite_writer.begin_write(connection.connection.driver_connection, first=first)  # BEGIN IMMEDIATE, queued

    return engine


def _without_values(context: ExceptionContext) -> None:
    """Take the values out of a PostgreSQL error before anyone logs or stores its text.

    `hide_parameters` keeps the statement's parameters out of the exception, but the server's own
    message repeats them: `DETAIL: Key (email)=(...) already exists`, `invalid input syntax for
    type integer: "..."`. The message becomes the primary line with quoted values blanked, plus the
    SQLSTATE and the constraint, table and column names (`diag` keeps every field for code)."""
    original = context.original_exception
    described = value_free_message(original)
    if described is None:
        return
    original.args = (described,)
    wrapped = context.sqlalchemy_exception
    if wrapped is not None:
        wrapped.args = (f"({type(original).__module__}.{type(original).__name__}) {described}",)


def value_free_message(error: BaseException) -> str | None:
    """A PostgreSQL error's message without the data it quotes; None for errors the server did not send."""
    diag = getattr(error, "diag", None)
    primary = getattr(diag, "message_primary", None)
    if diag is None or not primary:
        return None
    names = {diag.constraint_name, diag.table_name, diag.column_name, diag.datatype_name, diag.schema_name} - {None}
    message = _QUOTED.sub(lambda m: m.group(0) if m.group(1) in names else '"…"', primary)
    where = [f"{label} {value}" for label, value in (("sqlstate", diag.sqlstate), ("constraint", diag.constraint_name),
                                                    ("table", diag.table_name), ("column", diag.column_name)) if value]
    return f"{message} ({', '.join(where)})" if where else message


_QUOTED = re.compile(r'"([^"]*)"')


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def is_postgresql(engine_or_session: Engine | Session) -> bool:
    bind = engine_or_session.get_bind() if isinstance(engine_or_session, Session) else engine_or_session
    return bind.dialect.name == "postgresql"


def conflict_insert(session: Session) -> Any:
    """The dialect's `insert` construct, the one with `on_conflict_do_nothing` / `on_conflict_do_update`
    (PostgreSQL's and SQLite's take the same arguments): for idempotent inserts and upserts."""
    return postgresql.insert if is_postgresql(session) else sqlite.insert
