"""Order lines and interests from the database as index arrays for `recommendations`, the nightly
"bought together" and per-customer recommendations with their offline check, and their storage.

The offline check: fit on the lines before the last `holdout_weeks`; for each customer who bought
before and after that cut-off, was one of the new products they then bought among their top 5?
The same for the top 5 best-sellers they had not bought, as the baseline to beat.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
from scipy import sparse
from sqlalchemy import bindparam, delete, insert, text
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.crm.value import recommendations as recs
from bot.crm.value.history import CHUNK
from models import CustomerRecommendation, ProductPair
from models.base import UTCDateTime

TOP = 5

LINES_SQL = """
SELECT customer_id, sku, CASE WHEN placed_at < :cut THEN 1 ELSE 0 END
FROM order_lines WHERE known AND sku IS NOT NULL AND placed_at < :now
"""

INTERESTS_SQL = {
    "postgresql": """SELECT c.id, p.sku FROM customers c
                     CROSS JOIN LATERAL jsonb_array_elements_text(CASE WHEN jsonb_typeof(c.interests) = 'array'
                                                                       THEN c.interests ELSE '[]'::jsonb END) AS i(v)
                     JOIN products p ON p.category = i.v""",
    "sqlite": """SELECT c.id, p.sku FROM customers c, json_each(c.interests) AS i JOIN products p ON p.category = i.value""",
}


def _rows(session: Session, statement: Any, params: dict[str, Any]) -> list[Any]:
    result = session.execute(statement.execution_options(stream_results=True, max_row_buffer=CHUNK), params)
    return [row for part in result.partitions(CHUNK) for row in part]


def run_recommendations(session: Session, settings: Settings, now: datetime) -> dict[str, object]:
    """Compute and store pairs and per-customer recommendations; returns the model's quality."""
    cut = now - timedelta(weeks=settings.value.holdout_weeks)
    statement = text(LINES_SQL).bindparams(bindparam("cut", type_=UTCDateTime()), bindparam("now", type_=UTCDateTime()))
    lines = _rows(session, statement, {"cut": cut, "now": now})
    session.execute(delete(ProductPair))
    session.execute(delete(CustomerRecommendation))
    if not lines:
        return {"usable": False, "lines": 0}
    customer_ids, skus, before = (np.array(column) for column in zip(*lines, strict=True))
    people, person = np.unique(customer_ids.astype(np.int64), return_inverse=True)
    catalogue, product = np.unique(skus.astype(str), return_inverse=True)
    before = before.astype(bool)
    quality = offline_check(person, product, before, len(people), len(catalogue), settings.value.min_support)
    baskets = recs.basket_matrix(person, product, len(people), len(catalogue))
    related, similarity = recs.bought_together(baskets, settings.value.min_support)
    interest = interest_matrix(session, people, catalogue)
    who, what, score = recs.recommend(baskets, similarity, interest, TOP)
    _store_pairs(session, catalogue, related)
    _store_recommendations(session, people, catalogue, who, what, score)
    quality.update(usable=True, lines=len(lines), products=len(catalogue), pairs=len(related.sku), customers=int(len(np.unique(who))))
    return quality


def offline_check(person: np.ndarray, product: np.ndarray, before: np.ndarray, people: int, products: int,
                  min_support: int) -> dict[str, object]:
    train = recs.basket_matrix(person[before], product[before], people, products)
    later = recs.basket_matrix(person[~before], product[~before], people, products)
    new = later - later.multiply(train)  # bought after the cut-off and not before
    new.eliminate_zeros()
    new_c, new_p = new.nonzero()
    has_history = np.asarray(train.sum(axis=1)).ravel() > 0
    customers = np.unique(new_c[has_history[new_c]])
    if len(customers) == 0:
        return {"test_customers": 0, "hit_rate": None, "best_seller_hit_rate": None}
    _, similarity = recs.bought_together(train, min_support)
    who, what, _ = recs.recommend(train[customers], similarity, None, TOP)
    model = recs.hit_rate((customers[who], what), (new_c, new_p), customers, products)
    baseline = recs.hit_rate(recs.best_sellers(train, customers, TOP), (new_c, new_p), customers, products)
    return {"test_customers": int(len(customers)), "hit_rate": model, "best_seller_hit_rate": baseline}


def interest_matrix(session: Session, people: np.ndarray, catalogue: np.ndarray) -> sparse.csr_matrix | None:
    dialect = session.get_bind().dialect.name
    rows = _rows(session, text(INTERESTS_SQL.get(dialect, INTERESTS_SQL["sqlite"])), {})
    if not rows:
        return None
    ids, skus = (np.array(column) for column in zip(*rows, strict=True))
    c = np.searchsorted(people, ids.astype(np.int64))
    p = np.searchsorted(catalogue, skus.astype(str))
    ok = (c < len(people)) & (p < len(catalogue))
    ok[ok] &= (people[c[ok]] == ids[ok].astype(np.int64)) & (catalogue[p[ok]] == skus[ok].astype(str))
    return recs.basket_matrix(c[ok], p[ok], len(people), len(catalogue))


def _store_pairs(session: Session, catalogue: np.ndarray, related: recs.Related) -> None:
    rows = [{"sku": a, "related_sku": b, "together": int(n), "lift": round(float(lift), 4), "rank": int(r)}
            for a, b, n, lift, r in zip(catalogue[related.sku].tolist(), catalogue[related.related].tolist(),
                                        related.together.tolist(), related.lift.tolist(), related.rank.tolist(), strict=True)]
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(ProductPair), rows[start:start + CHUNK])


def _store_recommendations(session: Session, people: np.ndarray, catalogue: np.ndarray, who: np.ndarray, what: np.ndarray,
                           score: np.ndarray) -> None:
    starts = np.searchsorted(who, who, side="left")  # `recommend` returns each customer's items together, best first
    rank = np.arange(len(who)) - starts + 1
    columns = (people[who].tolist(), rank.tolist(), catalogue[what].tolist(), np.round(score, 4).tolist())
    rows = [{"customer_id": c, "rank": r, "sku": s, "score": v} for c, r, s, v in zip(*columns, strict=True)]
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(CustomerRecommendation), rows[start:start + CHUNK])
