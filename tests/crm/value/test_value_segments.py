"""Segments by the nightly models: "churn risk above X" (with tiers: among gold customers) and
value clusters."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from bot.marketing.segments import parse_criteria, segment_query
from models import Customer, CustomerValue, utcnow
from tests.commerce import add_customer


def test_churn_risk_and_cluster_criteria(runtime):
    now = utcnow()
    ids = [add_customer(runtime, tier=1 if k % 2 else 3) for k in range(6)]
    with runtime.sessions.begin() as s:
        for k, cid in enumerate(ids):
            s.add(CustomerValue(customer_id=cid, churn_risk=k / 5, cluster=k % 3, computed_at=now - timedelta(hours=1)))
    criteria, errors = parse_criteria(MultiDict({"churn_risk_min": "55", "tiers": "1"}))
    assert not errors and criteria == {"churn_risk_min": 55, "tiers": [1]}
    with runtime.sessions() as s:
        assert set(s.scalars(segment_query(s, criteria))) == {ids[3], ids[5]}  # risks 0.6 and 1.0, gold
        assert set(s.scalars(segment_query(s, {"clusters": [2]}))) == {ids[2], ids[5]}
        assert set(s.scalars(segment_query(s, {}))) == set(s.scalars(select(Customer.id)))
    assert parse_criteria(MultiDict({"churn_risk_min": "150"}))[1]
    assert parse_criteria(MultiDict({"clusters": "two"}))[1]
