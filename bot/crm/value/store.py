"""Writing the nightly results: per-customer arrays into `customer_values`, each model's
parameters and quality into `value_models`.

Why delete and insert in chunks: every buyer's figures change every night, so an UPDATE per
customer would touch every row anyway; chunks of plain tuples keep memory flat however many
customers there are.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from models import CustomerValue, ValueCluster, ValueModel

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

    def rows() -> Iterator[tuple[Any, ...]]:
        for start in range(0, total, CHUNK):
            stop = min(start + CHUNK, total)
            parts = [_column(None if columns.get(name) is None else columns[name][start:stop], stop - start,  # type: ignore[index]
                             False if name == "loss" else None) for name in COLUMNS]
            for cid, *values in zip(customer_id[start:stop].tolist(), *parts, strict=True):
                yield (cid, *values, now)

    bulk_write(session, CustomerValue, ("customer_id", *COLUMNS, "computed_at"), rows())
    return total


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
