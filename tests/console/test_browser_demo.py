"""In a real browser with the demo bookshop loaded: every report shows something a marketer can
read (screenshots in tests/artifacts/), the catalogue and a customer's purchases too."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.devtools import demo
from models import Customer, OrderLine
from tests.console.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]
REPORTS = ["funnel", "tiers", "rfm", "retention", "campaign-lift", "csat", "sla", "recovery"]


def test_reports_with_the_demo_shop(runtime, page_for):
    with runtime.sessions.begin() as session:
        demo.generate(session, runtime.settings, customers=2000)
    page = page_for("marketer")
    page.goto("/console/reports")
    for name in REPORTS:
        section = page.locator(f"#report-{name}")
        rows = section.locator("tbody tr")
        assert rows.count() >= 1, name
        figures = [cell for cell in section.locator("tbody td").all_inner_texts() if cell.strip() not in ("", "—", "0", "0.0")]
        assert len(figures) >= 3, (name, figures)  # numbers, not an empty table
        section.scroll_into_view_if_needed()
        screenshot_section(section, f"demo-report-{name}")
    screenshot(page, "demo-reports")
    assert page.locator("#report-campaign-lift tbody tr").count() == 2
    page.goto("/console/campaigns")
    screenshot(page, "demo-campaigns")
    page.goto("/console/products?category=童書")
    assert page.locator("#products tbody tr").count() > 10
    screenshot(page, "demo-products")
    with runtime.sessions() as s:
        buyer = s.scalar(select(OrderLine.customer_id).group_by(OrderLine.customer_id).order_by(func.count().desc()).limit(1))
        assert s.get(Customer, buyer) is not None
    staff = page_for("staff")
    staff.goto(f"/console/customers/{buyer}")
    assert "買過的商品" in staff.content()
    screenshot(staff, "demo-customer")


def screenshot_section(section, name: str) -> None:
    from tests.console.conftest import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    section.screenshot(path=str(ARTIFACTS / f"{name}.png"))
