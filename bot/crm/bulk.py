"""Many rows in few statements: the demo generator and the imports write thousands of rows, where
one ORM object per row would take minutes instead of seconds.

Why ids come back in order: a caller that inserts customers then writes their channel accounts
needs each new id next to the row it came from (`sort_by_parameter_order`, which SQLAlchemy keeps
on both SQLite and PostgreSQL with its "insertmanyvalues" batches).

Why COPY on PostgreSQL for large batches: even Core INSERTs spend most of their time building
parameters; COPY streams the rows (ids drawn from the table's sequence first, when the caller needs
them), which is what lets 100,000 customers import within the issue's minute.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

CHUNK = 2000
COPY_FROM = 500  # rows; below this an INSERT is as quick and simpler


def insert_rows(session: Session, model: Any, rows: Sequence[dict[str, Any]], *, ids: bool = False) -> list[int]:
    """Insert `rows` (dicts of one shape) into `model`'s table; their new ids in order when asked.
    A column a row leaves out gets the model's default, as an ORM insert would."""
    if not rows:
        return []
    table = model.__table__
    if session.get_bind().dialect.name == "postgresql" and len(rows) >= COPY_FROM:
        return _copy(session, table, rows, ids)
    made: list[int] = []
    for start in range(0, len(rows), CHUNK):
        chunk = list(rows[start:start + CHUNK])
        if ids:
            made += list(session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), chunk))
        else:
            session.execute(insert(table), chunk)
    return made


def _copy(session: Session, table: Any, rows: Sequence[dict[str, Any]], ids: bool) -> list[int]:
    session.flush()
    new_ids: list[int] = []
    if ids:
        sequence = session.scalar(text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table.name})
        new_ids = list(session.scalars(text("SELECT nextval(:sequence) FROM generate_series(1, :n)"),
                                       {"sequence": sequence, "n": len(rows)}))
    defaults = _python_defaults(table, rows[0])
    columns = (["id"] if ids else []) + list(rows[0]) + list(defaults)
    quoted = ", ".join(f'"{name}"' for name in columns)
    raw: Any = session.connection().connection.dbapi_connection  # psycopg's own connection, for COPY
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
        for index, row in enumerate(rows):
            values = [_plain(row[name]) for name in row] + [_plain(default(None)) for default in defaults.values()]
            copy.write_row([new_ids[index], *values] if ids else values)
    return new_ids


def _python_defaults(table: Any, given: dict[str, Any]) -> dict[str, Any]:
    """The model's Python-side defaults (`default=list`, `default=utcnow`) for the columns a row
    leaves out: COPY, unlike an INSERT through SQLAlchemy, knows nothing of them. Each is a function
    of an (unused) execution context."""
    found = {}
    for column in table.columns:
        default = column.default
        if column.name in given or column.name == "id" or default is None or getattr(default, "is_sequence", False):
            continue
        found[column.name] = default.arg if default.is_callable else (lambda _context, value=default.arg: value)
    return found


def _plain(value: Any) -> Any:
    """A value as COPY takes it: JSON as text, times as naive UTC (how UTCDateTime stores them)."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    return value
