"""The nightly value models on both databases: every buyer gets a lifetime value, P(alive) and a
churn risk; the holdout check and the churn AUC are stored; a planted churn signal is found (a shop
without one: tests/console/test_value_console.py)."""

from __future__ import annotations

import numpy as np
from sqlalchemy import func, select

from jobs import recompute
from models import CustomerValue, ValueCluster, ValueModel, utcnow
from tests.crm.value.shop import bgnbd_shop, with_value


def test_nightly_scores_every_buyer_and_checks_itself(runtime, db):
    now = utcnow()
    bgnbd_shop(runtime, now, np.random.default_rng(5), 900)
    settings = with_value(runtime.settings, churn_min_repeaters=100)
    recompute.run(runtime.sessions, settings, now)
    rows = db.all(select(CustomerValue))
    buyers = db.scalar(select(func.count()).select_from(CustomerValue))
    assert buyers == len(rows) > 800
    assert all(r.expected_purchases is not None and r.expected_purchases >= 0 and 0 <= r.p_alive <= 1 for r in rows)
    assert all(r.expected_spend >= 0 and 0 <= r.churn_risk <= 1 for r in rows)
    clv = db.get(ValueModel, "clv")
    assert clv.quality["usable"] and clv.quality["correlation"] > 0.4, clv.quality
    assert abs(clv.quality["predicted_total"] - clv.quality["actual_total"]) < 0.35 * clv.quality["actual_total"], clv.quality
    assert set(clv.params["bgnbd"]) == {"r", "alpha", "a", "b"}
    churn = db.get(ValueModel, "churn").quality
    assert churn["auc"] > 0.7 and churn["trustworthy"], churn  # buy-till-you-die: silence predicts churn
    clusters = db.all(select(ValueCluster).order_by(ValueCluster.id))
    assert len(clusters) >= 2 and {r.cluster for r in rows} == {c.id for c in clusters}
    assert sum(c.customers for c in clusters) == len(rows)
    assert [c.stats["leverage"] for c in clusters] == sorted((c.stats["leverage"] for c in clusters), reverse=True)
    assert db.get(ValueModel, "clusters").quality["k"] == len(clusters)
    # the riskiest buyers are the long silent ones
    risk = sorted(rows, key=lambda r: r.churn_risk)
    assert np.mean([r.p_alive for r in risk[:100]]) > np.mean([r.p_alive for r in risk[-100:]])


def test_too_few_repeat_buyers_are_not_trusted(runtime, db):
    now = utcnow()
    bgnbd_shop(runtime, now, np.random.default_rng(7), 150)
    recompute.run(runtime.sessions, runtime.settings, now)  # default: 300 customers with two purchases needed
    churn = db.get(ValueModel, "churn").quality
    assert not churn["trustworthy"] and churn["reason"] in ("few_repeaters", "one_outcome"), churn
