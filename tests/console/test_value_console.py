"""The value report and the customer page's value panels over HTTP, on both databases: model
quality in words, the cluster table with strategy changes and one-click segments, CSV downloads,
roles and CSRF; a shop without a churn signal is told the model is not useful."""

from __future__ import annotations

import numpy as np
from sqlalchemy import select

from jobs import recompute
from models import CustomerValue, Segment, ValueCluster, ValueModel, utcnow
from tests.crm.value.shop import bgnbd_shop, memoryless_shop, with_value


def test_value_report_customer_page_and_roles(console, runtime, db):
    now = utcnow()
    bgnbd_shop(runtime, now, np.random.default_rng(11), 400)
    recompute.value(runtime.sessions, with_value(runtime.settings, churn_min_repeaters=50, max_clusters=4), now)
    marketer = console("marketer")
    page = marketer.get("/console/value")
    assert page.status_code == 200, page.text[:300]
    assert 'id="clv-check"' in page.text and 'id="churn-check"' in page.text and 'id="clusters"' in page.text
    clusters = db.all(select(ValueCluster).order_by(ValueCluster.id))
    assert clusters and page.text.count('class="make-segment"') == len(clusters)
    csv = marketer.get("/console/value/clusters.csv")
    assert csv.status_code == 200 and csv.text.startswith("\ufeffCluster,") and len(csv.text.strip().splitlines()) == len(clusters) + 1
    scores = marketer.get("/console/value/customer-scores.csv")
    assert scores.status_code == 200 and len(scores.text.strip().splitlines()) == len(db.all(select(CustomerValue))) + 1
    assert marketer.get("/console/value/clv-distribution.csv").status_code == 200
    # the marketer overrides a strategy, then makes the cluster a segment in one click
    assert marketer.post(f"/console/value/clusters/{clusters[-1].id}/strategy", {"strategy": "abandon"}).status_code == 200
    assert db.get(ValueCluster, clusters[-1].id).strategy == "abandon"
    assert marketer.post(f"/console/value/clusters/{clusters[0].id}/strategy", {"strategy": "nonsense"}).status_code == 400
    made = marketer.post(f"/console/value/clusters/{clusters[0].id}/segment")
    assert made.status_code == 200 and "/console/segments/" in made.url
    assert db.scalar(select(Segment.criteria).where(Segment.name.like("%1"))) == {"clusters": [clusters[0].id]}
    assert marketer.post(f"/console/value/clusters/{clusters[0].id}/segment", csrf=False).status_code in (400, 403)
    # staff read customers but not reports; their customer page shows the figures and suggestions
    staff = console("staff")
    assert staff.get("/console/value").status_code == 403
    assert staff.post(f"/console/value/clusters/{clusters[0].id}/strategy", {"strategy": "retain"}).status_code == 403
    someone = db.scalar(select(CustomerValue.customer_id).limit(1))
    profile = staff.get(f"/console/customers/{someone}")  # zh-TW, the default language
    assert profile.status_code == 200 and "顧客價值" in profile.text and "流失風險" in profile.text and "推薦給這位顧客" in profile.text
    assert "顧客價值" in marketer.get(f"/console/customers/{someone}").text


def test_no_signal_gives_an_auc_near_a_coin_and_says_the_model_is_not_useful(console, runtime, db):
    now = utcnow()
    memoryless_shop(runtime, now, np.random.default_rng(6), 500)
    recompute.value(runtime.sessions, with_value(runtime.settings, churn_min_repeaters=100, max_clusters=3), now)
    churn = db.get(ValueModel, "churn").quality
    assert abs(churn["auc"] - 0.5) < 0.08 and not churn["trustworthy"] and churn["reason"] == "weak", churn
    page = console("marketer").get("/console/value")
    assert 'id="churn-not-useful"' in page.text and "幾乎不比隨機好" in page.text


def test_the_broadcast_form_shows_what_the_holdout_can_detect(console):
    marketer = console("marketer")
    ten = marketer.get("/console/broadcasts/new")
    assert ten.status_code == 200 and 'id="holdout-mde"' in ten.text
    # 2,000 recipients with 10 % held out at a 5 % purchase rate: 2.80 x sqrt(0.0475 x (1/1800 + 1/200)) = 4.55 points, shown 4.6
    assert "4.6 " in ten.text
    none = marketer.post("/console/broadcasts", {"holdout_percent": "0"})  # refused (no name...), shown again as chosen
    assert none.status_code == 400 and none.text.count("無：沒有對照組") == 3
