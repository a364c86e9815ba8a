"""Planted clusters are found (adjusted Rand index), numbered by leverage, described as seed 003
does, and given the strategy of the stated rule; losses are flagged."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from sklearn.metrics import adjusted_rand_score

from bot.crm.value.clusters import StrategyRule, cluster, loss_flags, suggest
from bot.crm.value.extras import Extras
from bot.crm.value.history import History

# (customers, recency days, purchases, average amount, tenure days, categories, coupon share)
GROUPS = [(150, 10, 12, 1200, 700, 6, 0.05),  # champions: recent, frequent, big
          (500, 60, 6, 800, 400, 2, 0.2),  # steady middle
          (350, 400, 1, 300, 420, 1, 0.9)]  # one coupon purchase long ago


def planted(seed: int = 1) -> tuple[History, Extras, np.ndarray]:
    rng = np.random.default_rng(seed)
    parts = []
    for label, (n, recency, purchases, amount, tenure, categories, coupons) in enumerate(GROUPS):
        def jitter(centre: float, n: int = n) -> np.ndarray:
            return centre * rng.lognormal(0, 0.15, n)

        p = np.maximum(np.round(jitter(purchases)), 1)
        rec = jitter(recency)
        parts.append((np.full(n, label), p, rec, jitter(amount), np.maximum(jitter(tenure), rec), np.round(jitter(categories)),
                      np.round(p * coupons)))
    label, p, rec, amount, tenure, categories, coupons = (np.concatenate(c) for c in zip(*parts, strict=True))
    n = len(label)
    h = History(at=datetime(2026, 1, 1, tzinfo=UTC), customer_id=np.arange(1, n + 1), purchases=p, tenure_days=tenure,
                span_days=tenure - rec, average_amount=amount, total_amount=amount * p, after=np.zeros(n))
    e = Extras(items=p * 1.5, categories=categories, coupons=coupons, coupon_amount=np.zeros(n), coupon_percent=np.zeros(n),
               refunds=np.zeros(n), complaints=np.zeros(n))
    return h, e, label


def test_planted_clusters_are_found_and_described():
    h, e, truth = planted()
    found = cluster(h, e, max_clusters=6, seed=16)
    assert found is not None and len(found.stats) == 3, found and found.silhouette
    assert adjusted_rand_score(truth, found.labels) > 0.95
    first, middle, last = found.stats
    assert first["customers"] == 150 and first["leverage"] > 2.5 and first["product_index"] > 2
    assert abs(sum(s["revenue_share"] for s in found.stats) - 1) < 1e-3
    assert abs(sum(s["customer_share"] for s in found.stats) - 1) < 1e-3
    rule = StrategyRule()
    assert [suggest(s, rule) for s in found.stats] == ["retain", "grow", "abandon"], found.stats
    assert suggest(last, StrategyRule(watch_recency_days=500)) == "watch"  # the marketer's thresholds


def test_losses_are_refunds_and_coupons_over_the_margin():
    h, e, _ = planted()
    refunds = np.zeros(len(h))
    refunds[:3] = h.total_amount[:3] * 0.5
    flagged = loss_flags(h, Extras(e.items, e.categories, e.coupons, e.coupon_amount, e.coupon_percent, refunds, e.complaints), 0.3)
    assert flagged[:3].all() and flagged.sum() == 3
