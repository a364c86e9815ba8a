"""Many rows in few statements: the demo generator and the imports write thousands of rows, where
one ORM object per row would take minutes instead of seconds.

Why ids come back in order: a caller that inserts customers then writes their channel accounts
needs each new id next to the row it came from (`sort_by_parameter_order`, which SQLAlchemy keeps
on both SQLite and PostgreSQL with its "insertmanyvalues" batches).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

CHUNK = 2000


def insert_rows(session: Session, model: Any, rows: Sequence[dict[str, Any]], *, ids: bool = False) -> list[int]:
    """Insert `rows` (dicts of one shape) into `model`'s table; their new ids in order when asked."""
    made: list[int] = []
    for start in range(0, len(rows), CHUNK):
        chunk = list(rows[start:start + CHUNK])
        if ids:
            made += list(session.scalars(insert(model).returning(model.id, sort_by_parameter_order=True), chunk))
        else:
            session.execute(insert(model), chunk)
    return made
