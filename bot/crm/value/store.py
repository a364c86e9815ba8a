"""Writing the nightly results: per-customer arrays into `customer_values`, each model's
parameters and quality into `value_models`.

Why delete and insert: every buyer's figures change every night, so an UPDATE per customer would
touch every row anyway. On PostgreSQL the arrays go through binary COPY (`arrays.copy_in`, built
by numpy) into a temporary table and one INSERT ... SELECT; elsewhere chunks of plain tuples keep
memory flat however many customers there are.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import bindparam, delete, insert, select, text
from sqlalchemy.orm import Session

from bot.crm.value.arrays import copy_in
from models import CustomerValue, ValueCluster, ValueModel
from models.base import UTCDateTime

CHUNK = 20_000
COLUMNS = ("expected_purchases", "expected_spend", "p_alive", "churn_risk", "cluster", "loss")


def _column(values: np.ndarray | None, n: int, default: Any = None) -> list[Any]:
    if values is None:
        return [default] * n
    if values.dtype == np.bool_ or np.issubdtype(values.dtype, np.integer):
        return list(values.tolist())
    cleaned = np.where(np.isfinite(values), values, np.nan).astype(object)
    cleaned[np.isnan(values.astype(np.float64))] = None
    return list(cleaned.tolist())


def bulk_write(session: Session, model: Any, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> None:
    """Rows into `model`'s table: COPY on PostgreSQL (a million rows in seconds), chunked INSERTs
    elsewhere."""
    table = model.__table__.name
    if session.get_bind().dialect.name == "postgresql":
        cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(dict(zip(columns, row, strict=True)))
        if len(chunk) >= CHUNK:
            session.execute(insert(model), chunk)
            chunk = []
    if chunk:
        session.execute(insert(model), chunk)


def write_customer_values(session: Session, customer_id: np.ndarray, columns: dict[str, np.ndarray | None], now: datetime) -> int:
    """Replace every row of `customer_values` with these arrays (one entry per customer)."""
    session.execute(delete(CustomerValue))
    total = len(customer_id)
    if session.get_bind().dialect.name == "postgresql":
        _copy_customer_values(session, customer_id, columns, now)
        return total

    def rows() -> Iterator[tuple[Any, ...]]:
        for start in range(0, total, CHUNK):
            stop = min(start + CHUNK, total)
            parts = [_column(None if columns.get(name) is None else columns[name][start:stop], stop - start,  # type: ignore[index]
                             False if name == "loss" else None) for name in COLUMNS]
            for cid, *values in zip(customer_id[start:stop].tolist(), *parts, strict=True):
                yield (cid, *values, now)

    bulk_write(session, CustomerValue, ("customer_id", *COLUMNS, "computed_at"), rows())
    return total


VALUES_TEMP = """CREATE TEMPORARY TABLE value_rows (customer_id BIGINT, expected_purchases FLOAT8, expected_spend FLOAT8,
                 p_alive FLOAT8, churn_risk FLOAT8, cluster BIGINT, loss BOOLEAN) ON COMMIT DROP"""
VALUES_INSERT = """INSERT INTO customer_values (customer_id, expected_purchases, expected_spend, p_alive, churn_risk, cluster,
                                                loss, computed_at)
SELECT customer_id, NULLIF(expected_purchases, 'NaN'), NULLIF(expected_spend, 'NaN'), NULLIF(p_alive, 'NaN'),
       NULLIF(churn_risk, 'NaN'), NULLIF(cluster, 0), loss, :now FROM value_rows"""


def _copy_customer_values(session: Session, customer_id: np.ndarray, columns: dict[str, np.ndarray | None], now: datetime) -> None:
    """PostgreSQL: the arrays through binary COPY into a temporary table (NaN and cluster 0 for
    "none"), then one INSERT ... SELECT: a million rows without a Python tuple each."""
    n = len(customer_id)
    arrays: dict[str, np.ndarray] = {"customer_id": customer_id.astype(np.int64)}
    for name in COLUMNS:
        given = columns.get(name)
        if name == "loss":
            arrays[name] = np.zeros(n, bool) if given is None else given.astype(bool)
        elif name == "cluster":
            arrays[name] = np.zeros(n, np.int64) if given is None else given.astype(np.int64)
        else:
            values = np.full(n, np.nan) if given is None else given.astype(np.float64)
            arrays[name] = np.where(np.isfinite(values), values, np.nan)
    session.execute(text("DROP TABLE IF EXISTS value_rows"))
    session.execute(text(VALUES_TEMP))
    copy_in(session, "value_rows", arrays)
    session.execute(text(VALUES_INSERT).bindparams(bindparam("now", type_=UTCDateTime())), {"now": now})
    session.execute(text("DROP TABLE value_rows"))


def save_model(session: Session, name: str, params: dict[str, Any], quality: dict[str, Any], now: datetime) -> None:
    row = session.get(ValueModel, name) or ValueModel(name=name)
    row.params, row.quality, row.computed_at = params, quality, now
    session.add(row)


def save_clusters(session: Session, stats: list[dict[str, Any]], suggested: list[str], now: datetime) -> None:
    """Replace the clusters; a strategy the marketer chose for a cluster number is kept (clusters
    are numbered by leverage, so number 1 is always the most valuable group)."""
    chosen = dict(session.execute(select(ValueCluster.id, ValueCluster.strategy).where(ValueCluster.strategy.is_not(None))).all())
    session.execute(delete(ValueCluster))
    session.add_all([ValueCluster(id=number, customers=int(row["customers"]), stats=row, suggested=suggestion,
                                  strategy=chosen.get(number), computed_at=now)
                     for number, (row, suggestion) in enumerate(zip(stats, suggested, strict=True), start=1)])
