"""Planted "bought together" pairs are found and the best-seller is not; customers get the missing
half of a pair, interest categories first; the nightly run stores them on both databases, checks
itself against best-sellers, and the shop API serves them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import numpy as np
import requests
from sqlalchemy import select

from bot.crm.bulk import insert_rows
from bot.crm.value import recommendations as recs
from jobs import recompute
from models import Customer, CustomerRecommendation, Order, OrderLine, Product, ProductPair, ValueModel, utcnow
from tests.api.test_api import Api
from tests.commerce import api_key
from tests.crm.value.shop import with_value

PRODUCTS = ["BEST", "P1", "P2", "P3", "P4", "N1", "N2", "N3", "N4", "N5"]
CATEGORY = {"BEST": "書", "P1": "文學", "P2": "文學", "P3": "童書", "P4": "繪本", "N1": "書", "N2": "書", "N3": "書", "N4": "書", "N5": "書"}


def planted_baskets(rng: np.random.Generator, customers: int = 400) -> list[set[str]]:
    """80 % buy the best-seller; P1 buyers mostly buy P2, P3 buyers mostly P4; noise elsewhere."""
    baskets = []
    for _ in range(customers):
        basket = {p for p in ("N1", "N2", "N3", "N4", "N5") if rng.random() < 0.15}
        if rng.random() < 0.8:
            basket.add("BEST")
        if rng.random() < 0.2:
            basket |= {"P1", "P2"} if rng.random() < 0.85 else {"P1"}
        if rng.random() < 0.2:
            basket |= {"P3", "P4"} if rng.random() < 0.85 else {"P3"}
        baskets.append(basket)
    return baskets


def matrix(baskets: list[set[str]]):
    pairs = [(c, PRODUCTS.index(p)) for c, basket in enumerate(baskets) for p in basket]
    c, p = (np.array(v) for v in zip(*pairs, strict=True))
    return recs.basket_matrix(c, p, len(baskets), len(PRODUCTS))


def test_planted_pairs_are_found_and_the_best_seller_is_not():
    baskets = matrix(planted_baskets(np.random.default_rng(1)))
    related, similarity = recs.bought_together(baskets, min_support=3)
    top = {PRODUCTS[a]: PRODUCTS[b] for a, b, r in zip(related.sku, related.related, related.rank, strict=True) if r == 1}
    assert top["P1"] == "P2" and top["P2"] == "P1" and top["P3"] == "P4" and top["P4"] == "P3"
    lifts = {(PRODUCTS[a], PRODUCTS[b]): lift for a, b, lift in zip(related.sku, related.related, related.lift, strict=True)}
    assert lifts[("P1", "P2")] > 3 and all(abs(v - 1) < 0.35 for (a, b), v in lifts.items() if "BEST" in (a, b))
    assert "BEST" not in top.values()
    # one who bought P1 and the best-seller gets P2 first; with P1 and P3 and an interest in 繪本, P4 first
    shoppers = matrix([{"P1", "BEST"}, {"P1", "P3"}, {"P1", "P3"}])
    interest = recs.basket_matrix(np.array([2]), np.array([PRODUCTS.index("P4")]), 3, len(PRODUCTS))
    who, what, _ = recs.recommend(shoppers, similarity, interest, top=5)
    first = {int(c): PRODUCTS[p] for c, p in zip(who[::-1], what[::-1], strict=True)}  # the last written is rank 1
    assert first[0] == "P2" and first[2] == "P4" and first[1] in ("P2", "P4")
    assert not any(PRODUCTS[p] in ("P1", "BEST") for c, p in zip(who, what, strict=True) if c == 0)


def test_nightly_stores_them_and_checks_against_best_sellers(runtime, db, server):
    now = utcnow()
    rng = np.random.default_rng(2)
    baskets = planted_baskets(rng, 300)
    with runtime.sessions.begin() as s:
        insert_rows(s, Product, [{"sku": p, "name": {"en": p}, "category": CATEGORY[p]} for p in PRODUCTS])
        ids = insert_rows(s, Customer, [{"language": "zh-TW", "interests": ["繪本"] if k % 2 else []} for k in range(len(baskets))], ids=True)
        # one order per item, some after the holdout cut-off: the next purchases
        items = [(cid, sku, now - timedelta(days=float(rng.uniform(0, 300)))) for cid, basket in zip(ids, baskets, strict=True)
                 for sku in sorted(basket)]
        orders = insert_rows(s, Order, [{"customer_id": cid, "amount": Decimal(300), "placed_at": at, "source": "test", "items": []}
                                        for cid, _, at in items], ids=True)
        insert_rows(s, OrderLine, [{"order_id": o, "customer_id": cid, "sku": sku, "quantity": 1, "unit_price": Decimal(300), "placed_at": at}
                                   for o, (cid, sku, at) in zip(orders, items, strict=True)])
    recompute.value(runtime.sessions, with_value(runtime.settings, holdout_weeks=13, max_clusters=3), now)
    pairs = {(p.sku, p.related_sku): p for p in db.all(select(ProductPair))}
    assert pairs[("P1", "P2")].rank == 1 and pairs[("P3", "P4")].rank == 1
    quality = db.get(ValueModel, "recommendations").quality
    assert quality["usable"] and quality["test_customers"] > 20, quality
    assert quality["hit_rate"] > quality["best_seller_hit_rate"], quality
    recommended = db.all(select(CustomerRecommendation))
    assert recommended and all(r.rank >= 1 for r in recommended)
    # the shop API: related products, and the customer with their figures and recommendations
    readonly = Api(server, api_key(runtime, "readonly"))
    related = requests.get(f"{readonly.base}/products/P1/related", headers=readonly.headers(), timeout=30)
    assert related.status_code == 200 and related.json()["related"][0]["sku"] == "P2", related.text
    assert related.json()["related"][0]["product"]["category"] == "文學"
    assert requests.get(f"{readonly.base}/products/P1/related", timeout=30).status_code == 401
    someone = recommended[0].customer_id
    body = requests.get(f"{readonly.base}/customers/{someone}", headers=readonly.headers(), timeout=30).json()
    assert body["recommendations"][0] == min(recommended, key=lambda r: (r.customer_id != someone, r.rank)).sku, body
    assert 0 <= body["value"]["churn_risk"] <= 1 and body["value"]["expected_purchases"] >= 0
