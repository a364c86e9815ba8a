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
from sqlalchemy import bindparam, delete, select, text
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.crm.value import recommendations as recs
from bot.crm.value.history import CHUNK, rows_array
from bot.crm.value.store import bulk_write
from models import CustomerRecommendation, Product, ProductPair
from models.base import UTCDateTime

TOP = 5

# products by their integer id, so ten million lines come into numpy as integers, not strings
LINES_SQL = """
SELECT ol.customer_id, p.id, CASE WHEN ol.placed_at < :cut THEN 1 ELSE 0 END
FROM order_lines ol JOIN products p ON p.sku = ol.sku
WHERE ol.placed_at < :now
"""

INTERESTS_SQL = {
    "postgresql": """SELECT c.id, p.id FROM customers c
                     CROSS JOIN LATERAL jsonb_array_elements_text(CASE WHEN jsonb_typeof(c.interests) = 'array'
                                                                       THEN c.interests ELSE '[]'::jsonb END) AS i(v)
                     JOIN products p ON p.category = i.v""",
    "sqlite": """SELECT c.id, p.id FROM customers c, json_each(c.interests) AS i JOIN products p ON p.category = i.value""",
}


def _integers(session: Session, statement: Any, params: dict[str, Any], width: int) -> np.ndarray:
    """An integer query's rows as one (n, width) array, read in chunks."""
    result = session.execute(statement.execution_options(stream_results=True, max_row_buffer=CHUNK), params)
    return rows_array(result, width, np.int64)


def run_recommendations(session: Session, settings: Settings, now: datetime) -> dict[str, object]:
    """Compute and store pairs and per-customer recommendations; returns the model's quality."""
    cut = now - timedelta(weeks=settings.value.holdout_weeks)
    statement = text(LINES_SQL).bindparams(bindparam("cut", type_=UTCDateTime()), bindparam("now", type_=UTCDateTime()))
    lines = _integers(session, statement, {"cut": cut, "now": now}, 3)
    session.execute(delete(ProductPair))
    session.execute(delete(CustomerRecommendation))
    if not len(lines):
        return {"usable": False, "lines": 0}
    people, person = np.unique(lines[:, 0], return_inverse=True)
    catalogue, product = np.unique(lines[:, 1], return_inverse=True)  # product ids
    before = lines[:, 2].astype(bool)
    del lines
    quality = offline_check(person, product, before, len(people), len(catalogue), settings.value.min_support)
    baskets = recs.basket_matrix(person, product, len(people), len(catalogue))
    related, similarity = recs.bought_together(baskets, settings.value.min_support)
    interest = interest_matrix(session, people, catalogue)
    who, what, score = recs.recommend(baskets, similarity, interest, TOP)
    sku_of = dict(session.execute(select(Product.id, Product.sku).where(Product.id.in_(catalogue.tolist()))).all())
    skus = np.array([sku_of[int(i)] for i in catalogue.tolist()], dtype=object)  # one per product, not per customer
    _store_pairs(session, skus, related)
    _store_recommendations(session, people, skus, who, what, score)
    quality.update(usable=True, lines=int(len(person)), products=len(catalogue), pairs=len(related.sku), customers=int(len(np.unique(who))))
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
    rows = _integers(session, text(INTERESTS_SQL.get(dialect, INTERESTS_SQL["sqlite"])), {}, 2)
    if not len(rows):
        return None
    ids, products = rows[:, 0], rows[:, 1]
    c = np.searchsorted(people, ids)
    p = np.searchsorted(catalogue, products)
    ok = (c < len(people)) & (p < len(catalogue))
    ok[ok] &= (people[c[ok]] == ids[ok]) & (catalogue[p[ok]] == products[ok])
    return recs.basket_matrix(c[ok], p[ok], len(people), len(catalogue))


def _store_pairs(session: Session, catalogue: np.ndarray, related: recs.Related) -> None:
    rows = zip(catalogue[related.sku].tolist(), catalogue[related.related].tolist(), related.together.tolist(),
               np.round(related.lift, 4).tolist(), related.rank.tolist(), strict=True)
    bulk_write(session, ProductPair, ("sku", "related_sku", "together", "lift", "rank"), rows)


def _store_recommendations(session: Session, people: np.ndarray, catalogue: np.ndarray, who: np.ndarray, what: np.ndarray,
                           score: np.ndarray) -> None:
    starts = np.searchsorted(who, who, side="left")  # `recommend` returns each customer's items together, best first
    rank = np.arange(len(who)) - starts + 1
    rows = zip(people[who].tolist(), rank.tolist(), catalogue[what].tolist(), np.round(score, 4).tolist(), strict=True)
    bulk_write(session, CustomerRecommendation, ("customer_id", "rank", "sku", "score"), rows)
