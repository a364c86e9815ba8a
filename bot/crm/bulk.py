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

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from models.bulk import bulk_insert, new_ids

CHUNK = 2000
COPY_FROM = 500  # rows; below this an INSERT is as quick and simpler


def insert_rows(session: Session, model: Any, rows: Sequence[dict[str, Any]], *, ids: bool = False) -> list[int]:
    """Insert `rows` (dicts of one shape) into `model`'s table; their new ids in order when asked.
    A column a row leaves out gets the model's default, as an ORM insert would."""
    if not rows:
        return []
    table = model.__table__
    if session.get_bind().dialect.name == "postgresql" and len(rows) >= COPY_FROM:
        return _copy(session, model, rows, ids)
    made: list[int] = []
    for start in range(0, len(rows), CHUNK):
        chunk = list(rows[start:start + CHUNK])
        if ids:
            made += list(session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), chunk))
        else:
            session.execute(insert(table), chunk)
    return made


def _copy(session: Session, model: Any, rows: Sequence[dict[str, Any]], ids: bool) -> list[int]:
    """COPY through `models.bulk`, the one COPY writer, with ids drawn first when the caller needs them."""
    session.flush()
    defaults = _python_defaults(model.__table__, rows[0])
    new = new_ids(session, model, len(rows)) if ids else []
    complete = [{**({"id": new[index]} if ids else {}), **row, **{name: default(None) for name, default in defaults.items()}}
                for index, row in enumerate(rows)]
    bulk_insert(session, model, complete)
    return new


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

