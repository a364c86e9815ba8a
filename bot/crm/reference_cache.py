"""Reference data cached per process, re-read only when its version stamp in the database changes.

Why: the FAQ answers and the complaint phrase lists were read from the database on every message
(a SELECT and an autoflush each, about 1 ms of the worker's CPU), though staff change them a few
times a month. Now each message costs one primary-key read of the stamp (`models/reference.py`),
and an edit still takes effect on the very next message, in every process: the triggers that
bump the stamp commit with the edit.

Entries are keyed by database (a process may talk to several: the tests do) and remember the
settings object they were built with, because the fallbacks come from config.toml.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ReferenceVersion
from models.reference import STAMP_ROW

T = TypeVar("T")

_STAMP = select(ReferenceVersion.version).where(ReferenceVersion.id == STAMP_ROW)
_lock = threading.Lock()
_entries: dict[tuple[str, str], tuple[int, object, Any]] = {}  # (database, name) -> (stamp, settings, value)


def reference_stamp(session: Session) -> int | None:
    """The current stamp, read once per transaction and without flushing the session; None when
    the row is missing (a database emptied by hand): then nothing is cached.

    Once per transaction because an event's handlers ask for several kinds of reference data; the
    transactions that edit reference data (the console's) read it uncached."""
    transaction = session.get_transaction()
    memo = session.info.get("reference_stamp")
    if memo is not None and memo[0] is transaction:
        return memo[1]  # type: ignore[no-any-return]
    stamp = session.connection().execute(_STAMP).scalar()
    session.info["reference_stamp"] = (transaction, stamp)
    return stamp


def cached(session: Session, name: str, settings: object, load: Callable[[Session], T]) -> T:
    """`load(session)`'s value, from this process's cache while the stamp is unchanged.

    The stamp is read before the data, in the same transaction: an edit committed in between
    leaves newer data under the older stamp, and the next call reloads; never the reverse."""
    stamp = reference_stamp(session)
    key = (session.get_bind().engine.url.render_as_string(hide_password=True), name)
    if stamp is not None:
        with _lock:
            entry = _entries.get(key)
        if entry is not None and entry[0] == stamp and entry[1] is settings:
            return entry[2]  # type: ignore[no-any-return]
    value = load(session)
    if stamp is not None:
        with _lock:
            _entries[key] = (stamp, settings, value)
    return value


def forget() -> None:
    """Drop every entry (tests that compare cached with uncached reads)."""
    with _lock:
        _entries.clear()
