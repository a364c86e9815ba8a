"""Reports computed in SQL on both databases: funnel, tier pyramid, RFM grid, monthly retention
(months in the shop's time zone), campaign lift; CSV downloads; the lead campaigns page."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.marketing.reports import funnel, retention, rfm_grid, tier_pyramid
from tests.console.factories import add_customer


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def seed(runtime):
    with runtime.sessions.begin() as s:
        a = add_customer(s, "A", email="a@x.tw", tier=1, rfm_recency=5, rfm_frequency=5,
                         orders=[(utc(2026, 1, 10), "1000"), (utc(2026, 1, 31, 17), "500"), (utc(2026, 3, 5), "200")])
        add_customer(s, "B", stage="lead", tier=3, rfm_recency=5, rfm_frequency=5, referred_by_id=a.id,
                     orders=[(utc(2026, 2, 10), "300"), (utc(2026, 3, 1), "300")])
        add_customer(s, "C", tier=4, rfm_recency=1, rfm_frequency=2, orders=[(utc(2026, 1, 5), "100")])
        add_customer(s, "D", tier=5)
        add_customer(s, "E", phone="0912", tier=5, orders=[(utc(2026, 2, 1), "-50")])  # a refund only


def test_funnel_tiers_and_rfm(runtime):
    seed(runtime)
    with runtime.sessions() as s:
        assert [row[:2] for row in funnel(s).rows] == [["contacts", 5], ["leads", 3], ["first purchase", 3], ["repeat", 2], ["advocates", 1]]
        tiers = {row[0]: row for row in tier_pyramid(s).rows}
        assert tiers[1][1:4] == [1, 20.0, 1700.0] and tiers[5][1] == 2 and tiers[2][1] == 0
        assert round(sum(row[4] for row in tiers.values())) == 100
        grid = rfm_grid(s).rows
        assert grid[0] == ["R5", 0, 0, 0, 0, 2] and grid[4] == ["R1", 0, 1, 0, 0, 0] and grid[5][:2] == ["unscored", 2]


def test_retention_counts_months_in_the_shops_time_zone(runtime):
    seed(runtime)
    with runtime.sessions() as s:
        rows = retention(s, ZoneInfo("Asia/Taipei")).rows
    # A's order at 2026-01-31 17:00 UTC is 1 February in Taipei.
    assert rows == [["2026-01", 2, 2, 0, None, None], ["2026-02", 2, 1, 1, 50.0, 50.0], ["2026-03", 2, 0, 2, 100.0, 0.0]]


def test_reports_page_and_csv(console, runtime):
    seed(runtime)
    marketer = console("marketer")
    page = marketer.get("/console/reports")
    assert page.status_code == 200 and page.text.count("<svg") == 6 and "heat-" in page.text
    for name in ("funnel", "tiers", "rfm", "retention", "campaign-lift", "csat", "sla", "recovery"):
        answer = marketer.get(f"/console/reports/{name}.csv")
        assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
        assert rows[0] and all(len(r) == len(rows[0]) for r in rows)
    assert list(csv.reader(io.StringIO(marketer.get("/console/reports/funnel.csv").content.decode("utf-8-sig"))))[1] == ["contacts", "5", "100.0"]
    assert marketer.get("/console/reports/nothing.csv").status_code == 404
    tiers = list(csv.reader(io.StringIO(marketer.get("/console/reports/tiers.csv").content.decode("utf-8-sig"))))
    names = {t.level: t.name["zh-TW"] for t in runtime.settings.tiers}  # the console speaks zh-TW by default
    assert [row[0] for row in tiers[1:]] == [f"{level} · {names[level]}" for level in range(1, 6)]


def test_lead_campaign_links_qr_and_counts(console, runtime, server, settings):
    runtime.settings = settings.replace(console={"telegram_bot_username": "qingtian_bot"})
    with runtime.sessions.begin() as s:
        add_customer(s, "a", lead_source="src_spring", orders=[(utc(2026, 3, 1), "100")])
        add_customer(s, "b", lead_source="spring")
        add_customer(s, "c", lead_source="ref_42")
    marketer = console("marketer")
    bad = marketer.post("/console/campaigns", {"name": "", "code": "Spring Sale!"})
    assert bad.status_code == 400 and 'id="error-code"' in bad.text and 'id="error-name"' in bad.text
    made = marketer.post("/console/campaigns", {"name": "春季", "code": "spring", "incentive": "9 折"})
    assert made.status_code == 200
    assert "https://t.me/qingtian_bot?start=src_spring" in made.text
    assert '<strong class="leads">2</strong>' in made.text and '<strong class="buyers">1</strong>' in made.text
    taken = marketer.post("/console/campaigns", {"name": "again", "code": "spring"})
    assert taken.status_code == 400 and "error-code" in taken.text
    qr = marketer.get("/console/campaigns/1/qr.png")
    assert qr.status_code == 200 and qr.content[:8] == b"\x89PNG\r\n\x1a\n"
    import segno

    expected = io.BytesIO()
    segno.make("https://t.me/qingtian_bot?start=src_spring", error="m").save(expected, kind="png", scale=8, border=2)
    assert qr.content == expected.getvalue()  # the code encodes the deep link
