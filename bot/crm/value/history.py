"""Each buyer's purchase history at one or more cut-off dates, as numpy arrays, from ONE scan of
orders.

Why one GROUP BY for every cut-off: the nightly run needs the history at four dates (today; the
lifetime-value holdout's cut-off; the churn model's two cut-offs), four numbers each (purchases,
first and last purchase, spend) plus what happened in the weeks after each cut-off. Reading ten
million orders four times was most of the run; one scan with a FILTER per cut-off reads them
once. Times come back as epoch seconds and become days in numpy. The customers' refunds (amount
< 0, not purchases) come from the same scan, for the clusters' loss flags.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import bindparam
from sqlalchemy.orm import Session

from bot.crm.value.arrays import CHUNK, query_array, rows_array
from models.base import UTCDateTime

__all__ = ["CHUNK", "History", "history", "histories", "rows_array"]

DAY = 86400.0

# numpy arrays of one dtype, one entry per customer who bought before the cut-off
FloatArray = np.ndarray
IntArray = np.ndarray

EPOCH = {"postgresql": "EXTRACT(EPOCH FROM {})", "sqlite": "((julianday({}) - 2440587.5) * 86400.0)"}


@dataclass(frozen=True)
class History:
    at: datetime
    customer_id: IntArray
    purchases: FloatArray  # purchases before `at`
    tenure_days: FloatArray  # from the first purchase to `at`
    span_days: FloatArray  # from the first purchase to the last before `at`
    average_amount: FloatArray
    total_amount: FloatArray
    after: FloatArray  # purchases in [at, at + horizon)
    refunds: FloatArray | None = None  # refunded amount (positive), all time; with the first cut-off's history only

    def __len__(self) -> int:
        return len(self.customer_id)

    @property
    def recency_days(self) -> FloatArray:
        return np.asarray(self.tenure_days - self.span_days, dtype=np.float64)


def _scan_sql(dialect: str, cutoffs: int) -> str:
    epoch = EPOCH.get(dialect, EPOCH["sqlite"])
    f = "CAST({} AS DOUBLE PRECISION)"
    columns = ["customer_id", f"COALESCE({epoch.format('MIN(placed_at) FILTER (WHERE amount > 0)')}, 0)",
               "COALESCE(-SUM(CAST(amount AS DOUBLE PRECISION)) FILTER (WHERE amount < 0), 0)"]
    for i in range(cutoffs):
        before = f"amount > 0 AND placed_at < %(at{i})s"
        columns += [f.format(f"COUNT(*) FILTER (WHERE {before})"),
                    f"COALESCE({epoch.format(f'MAX(placed_at) FILTER (WHERE {before})')}, 0)",
                    f"COALESCE(SUM(CAST(amount AS DOUBLE PRECISION)) FILTER (WHERE {before}), 0)",
                    f.format(f"COUNT(*) FILTER (WHERE amount > 0 AND placed_at >= %(at{i})s AND placed_at < %(end{i})s)")]
    return f"SELECT {', '.join(f.format(c) for c in columns)} FROM orders WHERE placed_at < %(end)s GROUP BY customer_id"


def histories(session: Session, cutoffs: list[tuple[datetime, float]]) -> list[History]:
    """The history at each (cut-off, horizon in days): buyers with a purchase before the cut-off,
    and their purchases in the horizon after it. One scan of orders for all of them."""
    dialect = session.get_bind().dialect.name
    params: dict[str, datetime] = {"end": max(at + timedelta(days=days) for at, days in cutoffs)}
    for i, (at, days) in enumerate(cutoffs):
        params[f"at{i}"], params[f"end{i}"] = at, at + timedelta(days=days)
    typed = [bindparam(name, type_=UTCDateTime()) for name in params]
    table = query_array(session, _scan_sql(dialect, len(cutoffs)), params, 3 + 4 * len(cutoffs), np.float64, typed)
    order = np.argsort(table[:, 0], kind="stable")
    out = []
    for i, (at, _) in enumerate(cutoffs):  # gathered column by column: no sorted copy of the whole table
        rows = order[table[order, 3 + 4 * i] > 0]
        n, first = table[rows, 3 + 4 * i], table[rows, 1]
        spend = table[rows, 5 + 4 * i]
        out.append(History(at=at, customer_id=table[rows, 0].astype(np.int64), purchases=n,
                           tenure_days=np.maximum((at.timestamp() - first) / DAY, 0.0),
                           span_days=np.maximum((table[rows, 4 + 4 * i] - first) / DAY, 0.0),
                           average_amount=spend / n, total_amount=spend, after=table[rows, 6 + 4 * i],
                           refunds=table[rows, 2] if i == 0 else None))
    return out


def history(session: Session, at: datetime, horizon_days: float = 0.0) -> History:
    """Buyers with a purchase before `at`, their history up to it, and their purchases in the
    `horizon_days` after it (zero when no horizon is asked for)."""
    return histories(session, [(at, horizon_days)])[0]
