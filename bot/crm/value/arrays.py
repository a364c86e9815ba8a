"""A query's rows as one numpy array, for the nightly value models.

Why COPY in binary on PostgreSQL: the nightly run reads a row per customer (a million) and a row
per (customer, product) bought (about ten million). Through the driver every value becomes a
Python object first; `COPY (query) TO STDOUT (FORMAT binary)` sends fixed-width records that
numpy reads straight from the bytes, in chunks, so memory stays at the size of the final array.
The query must return `width` columns of one type (float8 or int4 here), never NULL (COALESCE);
every record's column count and field lengths are checked, so a NULL or a column of another size
fails loudly (binary COPY carries no types: a bigint read as float8 cannot be told apart).
Elsewhere (SQLite, the tests) the rows come through the driver in chunks.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

import numpy as np
from sqlalchemy import Result, text
from sqlalchemy.orm import Session

CHUNK = 100_000
HEADER = 19  # PGCOPY signature (11), flags (4), header extension length (4)
# the binary COPY type of each numpy dtype we read: (record field dtype, its size in bytes)
WIRE = {np.dtype(np.float64): ">f8", np.dtype(np.int32): ">i4", np.dtype(np.int64): ">i8"}


def rows_array(result: Result[Any], width: int, dtype: Any) -> np.ndarray:
    """A query's rows as one (n, width) array, read in chunks. `np.fromiter` over the flattened
    values: handing SQLAlchemy rows to `np.array` directly makes numpy probe each row for array
    attributes, which cost more than the query itself."""
    parts = []
    for part in result.partitions(CHUNK):
        flat = np.fromiter(chain.from_iterable(part), dtype=dtype, count=len(part) * width)
        parts.append(flat.reshape(-1, width))
    return np.concatenate(parts) if parts else np.empty((0, width), dtype=dtype)


def _record(width: int, dtype: Any) -> np.dtype:
    fields: list[tuple[str, str]] = [("count", ">i2")]
    for i in range(width):
        fields += [(f"length{i}", ">i4"), (f"value{i}", WIRE[np.dtype(dtype)])]
    return np.dtype(fields)


def copy_array(session: Session, sql: str, params: dict[str, Any], width: int, dtype: Any) -> np.ndarray:
    """(n, width) array of `sql`'s rows through binary COPY. `sql` uses psycopg's %(name)s
    placeholders (COPY cannot take server-side parameters; psycopg binds them client-side)."""
    record = _record(width, dtype)
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    parts: list[np.ndarray] = []
    blocks: list[bytes] = []
    size = 0
    skip = HEADER

    def parse(final: bool) -> None:
        nonlocal blocks, size, skip
        data = b"".join(blocks)[skip:]
        skip = 0
        whole = len(data) // record.itemsize * record.itemsize
        if whole:
            rows = np.frombuffer(data, dtype=record, count=whole // record.itemsize)
            size_of = record[f"value{0}"].itemsize
            if np.any(rows["count"] != width) or any(np.any(rows[f"length{i}"] != size_of) for i in range(width)):
                raise ValueError(f"binary COPY rows are not {width} non-NULL columns of {np.dtype(dtype).name}: "
                                 "a NULL or a column of another type")
            parts.append(np.column_stack([rows[f"value{i}"] for i in range(width)]).astype(dtype))
        rest = data[whole:]
        if final and rest not in (b"", b"\xff\xff"):  # the trailer is -1 as int16
            raise ValueError(f"binary COPY ended with {len(rest)} unexpected bytes: a NULL or a column of another type")
        blocks, size = [rest], len(rest)

    with cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT binary)", params) as copy:
        for block in copy:  # libpq hands over one row at a time; they are parsed a few megabytes at once
            blocks.append(bytes(block))
            size += len(block)
            if size >= 8 << 20:
                parse(False)
    parse(True)
    return _joined(parts, width, dtype)


def _joined(parts: list[np.ndarray], width: int, dtype: Any) -> np.ndarray:
    """The parts one after the other, each released once copied: the peak is the result plus one
    part, where np.concatenate would hold every part and the result at once (twice the size)."""
    out = np.empty((sum(len(p) for p in parts), width), dtype=dtype)
    at = 0
    for i in range(len(parts)):
        out[at:at + len(parts[i])] = parts[i]
        at += len(parts[i])
        parts[i] = out[:0]
    return out


def query_array(session: Session, sql: str, params: dict[str, Any], width: int, dtype: Any, bind: Any = None) -> np.ndarray:
    """`sql` (psycopg placeholders %(name)s) on PostgreSQL through `copy_array`; elsewhere the
    same text with :name placeholders through the driver. `bind` adds SQLAlchemy bind parameter
    types (e.g. UTCDateTime for times on SQLite)."""
    if session.get_bind().dialect.name == "postgresql":
        return copy_array(session, sql, params, width, dtype)
    statement = text(_colon_style(sql, params))
    if bind:
        statement = statement.bindparams(*bind)
    result = session.execute(statement.execution_options(stream_results=True, max_row_buffer=CHUNK), params)
    return rows_array(result, width, dtype)


def _colon_style(sql: str, params: dict[str, Any]) -> str:
    for name in params:
        sql = sql.replace(f"%({name})s", f":{name}")
    return sql


SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # the signature, no flags, no header extension
WRITE_CHUNK = 200_000


def copy_in(session: Session, table: str, columns: dict[str, np.ndarray]) -> None:
    """Equal-length arrays into `table`'s columns of the same names (PostgreSQL only), through
    binary COPY built by numpy: fixed-width records, no Python object per row. Floats go as
    float8, integers as int8, booleans as bool; no NULLs (a temporary table takes NaN or 0 and
    the INSERT that reads it turns them into NULL)."""
    names = list(columns)
    wire = [">f8" if columns[n].dtype.kind == "f" else "?" if columns[n].dtype.kind == "b" else ">i8" for n in names]
    fields: list[tuple[str, str]] = [("count", ">i2")]
    for i, kind in enumerate(wire):
        fields += [(f"length{i}", ">i4"), (f"value{i}", kind)]
    record = np.dtype(fields)
    total = len(columns[names[0]]) if names else 0
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN (FORMAT binary)") as copy:
        copy.write(SIGNATURE)
        for start in range(0, total, WRITE_CHUNK):
            stop = min(start + WRITE_CHUNK, total)
            rows = np.empty(stop - start, dtype=record)
            rows["count"] = len(names)
            for i, name in enumerate(names):
                rows[f"length{i}"] = np.dtype(wire[i]).itemsize
                rows[f"value{i}"] = columns[name][start:stop]
            copy.write(rows.tobytes())
        copy.write(b"\xff\xff")
