"""The segment builder's criteria: checked field by field, and resolved in SQL on both databases."""

from __future__ import annotations

from datetime import timedelta

from werkzeug.datastructures import MultiDict

from bot.marketing.segments import count_and_sample, parse_criteria, segment_query
from models import utcnow
from tests.console.factories import add_customer


def ids(runtime, criteria):
    with runtime.sessions() as session:
        return sorted(session.scalars(segment_query(session, criteria)).all())


def test_bad_values_name_the_field():
    form = MultiDict([("tiers", "7"), ("r_min", "x"), ("f_min", "4"), ("f_max", "2"), ("bought_within_days", "0"),
                      ("channel", "fax"), ("consent", "maybe"), ("purchases_min", "-1")])
    _, errors = parse_criteria(form)
    assert set(errors) == {"tiers", "r_min", "f_max", "bought_within_days", "channel", "consent", "purchases_min"}
    assert "not a whole number" in errors["r_min"] and "below the minimum" in errors["f_max"]


def test_every_criterion_selects_the_right_customers(runtime):
    now = utcnow()
    with runtime.sessions.begin() as s:
        a = add_customer(s, "A", line="Ua", consent=("line",), stage="lead", tier=2, rfm_recency=5, rfm_frequency=1, rfm_monetary=3,
                         tags=["vip", "poetry"], interests=["books"], region="台北", age_group="25-34",
                         orders=[(now - timedelta(days=3), "100"), (now - timedelta(days=40), "50")]).id
        b = add_customer(s, "B", telegram="Tb", stage="repeat", tier=4, rfm_recency=2, rfm_frequency=4, rfm_monetary=1,
                         tags=["comics"], interests=["coffee", "books"], region="台中", age_group="35-44",
                         orders=[(now - timedelta(days=100), "80")]).id
        c = add_customer(s, "C", line="Uc", reachable=False, consent=("line",), stage="stranger", tier=5).id
    assert ids(runtime, {}) == [a, b, c]
    assert ids(runtime, {"stages": ["lead", "repeat"]}) == [a, b]
    assert ids(runtime, {"tiers": [4, 5]}) == [b, c]
    assert ids(runtime, {"r_min": 3}) == [a] and ids(runtime, {"f_min": 2, "f_max": 4}) == [b]
    assert ids(runtime, {"tags": ["poetry", "comics"]}) == [a, b] and ids(runtime, {"tags": ["vip"]}) == [a]
    assert ids(runtime, {"interests": ["coffee"]}) == [b] and ids(runtime, {"interests": ["books"]}) == [a, b]
    assert ids(runtime, {"regions": ["台中"]}) == [b] and ids(runtime, {"age_groups": ["25-34"]}) == [a]
    assert ids(runtime, {"bought_within_days": 30}) == [a]
    assert ids(runtime, {"not_bought_days": 60}) == [b, c]
    assert ids(runtime, {"purchases_min": 2}) == [a] and ids(runtime, {"purchases_max": 0}) == [c]
    assert ids(runtime, {"purchases_min": 1, "purchases_max": 1}) == [b]
    assert ids(runtime, {"channel": "line"}) == [a]  # C's LINE account is blocked
    assert ids(runtime, {"consent": "marketing"}) == [a, c] and ids(runtime, {"consent": "none"}) == [b]
    assert ids(runtime, {"channel": "line", "consent": "marketing", "tags": ["vip"], "purchases_min": 2}) == [a]
    with runtime.sessions() as s:
        count, sample = count_and_sample(s, {"tiers": [2, 4]})
    assert count == 2 and [c.id for c in sample] == [b, a]


def test_live_count_endpoint_and_saving(console, runtime):
    with runtime.sessions.begin() as s:
        for index in range(12):
            add_customer(s, f"C{index}", tier=1 + index % 5)
    marketer = console("marketer")
    answer = marketer.get("/console/segments/preview.json", params={"tiers": ["1", "2"]}).json()
    assert answer["count"] == 6 and len(answer["sample"]) == 6 and answer["criteria"] == {"tiers": [1, 2]}
    bad = marketer.get("/console/segments/preview.json", params={"r_min": "9"})
    assert bad.status_code == 400 and "r_min" in bad.json()["errors"]
    saved = marketer.post("/console/segments", {"name": "Top tiers", "tiers": ["1", "2"]})
    assert saved.status_code == 200 and "/console/segments/" in saved.url and "Top tiers" in saved.text
    duplicate = marketer.post("/console/segments", {"name": "Top tiers", "tiers": "3"})
    assert duplicate.status_code == 400 and 'id="error-name"' in duplicate.text
    unnamed = marketer.post("/console/segments", {"tiers": "9"})
    assert unnamed.status_code == 400 and 'id="error-name"' in unnamed.text and 'id="error-tiers"' in unnamed.text
