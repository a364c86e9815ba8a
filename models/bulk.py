"""Writing many rows fast: PostgreSQL's COPY, or executemany elsewhere.

Why: planning a broadcast to 100,000 customers, or advancing 100,000 customers of a journey one
step, writes 100,000 recipient, step or outbox rows. INSERT statements, even batched, spend most of their time building and parsing SQL;
COPY streams the rows in one command, several times faster. The rows go into the caller's
transaction either way, so a failed plan leaves nothing behind.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, insert, text
from sqlalchemy.orm import Session

from models.base import UTCDateTime

EXECUTEMANY_CHUNK = 5000


def bulk_insert(session: Session, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys, every required column given) into `model`'s table."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        for start in range(0, len(rows), EXECUTEMANY_CHUNK):
            session.execute(insert(model), rows[start:start + EXECUTEMANY_CHUNK])
        return
    table = model.__table__
    names = list(rows[0])
    convert = [_converter(table.columns[name].type) for name in names]
    driver_connection = session.connection().connection.driver_connection
    assert driver_connection is not None  # a checked-out connection always has its driver's
    cursor = driver_connection.cursor()
    quoted = ", ".join(f'"{name}"' for name in names)
    with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([fn(row[name]) for fn, name in zip(convert, names, strict=True)])


def _converter(column_type: Any) -> Any:
    if isinstance(column_type, UTCDateTime):
        converted: dict[datetime, datetime] = {}  # a plan's rows share a few instants (now, a slot, an expiry)

        def naive(value: datetime | None) -> datetime | None:
            if value is None:
                return None
            if value not in converted:
                converted[value] = _naive_utc(value)
            return converted[value]
        return naive
    if isinstance(column_type, JSON):
        return lambda value: None if value is None else json.dumps(value, ensure_ascii=False)
    return lambda value: value


def _naive_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column; use an aware datetime")
    return value.astimezone(UTC).replace(tzinfo=None)


def new_ids(session: Session, model: Any, count: int) -> list[int]:
    """`count` fresh primary keys from the table's sequence (PostgreSQL), so rows written by COPY
    can be referred to by the rows written with them."""
    table = model.__table__.name
    return list(session.scalars(text(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, :n)"),
                                {"n": count}))
